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
    page.wait_for_function(
        "el => el.textContent.includes('Collecting')", arg=log.element_handle(), timeout=30_000
    )
    screenshot(row, "kernels-job.png")
    row.locator('.jp-smtk-kjob[data-job-state="succeeded"]').wait_for(timeout=300_000)
    row.get_by_text("kernel", exact=True).wait_for(timeout=60_000)
    assert "Successfully installed" in row.locator(".jp-smtk-klog").inner_text()
    launcher = open_launcher(page)
    launcher.locator(".jp-LauncherCard", has_text=f"(pipenv: {PLAIN_NAME})").first.wait_for(timeout=90_000)
