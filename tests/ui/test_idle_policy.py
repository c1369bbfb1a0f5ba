"""The idle policy and this app's GPUs in real Chromium, on a JupyterLab of this module's own
(a stand-in nvidia-smi on its PATH, a policy of seconds): this app's row shows its GPUs and
what the policy means with Studio's idle shutdown; an idle kernel brings one notification
with the time left, whose Keep counts as activity."""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from sm_studio_emulator.launcher import start_lab

from ..conftest import DEMO_DOMAIN, DEMO_SPACE, studio_metadata
from ..waiting import eventually
from .conftest import open_panel, screenshot

THIS_APP = "JupyterLab/default/demo-user-lab"
IDLE_GPUS = "0, 0, 20480, 23028\n1, 2, 1024, 23028\n"


@pytest.fixture(scope="module")
def lab(emulator, tmp_path_factory):
    home = tmp_path_factory.mktemp("idle-lab-home")
    (home / ".jupyter").mkdir()
    state = tmp_path_factory.mktemp("idle-lab-state")
    bin_dir = state / "bin"
    bin_dir.mkdir()
    smi = bin_dir / "nvidia-smi"
    smi.write_text(f"#!{sys.executable}\nimport sys\nsys.stdout.write({IDLE_GPUS!r})\n")
    smi.chmod(smi.stat().st_mode | stat.S_IXUSR)
    metadata = state / "resource-metadata.json"
    metadata.write_text(json.dumps(studio_metadata(DEMO_DOMAIN, DEMO_SPACE)))
    env = {
        "SM_TEAMKIT_RESOURCE_METADATA": str(metadata),
        "AWS_ENDPOINT_URL": emulator.url,
        "JUPYTER_PLATFORM_DIRS": "1",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
    }
    settings = {
        "apps_refresh_seconds": 2,
        "gpu_sample_seconds": 1,
        "idle_kernel_minutes": 0.5,  # 30 s
        "idle_warning_minutes": 0.25,  # announced 15 s before
        "idle_activity_file": str(state / "last-active"),
    }
    lab = start_lab(
        home=home,
        env=env,
        cwd=home,
        log_path=state / "jupyterlab.log",
        settings={f"SmTeamkit.{key}": value for key, value in settings.items()},
        timeout=90,
    )
    yield lab
    lab.stop()


def test_this_apps_row_shows_its_gpus_and_the_policy(page):
    panel = open_panel(page)
    row = panel.locator(f'[data-app="{THIS_APP}"]')
    row.locator(".jp-smtk-app-gpu").wait_for(timeout=60_000)
    gpu = row.locator(".jp-smtk-app-gpu").inner_text()
    assert "GPU 0 0% · 20.0/22.5 GiB" in gpu and "GPU 1 2%" in gpu
    assert "idle kernels shut down after 0.5 min" in row.locator(".jp-smtk-app-idle").inner_text()
    screenshot(row, "apps-gpu-row.png")


def test_an_idle_kernel_brings_one_notification_whose_keep_counts_as_activity(page, lab):
    open_panel(page)
    kernel = lab.api("api/kernels", "POST", {"name": "python3"})
    try:
        toast = page.locator(".Toastify__toast", has_text="will be shut down in")
        toast.first.wait_for(timeout=60_000)
        assert "team idle policy" in toast.first.inner_text()
        before = lab.api(f"api/kernels/{kernel['id']}")["last_activity"]
        toast.first.get_by_role("button", name="Keep").click()

        def kept() -> bool:
            return lab.api(f"api/kernels/{kernel['id']}")["last_activity"] > before

        eventually(kept, 30, "the Keep to count as activity on the kernel", interval=0.5)
        status = lab.api("sm-teamkit/status")
        assert kernel["id"] not in {e["id"] for e in status["idle_policy"]["culling"]}
    finally:
        lab.api(f"api/kernels/{kernel['id']}", "DELETE")
