"""The panel's one polling model, seen from the browser's requests: while the panel is
hidden only the background sections (apps for the nudges, kernels for the launcher) are
fetched; showing it fetches every section at once."""

from __future__ import annotations

import json

from .conftest import open_panel

SETTING = "lab/api/settings/sm-teamkit:model"


def section_of(url: str) -> str:
    """'apps' from .../sm-teamkit/apps?1796232718631 (the client adds a cache-busting query)."""
    return url.split("/sm-teamkit/", 1)[1].split("?")[0].split("/")[0]


def test_a_hidden_panel_fetches_only_apps_and_kernels_and_showing_it_fetches_all(page, lab):
    lab.api(SETTING, "PUT", {"raw": json.dumps({"refreshSeconds": 2})})
    try:
        page.reload()
        panel = open_panel(page)
        panel.locator('[data-section="storage"] .jp-smtk-storage-scan').wait_for(timeout=60_000)
        seen: list[str] = []
        page.on("request", lambda r: "/sm-teamkit/" in r.url and r.method == "GET" and seen.append(section_of(r.url)))
        page.locator('.jp-SideBar [data-id="filebrowser"]').first.click()
        panel.wait_for(state="hidden")
        seen.clear()
        for _ in range(2):  # two background rounds
            with page.expect_request(lambda r: "/sm-teamkit/" in r.url and section_of(r.url) == "apps", timeout=30_000):
                pass
        assert "apps" in seen and set(seen) <= {"apps", "kernels"}, seen

        seen.clear()
        # Shown again: one round fetches every section (proxies is the last one it asks).
        with page.expect_request(lambda r: "/sm-teamkit/" in r.url and section_of(r.url) == "proxies", timeout=10_000):
            page.locator('.jp-SideBar [data-id="sm-teamkit-panel"]').first.click()
        assert {"status", "apps", "storage", "kernels", "proxies"} <= set(seen), seen
    finally:
        lab.api(SETTING, "PUT", {"raw": "{}"})
