"""The panel in a narrow sidebar (250 px, JupyterLab's default; 200 and 150 px, as a theme or
user CSS allows), light and dark, in real Chromium: words wrap whole, kernel folders show whole
(their full path in a tooltip), "X of Y" sizes are not cut, nothing scrolls sideways, every bar
track of a chart is as long as the others, and text still reads at AA contrast.

Measured in the page: element bounding boxes, scrollWidth against clientWidth, and for every
word of every text node the client rects of its Range (two line tops = broken mid-word)."""

from __future__ import annotations

import pytest

from . import test_layout
from .test_layout import AA, CONTRAST_JS, OVERFLOW_JS, fill_panel, set_sidebar_width

themed_page = test_layout.themed_page  # the light and dark themes, as test_layout sets them

# Words broken over two lines. A word is a run of letters (a path or an id may break at its
# slashes, dots and hyphens: those end a run); one wider than the panel's text column must break.
SPLIT_WORDS_JS = r"""
panel => {
  const column = panel.querySelector('.jp-smtk-body').clientWidth - 20;
  const split = [];
  const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
  let words = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('pre, code, [hidden]')) continue;
    const re = /\p{L}{2,}/gu;
    let m;
    while ((m = re.exec(node.textContent))) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0);
      if (rects.length === 0) continue;
      words += 1;
      const width = rects.reduce((sum, r) => sum + r.width, 0);
      const tops = new Set(rects.map(r => Math.round(r.top)));
      if (tops.size > 1 && width <= column) split.push(`"${m[0]}" in .${node.parentElement.className}: "${node.textContent.slice(Math.max(0, m.index - 30), m.index + 30)}"`);
    }
  }
  return {words, split};
}
"""

# Everything in the panel, the identity too, ends inside it; the panel does not scroll sideways.
INSIDE_JS = r"""
panel => {
  const box = panel.getBoundingClientRect();
  const out = [];
  if (panel.scrollWidth > panel.clientWidth) {
    const wide = [...panel.querySelectorAll('*')]
      .filter(e => e.getBoundingClientRect().right > box.right + 0.5 || e.scrollWidth > panel.clientWidth)
      .slice(0, 5).map(e => `${e.tagName}.${e.className}`);
    out.push(`panel scrollWidth ${panel.scrollWidth} > clientWidth ${panel.clientWidth} (${wide.join(', ')})`);
  }
  for (const el of panel.querySelectorAll('.jp-smtk-body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5) {
      out.push(`${el.tagName}.${el.className} "${el.textContent.slice(0, 30)}" spans ${r.left}-${r.right} outside ${box.left}-${box.right}`);
    }
  }
  return out;
}
"""


def make_kernel_env(lab) -> None:
    """A pipenv environment's files (enough for a kernel row) with a long project folder."""
    env = lab.home / ".local" / "share" / "virtualenvs" / "customer-churn-forecasting-Xy12Ab34"
    env.mkdir(parents=True, exist_ok=True)
    (env / ".project").write_text(str(lab.home / "projects" / "customer-churn-forecasting"))
    (env / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")


@pytest.mark.parametrize("width", [250, 200, 150])
def test_a_narrow_sidebar_keeps_words_whole_folders_shown_sizes_uncut_and_bars_even(themed_page, lab, width):
    page, theme = themed_page
    make_kernel_env(lab)
    panel = fill_panel(page, lab)
    panel.locator('[data-section="kernels"] .jp-smtk-kenv', has_text="customer-churn").wait_for(timeout=60_000)
    panel_width = set_sidebar_width(page, width)
    assert width - 2 <= panel_width <= width + 2
    where = f"{width} px, {theme}"
    # The layout after the drag: the panel is as wide as asked and every row has laid out.
    page.wait_for_function(
        f"Math.abs(document.querySelector('#sm-teamkit-panel').getBoundingClientRect().width - {width}) <= 2"
    )

    words = panel.evaluate(SPLIT_WORDS_JS)
    assert words["words"] > 200, where  # every section is there to be measured
    assert words["split"] == [], where + "\n" + "\n".join(words["split"])

    # Kernel rows show their whole project folder, on a line of its own when needed, and the
    # full path in the folder's tooltip.
    folders = panel.locator('[data-section="kernels"] .jp-smtk-kenv-folder')
    assert folders.count() >= 1
    box = panel.bounding_box()
    for i in range(folders.count()):
        folder = folders.nth(i)
        text, title = folder.inner_text(), folder.get_attribute("title")
        b = folder.bounding_box()
        assert b["width"] > 0 and b["x"] >= box["x"] and b["x"] + b["width"] <= box["x"] + box["width"] + 0.5, where
        assert folder.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), where
        assert "…" not in text and "/" in text, (text, where)
        assert title.startswith("/") and title.endswith(text.replace("\n", "").lstrip("~")), (text, title, where)
    churn = folders.filter(has_text="customer-churn-forecasting")
    assert churn.count() == 1, where

    # "X of Y" of each storage root is whole and inside the panel.
    used = panel.locator(".jp-smtk-storage-used").all()
    assert used, where
    for el in used:
        b = el.bounding_box()
        assert b["x"] + b["width"] <= box["x"] + box["width"] + 0.5, where
        assert el.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), where
        assert " of " in el.inner_text()

    # Every bar track of a chart is as long as the others.
    for chart in (".jp-smtk-storage-chart", ".jp-smtk-storage-categories"):
        widths = panel.locator(f"{chart} .jp-smtk-storage-chart-track").evaluate_all(
            "els => els.map(e => Math.round(e.getBoundingClientRect().width * 10) / 10)"
        )
        assert len(widths) >= 2 and max(widths) - min(widths) <= 0.5, (chart, widths, where)
        assert min(widths) >= 16, (chart, widths, where)

    # Nothing clipped without its full text in a tooltip, nothing outside, no sideways scroll.
    problems = panel.evaluate(OVERFLOW_JS) + panel.evaluate(INSIDE_JS)
    assert problems == [], where + "\n" + "\n".join(problems)

    low = [m for m in panel.evaluate(CONTRAST_JS) if m["ratio"] < AA]
    assert low == [], f"{where}: under {AA}:1:\n" + "\n".join(
        f'{m["ratio"]:.2f} {m["cls"]!r} "{m["text"]}"' for m in low
    )
