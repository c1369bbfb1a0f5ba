"""Browser tests: a real JupyterLab (subprocess) on the emulator, driven in Debian's Chromium
by Playwright, logging in through the login form as a user would (no token in any URL)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..conftest import DEMO_DOMAIN, DEMO_SPACE, studio_metadata

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CHROMIUM = os.environ.get("SM_TEAMKIT_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

# Extra `--SmTeamkit.x=y` settings for the one JupyterLab the browser tests share.
# Capabilities add what their tests need here (short intervals, roots under the lab HOME).
LAB_SETTINGS: dict[str, object] = {
    "apps_refresh_seconds": 2,
    "kernels_watch_seconds": 1,
}


@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    """The browser tests run no in-process Jupyter server; Playwright's sync API owns the loop."""
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup():
    yield


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    url: str          # http://127.0.0.1:PORT/
    token: str
    home: Path        # the server's HOME (and root_dir)
    process: subprocess.Popen
    log_path: Path
    env: dict = field(default_factory=dict)

    def api(self, path: str, method: str = "GET", body: dict | None = None) -> dict:
        """Call the server's REST API with the token in a header."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path.lstrip("/"), data=data, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return json.loads(text) if text else {}


@pytest.fixture(scope="session")
def lab_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("lab-home")
    (home / ".jupyter").mkdir()
    return home


@pytest.fixture(scope="session")
def lab(emulator, lab_home, tmp_path_factory):
    """JupyterLab with sm_teamkit, as the demo user in their JupyterLab space."""
    state = tmp_path_factory.mktemp("lab-state")
    metadata = state / "resource-metadata.json"
    metadata.write_text(json.dumps(studio_metadata(DEMO_DOMAIN, DEMO_SPACE)))
    token = secrets.token_hex(16)
    port = free_port()
    env = {
        **os.environ,
        "HOME": str(lab_home),
        "SM_TEAMKIT_RESOURCE_METADATA": str(metadata),
        "AWS_ENDPOINT_URL": emulator.url,
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    # An in-process test server may have set it; this server must choose its own.
    env.pop("MLFLOW_TRACKING_URI", None)
    env.pop("JUPYTER_CONFIG_DIR", None)
    env.pop("JUPYTER_DATA_DIR", None)
    args = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ip=127.0.0.1", f"--port={port}", f"--ServerApp.root_dir={lab_home}",
        f"--IdentityProvider.token={token}", "--ServerApp.allow_unauthenticated_access=False",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    args += [f"--SmTeamkit.{key}={value}" for key, value in LAB_SETTINGS.items()]
    log_path = state / "jupyterlab.log"
    log = open(log_path, "w")
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=lab_home,
                               start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}/", token, lab_home, process, log_path, env)
    deadline = time.monotonic() + 90
    while True:
        try:
            server.api("api/status")
            break
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError(f"JupyterLab did not start:\n{log_path.read_text()[-4000:]}") from None
            time.sleep(0.3)
    yield server
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make system-deps`")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


def login(page, lab: LabServer) -> None:
    page.goto(lab.url + "login")
    page.fill("input[type=password]", lab.token)
    page.click("button[type=submit], #login_submit")
    page.wait_for_url("**/lab**", timeout=60_000)


@pytest.fixture
def page(browser, lab):
    """A logged-in JupyterLab tab; prints the browser console on failure."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda err: console.append(f"pageerror: {err}"))
    login(page, lab)
    # Start every test from the default layout, not the one the previous test left behind.
    page.goto(lab.url + "lab?reset")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    yield page
    if any(line.startswith("pageerror") for line in console):
        print("\n".join(console[-50:]))
    context.close()


def open_panel(page):
    """Click the sm_teamkit tab in the left sidebar; returns the panel locator."""
    panel = page.locator("#sm-teamkit-panel")
    if not panel.is_visible():
        page.locator('.jp-SideBar [title="SageMaker Team Kit"], .jp-SideBar [data-id="sm-teamkit-panel"]').first.click()
    panel.wait_for(state="visible", timeout=30_000)
    return panel


def screenshot(locator, name: str) -> Path:
    DOCS.mkdir(exist_ok=True)
    path = DOCS / name
    locator.screenshot(path=str(path))
    return path
