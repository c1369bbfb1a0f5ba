"""The demo user's Canvas app, notebook instance, EMR cluster and model monitor in real Chromium:
each row with its kind's label, its price or "price unknown", and why in the tooltip;
teammates' never."""

from __future__ import annotations

from ..waiting import eventually
from .conftest import open_panel, screenshot

OTHERS = 'ul[aria-label="Other running resources"]'


def test_the_panel_shows_the_notebook_instance_emr_cluster_and_monitor_with_price_or_reason(page, emulator):
    catalogue = emulator.prices.prices  # the demo's Price List (the emulator's)
    notebook_rate = catalogue[("us-east-1", "notebook-instance", "ml.t3.xlarge")]
    run_hour = catalogue[("us-east-1", "processing", "ml.m5.xlarge")]
    # a row priced at another kind's rate would show another figure
    assert f"{notebook_rate:.2f}" != f"{catalogue[('us-east-1', 'studio-jupyterlab', 'ml.t3.xlarge')]:.2f}"
    assert f"{run_hour:.2f}" != f"{catalogue[('us-east-1', 'notebook-instance', 'ml.m5.xlarge')]:.2f}"
    panel = open_panel(page)
    others = panel.locator(f'[data-section="apps"] {OTHERS}')
    notebook = others.locator('[data-job="demo-user-churn-notebook"]')
    notebook.wait_for(timeout=60_000)
    price = notebook.locator(".jp-smtk-price")  # the Price List is read in the background
    eventually(lambda: price.inner_text() == f"${notebook_rate:.2f}/h", 30, "the notebook-instance rate")
    assert "notebook-instance rate from AWS's Price List" in price.get_attribute("title")
    assert notebook.locator(".jp-smtk-badge").inner_text() == "notebook instance"
    assert "1 × ml.t3.xlarge" in notebook.inner_text()

    cluster = others.locator('[data-job="j-2DEMOSPARK0001"]')
    assert cluster.locator(".jp-smtk-badge").inner_text() == "EMR cluster"
    assert cluster.locator(".jp-smtk-price").inner_text() == "price unknown"
    assert "EMR uplift" in cluster.locator(".jp-smtk-price").get_attribute("title")
    assert "core 2 × m5.2xlarge" in cluster.inner_text()

    monitor = others.locator('[data-job="churn-drift-monitor"]')
    assert monitor.locator(".jp-smtk-badge").inner_text() == "model monitor"
    assert monitor.locator(".jp-smtk-price").inner_text() == f"${run_hour:.2f}/run-hour"
    title = monitor.locator(".jp-smtk-price").get_attribute("title")
    assert "Total unknown" in title and "processing rate from AWS's Price List" in title, title
    assert "1 × ml.m5.xlarge per run" in monitor.inner_text()

    text = others.inner_text()  # teammates' and the stopped notebook instance are not the user's
    assert "alice" not in text and "j-3ALICESPARK002" not in text and "demo-user-old-notebook" not in text
    assert others.locator("button").count() == 0  # no stop buttons for these kinds
    screenshot(others, "other-resources.png")

    # Canvas: an app row at the Canvas session rate (its instance "system" is not what is billed)
    canvas = panel.locator('[data-section="apps"] li[data-app="Canvas/default/demo-user"]')
    session = catalogue[("us-east-1", "canvas", "session")]
    assert canvas.locator(".jp-smtk-price").inner_text() == f"${session:.2f}/h"
    assert "canvas rate from AWS's Price List" in canvas.locator(".jp-smtk-price").get_attribute("title")
