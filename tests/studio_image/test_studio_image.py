"""sm_teamkit inside each SageMaker Distribution line, beside AWS's own Studio extensions."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request

import pytest

from ..conftest import SCREENSHOTS
from .conftest import BASE, open_lab, plugin_states, prepare_line, start_lab, tracebacks
from .images import IMAGE_PACKAGES, LINES
from .venvs import ROOT

_OURS = re.compile(r"sm-teamkit|sm_teamkit|smtk", re.I)


def ours(text: str) -> bool:
    """Whether a log line or plugin id is sm_teamkit's. The checkout's own path is left out: CI
    clones into /tmp/sm-teamkit-ci-*, which every other extension's traceback path contains."""
    return bool(_OURS.search(text.replace(str(ROOT), "")))


@pytest.fixture(scope="module", params=list(LINES))
def run(request, wheel, emulator, browser, tmp_path_factory):
    """The line's venv measured without sm_teamkit, then with the wheel installed; removed after."""
    state = tmp_path_factory.mktemp(f"studio-{request.param}")
    line = prepare_line(request.param, wheel, emulator.url, browser, state)
    try:
        yield line
    finally:
        from .conftest import pip

        pip(line.venv, "uninstall", "-y", "sm_teamkit")


@pytest.fixture(scope="module")
def lab(run, emulator, tmp_path_factory):
    lab = start_lab(run.venv, emulator.url, tmp_path_factory.mktemp(f"with-{run.name}"))
    yield lab
    lab.stop()


def test_installing_sm_teamkit_leaves_the_images_packages_alone(run):
    for name in IMAGE_PACKAGES:
        assert run.after.get(name) == run.before.get(name) == LINES[run.name].pins[name], name
    added = {k: v for k, v in run.after.items() if k not in run.before}
    changed = {k: (run.before[k], v) for k, v in run.after.items() if k in run.before and run.before[k] != v}
    assert set(added) <= {"sm-teamkit"}, added  # the image already has every dependency
    assert changed == {}, changed


def test_labextension_list_says_enabled_ok(run):
    # The row that names the extension, not a path line that happens to contain "sm-teamkit"
    # (CI clones into /tmp/sm-teamkit-ci-*): "    sm-teamkit v0.1.0 enabled OK (python, sm_teamkit)".
    plain = re.sub(r"\x1b\[[0-9;]*m", "", run.labextension_list)
    row = next((r for r in plain.splitlines() if re.match(r"\s+sm-teamkit v\S+\s", r)), "")
    assert "enabled" in row and "OK" in row, run.labextension_list
    # Only sm-teamkit's own compatibility is ours to prove: another extension's may be flagged.
    assert '"sm-teamkit@' not in run.labextension_list, run.labextension_list


def test_the_panel_works_beside_awss_extensions(run, lab, browser):
    context, page, console = open_lab(browser, lab)
    try:
        panel = page.locator("#sm-teamkit-panel")
        user = panel.locator(".jp-smtk-identity").get_by_text("demo-user", exact=True)
        tab = page.locator('.jp-SideBar [title="SageMaker Team Kit"], .jp-SideBar [data-id="sm-teamkit-panel"]').first
        for _ in range(3):  # AWS's extensions may bring their own panel forward after start
            if not panel.is_visible():
                tab.click()
            try:
                user.wait_for(timeout=20_000)
                break
            except Exception:
                continue
        user.wait_for(timeout=5_000)
        panel.locator('[data-section="apps"] [data-app]').first.wait_for(timeout=60_000)
        panel.locator('[data-section="storage"]').wait_for(timeout=30_000)
        panel.locator('[data-section="kernels"]').wait_for(timeout=30_000)
        panel.locator('[data-proxy="mlflow-local"]').wait_for(timeout=30_000)
        panel.locator('[data-proxy="mlflow-managed"] [data-managed="team-mlflow"]').wait_for(timeout=60_000)
        # This app's row says when Studio's idle shutdown stops it (or that it does not).
        panel.locator('[data-section="apps"] .jp-smtk-app-idle').first.wait_for(timeout=30_000)
        if run.name.startswith("4.4."):
            page.screenshot(path=str(SCREENSHOTS / "studio-4.4.png"))

        # MLflow Apps need a botocore that knows them: the older lines list tracking servers only.
        kinds = set(panel.locator("[data-managed-kind]").evaluate_all("els => els.map(e => e.dataset.managedKind)"))
        assert "tracking-server" in kinds
        knows = (
            subprocess.run(
                [
                    str(run.venv / "bin" / "python"),
                    "-c",
                    "import botocore.session as s; print('ListMlflowApps' in s.get_session()"
                    ".get_service_model('sagemaker').operation_names)",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            == "True"
        )
        assert ("app" in kinds) == knows, (run.after["botocore"], kinds)
        proxies = lab.get("sm-teamkit/proxies")
        assert proxies["managed"]["error"] is None

        # Every link opens under the base URL, and answers there (MLflow starts on first visit).
        # The web apps' links lead to whatever listens on the machine's loopback ports (here a
        # root-owned daemon that is no web server): under the base URL, but not ours to answer.
        hrefs = panel.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        # Live Spark UIs likewise come and go with processes that are not this test's.
        webapps = set(
            panel.locator("[data-webapp-port] a[href], [data-spark-port] a[href]").evaluate_all(
                "els => els.map(e => e.getAttribute('href'))"
            )
        )
        assert hrefs, "the panel offers no link"
        for href in hrefs:
            absolute = page.evaluate("h => new URL(h, document.baseURI).href", href)
            assert absolute.startswith(lab.url), f"{href} leaves the base URL: {absolute}"
            if href in webapps:
                continue
            try:
                response = urllib.request.urlopen(absolute, timeout=180)
            except urllib.error.HTTPError as exc:
                raise AssertionError(f"{href}: {exc}\n{lab.log()[-3000:]}") from exc
            with response:
                assert response.status == 200, href
                if "/mlflow/" in absolute:
                    assert "MLflow" in response.read().decode(errors="replace")

        # AWS's plugins activate as they do without sm_teamkit.
        states = plugin_states(page)
        theirs = {k: v for k, v in states.items() if not ours(k)}
        assert {k for k, v in theirs.items() if v} == {k for k, v in run.baseline_plugins.items() if v}
        assert any(k.startswith("sm-teamkit") and v for k, v in states.items())
    finally:
        context.close()

    errors = [text for kind, text in console if kind in ("error", "pageerror") and ours(text)]
    assert errors == [], errors
    unsatisfied = {t for k, t in console if "Unsatisfied version" in t} - {
        t for k, t in run.baseline_console if "Unsatisfied version" in t
    }
    assert unsatisfied == set(), unsatisfied
    mine = [t for t in tracebacks(lab.log()) if ours(t)]
    assert mine == [], mine[0] if mine else ""

    # Other extensions' websockets (jupyterlab_chat's rooms) race the closing tab with or without
    # us: WebSocketClosedError is the tab going away, not a plugin failing.
    def failures(found):
        return [t for t in found if "WebSocketClosedError" not in t]

    assert len(failures(tracebacks(lab.log()))) <= len(failures(run.baseline_tracebacks)), tracebacks(lab.log())


def test_the_panels_polling_is_not_activity_for_studios_idle_shutdown(run, lab):
    """jupyter-activity-monitor-extension's api/idle before and after a minute's worth of the
    panel's requests (every endpoint, 60 rounds, no waiting): the same answer."""
    before = lab.get("api/idle")
    for _ in range(60):
        for path in ("status", "apps", "storage", "kernels", "proxies"):
            lab.get(f"sm-teamkit/{path}")
    after = lab.get("api/idle")
    assert before == after and "lastActiveTimestamp" in after
    this = next(a for a in lab.get("sm-teamkit/apps")["apps"] if a["this_app"])
    assert this["idle"]["activity_source"] == "api/idle"
    assert this["idle"]["last_activity"] is not None
    assert BASE in lab.url


def test_environment_management_and_sm_teamkits_kernels_coexist(run, lab, browser):
    """SMD 4.4's "Environment management" (sagemaker-jupyterlab-extension 0.6) edits ~/.libs.json,
    packages Studio installs into the image's base env at each start; sm_teamkit registers
    separate environments as kernels. With a ~/.libs.json present, AWS's editor opens it, and
    sm_teamkit neither reads it as an environment nor changes it."""
    if not run.after.get("sagemaker-jupyterlab-extension", "").startswith("0.6."):
        pytest.skip("Environment management came with sagemaker-jupyterlab-extension 0.6 (SMD 4.4)")
    libs = lab.home / ".libs.json"
    config = {"ApplyChangeToSpace": False, "Python": {"CondaPackages": {"Channels": [], "PackageSpecs": ["tqdm"]}}}
    libs.write_text(json.dumps(config, indent=2))
    before = libs.read_bytes()
    context, page, _console = open_lab(browser, lab)
    try:
        opened = page.evaluate(
            """async () => {
                const widget = await window.jupyterapp.commands.execute('docmanager:open',
                    {path: '.libs.json', factory: 'library-config-editor'});
                await widget.context.ready;
                return {id: widget.id, label: widget.title.label, text: widget.context.model.toString()};
            }"""
        )
        assert opened["label"] == ".libs.json" and "tqdm" in opened["text"], opened
        page.locator(f"[id='{opened['id']}']").wait_for(state="visible", timeout=60_000)
        panel = page.locator("#sm-teamkit-panel")
        if not panel.is_visible():
            page.locator('.jp-SideBar [data-id="sm-teamkit-panel"]').first.click()
        panel.locator('[data-section="kernels"]').wait_for(timeout=30_000)
    finally:
        context.close()
    kernels = lab.get("sm-teamkit/kernels")
    assert not any(".libs.json" in json.dumps(env) for env in kernels.get("environments", [])), kernels
    assert libs.read_bytes() == before  # sm_teamkit leaves AWS's file alone
