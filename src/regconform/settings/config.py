"""The run configuration, built once with a written precedence and passed down frozen."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from regconform.catalogue.requirements import (
    DEFAULT_FAILING_LEVEL,
    FAILING_LEVELS,
    Level,
    load_catalogue,
)
from regconform.errors import ConfigError, check_output_folder
from regconform.settings.auth import AuthSpec
from regconform.settings.baseline import Baseline, load_baseline
from regconform.settings.profile import Profile, check_base_url, load_profile, parse_profile

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_TIMEOUT = 10.0


PLANS = ("full", "quick")  # how many examples each test draws (regconform.run.plan)
DEFAULT_PLAN = "full"


@dataclass(frozen=True)
class RunConfig:
    base_url: str
    token: str = field(repr=False)  # never printed, logged or written anywhere
    token_env: str
    profile: Profile
    seed: int = 0
    max_examples: int = DEFAULT_MAX_EXAMPLES
    failing_level: Level = Level.MUST
    timeout: float = DEFAULT_TIMEOUT
    dry_run: bool = False
    max_requests: int | None = None
    rate_limit: float | None = None
    report_dir: Path | None = None
    extra_secrets: tuple[str, ...] = field(default=(), repr=False)
    baseline: Baseline = field(default_factory=Baseline)  # accepted deviations (--baseline)
    # Set: the token is minted before the run (regconform.target.token), `token` is empty
    # until then. None: the token is the value of `token_env` (or was given by the caller).
    auth: AuthSpec | None = None
    plan: str = DEFAULT_PLAN  # examples per test: one of PLANS (regconform.run.plan)
    concurrency: int = 1  # requests in flight at once (regconform.target.concurrency)
    # Whether a failing example is shrunk (hypothesis replays smaller copies of it, each sent
    # again) before it is shown; without, the first failing example is the one reported.
    shrink: bool = True

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every value to redact from anything written."""
        return tuple(s for s in (self.token, *self.extra_secrets) if s)

    @property
    def token_source(self) -> str:
        """Where the token comes from, for messages (never the token)."""
        return self.auth.describe() if self.auth else f"the token in {self.token_env}"


@dataclass(frozen=True)
class Overrides:
    """What the command line (or pytest options) said; None means 'not given'."""

    profile_path: Path | None = None
    base_url: str | None = None
    token_env: str | None = None
    seed: int | None = None
    max_examples: int | None = None
    level: str | None = None
    timeout: float | None = None
    dry_run: bool = False
    max_requests: int | None = None
    rate_limit: float | None = None
    report_dir: Path | None = None
    baseline_path: Path | None = None
    # A token decided by the caller, not by the user's settings: the embedded reference
    # server's own, or one minted before the run and handed to pytest (never a flag: a
    # command line is visible to every user of the machine).
    token: str | None = field(default=None, repr=False)
    plan: str | None = None
    concurrency: int | None = None
    no_shrink: bool = False


def build_config(flags: Overrides, env: Mapping[str, str] | None = None) -> RunConfig:
    """Precedence, lowest first: defaults < profile file < environment < command-line flags."""
    env = os.environ if env is None else env
    # Without a profile the target is taken to hold the reference server's fixture records.
    profile = load_profile(flags.profile_path) if flags.profile_path else reference_profile()

    base_url = flags.base_url or env.get("REGCONFORM_BASE_URL") or profile.base_url
    if not base_url:
        raise ConfigError("no target: give --base-url URL or a --profile with base_url")
    token_env = flags.token_env or profile.token_env
    # The token: given by the caller, else minted as [auth] says (unless --token-env names a
    # variable: a flag wins over the profile), else the variable's value.
    auth = profile.auth if not flags.token and not flags.token_env else None
    token = flags.token or ("" if auth else env.get(token_env))
    if not token and not auth and not flags.dry_run:
        raise ConfigError(f"the token variable {token_env} is not set (export it, or --token-env)")
    level = flags.level or env.get("REGCONFORM_LEVEL") or DEFAULT_FAILING_LEVEL
    if level not in FAILING_LEVELS:
        raise ConfigError(f"--level must be one of {', '.join(FAILING_LEVELS)}, not {level!r}")
    return RunConfig(
        base_url=check_base_url(base_url),
        token=token or "",
        token_env=token_env,
        profile=replace(profile, base_url=check_base_url(base_url)),
        seed=_first_int(flags.seed, env.get("REGCONFORM_SEED"), 0, "seed"),
        max_examples=_first_int(
            flags.max_examples,
            env.get("REGCONFORM_MAX_EXAMPLES"),
            DEFAULT_MAX_EXAMPLES,
            "max-examples",
        ),
        failing_level=FAILING_LEVELS[level],
        timeout=flags.timeout or DEFAULT_TIMEOUT,
        dry_run=flags.dry_run,
        max_requests=flags.max_requests,
        rate_limit=_slowest(flags.rate_limit, profile.rate_limit),
        report_dir=check_output_folder(flags.report_dir, "--report-dir")
        if flags.report_dir
        else None,
        auth=None if flags.dry_run else auth,
        baseline=load_baseline(flags.baseline_path, load_catalogue())
        if flags.baseline_path
        else Baseline(),
        plan=_plan(flags.plan),
        concurrency=_first_int(flags.concurrency, None, 1, "concurrency") or 1,
        shrink=not flags.no_shrink,
    )


def _plan(given: str | None) -> str:
    if given is None or given in PLANS:
        return given or DEFAULT_PLAN
    raise ConfigError(f"--plan must be {' or '.join(PLANS)}, not {given!r}")


def _slowest(*rates: float | None) -> float | None:
    """The profile's rate_limit is the target's documented ceiling: --rate-limit may ask
    for less, never for more."""
    given = [rate for rate in rates if rate is not None]
    return min(given) if given else None


def reference_profile() -> Profile:
    """The profile of the reference server's seeded fixtures, with no base URL."""
    from regconform.reference.fixtures import fixture_profile

    raw = fixture_profile("http://127.0.0.1")
    raw.pop("base_url")
    return parse_profile(raw)


def _first_int(flag: int | None, env_value: str | None, default: int, name: str) -> int:
    value: Any = flag if flag is not None else env_value
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    least = 1 if name == "max-examples" else 0
    if number < least:
        raise ConfigError(f"{name} must be {least} or more, not {number}")
    return number
