"""Re-judging recorded responses against the current contracts, without a network.

Only the checks that judge a response on its own against the contract are run: what the body of
a 200 course update, a 207 or an error must look like, and which statuses are documented. The
rest (was the update applied, 207 vs 200 for these ids...) needs the suite's intent and stays
with a replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from regconform.cassettes._cassette import Interaction, request_line
from regconform.cassettes._metadata import Recording
from regconform.catalogue.contracts import (
    Contracts,
)
from regconform.judging.checks import Check
from regconform.judging.checks import course as cr
from regconform.judging.checks import event_track as etr
from regconform.judging.endpoints import CONTENT_TYPE_STATUS, course_endpoint, track_endpoint
from regconform.target.exchange import Exchange, SentRequest

DEFAULT_POINTER = "/failed_registration_ids"


@dataclass(frozen=True)
class Finding:
    """One recorded response that breaks a requirement of the current contracts."""

    cassette: str
    index: int
    request: str
    requirement: str
    message: str

    def line(self) -> str:
        message = self.message if len(self.message) <= 300 else self.message[:300] + "...(cut)"
        return f"{self.cassette} #{self.index} {self.request}: {self.requirement} {message}"


class Judges:
    """The response-only checks of each endpoint, bound to the current contracts."""

    def __init__(self, contracts: Contracts, pointer: str) -> None:
        course, track = course_endpoint(contracts), track_endpoint(contracts)
        course_documented, track_documented = course.documented, track.documented
        course_schema, track_schema = course.validator, track.validator
        self.documented = {"course": course_documented, "tracks": track_documented}
        self.course = [
            cr.course_response_is_json,
            cr.course_response_matches_schema.bind(validator=course_schema),
        ]
        self.tracks = [
            etr.multi_status_body_valid.bind(validator=track_schema, pointer=pointer),
            etr.track_error_body_is_list,
            etr.track_unauthorized_body_is_object,
        ]

    def checks(self, endpoint: str, exchange: Exchange) -> list[Check]:
        documented = self.documented[endpoint]
        if exchange.request.headers.get("content-type", "application/json") != "application/json":
            # as the suite judges a body sent with another content type: 415 is fine (RFC 9110)
            documented = documented | {CONTENT_TYPE_STATUS}
        if endpoint == "course":
            return [cr.course_status_documented.bind(documented=documented), *self.course]
        return [etr.track_status_documented.bind(documented=documented), *self.tracks]


def endpoint_of(path: str, prefix: str) -> str | None:
    """ "course", "tracks" or None (not a path of either endpoint under the base URL's prefix)."""
    if not path.startswith(prefix):
        return None
    parts = path[len(prefix) :].strip("/").split("/")
    if len(parts) == 3 and parts[0] == "courseRegistrations":
        return "course"
    track_shape = parts[:2] == ["v3", "events"] and parts[3::2] == ["tracks", "registrations"]
    if len(parts) == 6 and track_shape:
        return "tracks"
    return None


def exchange_of(interaction: Interaction) -> Exchange:
    """The Exchange the checks see, rebuilt from a recorded interaction."""
    request, response = interaction
    request_headers = {str(k).lower(): _header_text(v) for k, v in request.headers.items()}
    body = request.body
    sent = SentRequest(
        request.method,
        request.uri,
        request_headers,
        body if isinstance(body, bytes) else None,
    )
    headers = {str(k).lower(): _header_text(v) for k, v in response["headers"].items()}
    status = int(response["status"]["code"])
    return Exchange(sent, status, headers, response["body"]["string"] or b"")


def _header_text(value: Any) -> str:
    values = value if isinstance(value, (list, tuple)) else [value]
    return ", ".join(v.decode() if isinstance(v, bytes) else str(v) for v in values)


def revalidate(recording: Recording, contracts: Contracts) -> tuple[list[Finding], int]:
    """Every violation of a recorded response, and how many responses were judged."""
    profile = recording.profile
    tracks = profile.get("event_track_registrations") or {}
    judges = Judges(contracts, str(tracks.get("failed_ids_pointer", DEFAULT_POINTER)))
    prefix = urlsplit(str(profile.get("base_url", ""))).path.rstrip("/")
    findings: list[Finding] = []
    judged = 0
    for name, interactions in sorted(recording.cassettes.items()):
        for index, interaction in enumerate(interactions):
            endpoint = endpoint_of(interaction[0].path, prefix)
            if endpoint is None or interaction[0].method != "PUT":
                continue  # a read-back (GET) is no answer the contracts describe
            judged += 1
            exchange = exchange_of(interaction)
            line = request_line(interaction[0])
            for check in judges.checks(endpoint, exchange):
                for violation in check.run(exchange):
                    findings.append(
                        Finding(name, index, line, violation.requirement, violation.message)
                    )
    return findings, judged
