"""The configuration probe: after the preflight, before any test, is the target set up right?

It PUTs a body that is not JSON (cut short on purpose: no server can apply it, so nothing is
ever written) to each course record the profile lists and to the track, through the transport
(allow-list, timeout, pacing), and reads the answers:

- 401: the token was refused.
- 403: the token may not touch it (the documents give 403 for a tenant that does not exist);
  for the locked record, an allowed refusal (CR-040), so it decides nothing there.
- 404: the record, event or track is not there; everything 404: the base URL's path prefix.
- 3xx, 405, a web page (text/html): the base URL leads to something other than the API.
- anything else proves token and path right (400, 409, 415, 422...); a 5xx, a 429 or no
  answer at all decides nothing.

A probe that cannot decide never stops the run: the suites judge what they see. Which of
several misconfigurations came first is told in one line, and the run exits 4 before a test.
Registrations inside the track are not probed: telling whether an id is in the track takes an
update that would be applied.

Under --concurrency N the first PUT goes alone (a refused token or a wrong prefix is settled by
one request, as in a sequential run), then the others at once (a probe writes nothing, and each
goes to another record): against a server answering in 300 ms, six probes cost two round trips.
Their answers are read in the order above, so the same answers give the same line.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, replace
from typing import Any

from regconform.catalogue.contracts import COURSE_PATH, EVENT_TRACK_PATH
from regconform.errors import ConfigError
from regconform.settings.config import RunConfig
from regconform.settings.profile import COURSE, TRACKS, Profile
from regconform.settings.read_paths import fill
from regconform.target.concurrency import in_order
from regconform.target.exchange import Exchange
from regconform.target.preflight import check_reachable
from regconform.target.transport import Target, TargetError, Throttled

# Not JSON (cut short): a conforming server refuses it whole, never applies a part of it.
PROBE_BODY = b'{"regconform": "configuration probe: this body is cut short on purpose'


def check_target(config: RunConfig) -> int:
    """Before any test of `regconform run`: does anything answer HTTP at the base URL (the
    preflight), and is the target set up as the profile says (the probe)? ConfigError if not;
    the requests the probe sent. (Under plain pytest the two are apart: the preflight before
    collection, the probe once the token is minted, run.plugin.preflight and .prepared.)"""
    check_reachable(config.base_url, config.timeout, config.profile.tls)
    return ProbeRun(config).check()


@dataclass(frozen=True)
class Probe:
    """One PUT of the probe, and the profile setting its answer speaks for."""

    section: str
    setting: str  # e.g. "registration_ids"
    value: str  # the id (or ids) it names
    path: tuple[str, ...]
    ids: tuple[str, ...]  # a course record's (tenant, id); the track's event, track, ids
    refusal_allowed: bool = False  # 403 conforms here (the locked record, CR-040)

    def allowed(self) -> dict[str, Any]:
        """What the transport's allow-list checks: a course record as its (tenant, id) pair."""
        if self.section == COURSE:
            tenant, record = self.ids
            return {"checked_record": (tenant, record)}
        return {"checked_ids": self.ids}


def probes(profile: Profile) -> list[Probe]:
    """The probe's PUTs: one course record first, the track, then the other records."""
    course: list[Probe] = []
    if profile.course:
        c = profile.course
        for record in c.registration_ids:
            path = fill(COURSE_PATH, {"tenantId": c.tenant_id, "id": record})
            course.append(Probe(COURSE, "registration_ids", record, path, (c.tenant_id, record)))
        if c.locked_registration_id:
            locked = c.locked_registration_id
            path = fill(COURSE_PATH, {"tenantId": c.tenant_id, "id": locked})
            ids = (c.tenant_id, locked)
            course.append(Probe(COURSE, "locked_registration_id", locked, path, ids, True))
    track: list[Probe] = []
    if profile.tracks:
        t = profile.tracks
        path = fill(EVENT_TRACK_PATH, {"event_id": t.event_id, "track_id": t.track_id})
        value = f"{t.event_id}/{t.track_id}"
        track.append(Probe(TRACKS, "event_id/track_id", value, path, (t.event_id, t.track_id)))
    return [*course[:1], *track, *course[1:]]


def answer_kind(exchange: Exchange, probe: Probe) -> str:
    """`token`, `prefix`, `missing` or `ok` (see above)."""
    status = exchange.status
    body = exchange.body.lstrip()[:1]
    web_page = exchange.media_type == "text/html" and body == b"<"
    if status == 401:
        return "token"
    if 300 <= status < 400 or status == 405 or (web_page and (status < 300 or status == 404)):
        return "prefix"
    if status == 404 or (status == 403 and not probe.refusal_allowed):
        return "missing"
    return "ok"


@dataclass
class ProbeRun:
    """The probe against one target: what it sent, and what went missing."""

    config: RunConfig
    sent: int = 0

    def check(self) -> int:
        """Send the probe; return how many requests it sent, or raise a one-line ConfigError."""
        cfg = self.config
        # Not a dry run (no probe then), and outside --max-requests: the probe is not a test.
        target = Target.for_run(replace(cfg, max_requests=None), concurrency=cfg.concurrency)
        try:
            self._send_all(target)
        finally:
            self.sent = target.log.count
            target.close()
        return self.sent

    def _send_all(self, target: Target) -> None:
        missing: list[tuple[Probe, Exchange]] = []
        planned = probes(self.config.profile)
        sections = {probe.section for probe in planned}
        sends = [
            functools.partial(target.put, probe.path, raw_body=PROBE_BODY, **probe.allowed())
            for probe in planned
        ]
        rest = in_order(target.concurrency, sends[1:])  # sent once the first is judged
        answers = itertools.chain(in_order(1, sends[:1]), rest)
        try:
            for index, probe in enumerate(planned):
                try:
                    exchange = next(answers)
                except (TargetError, Throttled):
                    return  # cannot decide; the suites will meet the same and say so
                self._judge(index, probe, exchange, sections, missing)
        finally:
            rest.close()  # a decided probe waits for the PUTs still out, sends no more
        if missing:
            raise ConfigError(self._missing(missing, planned))

    def _judge(
        self,
        index: int,
        probe: Probe,
        exchange: Exchange,
        sections: set[str],
        missing: list[tuple[Probe, Exchange]],
    ) -> None:
        """Raise ConfigError for an answer that settles the run; keep a missing one."""
        kind = answer_kind(exchange, probe)
        if kind in ("token", "prefix"):
            raise ConfigError(self._wrong(kind, exchange))
        if kind == "missing":
            missing.append((probe, exchange))
        # The first probe of every section found nothing: the base URL, not the ids.
        if len(sections) > 1 and len(missing) == index + 1 == len(sections):
            raise ConfigError(self._nothing_found(missing))

    def _wrong(self, kind: str, exchange: Exchange) -> str:
        cfg = self.config
        said = _said(exchange)
        if kind == "token":
            return f"{cfg.token_source} was refused: {said}"
        return f"base_url {cfg.base_url} leads elsewhere than the API: {said}; is its prefix right?"

    def _nothing_found(self, missing: list[tuple[Probe, Exchange]]) -> str:
        said = "; ".join(_said(exchange) for _, exchange in missing[:2])
        if all(exchange.status == 403 for _, exchange in missing):
            return (
                f"{self.config.token_source} may update nothing the profile lists ({said}): "
                "check the token's permissions and the profile's tenant_id, event_id, track_id"
            )
        return (
            f"base_url {self.config.base_url} finds nothing the profile lists ({said}): "
            "is its path prefix right?"
        )

    def _missing(self, missing: list[tuple[Probe, Exchange]], planned: list[Probe]) -> str:
        first, exchange = missing[0]
        same = [probe for probe, _ in missing if probe.section == first.section]
        of_section = [probe for probe in planned if probe.section == first.section]
        if len(of_section) == 1 or len(same) < len(of_section):
            settings = [p for p in same if p.setting == first.setting]
            values = ", ".join(repr(p.value) for p in settings)
            what = f"profile [{first.section}] {first.setting} {values}"
        elif first.section == COURSE and self.config.profile.course:
            tenant = self.config.profile.course.tenant_id
            what = f"profile [{COURSE}] tenant_id {tenant!r} (none of its records)"
        else:
            what = f"profile [{first.section}]"
        found = "may not be updated with the token" if exchange.status == 403 else "not found"
        return f"{what} {found}: {_said(exchange)}"


def _said(exchange: Exchange) -> str:
    """`PUT /path answered 404 application/json`, with a redirect's Location."""
    path = exchange.request.redactor.url(exchange.request.url)
    status = f"{exchange.status} {exchange.media_type or '(no content type)'}"
    location = exchange.headers.get("location")
    to = f" to {location}" if location and 300 <= exchange.status < 400 else ""
    return f"PUT {path} answered {status}{to}"
