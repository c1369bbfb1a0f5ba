"""Studio's front door: SageMaker Distribution starts JupyterLab with ``--ServerApp.token=''``
and ``--ServerApp.allow_origin='*'`` (Studio's proxy authenticates). Then the ``_xsrf`` cookie
and header are the only thing between another origin and the actions: every action without
them is a 403 and does nothing; with them (the control) it acts."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from http.cookiejar import CookieJar

import pytest

from sm_studio_emulator.launcher import start_lab

from .conftest import DEMO_DOMAIN, DEMO_SPACE, start_emulator, studio_metadata
from .subprocess_lab import jp_asyncio_loop, jp_server_cleanup  # noqa: F401 - fixtures

BASE = "/jupyterlab/default/"


@pytest.fixture(scope="module")
def front_door(tmp_path_factory):
    """Own emulator (this module deletes apps) and a JupyterLab started as SMD starts it: no
    token, any origin."""
    state = tmp_path_factory.mktemp("front-door")
    home = state / "home"
    trash = home / ".local/share/Trash/files"
    trash.mkdir(parents=True)
    (trash / "old.bin").write_bytes(b"x" * 50_000)
    metadata = state / "resource-metadata.json"
    metadata.write_text(json.dumps(studio_metadata(DEMO_DOMAIN, DEMO_SPACE)))
    settings = {
        "SmTeamkit.storage_start_delay_seconds": -1,
        "SmTeamkit.storage_scan_interval_seconds": 0,
        "SmTeamkit.storage_roots": json.dumps([str(home)]),
    }
    with (
        start_emulator() as emu,
        start_lab(
            home=home,
            env={
                "SM_TEAMKIT_RESOURCE_METADATA": str(metadata),
                "AWS_ENDPOINT_URL": emu.url,
                "JUPYTER_PLATFORM_DIRS": "1",
            },
            token="",
            base_url=BASE,
            cwd=home,
            settings=settings,
            extra_args=["--ServerApp.allow_origin=*"],
            log_path=state / "jupyter.log",
            timeout=90,
        ) as lab,
    ):
        yield {"url": lab.url, "emu": emu, "home": home, "trash": trash}


def call(
    url: str, method: str, body: dict | None = None, xsrf: tuple | None = None, origin: str = "https://evil.example"
) -> tuple[int, dict]:
    headers = {"Origin": origin, "Content-Type": "application/json"}
    opener = urllib.request.build_opener()
    if xsrf:
        cookie, token = xsrf
        headers["Cookie"] = f"_xsrf={cookie}"
        headers["X-XSRFToken"] = token
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with opener.open(request, timeout=60) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else {}
    except urllib.error.HTTPError as exc:
        text = exc.read().decode()
        return exc.code, json.loads(text) if text.startswith("{") else {"text": text}


def xsrf_pair(url: str) -> tuple[str, str]:
    """The _xsrf cookie JupyterLab's page sets, sent back as cookie and header (as the panel does)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(url + "lab", timeout=60).read()
    value = next(c.value for c in jar if c.name == "_xsrf")
    return value, value


def my_app(fd) -> dict:
    status, report = call(fd["url"] + "sm-teamkit/apps", "GET")
    assert status == 200, report
    return next(a for a in report["apps"] if a["stoppable"] and not a["this_app"])


def actions(fd, app) -> list[tuple[str, str, dict | None]]:
    u = fd["url"] + "sm-teamkit/"
    space = f"?space={app['space_name']}" if app["space_name"] else ""
    return [
        ("DELETE", f"{u}apps/{app['app_type']}/{app['app_name']}{space}", None),
        ("POST", u + "storage", {"paths": [str(fd["home"])]}),
        ("DELETE", u + "storage/categories/trash", None),
        ("POST", u + "kernels/repair", {"environment": "any"}),
        ("POST", u + "kernels/install-ipykernel", {"environment": "any"}),
        ("POST", u + "kernels/sync", {}),
        ("POST", u + "proxies/managed/team-mlflow/url", {}),
    ]


def test_every_action_without_xsrf_is_refused_and_does_nothing(front_door):
    emu = front_door["emu"]
    app = my_app(front_door)
    status, storage_before = call(front_door["url"] + "sm-teamkit/storage", "GET")
    emu.reset_calls()
    for method, url, body in actions(front_door, app):
        for xsrf in (None, ("forged", "other")):  # no cookie/header, or ones that do not match
            status, answer = call(url, method, body, xsrf=xsrf)
            assert status == 403, f"{method} {url} answered {status}: {answer}"
    assert emu.count("DeleteApp") == 0
    assert emu.count("CreatePresignedMlflowTrackingServerUrl") == 0
    assert (front_door["trash"] / "old.bin").exists()
    status, kernels = call(front_door["url"] + "sm-teamkit/kernels", "GET")
    assert status == 200 and not kernels.get("jobs")
    status, storage = call(front_door["url"] + "sm-teamkit/storage", "GET")
    assert storage["state"] == "idle"  # no scan was started
    assert storage["scanned_at"] == storage_before["scanned_at"]
    # Still listed as running: nothing was stopped.
    assert my_app(front_door)["status"] == app["status"]


def test_the_same_actions_with_the_xsrf_cookie_and_header_act(front_door):
    """The control: the refusal above is the XSRF check, not a broken route."""
    emu = front_door["emu"]
    pair = xsrf_pair(front_door["url"])
    app = my_app(front_door)
    emu.reset_calls()
    method, url, body = actions(front_door, app)[0]
    status, answer = call(url, method, body, xsrf=pair)
    assert status == 200 and answer["stopped"] is True, answer
    assert emu.count("DeleteApp") == 1
    status, answer = call(front_door["url"] + "sm-teamkit/proxies/managed/team-mlflow/url", "POST", {}, xsrf=pair)
    assert status == 200 and "authToken=" in answer["url"]
