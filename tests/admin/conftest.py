"""A three-user domain on the emulator (apps past and within their limits, private and shared
spaces), SES and S3 from moto behind the same endpoint, and a clock the tests control."""

from __future__ import annotations

import json
import sys
import types

import boto3
import pytest

from ..conftest import start_emulator

DOMAIN = "d-admin0000001"
REGION = "us-east-1"
ACCOUNT = "123456789012"
SENDER = "finops@example.com"
# A fixed instant (2026-12-02 12:00 UTC): the emulator's app ages and the reminder's day follow it.
NOON = 1796212800.0


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def admin_scenario() -> dict:
    spaces = [
        {"domain": DOMAIN, "name": "alice-lab", "owner": "alice", "sharing": "Private", "app_type": "JupyterLab"},
        {"domain": DOMAIN, "name": "team-share", "owner": "bob", "sharing": "Shared", "app_type": "JupyterLab"},
        {"domain": DOMAIN, "name": "carol-code", "owner": "carol", "sharing": "Private", "app_type": "CodeEditor"},
    ]
    app = {"domain": DOMAIN, "status": "InService"}
    apps = [
        # alice: a GPU lab past 8 h, a KernelGateway past 24 h but kept, a free JupyterServer.
        app
        | {
            "name": "default",
            "type": "JupyterLab",
            "space": "alice-lab",
            "instance_type": "ml.g5.xlarge",
            "created": "10h ago",
        },
        app
        | {
            "name": "kg-old",
            "type": "KernelGateway",
            "user_profile": "alice",
            "instance_type": "ml.m5.large",
            "created": "30h ago",
            "tags": {"sm-teamkit:keep": "training until Friday"},
        },
        app
        | {
            "name": "default",
            "type": "JupyterServer",
            "user_profile": "alice",
            "instance_type": "system",
            "created": "5d ago",
        },
        # bob: the shared space he owns, past 24 h; a young KernelGateway.
        app
        | {
            "name": "default",
            "type": "JupyterLab",
            "space": "team-share",
            "instance_type": "ml.t3.large",
            "created": "30h ago",
        },
        app
        | {
            "name": "kg-new",
            "type": "KernelGateway",
            "user_profile": "bob",
            "instance_type": "ml.t3.medium",
            "created": "2h ago",
        },
        # carol (no address anywhere): one within its limit, one past it.
        app
        | {
            "name": "default",
            "type": "CodeEditor",
            "space": "carol-code",
            "instance_type": "ml.t3.medium",
            "created": "3h ago",
        },
        app
        | {
            "name": "kg-carol",
            "type": "KernelGateway",
            "user_profile": "carol",
            "instance_type": "ml.m5.xlarge",
            "created": "26h ago",
        },
        # gone or failed apps are not running
        app
        | {
            "name": "kg-gone",
            "type": "KernelGateway",
            "user_profile": "bob",
            "instance_type": "ml.g5.xlarge",
            "created": "3d ago",
            "status": "Failed",
            "failure_reason": "Insufficient capacity.",
        },
    ]
    return {
        "region": REGION,
        "account": ACCOUNT,
        "timing": {"app_delete_seconds": 1, "deleted_app_retention_seconds": 600},
        "domains": [{"id": DOMAIN, "name": "admin"}],
        "user_profiles": [
            {"domain": DOMAIN, "name": "alice", "tags": {"email": "alice@example.com"}},
            {"domain": DOMAIN, "name": "bob", "tags": {"mail": "bob-by-tag@example.com"}},
            {"domain": DOMAIN, "name": "carol"},
        ],
        "spaces": spaces,
        "apps": apps,
    }


# What each owner has past its limit, by app key.
OVERDUE = {
    "alice": {"space/alice-lab/JupyterLab/default", "user-profile/alice/KernelGateway/kg-old"},
    "bob": {"space/team-share/JupyterLab/default"},
    "carol": {"user-profile/carol/KernelGateway/kg-carol"},
}


def short_key(key: str) -> str:
    """An app key without its creation time."""
    return key.rsplit("/", 1)[0]


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """boto3 everywhere pointed at `emulator`; a Jupyter config dir of our own."""

    def point(emulator, **config):
        monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)
        monkeypatch.setenv("AWS_REGION", REGION)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        monkeypatch.delenv("AWS_ENDPOINT_URL_SAGEMAKER", raising=False)
        conf = tmp_path / "jupyter-config"
        conf.mkdir(exist_ok=True)
        (conf / "jupyter_server_config.json").write_text(json.dumps({"SmTeamkit": config}))
        monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(conf))
        monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(conf))

    return point


@pytest.fixture
def clock():
    return Clock(NOON)


@pytest.fixture
def emulator(clock):
    """A fresh domain per test (stops change it), on the test's clock."""
    with start_emulator(admin_scenario(), clock=clock, check_shapes=True) as emu:
        yield emu


@pytest.fixture
def live_emulator():
    """The same domain on the wall clock, for the CLI and the Lambda handler (which read it)."""
    with start_emulator(admin_scenario(), check_shapes=True) as emu:
        yield emu


def boto(emulator, service: str):
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def verify_sender(emulator, sender: str = SENDER) -> None:
    boto(emulator, "ses").verify_email_identity(EmailAddress=sender)


def sent_messages() -> list:
    """Every message moto's SES has accepted in this process (the emulator forwards to it)."""
    from moto.ses.models import ses_backends

    return list(ses_backends[ACCOUNT][REGION].sent_messages)


def app_status(emulator, key: str) -> str:
    where, _, rest = key.partition("/")  # a key without creation time
    owner, app_type, name = rest.split("/")
    for a in emulator.state.apps:
        if (a["AppType"], a["AppName"]) == (app_type, name) and (
            a.get("SpaceName") if where == "space" else a.get("UserProfileName")
        ) == owner:
            return a["Status"]
    raise KeyError(key)


@pytest.fixture(scope="session")
def parliament_analyze():
    """parliament's analyze_policy_string. parliament 1.6 imports pkg_resources only to find its
    own data files; newer setuptools no longer ship it, so stand in with importlib.resources."""
    try:
        import pkg_resources  # noqa: F401
    except ImportError:
        from importlib import resources

        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = lambda package, name: str(resources.files(package).joinpath(name))
        sys.modules["pkg_resources"] = shim
        try:
            from parliament import analyze_policy_string
        finally:  # parliament keeps its own reference; nothing else may find the stand-in
            del sys.modules["pkg_resources"]
        return analyze_policy_string
    from parliament import analyze_policy_string

    return analyze_policy_string
