"""SQLite storage of the reference server: one connection, one lock, one transaction per update."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from regconform.errors import ConfigError
from regconform.reference import fixtures

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS course_registrations (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    id TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS tracks (
    event_id TEXT NOT NULL REFERENCES events(id),
    id TEXT NOT NULL,
    PRIMARY KEY (event_id, id)
);
CREATE TABLE IF NOT EXISTS track_registrations (
    event_id TEXT NOT NULL,
    track_id TEXT NOT NULL,
    id TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (event_id, track_id, id),
    FOREIGN KEY (event_id, track_id) REFERENCES tracks(event_id, id)
);
"""
_TABLES = ("track_registrations", "tracks", "events", "course_registrations", "tenants")


class Store:
    """The server's state. Call the data methods only inside `transaction()`."""

    def __init__(self, db: str) -> None:
        self._lock = threading.Lock()
        try:
            # One connection shared by the threadpool's workers; the lock serialises them, and
            # autocommit mode (isolation_level=None) lets transaction() say BEGIN itself.
            self._connection = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
            if db != ":memory:":
                # WAL with synchronous=NORMAL: a commit survives a crash of this process and
                # costs no fsync, which keeps thousands of PUTs per run fast.
                self._connection.execute("PRAGMA journal_mode=WAL")
                self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open database {db}: {exc}") from None
        self._db = db

    def prepare(self, *, reset: bool) -> None:
        """Create the schema; seed the fixtures when the database is new or `reset` is set."""
        try:
            self._prepare(reset)
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot use database {self._db}: {exc}") from None

    def _prepare(self, reset: bool) -> None:
        with self.transaction():
            is_new = not self._table_exists("tenants")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._connection.execute(statement)
            if reset:
                for table in _TABLES:
                    self._connection.execute(f"DELETE FROM {table}")
            if is_new or reset:
                self._seed()

    def close(self) -> None:
        """Close the connection (waits for a running transaction)."""
        with self._lock:
            self._connection.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock and one write transaction; commit on success, roll back on error."""
        with self._lock:
            # IMMEDIATE takes the write lock up front, so the read-check-write of an update
            # cannot interleave with another writer even if the file is shared.
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def _table_exists(self, name: str) -> bool:
        row = self._connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def _seed(self) -> None:
        execute = self._connection.execute
        for tenant_id in (fixtures.TENANT_ID, fixtures.OTHER_TENANT_ID):
            execute("INSERT INTO tenants (id) VALUES (?)", (tenant_id,))
        for tenant_id, record in fixtures.seed_courses():
            self.save_course(tenant_id, record)
        execute("INSERT INTO events (id) VALUES (?)", (fixtures.EVENT_ID,))
        execute(
            "INSERT INTO tracks (event_id, id) VALUES (?, ?)",
            (fixtures.EVENT_ID, fixtures.TRACK_ID),
        )
        self.set_track_statuses(
            fixtures.EVENT_ID,
            fixtures.TRACK_ID,
            fixtures.TRACK_REGISTRATION_IDS,
            fixtures.INITIAL_TRACK_STATUS,
        )

    # Course registrations

    def course(self, tenant_id: str, record_id: str) -> dict[str, Any] | None:
        """The record `record_id` of `tenant_id`, or None."""
        row = self._connection.execute(
            "SELECT record FROM course_registrations WHERE tenant_id = ? AND id = ?",
            (tenant_id, record_id),
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def save_course(self, tenant_id: str, record: dict[str, Any]) -> None:
        """Insert or replace a record under (tenant_id, record["id"])."""
        self._connection.execute(
            "INSERT OR REPLACE INTO course_registrations (tenant_id, id, record) VALUES (?, ?, ?)",
            (tenant_id, record["id"], json.dumps(record, separators=(",", ":"))),
        )

    # Event track registrations

    def track_registration_ids(self, event_id: str, track_id: str) -> frozenset[str] | None:
        """The registration ids of a track, or None when the event or track does not exist."""
        exists = self._connection.execute(
            "SELECT 1 FROM tracks WHERE event_id = ? AND id = ?", (event_id, track_id)
        ).fetchone()
        if exists is None:
            return None
        rows = self._connection.execute(
            "SELECT id FROM track_registrations WHERE event_id = ? AND track_id = ?",
            (event_id, track_id),
        )
        return frozenset(row[0] for row in rows)

    def set_track_statuses(
        self, event_id: str, track_id: str, registration_ids: Iterable[str], status: str
    ) -> None:
        """Store `status` for each registration (inserting the ones not yet stored)."""
        self._connection.executemany(
            "INSERT INTO track_registrations (event_id, track_id, id, status) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (event_id, track_id, id) DO UPDATE SET status = excluded.status",
            [(event_id, track_id, rid, status) for rid in registration_ids],
        )

    def track_registration(self, event_id: str, registration_id: str) -> tuple[str, str] | None:
        """(track id, status) of a registration of the event (its first track), or None."""
        row = self._connection.execute(
            "SELECT track_id, status FROM track_registrations WHERE event_id = ? AND id = ?"
            " ORDER BY track_id LIMIT 1",
            (event_id, registration_id),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def track_statuses(self, event_id: str, track_id: str) -> dict[str, str]:
        """Registration id -> stored status of a track."""
        rows = self._connection.execute(
            "SELECT id, status FROM track_registrations WHERE event_id = ? AND track_id = ?",
            (event_id, track_id),
        )
        return {row[0]: row[1] for row in rows}
