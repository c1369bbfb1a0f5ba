"""Every section fits the sidebar, at JupyterLab's default width and a narrow one, and every
badge and message reads at WCAG AA contrast (4.5:1), in the light and the dark theme.

Contrast is measured from computed colours in the page: each text element's colour is
composited over the backgrounds of its ancestors (alpha included), then the WCAG 2 ratio of
relative luminances is taken."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import open_panel, screenshot

# px: the left area's width when narrowed. JupyterLab's default and minimum is 250 px
# (--jp-sidebar-min-width), which themes and user CSS may lower.
NARROW = 180
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
THEME_SETTING = "lab/api/settings/@jupyterlab/apputils-extension:themes"
AA = 4.5

# One specimen per badge and message style, rendered inside the panel with its classes, so
# that styles the demo does not show at this moment are measured too.
SPECIMENS = """
<div class="jp-smtk-specimens">
  <span class="jp-smtk-badge">plain badge</span>
  <span class="jp-smtk-badge" data-kind="ok">ok badge</span>
  <span class="jp-smtk-badge" data-kind="warn">warn badge</span>
  <span class="jp-smtk-badge" data-kind="error">error badge</span>
  <div class="jp-smtk-error"><div>error message</div><div class="jp-smtk-hint">error hint</div></div>
  <div class="jp-smtk-muted">muted text</div>
  <div class="jp-smtk-hint">hint text</div>
  <div class="jp-smtk-muted jp-smtk-footnote">footnote</div>
  <ul class="jp-smtk-apps"><li class="jp-smtk-app jp-smtk-warn">
    <div class="jp-smtk-muted">muted in a nudged row</div>
    <div class="jp-smtk-nudge">nudge message</div>
    <span class="jp-smtk-badge" data-kind="ok">ok badge in a nudged row</span>
  </li></ul>
  <div class="jp-smtk-storage-freed">freed message</div>
  <div class="jp-smtk-kenv-note">kernel note</div>
  <h4 class="jp-smtk-storage-heading">storage heading</h4>
</div>
"""

CONTRAST_JS = """
root => {
  const parse = s => {
    let m = s.match(/^rgba?\\(([^)]+)\\)$/);
    if (m) {
      const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    }
    m = s.match(/^color\\(srgb ([^)]+)\\)$/);
    if (m) {
      const p = m[1].split(/[ \\/]+/).filter(Boolean).map(Number);
      return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
    }
    throw new Error('unparsed colour ' + s);
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const lum = c => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const out = [];
  for (const el of root.querySelectorAll('*')) {
    const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim()).map(n => n.textContent.trim()).join(' ');
    const rect = el.getBoundingClientRect();
    if (!own || rect.width === 0 || el.closest('button:disabled')) continue;
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.push(parse(getComputedStyle(e).backgroundColor));
    let bg = [255, 255, 255, 1];
    for (const c of chain.reverse()) bg = over(c, bg);
    const fg = over(parse(getComputedStyle(el).color), bg);
    const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    out.push({text: own.slice(0, 60), cls: el.className, ratio: (l1 + 0.05) / (l2 + 0.05)});
  }
  return out;
}
"""

OVERFLOW_JS = """
panel => {
  const box = panel.getBoundingClientRect();
  const problems = [];
  if (panel.scrollWidth > panel.clientWidth) problems.push(`panel scrollWidth ${panel.scrollWidth} > ${panel.clientWidth}`);
  for (const el of panel.querySelectorAll('section, section *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.right > box.right + 0.5) problems.push(`${el.tagName}.${el.className} "${el.textContent.slice(0, 30)}" ends at ${r.right} > ${box.right}`);
    const cs = getComputedStyle(el);
    // A box that clips its own text: allowed only where the full text is on hover (title).
    if (el.scrollWidth > el.clientWidth + 1 && cs.overflowX !== 'visible' && cs.overflowX !== 'auto'
        && !el.title && !el.closest('[title]')) {
      problems.push(`${el.tagName}.${el.className} "${el.textContent.slice(0, 30)}" clipped ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  for (const el of panel.querySelectorAll('.jp-smtk-num, .jp-smtk-price, .jp-smtk-badge, button')) {
    if (el.scrollWidth > el.clientWidth + 1) problems.push(`cut: "${el.textContent}"`);
  }
  return problems;
}
"""


def set_sidebar_width(page, width: int) -> float:
    """Drag the handle between the left area and the main area to ``width`` px; returns the
    panel's resulting width. Below JupyterLab's minimum, lower it as a theme or user CSS can."""
    page.add_style_tag(content=f":root {{ --jp-sidebar-min-width: {width}px !important; }}")
    # Lumino caches size limits: showing another side panel and back makes it measure again.
    page.locator('.jp-SideBar [data-id="filebrowser"]').first.click()
    page.locator('.jp-SideBar [data-id="sm-teamkit-panel"]').first.click()
    page.locator("#sm-teamkit-panel").wait_for(state="visible")
    panel = page.locator("#sm-teamkit-panel")
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    left = page.locator("#jp-left-stack").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(left["x"] + width, y, steps=5)
    page.mouse.up()
    return panel.evaluate("el => el.getBoundingClientRect().width")


@pytest.fixture(params=sorted(THEMES))
def themed_page(request, page, lab):
    lab.api(THEME_SETTING, "PUT", {"raw": json.dumps({"theme": THEMES[request.param]})})
    try:
        page.reload()
        page.wait_for_function(
            f"document.body.dataset.jpThemeLight === '{str(request.param == 'light').lower()}'", timeout=60_000
        )
        yield page, request.param
    finally:
        lab.api(THEME_SETTING, "PUT", {"raw": "{}"})


def fill_panel(page, lab):
    """The panel with every section loaded: apps with jobs, a storage report, kernels, proxies."""
    for rel, size in (
        (".local/share/Trash/files/old.csv", 200_000),
        (".cache/pip/http/w.bin", 300_000),
        (".cache/huggingface/hub/blob.bin", 400_000),
    ):
        path = lab.home / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
    lab.api("sm-teamkit/storage", "POST", {})
    panel = open_panel(page)
    panel.locator('[data-section="apps"] [data-job="churn-xgboost-train"]').wait_for(timeout=60_000)
    panel.locator('[data-section="storage"] .jp-smtk-storage-categories').wait_for(timeout=60_000)
    panel.locator('[data-section="kernels"] .jp-smtk-footnote').wait_for(timeout=60_000)
    panel.locator('[data-section="proxies"] [data-proxy="spark"]').wait_for(timeout=60_000)
    return panel


@pytest.mark.parametrize("width", ["default", "narrow"])
def test_every_section_fits_the_sidebar_and_reads_at_aa_contrast(themed_page, lab, width):
    page, theme = themed_page
    panel = fill_panel(page, lab)
    panel_width = panel.evaluate("el => el.getBoundingClientRect().width")
    if width == "narrow":
        panel_width = set_sidebar_width(page, NARROW)
        assert panel_width <= NARROW + 2
    assert panel_width > 150
    jobs = panel.locator('[data-section="apps"] [aria-label="Jobs and endpoints"] [data-job]')
    assert jobs.count() == 3  # the demo user's two jobs and endpoint, with their prices
    for text in jobs.all_inner_texts():
        assert re.search(r"\$\d+\.\d\d/h", text), text

    problems = panel.evaluate(OVERFLOW_JS)
    assert problems == [], f"{width} width ({panel_width:.0f} px), {theme}: " + "\n".join(problems)

    panel.locator(".jp-smtk-body").evaluate(f"el => el.insertAdjacentHTML('beforeend', {SPECIMENS!r})")
    measured = panel.evaluate(CONTRAST_JS)
    specimens = [
        m
        for m in measured
        if "specimen" in m["text"]
        or m["text"].endswith(("badge", "message", "hint", "text", "footnote", "note", "heading", "row"))
    ]
    assert len(specimens) >= 15
    low = [m for m in measured if m["ratio"] < AA]
    assert low == [], f"{theme}: under {AA}:1:\n" + "\n".join(
        f'{m["ratio"]:.2f} {m["cls"]!r} "{m["text"]}"' for m in low
    )
    page.locator(".jp-smtk-specimens").evaluate("el => el.remove()")
    if width == "default":
        screenshot(page.locator("#sm-teamkit-panel"), "panel.png" if theme == "light" else "panel-dark.png")


# The narrow sidebar (250, 200 and 150 px): tests/ui/test_narrow.py.
