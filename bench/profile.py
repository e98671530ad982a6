"""Profile one default `regconform run` with pyinstrument: where its time goes, call by call.

    .venv/bin/python bench/profile.py [--html] [-- RUN OPTIONS]

Starts a reference server (a subprocess on loopback), runs `regconform run --profile P` under
pyinstrument in a child process and writes bench/profile.txt (or bench/profile.html), which git
ignores. Sampling costs a little: read the shares, not the absolute times (bench/run.py has
those). Options after `--` go to `regconform run` (e.g. `-- --max-examples 100`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV
from regconform.target.embedded import embedded_server

BENCH = Path(__file__).resolve().parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", action="store_true", help="an HTML page instead of text")
    parser.add_argument("run_options", nargs="*", help="after --: options of regconform run")
    args = parser.parse_args(argv)
    output = BENCH / ("profile.html" if args.html else "profile.txt")
    env = {**os.environ, TOKEN_ENV: os.environ.get(TOKEN_ENV, DEFAULT_TOKEN)}
    with embedded_server() as (_, profile), tempfile.TemporaryDirectory() as reports:
        command = [sys.executable, "-m", "pyinstrument", "-r", "html" if args.html else "text"]
        command += ["-o", str(output), "-m", "regconform", "run", "--profile", str(profile)]
        command += ["--report-dir", reports, *args.run_options]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stdout[-2000:] + done.stderr[-2000:], file=sys.stderr)
        return done.returncode
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
