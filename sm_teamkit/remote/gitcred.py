"""``sm-teamkit git-credential``: a git credential helper that answers ``get`` from AWS Secrets
Manager, so no token sits in a file. ``store`` and ``erase`` change nothing.

Protocol (gitcredentials(7), git-credential(1)): git runs the helper with one action and
writes ``key=value`` lines ending with a blank line; for ``get`` the helper prints
``username=`` and ``password=`` lines, or nothing to let git ask as usual.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..aws import AwsSettings, aws_error, client
from ..config_fields import FromConfig, trait
from ..errors import BadRequest, TeamkitError

DEFAULT_USERNAME = "oauth2"  # GitLab's documented token login; GitHub ignores it for tokens


@dataclass(frozen=True, kw_only=True)
class HelperSettings(FromConfig):
    """Which secret holds the token and for which hosts (c.SmTeamkit settings), for whom."""

    secret_name: str = trait("git_credential_secret_name")  # pattern with {user_profile} and {host}
    hosts: tuple[str, ...] = trait("git_credential_hosts")
    user_profile: str


def read_request(lines: Iterable[str]) -> dict[str, str]:
    """git's ``key=value`` lines up to the first blank line (array keys keep their last value)."""
    request: dict[str, str] = {}
    for line in lines:
        line = line.rstrip("\r\n")
        if not line:
            break
        key, sep, value = line.partition("=")
        if sep:
            request[key] = value
    return request


def _allowed(entry: str) -> tuple[str, str, str]:
    """(scheme, host, port) of a hosts entry: 'github.com' means https on any port."""
    scheme, sep, rest = entry.partition("://")
    if not sep:
        scheme, rest = "https", entry
    host, _, port = rest.strip("/").partition(":")
    return scheme.lower(), host.lower(), port


def host_matches(hosts: Iterable[str], protocol: str, host: str) -> bool:
    """True when git asks for a listed host over a listed scheme (https unless the entry is a URL)."""
    name, _, port = host.lower().partition(":")
    for entry in hosts:
        scheme, allowed_host, allowed_port = _allowed(entry)
        if scheme == protocol.lower() and allowed_host == name and allowed_port in ("", port):
            return True
    return False


def secret_name(settings: HelperSettings, host: str) -> str:
    return settings.secret_name.format(user_profile=settings.user_profile, host=host.partition(":")[0])


def parse_secret(value: str, asked_username: str = "") -> tuple[str, str]:
    """(username, token) from a secret that is a token alone or JSON with token/password."""
    text = value.strip()
    username, token = asked_username or DEFAULT_USERNAME, text
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise BadRequest("The git secret looks like JSON but does not parse.") from None
        token = str(data.get("token") or data.get("password") or "")
        username = str(data.get("username") or username)
    if not token or any(c in token + username for c in "\n\r\0"):
        raise BadRequest("The git secret holds no usable token (empty, or with a newline).")
    return username, token


def answer_get(request: dict[str, str], settings: HelperSettings, aws: AwsSettings) -> str:
    """The lines to print for ``get``: credentials from the secret, or "" so git asks as usual."""
    protocol, host = request.get("protocol", ""), request.get("host", "")
    if not host or not host_matches(settings.hosts, protocol, host):
        return ""
    if not settings.user_profile and "{user_profile}" in settings.secret_name:
        raise BadRequest(
            "Your user profile is not known, so the git secret cannot be named.",
            "Install the helper with --user-profile NAME.",
        )
    name = secret_name(settings, host)
    try:
        value = client("secretsmanager", aws, max_attempts=2).get_secret_value(SecretId=name)
    except Exception as exc:
        err = aws_error(exc, f"read the git secret {name}")
        if err.code == "aws_not_found":
            return ""  # no secret: git asks as usual
        raise err from exc
    text = value.get("SecretString")
    if text is None:
        raise BadRequest(f"The git secret {name} is binary; store the token as a string.")
    username, token = parse_secret(text, request.get("username", ""))
    return f"username={username}\npassword={token}\n"


# --- configuring git ----------------------------------------------------------------------
def helper_command(user_profile: str) -> str:
    """The ``credential.<url>.helper`` value: this install's sm-teamkit, shell-quoted."""
    script = Path(sys.executable).with_name("sm-teamkit")
    if script.is_file():
        argv = [str(script)]
    elif shutil.which("sm-teamkit"):
        argv = [shutil.which("sm-teamkit")]
    else:
        argv = [sys.executable, "-m", "sm_teamkit.cli"]
    argv.append("git-credential")
    if user_profile:
        argv += ["--user-profile", user_profile]
    return "!" + " ".join(shlex.quote(a) for a in argv)


def host_url(entry: str) -> str:
    scheme, host, port = _allowed(entry)
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def _git(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    git = shutil.which("git")
    if git is None:
        raise TeamkitError("git is not installed here.", status=503, code="unavailable")
    done = subprocess.run([git, "config", "--global", *args], capture_output=True, text=True, timeout=30)
    # `--unset-all` answers 5 when there was nothing to unset.
    if check and done.returncode not in (0, 5):
        raise TeamkitError(f"git config failed: {done.stderr.strip()}", status=500, code="git_config")
    return done


def install(hosts: Iterable[str], user_profile: str) -> list[str]:
    """Point git's global config at this helper for each host: an empty helper first (it
    drops helpers configured before, such as ``store``, for these hosts), then ours. Safe to
    repeat. Returns the URLs configured."""
    command = helper_command(user_profile)
    urls = []
    for entry in hosts:
        key = f"credential.{host_url(entry)}.helper"
        _git("--unset-all", key)
        _git("--add", key, "")
        _git("--add", key, command)
        urls.append(host_url(entry))
    return urls


def uninstall(hosts: Iterable[str]) -> list[str]:
    urls = []
    for entry in hosts:
        _git("--unset-all", f"credential.{host_url(entry)}.helper")
        urls.append(host_url(entry))
    return urls
