"""The reference server: a plain, independent implementation of both endpoints."""

from __future__ import annotations

from regconform.reference.app import ServerSettings, create_app
from regconform.reference.semantics import Semantics
from regconform.reference.server import running_server

__all__ = ["Semantics", "ServerSettings", "create_app", "running_server"]
