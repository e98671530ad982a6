"""Profiles and the run configuration: validation and the written precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from regconform.errors import ConfigError
from regconform.settings.config import Overrides, build_config
from regconform.settings.profile import load_profile

SECTION = "[course_registrations]\ntenant_id='a'\nregistration_ids=['b']"
GOOD = """
base_url = "http://127.0.0.1:9/prefix/"
token_env = "MY_TOKEN"
[course_registrations]
tenant_id = "acme"
registration_ids = ["cr-1"]
[event_track_registrations]
event_id = "e"
track_id = "t"
registration_ids = ["r"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text(text)
    return path


def test_profile_loads_sections_and_strips_trailing_slash(tmp_path: Path) -> None:
    """A complete profile loads both sections; the base URL keeps its prefix, not its slash."""
    profile = load_profile(write(tmp_path, GOOD))
    assert profile.base_url == "http://127.0.0.1:9/prefix"
    assert profile.course is not None and profile.course.registration_ids == ("cr-1",)
    assert (
        profile.tracks is not None
        and profile.tracks.failed_ids_pointer == "/failed_registration_ids"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base_url = ", "not valid TOML"),
        (
            'base_url = "ftp://x"\n[course_registrations]\ntenant_id="a"\nregistration_ids=["b"]',
            "not an http",
        ),
        ("[course_registrations]\ntenant_id = 'a'", "registration_ids must be a non-empty list"),
        ("[course_registrations]\nregistration_ids = ['a']", "needs tenant_id"),
        (
            "surprise = 1\n[course_registrations]\ntenant_id='a'\nregistration_ids=['b']",
            "unknown key",
        ),
        ('base_url = "http://x"', "neither [course_registrations] nor"),
        (
            "token_env = 'not a name'\n" + SECTION,
            "token_env",
        ),
        (SECTION + "\nother_tenant_record_id = 'b'", "not exist under tenant_id"),
    ],
)
def test_profile_is_refused_in_one_line_when_invalid(
    tmp_path: Path, text: str, message: str
) -> None:
    """Every profile problem is a one-line ConfigError naming it."""
    with pytest.raises(ConfigError) as caught:
        load_profile(write(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_profile_is_a_config_error(tmp_path: Path) -> None:
    """A profile path that does not exist says so."""
    with pytest.raises(ConfigError, match="does not exist"):
        load_profile(tmp_path / "nope.toml")


def test_precedence_is_defaults_profile_environment_flags(tmp_path: Path) -> None:
    """Flags beat the environment, which beats the profile, which beats the defaults."""
    path = write(tmp_path, GOOD)
    env = {"MY_TOKEN": "t", "REGCONFORM_BASE_URL": "http://env.invalid", "REGCONFORM_SEED": "5"}
    from_env = build_config(Overrides(profile_path=path), env)
    assert (from_env.base_url, from_env.seed, from_env.max_examples) == (
        "http://env.invalid",
        5,
        25,
    )
    flagged = build_config(
        Overrides(profile_path=path, base_url="http://flag.invalid", seed=9), env
    )
    assert (flagged.base_url, flagged.seed) == ("http://flag.invalid", 9)
    only_profile = build_config(Overrides(profile_path=path), {"MY_TOKEN": "t"})
    assert only_profile.base_url == "http://127.0.0.1:9/prefix"


def test_unset_token_variable_is_a_config_error(tmp_path: Path) -> None:
    """A token variable that is not set stops the run before anything is sent."""
    with pytest.raises(ConfigError, match="MY_TOKEN is not set"):
        build_config(Overrides(profile_path=write(tmp_path, GOOD)), {})


def test_token_never_appears_in_the_config_repr(tmp_path: Path) -> None:
    """The token is kept out of the config's repr, so it cannot leak into a log by accident."""
    config = build_config(
        Overrides(profile_path=write(tmp_path, GOOD)), {"MY_TOKEN": "s3cret-value"}
    )
    assert config.token == "s3cret-value"
    assert "s3cret-value" not in repr(config)


TRACKS = "[event_track_registrations]\nevent_id='e'\ntrack_id='t'\nregistration_ids=['r']\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "base_ur = 'http://x'\n" + SECTION,
            "profile has an unknown key 'base_ur' (did you mean 'base_url'?)",
        ),
        (
            SECTION + "\nlocked_registration_idd = 'x'",
            "profile [course_registrations] has an unknown key 'locked_registration_idd' "
            "(did you mean 'locked_registration_id'?)",
        ),
        (
            TRACKS + "restor_status = 'REGISTERED'",
            "profile [event_track_registrations] has an unknown key 'restor_status' "
            "(did you mean 'restore_status'?)",
        ),
        (
            SECTION + "\nfixed_fields = { course_idd = 'c-1' }",
            "profile [course_registrations.fixed_fields] has an unknown key 'course_idd' "
            "(did you mean 'course_id'?)",
        ),
        (
            "[auth]\nkind = 'command'\ncomand = ['x']\n" + SECTION,
            "profile [auth] has an unknown key 'comand' (did you mean 'command'?)",
        ),
    ],
    ids=["top level", "course", "track", "fixed_fields", "auth"],
)
def test_profile_typo_anywhere_names_the_closest_key(
    tmp_path: Path, text: str, message: str
) -> None:
    """An unknown key in any table is an error naming it and the key it was probably meant as."""
    with pytest.raises(ConfigError) as raised:
        load_profile(write(tmp_path, text))
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://user:pw@127.0.0.1:9", "carries a user name or password"),
        ("http://127.0.0.1:9/api?tenant=acme", "has a query or fragment"),
        ("http://127.0.0.1:9/api#top", "has a query or fragment"),
        ("http://127.0.0.1:9/api?", "has a query or fragment"),
    ],
    ids=["userinfo", "query", "fragment", "empty query"],
)
def test_base_url_with_credentials_query_or_fragment_is_refused(url: str, message: str) -> None:
    """Such a base URL would put a password in every report, or break every path: exit 4,
    and the message never repeats the password."""
    with pytest.raises(ConfigError, match=message) as raised:
        build_config(Overrides(base_url=url), env={"REGCONFORM_TOKEN": "x"})
    assert "pw" not in str(raised.value)


def test_tls_files_must_exist(tmp_path: Path) -> None:
    """ca_bundle, client_cert and client_key are files, read from the profile's folder when
    relative; a missing one, or a key without its certificate, is refused."""
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    profile = load_profile(write(tmp_path, "ca_bundle = 'ca.pem'\n" + SECTION))
    assert profile.tls.ca_bundle == tmp_path / "ca.pem"
    with pytest.raises(ConfigError, match=r"client_cert: .*nope\.pem does not exist"):
        load_profile(write(tmp_path, "client_cert = 'nope.pem'\n" + SECTION))
    with pytest.raises(ConfigError, match="client_key needs client_cert"):
        load_profile(write(tmp_path, "client_key = 'ca.pem'\n" + SECTION))
