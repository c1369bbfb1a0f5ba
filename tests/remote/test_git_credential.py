"""The git credential helper: real `git` pushing to a local smart-HTTP server that requires
basic auth, the token read from Secrets Manager (moto, through the emulator), none on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from sm_teamkit.remote.gitcred import HelperSettings, answer_get, host_matches, parse_secret

from .git_server import GitServer

TOKEN = "glpat-Zq8sTOKENnever0nDisk41x"


@pytest.fixture
def git_server(tmp_path_factory):
    server = GitServer(tmp_path_factory.mktemp("git-root"), "alice", TOKEN).start()
    server.create_repo("team.git")
    yield server
    server.stop()


@pytest.fixture
def home(tmp_path, emulator, git_server):
    home = tmp_path / "home"
    (home / ".jupyter").mkdir(parents=True)
    (home / ".jupyter" / "jupyter_server_config.json").write_text(
        json.dumps({"SmTeamkit": {"git_credential_hosts": [git_server.url, "gitlab.example.com"]}})
    )
    return home


def env_for(home: Path, emulator) -> dict:
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "SM_TEAMKIT_RESOURCE_METADATA": str(home / "no-metadata.json"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "AWS_ENDPOINT_URL": emulator.url,
    }


def secrets(emulator):
    return boto3.client("secretsmanager", endpoint_url=emulator.url, region_name="us-east-1")


def run(env, *args, cwd=None, stdin=""):
    return subprocess.run(list(args), env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)


def make_work_repo(env, home: Path) -> Path:
    work = home / "work"
    work.mkdir()
    for args in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "config", "user.email", "a@example.com"],
        ["git", "config", "user.name", "Alice"],
    ):
        run(env, *args, cwd=work)
    (work / "README.md").write_text("hello\n")
    run(env, "git", "add", "README.md", cwd=work)
    assert run(env, "git", "commit", "-qm", "first", cwd=work).returncode == 0
    return work


def files_holding(root: Path, needle: str) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and needle.encode() in path.read_bytes():
            found.append(path)
    return found


def install(env, profile="alice"):
    done = run(env, sys.executable, "-m", "sm_teamkit.cli", "git-credential", "--install", "--user-profile", profile)
    assert done.returncode == 0, done.stderr
    return done


def test_push_uses_the_token_from_the_secret_and_leaves_no_token_on_disk(home, emulator, git_server):
    sm = secrets(emulator)
    sm.create_secret(Name="sm-teamkit/git/alice", SecretString=json.dumps({"username": "alice", "token": TOKEN}))
    env = env_for(home, emulator)
    # A helper that writes ~/.git-credentials is configured first, as many people have it.
    run(env, "git", "config", "--global", "credential.helper", "store")
    install(env)
    install(env)  # the lifecycle script runs it at every start: same config
    helpers = run(env, "git", "config", "--global", "--get-all", f"credential.{git_server.url}.helper").stdout
    assert helpers.splitlines()[0] == "" and len(helpers.splitlines()) == 2

    work = make_work_repo(env, home)
    pushed = run(env, "git", "push", f"{git_server.url}/team.git", "main", cwd=work)
    assert pushed.returncode == 0, pushed.stderr
    assert git_server.authorized_requests >= 2
    heads = subprocess.run(
        ["git", "--git-dir", str(git_server.root / "team.git"), "log", "--format=%s", "main"],
        capture_output=True,
        text=True,
    )
    assert heads.stdout.strip() == "first"
    assert not (home / ".git-credentials").exists()
    assert files_holding(home, TOKEN) == []
    assert TOKEN not in pushed.stderr + pushed.stdout
    sm.delete_secret(SecretId="sm-teamkit/git/alice", ForceDeleteWithoutRecovery=True)


def test_a_missing_secret_prints_nothing_so_git_asks_as_usual(home, emulator, git_server, tmp_path):
    env = env_for(home, emulator)
    run(env, "git", "config", "--global", "credential.helper", "store")
    install(env, profile="nobody")
    request = f"protocol=http\nhost={git_server.url.removeprefix('http://')}\n\n"
    asked = run(
        env, sys.executable, "-m", "sm_teamkit.cli", "git-credential", "--user-profile", "nobody", "get", stdin=request
    )
    assert asked.returncode == 0 and asked.stdout == "", asked.stderr

    work = make_work_repo(env, home)
    refused = run(env, "git", "push", f"{git_server.url}/team.git", "main", cwd=work)
    assert refused.returncode != 0 and "terminal prompts disabled" in refused.stderr
    # git asks the usual way (here GIT_ASKPASS, kept outside the home), and stores nothing.
    askpass = tmp_path / "askpass.sh"
    askpass.write_text(f'#!/bin/sh\ncase "$1" in Username*) echo alice;; *) echo {TOKEN};; esac\n')
    askpass.chmod(0o755)
    pushed = run({**env, "GIT_ASKPASS": str(askpass)}, "git", "push", f"{git_server.url}/team.git", "main", cwd=work)
    assert pushed.returncode == 0, pushed.stderr
    assert not (home / ".git-credentials").exists()
    assert files_holding(home, TOKEN) == []


def test_uninstall_removes_the_git_configuration(home, emulator, git_server):
    env = env_for(home, emulator)
    install(env)
    done = run(env, sys.executable, "-m", "sm_teamkit.cli", "git-credential", "--uninstall")
    assert done.returncode == 0, done.stderr
    left = run(env, "git", "config", "--global", "--get-regexp", r"credential\..*")
    assert left.stdout == ""


def test_only_listed_hosts_over_their_scheme_get_an_answer():
    hosts = ["gitlab.example.com", "http://127.0.0.1:8080"]
    assert host_matches(hosts, "https", "gitlab.example.com")
    assert host_matches(hosts, "https", "gitlab.example.com:8443")
    assert not host_matches(hosts, "http", "gitlab.example.com")  # no token over plain http
    assert host_matches(hosts, "http", "127.0.0.1:8080")
    assert not host_matches(hosts, "http", "127.0.0.1:9090")
    assert not host_matches(hosts, "https", "github.com")
    settings = HelperSettings(secret_name="sm-teamkit/git/{user_profile}", hosts=tuple(hosts), user_profile="alice")
    # An unlisted host is answered with nothing, before any AWS call.
    assert answer_get({"protocol": "https", "host": "evil.example.com"}, settings, aws=None) == ""


def test_secret_formats():
    assert parse_secret(TOKEN) == ("oauth2", TOKEN)
    assert parse_secret(TOKEN, "bob") == ("bob", TOKEN)
    assert parse_secret(json.dumps({"username": "alice", "password": TOKEN})) == ("alice", TOKEN)
    with pytest.raises(Exception, match="no usable token") as err:
        parse_secret(json.dumps({"username": "alice"}))
    assert TOKEN not in str(err.value)
