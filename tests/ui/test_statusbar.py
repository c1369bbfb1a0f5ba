"""The status-bar item and the collapsible sections in real Chromium: the item says what the
panel lists (count and summed $/h), is marked while an app is past its limit, opens the panel
at its apps; a collapsed section stays collapsed after a reload (JupyterLab's state database)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from . import test_layout
from .conftest import open_panel, screenshot
from .test_layout import AA, CONTRAST_JS

themed_page = test_layout.themed_page  # the light and dark themes, as test_layout sets them

ITEM = "#jp-main-statusbar .jp-smtk-status-item"
SUMMARY = re.compile(r"^(⚠ )?(\d+) running · \$(\d+\.\d\d)/h( \+ \?)?$")

# What the panel lists, read in one go (the item and the panel render the same model answer):
# the user's running apps and jobs, their prices, and the status-bar item's text and mark.
READ_BOTH_JS = r"""
() => {
  const section = document.querySelector('#sm-teamkit-panel [data-section="apps"]');
  const rows = [
    ...section.querySelectorAll('ul[aria-label="Your apps"] > li[data-status="InService"], ul[aria-label="Your apps"] > li[data-status="Pending"]'),
    ...section.querySelectorAll('ul[aria-label="Jobs and endpoints"] > li'),
    ...section.querySelectorAll('ul[aria-label="Other running resources"] > li'),
  ];
  const prices = rows.map(r => r.querySelector('.jp-smtk-price').textContent.trim());
  const item = document.querySelector('#jp-main-statusbar .jp-smtk-status');
  return {
    prices,
    nudged: section.querySelectorAll('ul[aria-label="Your apps"] > li.jp-smtk-warn').length,
    text: item ? item.textContent.trim() : null,
    warn: item ? item.dataset.warn : null,
    title: item ? item.title : null,
  };
}
"""


def status_text(page) -> str:
    item = page.locator(f"{ITEM} .jp-smtk-status")
    item.wait_for(timeout=60_000)
    return item.inner_text().strip()


def test_the_status_bar_says_what_runs_and_its_cost_without_the_panel_open(page):
    # The panel was never opened in this tab: the item reads the model the nudges keep fresh.
    assert not page.locator("#sm-teamkit-panel").is_visible()
    text = status_text(page)
    assert SUMMARY.match(text), text
    assert int(SUMMARY.match(text).group(2)) >= 1


def test_the_status_bar_matches_the_apps_the_panel_lists_and_marks_an_app_past_its_limit(page):
    panel = open_panel(page)
    panel.locator('[data-section="apps"] [data-job]').first.wait_for(timeout=60_000)
    page.locator(f"{ITEM} .jp-smtk-status").wait_for(timeout=60_000)
    seen = page.evaluate(READ_BOTH_JS)
    match = SUMMARY.match(seen["text"])
    assert match, seen
    # $/h rows count in the item's $/h; "price unknown" and a monitor's $/run-hour do not
    known = [float(p[1:-2]) for p in seen["prices"] if re.fullmatch(r"\$\d+\.\d\d/h", p)]
    assert int(match.group(2)) == len(seen["prices"]) >= 3, seen
    assert abs(float(match.group(3)) - sum(known)) < 0.015, seen
    assert bool(match.group(4)) == (len(known) < len(seen["prices"])), seen
    # The demo's GPU CodeEditor app has run past its 8 h limit: the item is marked and says which.
    assert seen["nudged"] >= 1
    assert match.group(1) and seen["warn"] == "true", seen
    assert "Past its limit: CodeEditor" in seen["title"], seen
    screenshot(page.locator("#jp-main-statusbar"), "statusbar.png")


def test_clicking_the_status_bar_item_opens_the_panel_at_its_apps(page):
    panel = open_panel(page)
    apps = panel.locator('[data-section="apps"]')
    apps.locator("[data-app]").first.wait_for(timeout=60_000)
    # Apps collapsed and scrolled out of sight, then the panel closed (the file browser shown).
    apps.locator(".jp-smtk-section-toggle").click()
    assert apps.get_attribute("data-collapsed") == "true"
    panel.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    page.locator('.jp-SideBar [data-id="filebrowser"]').first.click()
    panel.wait_for(state="hidden", timeout=10_000)

    page.locator(ITEM).click()
    panel.wait_for(state="visible", timeout=10_000)
    page.wait_for_function(
        "() => document.querySelector('#sm-teamkit-panel [data-section=\"apps\"]').dataset.collapsed === 'false'",
        timeout=10_000,
    )
    apps.locator('ul[aria-label="Your apps"] [data-app]').first.wait_for(state="visible", timeout=10_000)
    # The apps' heading is in the panel's visible area.
    page.wait_for_function(
        """() => {
          const panel = document.querySelector('#sm-teamkit-panel').getBoundingClientRect();
          const head = document.querySelector('#sm-teamkit-panel [data-section="apps"] header').getBoundingClientRect();
          return head.top >= panel.top - 1 && head.bottom <= panel.bottom + 1;
        }""",
        timeout=10_000,
    )


def wait_saved(page, action) -> None:
    """Do ``action`` and wait until JupyterLab has saved the workspace (its state database)."""
    with page.expect_response(lambda r: "/lab/api/workspaces" in r.url and r.request.method == "PUT", timeout=30_000):
        action()


def test_a_collapsed_section_stays_collapsed_after_a_reload(page, lab):
    panel = open_panel(page)
    storage = panel.locator('[data-section="storage"]')
    toggle = storage.locator(".jp-smtk-section-toggle")
    toggle.wait_for(timeout=60_000)
    assert toggle.get_attribute("aria-expanded") == "true"
    wait_saved(page, toggle.click)
    assert toggle.get_attribute("aria-expanded") == "false"
    assert storage.locator(".jp-smtk-section-body").is_hidden()

    page.goto(lab.url + "lab")  # a reload, without ?reset (which forgets the workspace)
    panel = open_panel(page)
    storage = panel.locator('[data-section="storage"]')
    page.wait_for_function(
        "() => document.querySelector('#sm-teamkit-panel [data-section=\"storage\"]')?.dataset.collapsed === 'true'",
        timeout=30_000,
    )
    assert storage.locator(".jp-smtk-section-body").is_hidden()
    # The other sections stay open.
    for name in ("apps", "kernels"):
        assert panel.locator(f'[data-section="{name}"]').get_attribute("data-collapsed") == "false"
        assert panel.locator(f'[data-section="{name}"] .jp-smtk-section-body').is_visible()
    # And it opens again (remembered too).
    toggle = storage.locator(".jp-smtk-section-toggle")
    wait_saved(page, toggle.click)
    assert storage.locator(".jp-smtk-section-body").is_visible()
    page.goto(lab.url + "lab")
    panel = open_panel(page)
    panel.locator('[data-section="storage"] .jp-smtk-section-body').wait_for(state="visible", timeout=30_000)
    # Every section collapsed: the whole panel at a glance (docs/panel-collapsed.png).
    for toggle in panel.locator(".jp-smtk-section-toggle").all():
        toggle.click()
    assert panel.locator(".jp-smtk-section-body:visible").count() == 0
    page.mouse.move(700, 400)  # no hover highlight in the picture
    screenshot(panel.locator(".jp-smtk-body"), "panel-collapsed.png")


def test_the_status_bar_item_reads_at_aa_contrast_marked_or_not(themed_page):
    page, theme = themed_page
    item = page.locator(ITEM)
    item.locator(".jp-smtk-status[data-warn='true']").wait_for(timeout=60_000)  # the demo's GPU app
    for warn in ("true", "false"):
        item.locator(".jp-smtk-status").evaluate("(el, w) => { el.dataset.warn = w; }", warn)
        measured = item.evaluate(CONTRAST_JS)
        assert any("running" in m["text"] for m in measured), measured
        low = [m for m in measured if m["ratio"] < AA]
        assert low == [], f"{theme}, warn={warn}: " + ", ".join(f'{m["ratio"]:.2f} "{m["text"]}"' for m in low)


STATUSBAR_PLUGIN = "@jupyterlab/statusbar-extension:plugin"


def lab_config_dir(lab) -> Path:
    """This JupyterLab's own user config dir (under its HOME): page config written there applies
    to this server alone, at the next page load."""
    out = subprocess.run(
        [sys.executable, "-c", "from jupyter_core.paths import jupyter_config_dir; print(jupyter_config_dir())"],
        env=lab.env,
        capture_output=True,
        text=True,
        check=True,
    )
    path = Path(out.stdout.strip())
    assert path.is_relative_to(lab.home), path
    return path


def test_without_a_status_bar_the_extension_still_works(page, lab):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page_config = lab_config_dir(lab) / "labconfig" / "page_config.json"
    assert not page_config.exists()
    page_config.parent.mkdir(parents=True, exist_ok=True)
    page_config.write_text(json.dumps({"disabledExtensions": {STATUSBAR_PLUGIN: True}}))
    try:
        page.goto(lab.url + "lab?reset")
        page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
        panel = open_panel(page)
        panel.locator('[data-section="apps"] [data-app]').first.wait_for(timeout=60_000)
        assert page.locator(ITEM).count() == 0
        assert not page.locator("#jp-main-statusbar").is_visible()
        assert [e for e in errors if "sm-teamkit" in e or "sm_teamkit" in e] == []
    finally:
        page_config.unlink()
