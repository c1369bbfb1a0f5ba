"""Running apps in real Chromium: prices shown, stop with confirmation, 'this app' asks twice."""

from __future__ import annotations

from ..waiting import eventually
from .conftest import open_panel, screenshot

KG = "KernelGateway/sagemaker-data-science-ml-m5-large-6f1c2d3e4a/demo-user"
THIS_APP = "JupyterLab/default/demo-user-lab"


def test_panel_lists_the_demo_users_apps_with_prices_and_nudges(page, emulator):
    # the demo's Price List (the emulator's): the Code Editor at its own kind's rate
    code_editor = emulator.prices.prices[("us-east-1", "studio-codeeditor", "ml.g5.xlarge")]
    panel = open_panel(page)
    apps = panel.locator('[data-section="apps"]')
    apps.locator(f'[data-app="{THIS_APP}"]').wait_for(timeout=30_000)
    assert "$0.05/h" in apps.locator(f'[data-app="{THIS_APP}"]').inner_text()
    assert "this app" in apps.locator(f'[data-app="{THIS_APP}"]').inner_text()
    gpu = apps.locator('[data-app="CodeEditor/default/demo-user-code"]')
    price = gpu.locator(".jp-smtk-price")  # read in the background: the panel shows it once it lands
    eventually(lambda: price.inner_text() == f"${code_editor:.2f}/h", 30, "the Price List's Code Editor rate")
    assert "over the 8 h limit" in gpu.inner_text()
    assert "studio-codeeditor rate from AWS's Price List" in price.get_attribute("title")
    assert "Unable to provision" in apps.inner_text()  # the Failed app's reason
    assert "bob" not in apps.locator('ul[aria-label="Your apps"]').inner_text()
    screenshot(panel, "apps.png")


def test_stopping_this_app_asks_a_second_time_and_cancel_keeps_it(page, emulator):
    panel = open_panel(page)
    row = panel.locator(f'[data-app="{THIS_APP}"]')
    row.wait_for(timeout=30_000)
    emulator.reset_calls()
    row.get_by_role("button", name="Stop").click()
    page.locator(".jp-Dialog").get_by_role("button", name="Stop app").click()
    second = page.locator(".jp-Dialog")
    second.get_by_text("ends this JupyterLab session").wait_for(timeout=10_000)
    second.get_by_role("button", name="Cancel").click()
    second.wait_for(state="detached", timeout=10_000)  # the panel acts (or not) when the dialog resolves
    assert emulator.count("DeleteApp") == 0
    assert row.get_attribute("data-status") == "InService"


def test_stop_with_confirmation_removes_the_app(page, emulator):
    panel = open_panel(page)
    row = panel.locator(f'[data-app="{KG}"]')
    row.wait_for(timeout=30_000)
    row.get_by_role("button", name="Stop").click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("will be deleted").wait_for(timeout=10_000)
    dialog.get_by_role("button", name="Stop app").click()
    page.wait_for_selector(f'[data-app="{KG}"][data-status="Deleting"]', timeout=30_000)
    row.wait_for(state="detached", timeout=60_000)
    deletes = emulator.calls.params("DeleteApp")
    assert deletes[-1]["AppName"] == KG.split("/")[1]
