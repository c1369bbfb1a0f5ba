"""Browser tests: a real JupyterLab (subprocess) on the emulator, driven in Debian's Chromium
by Playwright, logging in through the login form as a user would (no token in any URL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sm_studio_emulator.launcher import Lab, start_lab

from ..conftest import DEMO_DOMAIN, DEMO_SPACE, SCREENSHOTS, studio_metadata
from ..subprocess_lab import jp_asyncio_loop, jp_server_cleanup  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
DOCS = SCREENSHOTS  # docs/ under `make screenshots`, else a temporary folder

# Extra `--SmTeamkit.x=y` settings for the one JupyterLab the browser tests share.
# Capabilities add what their tests need here (short intervals, roots under the lab HOME).
LAB_SETTINGS: dict[str, object] = {
    "apps_refresh_seconds": 2,
    "kernels_watch_seconds": 1,
}


@pytest.fixture(scope="session")
def lab_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("lab-home")
    (home / ".jupyter").mkdir()
    return home


@pytest.fixture(scope="session")
def lab(emulator, lab_home, tmp_path_factory):
    """JupyterLab with sm_teamkit, as the demo user in their JupyterLab space: the shared
    launcher's ``Lab`` (url, token, home, api(path), log_tail())."""
    state = tmp_path_factory.mktemp("lab-state")
    metadata = state / "resource-metadata.json"
    metadata.write_text(json.dumps(studio_metadata(DEMO_DOMAIN, DEMO_SPACE)))
    env = {
        "SM_TEAMKIT_RESOURCE_METADATA": str(metadata),
        "AWS_ENDPOINT_URL": emulator.url,
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    # An in-process test server may have set MLFLOW_TRACKING_URI; the launcher unsets it and
    # the Jupyter config and data dirs: this server chooses its own.
    lab = start_lab(
        home=lab_home,
        env=env,
        cwd=lab_home,
        log_path=state / "jupyterlab.log",
        settings={f"SmTeamkit.{key}": value for key, value in LAB_SETTINGS.items()},
        timeout=90,
    )
    yield lab
    lab.stop()


def login(page, lab: Lab) -> None:
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
    tab = page.locator('.jp-SideBar [title="SageMaker Team Kit"], .jp-SideBar [data-id="sm-teamkit-panel"]').first
    # The tab toggles the panel: a layout restored just after a click may have opened it
    # already (a loaded machine), so look again before clicking again.
    for _ in range(5):
        if panel.is_visible():
            return panel
        tab.click()
        try:
            panel.wait_for(state="visible", timeout=6_000)
        except Exception:  # noqa: BLE001 - closed by that click: the next round opens it
            continue
    panel.wait_for(state="visible", timeout=30_000)
    return panel


def screenshot(locator, name: str) -> Path:
    DOCS.mkdir(exist_ok=True)
    path = DOCS / name
    locator.screenshot(path=str(path))
    return path
