"""MLflow and Spark UIs opened from the panel in real Chromium: links are plain paths (the
Jupyter cookie authenticates them), assets and API calls stay under the proxy prefix."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from ..proxies.conftest import SparkApp
from ..waiting import eventually
from .conftest import DOCS, open_panel, screenshot

SPARK_PORT = 4045  # tests/proxies uses 4040 and 4041
SPARK_NAME = "churn-features-etl"


def mlflow_api(lab, path: str, body: dict | None = None, timeout: float = 300) -> dict:
    """MLflow's REST API through the proxy (the first call waits for MLflow to start)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{lab.url}mlflow/api/2.0/mlflow/{path}",
        data=data,
        method="POST" if data else "GET",
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


@pytest.fixture(scope="module")
def mlflow_with_runs(lab):
    """MLflow started through the proxy, with one experiment of three runs to look at."""
    eventually(
        lambda: mlflow_api(lab, "experiments/search?max_results=1"),
        300,
        "MLflow's API through the proxy",
        interval=2,
        until=lambda answer: answer is not None,
        ignoring=(urllib.error.URLError, OSError),
    )
    experiment = mlflow_api(lab, "experiments/create", {"name": "churn-model"})["experiment_id"]
    for i, (depth, auc) in enumerate([(4, 0.81), (6, 0.86), (8, 0.84)]):
        run = mlflow_api(
            lab,
            "runs/create",
            {"experiment_id": experiment, "run_name": f"xgb-depth-{depth}", "start_time": int(time.time() * 1000) - i},
        )["run"]
        mlflow_api(
            lab,
            "runs/log-batch",
            {
                "run_id": run["info"]["run_id"],
                "params": [{"key": "max_depth", "value": str(depth)}],
                "metrics": [{"key": "auc", "value": auc, "timestamp": 0, "step": 0}],
            },
        )
        mlflow_api(lab, "runs/update", {"run_id": run["info"]["run_id"], "status": "FINISHED"})
    return experiment


@pytest.fixture(scope="module")
def spark_app(tmp_path_factory):
    app = SparkApp(SPARK_NAME, SPARK_PORT, tmp_path_factory.mktemp("ui-spark"))
    try:
        yield app.wait_ready()
    finally:
        app.stop()


def watch_requests(lab_page, origin: str) -> list[tuple[str, int]]:
    """(path, status) of every response from the Jupyter origin to the tabs the lab opens."""
    seen: list[tuple[str, int]] = []

    def record(response):
        if response.url.startswith(origin):
            seen.append((urlsplit(response.url).path, response.status))

    lab_page.context.on("page", lambda tab: tab.on("response", record))
    return seen


def test_mlflow_opens_from_the_panel_link_with_everything_under_the_prefix(page, lab, mlflow_with_runs):
    panel = open_panel(page)
    row = panel.locator('[data-proxy="mlflow-local"]')
    link = row.locator("a.jp-smtk-proxy-open")
    link.wait_for(timeout=60_000)
    href = link.get_attribute("href")
    assert href.startswith(lab.url) and urlsplit(href).path == "/mlflow/"
    assert not urlsplit(href).query and lab.token not in href
    seen = watch_requests(page, lab.url.rstrip("/"))
    with page.context.expect_page(timeout=60_000) as popup:
        link.click()
    mlflow = popup.value
    mlflow.set_viewport_size({"width": 1400, "height": 800})
    mlflow.wait_for_load_state()
    # MLflow 3 opens in its GenAI view: switch to the classic runs view of the experiment.
    mlflow.get_by_text("Model training").first.click(timeout=120_000)
    mlflow.get_by_text("churn-model").first.click(timeout=60_000)
    mlflow.get_by_text("xgb-depth-6").first.wait_for(timeout=60_000)
    mlflow.get_by_role("button", name="Close", exact=True).click()  # the assistant side panel
    mlflow.locator('label:has(input[value="CHART"])').click(timeout=30_000)
    mlflow.get_by_text("0.86").first.wait_for(timeout=60_000)  # metric values, from the API
    mlflow.wait_for_timeout(1000)
    mlflow.screenshot(path=str(DOCS / "mlflow.png"))
    paths = [p for p, _ in seen]
    outside = [p for p in paths if not p.startswith("/mlflow/")]
    assert outside == [], f"requests left the proxy prefix: {outside}"
    assets = [(p, s) for p, s in seen if p.startswith("/mlflow/static-files/")]
    assert assets and all(s == 200 for _, s in assets), assets
    assert ("/mlflow/ajax-api/2.0/mlflow/runs/search", 200) in seen, seen
    # MLflow's own 404s (e.g. users/current without its auth app) are its answers; the
    # proxy must never fail (5xx) on the way.
    assert [(p, s) for p, s in seen if s >= 500] == []
    row.locator(".jp-smtk-badge", has_text="running").wait_for(timeout=60_000)
    mlflow.close()


def test_spark_jobs_and_executors_pages_open_from_the_panel_link(page, lab, spark_app):
    panel = open_panel(page)
    row = panel.locator(f'[data-spark-port="{SPARK_PORT}"]')
    row.wait_for(timeout=90_000)
    assert SPARK_NAME in row.inner_text()
    link = row.locator("a.jp-smtk-proxy-open")
    href = link.get_attribute("href")
    assert href == f"{lab.url}sparkui/{SPARK_PORT}/" and lab.token not in href
    screenshot(panel.locator('[data-section="proxies"]'), "panel-proxies.png")
    seen = watch_requests(page, lab.url.rstrip("/"))
    with page.context.expect_page(timeout=60_000) as popup:
        link.click()
    spark = popup.value
    spark.set_viewport_size({"width": 1400, "height": 800})
    spark.get_by_text("Spark Jobs").first.wait_for(timeout=60_000)
    assert urlsplit(spark.url).path == f"/sparkui/{SPARK_PORT}/jobs/"
    spark.get_by_text("Completed Jobs").first.wait_for(timeout=30_000)
    spark.screenshot(path=str(DOCS / "spark.png"))
    spark.locator("a.nav-link", has_text="Executors").click()
    spark.wait_for_url(f"**/sparkui/{SPARK_PORT}/executors/", timeout=30_000)
    # The executors table is drawn by Spark's JS from its REST API, under the prefix.
    spark.locator("#active-executors-table tbody tr", has_text="driver").first.wait_for(timeout=60_000)
    spark.get_by_text("Loading...").first.wait_for(state="hidden", timeout=60_000)
    spark.screenshot(path=str(DOCS / "spark-executors.png"))
    paths = [p for p, _ in seen]
    assert any(p.startswith(f"/sparkui/{SPARK_PORT}/api/v1/applications/") for p in paths), paths
    outside = [p for p in paths if not p.startswith(f"/sparkui/{SPARK_PORT}/")]
    assert outside == [], f"requests left the proxy prefix: {outside}"
    assert [(p, s) for p, s in seen if s >= 400] == []
    spark.close()


def test_managed_mlflow_opens_a_presigned_url_in_a_new_tab(page, lab):
    page.context.route(
        re.compile(r"^https://[^/]+\.sagemaker\.aws/"),
        lambda route: route.fulfill(status=200, body="managed MLflow", content_type="text/plain"),
    )
    panel = open_panel(page)
    row = panel.locator('[data-managed="team-mlflow"]')
    row.wait_for(timeout=60_000)
    assert "Created" in row.inner_text()
    stopped = panel.locator('[data-managed="archive-mlflow"]')
    assert stopped.get_by_role("button", name="Open").is_disabled()
    with page.context.expect_page(timeout=30_000) as popup:
        row.get_by_role("button", name="Open").click()
    tab = popup.value
    tab.wait_for_url(re.compile(r"^https://"), wait_until="commit", timeout=30_000)
    assert "authToken=" in tab.url and lab.token not in tab.url
    tab.close()


def test_the_launcher_mlflow_card_opens_mlflow_without_a_token(page, lab, mlflow_with_runs):
    page.get_by_text("File", exact=True).first.click()
    page.get_by_text("New Launcher", exact=True).first.click()
    card = page.locator(".jp-LauncherCard", has_text="MLflow").first
    card.wait_for(timeout=30_000)
    # The entry point's SVG (sm_teamkit/proxies/icons/mlflow.svg), served by jupyter-server-proxy.
    icon = card.locator("img.jp-Launcher-kernelIcon")
    assert urlsplit(icon.get_attribute("src")).path == "/server-proxy/icon/mlflow"
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=icon.element_handle(), timeout=30_000)
    screenshot(card, "launcher-mlflow.png")
    with page.context.expect_page(timeout=60_000) as popup:
        card.click()
    tab = popup.value
    tab.wait_for_url(re.compile(r"/mlflow/"), wait_until="commit", timeout=60_000)
    assert urlsplit(tab.url).path == "/mlflow/" and lab.token not in tab.url
    tab.close()
