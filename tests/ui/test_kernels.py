"""pipenv kernels in real Chromium: the launcher shows a usable environment's kernel and the
panel shows the broken one with its reason. Environments are real pipenv ones in the lab's
HOME (its default WORKON_HOME); if the lab already runs, its watch picks them up."""

from __future__ import annotations

import pytest

from ..kernels.conftest import break_interpreter, make_project, venv_of
from .conftest import open_panel, screenshot

READY_NAME = "churn-model"
BROKEN_NAME = "old-image"
PLAIN_NAME = "feature-store"


@pytest.fixture(scope="session")
def lab_kernel_envs(lab_home):
    workon = lab_home / ".local" / "share" / "virtualenvs"
    workon.mkdir(parents=True, exist_ok=True)
    projects = lab_home / "projects"
    ready = venv_of(make_project(projects, READY_NAME, workon, "ipykernel"), workon)
    broken = venv_of(make_project(projects, BROKEN_NAME, workon), workon)
    break_interpreter(broken)
    plain = venv_of(make_project(projects, PLAIN_NAME, workon), workon)
    return ready, broken, plain


def open_launcher(page):
    launcher = page.locator(".jp-Launcher")
    try:
        launcher.first.wait_for(state="visible", timeout=5_000)  # the default layout has one
    except Exception:
        page.locator(".lm-MenuBar-itemLabel", has_text="File").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="New Launcher").first.click()
    launcher.first.wait_for(state="visible", timeout=30_000)
    return launcher.first


def test_the_launcher_shows_the_kernel_of_a_pipenv_environment(lab_kernel_envs, page):
    launcher = open_launcher(page)
    card = launcher.locator(".jp-LauncherCard", has_text=f"(pipenv: {READY_NAME})")
    # Registered at start or by the watch; the panel's poll refreshes Jupyter's kernelspecs.
    card.first.wait_for(state="visible", timeout=90_000)
    assert card.first.inner_text().startswith("Python 3.")
    assert launcher.locator(".jp-LauncherCard", has_text=f"(pipenv: {BROKEN_NAME})").count() == 0


def test_the_panel_shows_the_broken_environment_with_its_reason_and_a_repair_button(lab_kernel_envs, page):
    panel = open_panel(page)
    section = panel.locator('[data-section="kernels"]')
    broken = section.locator('.jp-smtk-kenv[data-status="broken"]', has_text=BROKEN_NAME)
    broken.wait_for(timeout=60_000)
    text = broken.inner_text()
    assert "broken" in text and "another image" in text and "does not exist" in text
    assert broken.locator('button[data-action="repair"]').is_enabled()
    ready = section.locator('.jp-smtk-kenv[data-status="ready"]', has_text=READY_NAME)
    ready.get_by_text("kernel", exact=True).wait_for(timeout=30_000)
    assert "Python 3." in ready.inner_text()
    section.scroll_into_view_if_needed()
    screenshot(section, "kernels.png")


def test_install_ipykernel_shows_its_log_while_it_runs_then_the_environment_is_a_kernel(lab_kernel_envs, page):
    panel = open_panel(page)
    row = panel.locator('[data-section="kernels"] .jp-smtk-kenv', has_text=PLAIN_NAME)
    row.get_by_text("no ipykernel", exact=True).wait_for(timeout=60_000)
    row.locator('button[data-action="install-ipykernel"]').click()
    log = row.locator('.jp-smtk-kjob[data-job-state="running"] .jp-smtk-klog')
    log.wait_for(timeout=30_000)
    page.wait_for_function("el => el.textContent.includes('Collecting')", arg=log.element_handle(), timeout=30_000)
    screenshot(row, "kernels-job.png")
    row.locator('.jp-smtk-kjob[data-job-state="succeeded"]').wait_for(timeout=300_000)
    row.get_by_text("kernel", exact=True).wait_for(timeout=60_000)
    assert "Successfully installed" in row.locator(".jp-smtk-klog").inner_text()
    launcher = open_launcher(page)
    launcher.locator(".jp-LauncherCard", has_text=f"(pipenv: {PLAIN_NAME})").first.wait_for(timeout=90_000)


def test_repair_says_repairing_keeps_its_row_and_after_a_reload_its_log_shows_the_end(lab_kernel_envs, page):
    _, broken_env, _ = lab_kernel_envs
    panel = open_panel(page)
    section = panel.locator('[data-section="kernels"]')
    row = section.locator(".jp-smtk-kenv", has_text=BROKEN_NAME)
    row.locator('button[data-action="repair"]').wait_for(timeout=60_000)
    # Record every state the row shows while the repair runs (a poll may last a moment only).
    page.evaluate(
        """(name) => {
        window.__smtkSeen = [];
        const look = () => {
            const rows = [...document.querySelectorAll('[data-section="kernels"] .jp-smtk-kenv')]
                .filter(r => r.textContent.includes(name));
            if (!rows.length) { window.__smtkSeen.push('<no row>'); return; }
            // What the row says outside its job log: buttons, badge, notes.
            const parts = [...rows[0].querySelectorAll(
                'button, .jp-smtk-badge, .jp-smtk-kenv-note, .jp-smtk-kenv > .jp-smtk-error')];
            const job = rows[0].querySelector('.jp-smtk-kjob');
            window.__smtkSeen.push((job ? job.dataset.jobState : 'none') + ': ' +
                                   parts.map(p => p.innerText).join(' | '));
        };
        window.__smtkObserver = new MutationObserver(look);
        window.__smtkObserver.observe(document.querySelector('[data-section="kernels"]'),
                                      {subtree: true, childList: true, characterData: true});
    }""",
        BROKEN_NAME,
    )
    try:
        row.locator('button[data-action="repair"]').click()
        row.locator('.jp-smtk-kjob[data-job-state="running"]').wait_for(timeout=30_000)
        assert "Repairing…" in row.locator('button[data-action="repair"]').inner_text()
        row.locator('.jp-smtk-kjob[data-job-state="succeeded"]').wait_for(timeout=300_000)
        seen = page.evaluate("window.__smtkObserver.disconnect(); window.__smtkSeen")
        assert seen and "<no row>" not in seen
        running = [s for s in seen if not s.startswith(("succeeded", "failed"))]
        assert any("Repairing…" in s for s in running), seen
        assert not any("Installing" in s for s in seen), seen
        # Half-made states of the folder being recreated never show while the repair runs.
        assert not any("no ipykernel" in s or "No .project file" in s for s in running), running
        assert not any("No .project file" in s for s in seen), seen

        # Reload: the finished job's log opens at its end (the outcome), not its start.
        page.reload()
        page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
        panel = page.locator("#sm-teamkit-panel")
        panel.wait_for(state="visible", timeout=30_000)  # the restored layout has it open
        log = panel.locator(".jp-smtk-kenv", has_text=BROKEN_NAME).locator(".jp-smtk-klog")
        log.wait_for(timeout=60_000)
        page.wait_for_timeout(500)  # fonts and the rest of the panel settle
        box = log.evaluate(
            "el => ({top: Math.abs(el.scrollTop), height: el.scrollHeight,"
            " client: el.clientHeight, text: el.innerText})"
        )
        assert box["height"] > box["client"] + 20, "the log is short enough to show whole"
        assert box["top"] < 2, box  # column-reverse: 0 is the end
        last = [line for line in box["text"].splitlines() if line.strip()][-1]
        last_box = log.evaluate("""el => { const r = document.createRange();
            const pre = el.querySelector('pre'); r.selectNodeContents(pre);
            const rects = r.getClientRects(); const b = el.getBoundingClientRect();
            const end = rects[rects.length - 1]; return end.bottom <= b.bottom + 1 && end.top >= b.top - 1; }""")
        assert last.startswith("done") and last_box
    finally:
        break_interpreter(broken_env)  # the other tests expect it broken
