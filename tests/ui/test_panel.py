"""The panel in real Chromium: it opens from the sidebar and shows the demo identity."""

from __future__ import annotations

from ..conftest import DEMO_DOMAIN, DEMO_SPACE, DEMO_USER
from .conftest import open_panel


def test_panel_opens_from_the_sidebar_and_shows_the_identity(page):
    panel = open_panel(page)
    identity = panel.locator(".jp-smtk-identity")
    identity.get_by_text(DEMO_USER, exact=True).wait_for(timeout=30_000)
    text = identity.inner_text()
    assert "SageMaker Studio" in text
    assert DEMO_DOMAIN in text and DEMO_SPACE in text and "JupyterLab" in text
    # docs/panel.png and panel-dark.png come from test_layout.py, with every section loaded.


def test_panel_is_readable_in_the_dark_theme(page):
    page.evaluate("window.jupyterapp && 0")
    page.get_by_text("Settings", exact=True).first.click()
    page.get_by_text("Theme", exact=True).first.hover()
    page.get_by_text("JupyterLab Dark", exact=True).first.click()
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    panel = open_panel(page)
    panel.get_by_text(DEMO_USER, exact=True).wait_for(timeout=30_000)
    color = panel.evaluate("el => getComputedStyle(el).color")
    background = panel.evaluate("el => getComputedStyle(el).backgroundColor")
    assert color != background
    # Back to light for the tests that follow (the setting persists in the lab HOME).
    page.get_by_text("Settings", exact=True).first.click()
    page.get_by_text("Theme", exact=True).first.hover()
    page.get_by_text("JupyterLab Light", exact=True).first.click()
    page.wait_for_function("document.body.dataset.jpThemeLight === 'true'", timeout=30_000)


def test_the_sections_setting_chooses_and_orders_the_sections(page, lab):
    import json

    setting = "lab/api/settings/sm-teamkit:model"
    lab.api(setting, "PUT", {"raw": json.dumps({"sections": ["kernels", "apps"]})})
    try:
        page.reload()
        panel = open_panel(page)
        page.wait_for_function(
            """() => [...document.querySelectorAll('#sm-teamkit-panel section[data-section]')]
                     .map(e => e.dataset.section).join(',') === 'kernels,apps'""",
            timeout=30_000,
        )
        assert panel.locator('[data-section="storage"]').count() == 0
    finally:
        lab.api(setting, "PUT", {"raw": "{}"})
