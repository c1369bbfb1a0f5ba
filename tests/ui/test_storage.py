"""The storage section in real Chromium: a scan shows the chart; emptying the trash frees its size."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from .conftest import open_panel, screenshot

TRASH_FILE_BYTES = 3_000_000


def du_bytes(path) -> int:
    return int(subprocess.run(["du", "-sB1", str(path)], capture_output=True, text=True).stdout.split()[0])


def make_trash(home) -> int:
    """Put files in the freedesktop trash of the lab's home; returns what the trash holds."""
    files = home / ".local" / "share" / "Trash" / "files"
    info = home / ".local" / "share" / "Trash" / "info"
    files.mkdir(parents=True, exist_ok=True)
    info.mkdir(parents=True, exist_ok=True)
    (files / "old-results.parquet").write_bytes(os.urandom(TRASH_FILE_BYTES))
    (info / "old-results.parquet.trashinfo").write_text(
        "[Trash Info]\nPath=/home/old-results.parquet\nDeletionDate=2026-11-20T10:00:00\n"
    )
    (home / "datasets").mkdir(exist_ok=True)
    (home / "datasets" / "train.csv").write_bytes(os.urandom(2_000_000))
    return du_bytes(home / ".local" / "share" / "Trash")


def test_storage_panel_shows_the_chart_and_emptying_the_trash_frees_its_size(page, lab):
    trash_bytes = make_trash(lab.home)
    panel = open_panel(page)
    section = panel.locator('[data-section="storage"]')
    section.wait_for(timeout=30_000)
    scan = section.locator(".jp-smtk-storage-scan")
    scan.wait_for(timeout=30_000)
    page.wait_for_function("() => !document.querySelector('.jp-smtk-storage-scan')?.disabled", timeout=60_000)
    scan.click()
    trash_row = section.locator('[data-category="trash"]')
    trash_row.wait_for(timeout=60_000)
    # This scan's result (an earlier test may have left one without datasets/), then idle.
    section.locator(".jp-smtk-storage-chart").get_by_text("datasets").wait_for(timeout=60_000)
    section.locator(".jp-smtk-storage-scan").wait_for(timeout=60_000)

    # The chart: bars for the largest folders, datasets among them, with non-zero widths.
    chart = section.locator(".jp-smtk-storage-chart")
    assert chart.locator(".jp-smtk-storage-chart-row").count() >= 2
    assert "datasets" in chart.inner_text()
    widths = chart.locator(".jp-smtk-storage-chart-fill").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().width)"
    )
    assert max(widths) > 20
    assert section.locator(".jp-smtk-storage-root .jp-smtk-bar").count() >= 1
    assert "/month" in section.inner_text()
    assert re.search(r"Scanned (just now|\d+ min ago)", section.inner_text())

    status = lab.api("sm-teamkit/storage")
    trash = next(c for c in status["report"]["categories"] if c["id"] == "trash")
    assert trash["allocated_bytes"] == trash_bytes
    total_before = status["report"]["totals"]["allocated_bytes"]
    section.scroll_into_view_if_needed()
    screenshot(section, "storage.png")

    # Empty it: the dialog names the size it frees; confirming frees it.
    trash_row.locator(".jp-smtk-storage-clean").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=10_000)
    assert "Empty Trash?" in dialog.inner_text()
    size_text = trash_row.locator(".jp-smtk-storage-category-size").inner_text()
    assert size_text in dialog.inner_text()
    dialog.locator(".jp-mod-warn").click()
    freed = section.locator(".jp-smtk-storage-freed")
    freed.wait_for(timeout=30_000)
    assert f"freed {size_text}" in freed.inner_text()
    trash_row.locator(".jp-smtk-storage-clean").wait_for(state="detached", timeout=30_000)

    after = lab.api("sm-teamkit/storage")["report"]
    assert after["totals"]["allocated_bytes"] == total_before - (
        trash_bytes - du_bytes(lab.home / ".local" / "share" / "Trash")
    )
    trash = lab.home / ".local" / "share" / "Trash"
    assert sorted(p.name for p in trash.iterdir()) == ["files", "info"]  # kept, emptied
    assert not any((trash / "files").iterdir()) and not any((trash / "info").iterdir())
    screenshot(section, "storage-after-cleanup.png")


def set_theme(page, name: str, light: bool) -> None:
    page.get_by_text("Settings", exact=True).first.click()
    page.get_by_text("Theme", exact=True).first.hover()
    page.get_by_text(name, exact=True).first.click()
    page.wait_for_function(f"document.body.dataset.jpThemeLight === '{str(light).lower()}'", timeout=30_000)


def test_storage_section_is_readable_in_the_dark_theme(page, lab):
    set_theme(page, "JupyterLab Dark", light=False)
    try:
        panel = open_panel(page)
        section = panel.locator('[data-section="storage"]')
        section.locator(".jp-smtk-storage-chart").wait_for(timeout=60_000)
        label = section.locator(".jp-smtk-storage-chart-label").first
        color = label.evaluate("el => getComputedStyle(el).color")
        background = panel.evaluate("el => getComputedStyle(el).backgroundColor")
        assert color != background
        section.scroll_into_view_if_needed()
        screenshot(section, "storage-dark.png")
    finally:
        set_theme(page, "JupyterLab Light", light=True)


def wait_idle(page, lab) -> None:
    for _ in range(300):  # at most 60 s
        if lab.api("sm-teamkit/storage")["state"] == "idle":
            return
        page.wait_for_timeout(200)
    raise AssertionError("the storage scan did not end")


def test_after_cancel_the_panel_says_the_scan_was_cancelled_and_whose_report_it_shows(page, lab):
    many = lab.home / "cancel-me"
    for d in range(40):  # enough files that the scan is still running when the cancel arrives
        folder = many / f"d{d:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for f in range(500):
            (folder / f"f{f:03d}").write_bytes(b"x")
    try:
        wait_idle(page, lab)
        lab.api("sm-teamkit/storage", "POST", {})  # a finished report to fall back on
        wait_idle(page, lab)
        lab.api("sm-teamkit/storage", "POST", {})
        answer = lab.api("sm-teamkit/storage", "POST", {"action": "cancel"})
        assert answer["cancelled"], "the scan ended before the cancel: make the tree bigger"
        panel = open_panel(page)
        section = panel.locator('[data-section="storage"]')
        note = section.locator(".jp-smtk-storage-cancelled")
        note.wait_for(timeout=60_000)
        assert "The scan was cancelled." in note.inner_text()
        assert "from the scan before it" in note.inner_text()
        assert section.locator(".jp-smtk-storage-chart").count() == 1
    finally:
        shutil.rmtree(many, ignore_errors=True)


def test_each_roots_size_times_its_price_per_gib_month_is_its_month_in_the_panel(page, lab):
    """The home (a Studio space's EBS volume) shows its size in binary units beside its price per
    GiB-month, and the shown size times the shown price is the shown $/month, to the cent."""
    big = lab.home / "priced-volume"
    big.mkdir(exist_ok=True)
    with open(big / "allocated.bin", "wb") as f:  # 1.3 GB of allocated blocks, quickly
        os.posix_fallocate(f.fileno(), 0, 1_300_000_000)
    try:
        wait_idle(page, lab)
        lab.api("sm-teamkit/storage", "POST", {})
        wait_idle(page, lab)
        report = lab.api("sm-teamkit/storage")["report"]
        home = next(r for r in report["roots"] if r["kind"] == "home")
        assert home["storage"] == "ebs" and home["usd_per_month"] >= 0.15
        assert home["usd_per_gib_month"] == home["usd_per_gb_month"] and home["price"]["origin"]

        panel = open_panel(page)
        root = panel.locator(f'[data-section="storage"] .jp-smtk-storage-root[data-root="{home["path"]}"]')
        root.locator(".jp-smtk-storage-cost").wait_for(timeout=60_000)
        size = root.locator(".jp-smtk-storage-size").inner_text().strip()
        cost = root.locator(".jp-smtk-storage-cost").inner_text().strip()
        found = re.fullmatch(r"\$([\d.]+)/month at \$([\d.]+)/GiB-month", cost)
        assert found, cost
        month, price = float(found.group(1)), float(found.group(2))
        number, unit = size.split()
        gib = float(number) * 1024 ** ["B", "KiB", "MiB", "GiB"].index(unit) / 1024**3
        assert unit in ("MiB", "GiB") and "GB" not in root.inner_text() and "MB" not in root.inner_text()
        assert abs(gib * price - month) <= 0.00505 + 1e-9, (size, cost)
        assert price == home["usd_per_gib_month"] and abs(month - home["usd_per_month"]) <= 0.005 + 1e-9
        assert "GiB-month from" in root.locator(".jp-smtk-storage-cost").get_attribute("title")
    finally:
        shutil.rmtree(big)
