"""The laptop config file: defaults at the top, one section per AWS profile, flags win."""

from __future__ import annotations

import pytest

from sm_teamkit.errors import BadRequest
from sm_teamkit.remote.target import load_target, parse_config

TEXT = """
region = "eu-west-1"
instance_type = "ml.t3.medium"

[profile work]   # as in ~/.aws/config
domain = "d-work00000001"
user_profile = "alice"
space = "alice-lab"

[profile.play]
domain = "d-play00000001"
user_profile = "alice-play"
"""


def test_the_aws_profiles_section_overrides_the_defaults_and_flags_override_both(tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    path = tmp_path / "config.toml"
    path.write_text(TEXT)
    work = load_target({"aws_profile": "work"}, path)
    assert (work.domain, work.user_profile, work.space, work.region, work.instance_type) == (
        "d-work00000001",
        "alice",
        "alice-lab",
        "eu-west-1",
        "ml.t3.medium",
    )
    assert work.aws_profile == "work"
    play = load_target({"aws_profile": "play", "space": "other", "region": "us-east-1"}, path)
    assert (play.domain, play.user_profile, play.space, play.region) == (
        "d-play00000001",
        "alice-play",
        "other",
        "us-east-1",
    )
    monkeypatch.setenv("AWS_PROFILE", "work")
    from_env = load_target({}, path)
    assert from_env.domain == "d-work00000001" and from_env.aws_profile == ""  # boto3 reads AWS_PROFILE itself
    assert load_target({}, tmp_path / "missing.toml").domain == ""


def test_unknown_keys_and_bad_values_are_refused_clearly(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[profile work]\ndomian = "d-x"\n')
    with pytest.raises(BadRequest, match="unknown setting 'domian'"):
        load_target({"aws_profile": "work"}, path)
    path.write_text("domain = 12\n")
    with pytest.raises(BadRequest, match="must be a string"):
        load_target({}, path)
    with pytest.raises(BadRequest, match="not valid TOML"):
        parse_config("[profile work\n")
