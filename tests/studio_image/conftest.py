"""The Studio-image layer (`make test-studio`): per SageMaker Distribution line, a cached venv
with the image's pins and AWS's extensions, the built sm_teamkit wheel installed into it as the
lifecycle script installs it, and JupyterLab started as SMD starts it, driven in Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sm_studio_emulator.launcher import UNSET_BY_DEFAULT, Lab
from sm_studio_emulator.launcher import start_lab as launch

from ..conftest import DEMO_DOMAIN, DEMO_SPACE, studio_metadata
from ..subprocess_lab import jp_asyncio_loop, jp_server_cleanup  # noqa: F401 - fixtures
from .images import LINES
from .lines import ETC
from .venvs import ROOT, ensure_venv, freeze

BASE = "/jupyterlab/default/"


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The sm_teamkit wheel, built from this tree (the labextension as `make build` left it)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True,
        cwd=ROOT,
    )
    return next(out.glob("sm_teamkit-*.whl"))


class StudioLab(Lab):
    """The shared launcher's server, read as Studio's browser reads it (no token)."""

    def get(self, path: str) -> dict:
        return self.api(path, timeout=60)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> None:
        super().stop(timeout)


def start_lab(venv: Path, emulator_url: str, state: Path) -> StudioLab:
    """JupyterLab as supervisord starts it in SMD (base URL, no token, any origin), on loopback."""
    home = state / "home"
    home.mkdir(parents=True, exist_ok=True)
    metadata = state / "resource-metadata.json"
    metadata.write_text(json.dumps(studio_metadata(DEMO_DOMAIN, DEMO_SPACE)))
    settings = {
        "SmTeamkit.storage_start_delay_seconds": 0,
        "SmTeamkit.apps_refresh_seconds": 2,
        "SmTeamkit.kernels_watch_seconds": 1,
    }
    return launch(
        home=home,
        venv=venv,
        token="",
        base_url=BASE,
        cwd=home,
        settings=settings,
        env={
            "SM_TEAMKIT_RESOURCE_METADATA": str(metadata),
            "AWS_ENDPOINT_URL": emulator_url,
            "JUPYTER_PLATFORM_DIRS": "1",
        },
        unset=(*UNSET_BY_DEFAULT, "PYTHONPATH", "SM_TEAMKIT_ACTIVITY_FILE"),
        extra_args=["--ServerApp.allow_origin=*", "--LabApp.expose_app_in_browser=True"],
        log_path=state / "jupyter.log",
        timeout=120,
        lab_class=StudioLab,
    )


def open_lab(browser, lab: StudioLab):
    """A tab on the lab, its console and uncaught errors recorded; waits for the app to be restored."""
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    page = context.new_page()
    console: list[tuple[str, str]] = []
    page.on("console", lambda msg: console.append((msg.type, msg.text)))
    page.on("pageerror", lambda err: console.append(("pageerror", f"{err}\n{getattr(err, 'stack', '')}")))
    page.goto(lab.url + "lab?reset")
    page.wait_for_function("window.jupyterapp !== undefined", timeout=90_000)
    page.evaluate("() => window.jupyterapp.restored")
    return context, page, console


def plugin_states(page) -> dict[str, bool]:
    """Every registered plugin and whether it activated (deferred ones count as not yet)."""
    return page.evaluate(
        "() => Object.fromEntries(window.jupyterapp.listPlugins()"
        ".map(id => [id, window.jupyterapp.isPluginActivated(id)]))"
    )


TRACEBACK = re.compile(r"Traceback \(most recent call last\):(?:\n[ \t].*)+\n\S.*")


def tracebacks(log: str) -> list[str]:
    return TRACEBACK.findall(log)


@dataclass
class LineRun:
    """One image line, measured without then with sm_teamkit in the same venv."""

    name: str
    venv: Path
    before: dict[str, str]
    after: dict[str, str]
    baseline_plugins: dict[str, bool]
    baseline_console: list[tuple[str, str]]
    baseline_tracebacks: list[str]
    labextension_list: str


def pip(venv: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "python"), "-m", "pip", *args], capture_output=True, text=True)


def prepare_line(name: str, wheel: Path, emulator_url: str, browser, state: Path) -> LineRun:
    venv = ensure_venv(name)
    pip(venv, "uninstall", "-y", "sm_teamkit")  # a leftover of an interrupted run
    line = LINES[name]
    if line.fixes:
        constraints = venv / "image-constraints.txt"
        fixed = pip(venv, "install", "-q", "--no-input", "-c", str(constraints), *line.fixes)
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    # The image's own server config (/etc/jupyter in SMD): hidden files allowed, no trash...
    etc = venv / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ETC / name / "jupyter_server_config.py", etc / "jupyter_server_config.py")
    before = freeze(venv)
    lab = start_lab(venv, emulator_url, state / "without")
    try:
        context, page, console = open_lab(browser, lab)
        baseline = plugin_states(page)
        context.close()
    finally:
        lab.stop()
    # As the lifecycle script installs it: pip install <wheel> (with the mlflow extra), not editable.
    done = pip(venv, "install", "--no-input", f"{wheel}[mlflow]")
    assert done.returncode == 0, done.stdout + done.stderr
    listing = subprocess.run(
        [str(venv / "bin" / "jupyter"), "labextension", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return LineRun(
        name, venv, before, freeze(venv), baseline, console, tracebacks(lab.log()), listing.stdout + listing.stderr
    )
