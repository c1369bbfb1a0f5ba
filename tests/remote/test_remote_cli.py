"""`sm-teamkit up|open|down` and `apps` from a laptop: a subprocess, a config file with a
[profile NAME] section, an AWS profile from ~/.aws, the emulator as SageMaker."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import DOMAIN


@pytest.fixture
def laptop(tmp_path, make_laptop_emulator):
    emu = make_laptop_emulator(app_start_seconds=0.3, app_delete_seconds=0.3)
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("[profile work]\nregion = us-east-1\n")
    (home / ".aws" / "credentials").write_text("[work]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    config = home / ".config" / "sm-teamkit" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'# shared defaults\nregion = "us-east-1"\n\n[profile work]\ndomain = "{DOMAIN}"\n'
        'user_profile = "alice"\nspace = "alice-lab"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "HOME": str(home),
            "AWS_ENDPOINT_URL": emu.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "SM_TEAMKIT_RESOURCE_METADATA": str(home / "none.json"),
            "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
            "BROWSER": "",
        }
    )
    return emu, env, home


def run(env, *args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "sm_teamkit.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_up_starts_the_configured_space_waits_and_prints_its_url(laptop):
    emu, env, _ = laptop
    done = run(env, "up", "--aws-profile", "work", "--poll-seconds", "0.1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"https://{DOMAIN}.studio.us-east-1.sagemaker.aws/jupyterlab/default"
    assert "Pending" in done.stderr and "InService" in done.stderr
    assert emu.count("CreateApp") == 1
    assert emu.calls.params("CreateApp")[0]["SpaceName"] == "alice-lab"
    again = run(env, "up", "--aws-profile", "work")
    assert again.returncode == 0 and "already there, InService" in again.stderr
    assert emu.count("CreateApp") == 1


def test_open_prints_a_presigned_url_into_the_space(laptop):
    emu, env, _ = laptop
    done = run(env, "open", "--aws-profile", "work", "--space", "alice-code", "--print")
    assert done.returncode == 0, done.stderr
    issued = emu.state.presigned_domain_urls[-1]
    assert done.stdout.strip() == issued["AuthorizedUrl"] and issued["SpaceName"] == "alice-code"
    assert issued["AuthorizedUrl"] not in done.stderr


def test_open_hands_the_url_to_the_browser_and_prints_nothing_of_it(laptop, tmp_path):
    emu, env, _ = laptop
    got = tmp_path / "browser-got.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf %s "$1" > {got}\n')
    browser.chmod(0o755)
    done = run({**env, "BROWSER": f"{browser} %s"}, "open", "--aws-profile", "work", "--space", "alice-code")
    assert done.returncode == 0, done.stderr
    url = emu.state.presigned_domain_urls[-1]["AuthorizedUrl"]
    assert got.read_text() == url
    assert url not in done.stdout + done.stderr and "token=" not in done.stdout + done.stderr


def test_down_asks_first_and_stops_only_the_users_apps(laptop):
    emu, env, _ = laptop
    declined = run(env, "down", "--aws-profile", "work", "--all", stdin="n\n")
    assert declined.returncode == 1 and "nothing stopped" in declined.stderr
    assert emu.count("DeleteApp") == 0
    assert "kg-alice" in declined.stdout and "bob" not in declined.stdout
    done = run(env, "down", "--aws-profile", "work", "--all", "--yes")
    assert done.returncode == 0, done.stderr
    deleted = emu.calls.params("DeleteApp")
    assert sorted((p["AppType"], p.get("SpaceName") or p.get("UserProfileName")) for p in deleted) == [
        ("CodeEditor", "alice-code"),
        ("KernelGateway", "alice"),
    ]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["up", "--space", "bob-lab"], "Space 'bob-lab' belongs to 'bob', not to you ('alice')."),
        (["up", "--space", "bob-team"], "Space 'bob-team' belongs to 'bob', not to you ('alice')."),
        (["down", "--space", "bob-lab", "--yes"], "belongs to 'bob', not to you ('alice')"),
        (["down", "--space", "bob-team", "--yes"], "belongs to 'bob', not to you ('alice')"),
        (["open", "--space", "bob-lab", "--print"], "Space 'bob-lab' belongs to 'bob'"),
        (["up", "--space", "alice-lab", "--app-type", "CodeEditor"], "is a JupyterLab space"),
        (["open", "--expires-in", "9000", "--print"], "--expires-in must be 5-300 seconds"),
    ],
)
def test_every_refusal_exits_non_zero_with_a_clear_line(laptop, args, line):
    emu, env, _ = laptop
    done = run(env, *args, "--aws-profile", "work")
    assert done.returncode == 2, done.stderr
    assert line in done.stderr.splitlines()[0]
    assert done.stdout == ""
    assert emu.count("CreateApp") + emu.count("DeleteApp") + emu.count("UpdateSpace") == 0


def test_refusals_without_a_config_file_or_with_a_broken_one(laptop):
    emu, env, home = laptop
    done = run(env, "up")  # AWS profile `default`: no section, so no domain
    assert done.returncode == 2 and "Missing domain, user profile: pass --domain, --profile." in done.stderr
    missing = run(env, "up", "--aws-profile", "nope", "--domain", DOMAIN, "--profile", "alice", "--space", "alice-lab")
    assert missing.returncode == 2 and "The AWS profile 'nope' is not configured." in missing.stderr
    (home / ".config" / "sm-teamkit" / "config.toml").write_text("domain = \n")
    broken = run(env, "up", "--aws-profile", "work")
    assert broken.returncode == 2 and "is not valid TOML" in broken.stderr
    assert emu.count("CreateApp") == 0


def test_apps_works_from_a_laptop_with_domain_and_profile_flags(laptop):
    emu, env, _ = laptop
    done = run(env, "apps", "--json", "--domain", DOMAIN, "--profile", "alice", "--aws-profile", "work")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {a["owner"] for a in report["apps"]} == {"alice"}
    assert {a["space_name"] for a in report["shared"]} == {"bob-team"}
    # The config file alone is enough too (no Studio metadata here).
    table = run(env, "apps", "--aws-profile", "work")
    assert table.returncode == 0 and "kg-alice" in table.stdout
    refused = run(env, "apps", "stop", "JupyterLab", "default", "--space", "bob-lab", "--aws-profile", "work")
    assert refused.returncode == 2 and "belongs to 'bob'" in refused.stderr
    assert emu.count("DeleteApp") == 0


def test_the_sign_in_command_up_prints_works_as_printed_without_a_config_file(laptop):
    emu, env, home = laptop
    (home / ".config" / "sm-teamkit" / "config.toml").unlink()
    done = run(
        env,
        "up",
        "--domain",
        DOMAIN,
        "--profile",
        "alice",
        "--space",
        "alice-lab",
        "--aws-profile",
        "work",
        "--region",
        "us-east-1",
        "--poll-seconds",
        "0.1",
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("Sign in with `"))
    printed = line.split("`")[1].split()
    assert printed[:2] == ["sm-teamkit", "open"]
    opened = run(env, *printed[1:], "--print")
    assert opened.returncode == 0, opened.stderr
    issued = emu.state.presigned_domain_urls[-1]
    assert opened.stdout.strip() == issued["AuthorizedUrl"] and issued["SpaceName"] == "alice-lab"
