"""A SageMaker Unified Studio project space in real Chromium: JupyterLab started with AWS's own
server config lines for Unified Studio (``jupyter_server_config.py`` of the image's
``/etc/sagemaker-ui``: ``Content-Security-Policy`` from ``JUPYTERSERVER_CSP_RULE`` in
``ServerApp.tornado_settings``), on the emulator's unified-studio scenario. The panel names the
project and the person (not the DataZone GUID); with ListApps denied it shows this space and
why; the proxied MLflow UI renders under the CSP header."""

from __future__ import annotations

import json
import urllib.request

import pytest

from sm_studio_emulator.launcher import start_lab

from ..conftest import start_emulator
from ..proxies.conftest import SparkApp
from ..unified.conftest import DANA, DZ_PROJECT, SCENARIO, SPACE, write_metadata
from ..waiting import eventually
from .conftest import LAB_SETTINGS, open_panel, screenshot

# The CSP rule: Unified Studio's platform sets JUPYTERSERVER_CSP_RULE when it starts the space
# (no file of aws/sagemaker-distribution holds its value); this one lets only the Studio
# portals frame the server, as a CSP with frame-ancestors does.
CSP_RULE = "frame-ancestors 'self' https://*.sagemaker.aws https://*.datazone.aws"
# What /etc/sagemaker-ui/jupyter/server/jupyter_server_config.py (SMD 4.4.1) does with it.
SERVER_CONFIG = """
import os
csp_rule = os.environ.get("JUPYTERSERVER_CSP_RULE")
c.ServerApp.tornado_settings = {"compress_response": True, "headers": {"Content-Security-Policy": csp_rule}}
"""


@pytest.fixture(scope="module")
def unified_emulator():
    with start_emulator(str(SCENARIO)) as emu:
        yield emu


@pytest.fixture(scope="module")
def lab(unified_emulator, tmp_path_factory):
    """JupyterLab in Dana's Unified Studio project space (overrides the demo user's lab)."""
    home = tmp_path_factory.mktemp("unified-home")
    (home / ".jupyter").mkdir()
    (home / "shared").mkdir()
    (home / "src").mkdir()
    state = tmp_path_factory.mktemp("unified-state")
    config = state / "config"
    config.mkdir()
    (config / "jupyter_server_config.py").write_text(SERVER_CONFIG)
    env = {
        "SM_TEAMKIT_RESOURCE_METADATA": str(write_metadata(unified_emulator, state)),
        "AWS_ENDPOINT_URL": unified_emulator.url,  # SageMaker and DataZone: the emulator
        "JUPYTERSERVER_CSP_RULE": CSP_RULE,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    lab = start_lab(
        home=home,
        env=env,
        cwd=home,
        log_path=state / "jupyterlab.log",
        settings={f"SmTeamkit.{key}": value for key, value in LAB_SETTINGS.items()},
        timeout=90,
    )
    yield lab
    lab.stop()


def test_the_panel_names_the_project_and_the_person_and_says_shared_is_not_scanned(page, lab):
    panel = open_panel(page)
    identity = panel.locator(".jp-smtk-identity[data-unified='true']")
    identity.wait_for(timeout=60_000)
    assert identity.locator(".jp-smtk-mode").inner_text() == "SageMaker Unified Studio"
    text = identity.inner_text()
    assert "Dana Lee" in text and DZ_PROJECT in text and SPACE in text
    assert DANA not in text.replace(SPACE, "")  # the GUID only inside the space's name
    assert "~/shared" in text and "~/src" in text
    screenshot(identity, "unified-studio-identity.png")


def test_with_list_apps_denied_the_panel_shows_this_space_and_why(page, lab, unified_emulator):
    unified_emulator.set_faults(fail={"ListApps": "AccessDeniedException"})
    try:
        panel = open_panel(page)
        limited = panel.locator(".jp-smtk-apps-limited")
        limited.wait_for(timeout=60_000)  # the next refresh (apps_refresh_seconds)
        assert limited.inner_text() == "Only this space is shown: your role may not call sagemaker:ListApps."
        rows = panel.locator("[data-app]")
        assert rows.count() == 1
        assert rows.first.get_attribute("data-app") == f"JupyterLab/default/{SPACE}"
        assert panel.locator(".jp-smtk-error").count() == 0
    finally:
        unified_emulator.clear_faults()


def mlflow_api(lab, path: str, body: dict | None = None) -> dict:
    """MLflow's REST API through the proxy (the first call waits for MLflow to start)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{lab.url}mlflow/api/2.0/mlflow/{path}",
        data=data,
        method="POST" if data else "GET",
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read() or b"{}")


def test_the_proxied_mlflow_ui_renders_under_unified_studios_csp(page, lab):
    eventually(
        lambda: mlflow_api(lab, "experiments/search?max_results=1"),
        300,
        "MLflow to answer through the proxy",
        interval=1,
        ignoring=(OSError,),
    )
    mlflow_api(lab, "experiments/create", {"name": "project-churn"})
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    # The server's pages carry the rule; jupyter-server-proxy answers with MLflow's own headers.
    assert page.goto(lab.url + "lab").headers.get("content-security-policy") == CSP_RULE
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    # Unified Studio frames the server: MLflow framed by the server's own page renders.
    page.evaluate(
        """url => { const f = document.createElement('iframe'); f.id = 'mlflow-frame';
        f.style.width = '1200px'; f.style.height = '700px'; f.src = url; document.body.prepend(f); }""",
        lab.url + "mlflow/",
    )
    page.frame_locator("#mlflow-frame").get_by_text("project-churn").first.wait_for(timeout=120_000)
    # And opened in a tab of its own, as the panel's link opens it.
    page.goto(lab.url + "mlflow/")
    page.get_by_text("project-churn").first.wait_for(timeout=120_000)
    screenshot(page.locator("body"), "unified-studio-mlflow.png")
    assert refused == []


SPARK_PORT = 4047  # tests/proxies uses 4040 and 4041, tests/ui/test_proxies 4045


@pytest.fixture(scope="module")
def spark_app(tmp_path_factory):
    app = SparkApp("project-etl", SPARK_PORT, tmp_path_factory.mktemp("unified-spark"))
    try:
        yield app.wait_ready()
    finally:
        app.stop()


def test_the_proxied_spark_ui_renders_under_unified_studios_csp(page, lab, spark_app):
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(lab.url + f"sparkui/{SPARK_PORT}/")
    page.get_by_text("Spark Jobs").first.wait_for(timeout=60_000)
    page.get_by_text("Completed Jobs").first.wait_for(timeout=30_000)
    page.goto(lab.url + "lab")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    page.evaluate(
        """url => { const f = document.createElement('iframe'); f.id = 'spark-frame';
        f.style.width = '1200px'; f.style.height = '700px'; f.src = url; document.body.prepend(f); }""",
        lab.url + f"sparkui/{SPARK_PORT}/executors/",
    )
    frame = page.frame_locator("#spark-frame")
    frame.locator("#active-executors-table tbody tr", has_text="driver").first.wait_for(timeout=60_000)
    assert refused == []
