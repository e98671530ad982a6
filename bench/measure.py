"""Timing a command: wall time, peak memory of its process tree, and the TCP connections it
opened to the server under test. Linux only (/proc); no dependency beyond the standard library."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
POLL_SECONDS = 0.15
TCP_LISTEN = "0A"


@dataclass
class Measured:
    """What one command cost."""

    returncode: int
    wall: float
    peak_tree_rss_mb: float  # sampled sum over the process tree (xdist workers included)
    max_rss_mb: float  # ru_maxrss from wait4: the largest single process of the tree
    cpu: float  # user + system seconds of the tree (children it waited for included)
    connections: int  # TCP connections opened to the server port while it ran
    stdout: str = field(repr=False, default="")
    server_cpu: float | None = None  # seconds the server under test spent meanwhile
    started_at: float = 0.0  # time.time() when it was started
    ended_at: float = 0.0


def _children_by_parent() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_rss_bytes(root: int) -> int:
    """Resident memory of `root` and all its descendants, now."""
    tree, total, todo = _children_by_parent(), 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
        except OSError:
            continue
        todo.extend(tree.get(pid, []))
    return total


def peer_ports(server_port: int) -> set[int]:
    """Client ports of every TCP socket to or from `server_port` (TIME-WAIT included, ~60 s)."""
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state = int(fields[1][-4:], 16), int(fields[2][-4:], 16), fields[3]
            if state == TCP_LISTEN:
                continue
            if local == server_port:
                ports.add(remote)
            elif remote == server_port:
                ports.add(local)
    return ports


class Monitor(threading.Thread):
    """Samples the tree's memory and the connections to the server until stopped."""

    def __init__(self, root: int, server_port: int | None) -> None:
        super().__init__(daemon=True)
        self.root, self.server_port = root, server_port
        self.before = peer_ports(server_port) if server_port else set()
        self.seen: set[int] = set()
        self.peak = 0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        self.peak = max(self.peak, tree_rss_bytes(self.root))
        if self.server_port:
            self.seen |= peer_ports(self.server_port)

    def run(self) -> None:
        while not self._stop_event.wait(POLL_SECONDS):
            self.sample()

    def stop(self) -> int:
        """Stop; the number of connections opened while running."""
        self._stop_event.set()
        self.join()
        if self.server_port:
            self.seen |= peer_ports(self.server_port)
        return len(self.seen - self.before)


def cpu_seconds(pid: int) -> float:
    """User + system seconds `pid` has used so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(parent: int) -> list[int]:
    return _children_by_parent().get(parent, [])


def run_measured(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    server_port: int | None = None,
    timeout: float = 600.0,
) -> Measured:
    """Run `command` to completion, capturing its output, and measure it."""
    started, started_at = time.perf_counter(), time.time()
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    monitor = Monitor(process.pid, server_port)
    monitor.start()
    try:
        stdout = _read_all(process, timeout)
        # wait4, not RUSAGE_CHILDREN: this child's own peak (KiB on Linux), not the bench's
        # largest child so far.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    finally:
        connections = monitor.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        returncode=process.returncode,
        wall=wall,
        peak_tree_rss_mb=max(monitor.peak, 1) / 2**20,
        max_rss_mb=usage.ru_maxrss / 1024,
        cpu=usage.ru_utime + usage.ru_stime,
        connections=connections,
        stdout=stdout,
        started_at=started_at,
        ended_at=started_at + wall,
    )


def _read_all(process: subprocess.Popen[str], timeout: float) -> str:
    """All the output, without reaping the child (so wait4 can still collect its rusage)."""
    assert process.stdout is not None
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        return process.stdout.read()
    finally:
        timer.cancel()
        process.stdout.close()
