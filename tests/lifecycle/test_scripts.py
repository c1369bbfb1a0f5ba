"""The rendered on-start scripts, run for real in a sandbox (see conftest.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from sm_teamkit.lifecycle import (
    APP_TYPES,
    NOTEBOOK_SCRIPTS,
    LifecycleSettings,
    render,
    render_notebook,
)
from sm_teamkit.lifecycle.render import BUDGET_BASE64_CHARS, MAX_BASE64_CHARS, scripts_dir

from .conftest import home_state

LINE = r"^\[sm-teamkit\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "


@pytest.mark.parametrize("app_type", list(APP_TYPES))
def test_rendered_script_passes_bash_n_and_shellcheck(app_type, tmp_path):
    settings = LifecycleSettings(
        wheel_s3_uri="s3://b/w/sm_teamkit-1.2.3-py3-none-any.whl",
        git_user_name='O\'Brien "Quote" $HOME',
        required_steps="install",
        apt_budget_seconds=90,
        pip_args="--no-deps --prefer-binary",
    )
    path = tmp_path / "script.sh"
    path.write_text(render(app_type, settings).content)
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is not installed: `make system-deps` installs it")
    result = subprocess.run([shellcheck, str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_source_scripts_pass_shellcheck():
    sources = sorted(str(p) for p in scripts_dir().glob("*.sh"))
    assert len(sources) == 7  # lib.sh, four Studio app types, two notebook-instance phases
    result = subprocess.run(["shellcheck", "-x", *sources], capture_output=True, text=True, cwd=scripts_dir().parent)
    assert result.returncode == 0, result.stdout


def test_rendered_scripts_are_self_contained_with_lf_endings():
    for app_type in APP_TYPES:
        content = render(app_type).content
        assert "lib.sh" not in content and "\r" not in content
        assert content.startswith("#!/bin/bash\n")
        assert f"SM_TEAMKIT_APP_TYPE={app_type}\n" in content


def test_refuses_a_script_over_16384_base64_characters():
    from sm_teamkit.errors import BadRequest

    big = LifecycleSettings(git_credential_helper="x" * 9000)
    with pytest.raises(BadRequest) as caught:
        render("JupyterLab", big)
    assert "16384" in caught.value.message and "after base64" in caught.value.message
    ok = render("JupyterLab", LifecycleSettings(git_credential_helper="x" * 100))
    assert ok.base64_chars <= MAX_BASE64_CHARS


EVERY_SETTING = LifecycleSettings(
    wheel_s3_uri="s3://my-team-artifacts-123456789012-us-east-1/sm-teamkit/wheels/sm_teamkit-0.1.0-py3-none-any.whl",
    pip_index_url="https://my-domain-123456789012.d.codeartifact.us-east-1.amazonaws.com/pypi/team/simple/",
    pip_spec="sm-teamkit[mlflow]",
    pip_args="--no-deps --prefer-binary",
    wanted_version="0.1.0",
    python="/opt/conda/bin/python",
    kernels_dir="/opt/conda/share/jupyter/kernels",
    conda_envs_dir="/home/ec2-user/SageMaker/envs",
    git_user_name="Data Science Team",
    git_user_email="ds-team@example.com",
    git_credential_helper="!aws codecommit credential-helper $@",
    git_credentials="secrets-manager",
    seed_notebooks_s3_prefix="s3://my-team-artifacts-123456789012-us-east-1/sm-teamkit/notebooks/",
    seed_notebooks_dir="/home/sagemaker-user/team-notebooks",
    efs_file_system_id="fs-0123456789abcdef0",
    efs_mount_dir="/home/ec2-user/SageMaker/efs",
    required_steps="install kernels",
    total_budget_seconds=250,
    kill_after_seconds=4,
    install_budget_seconds=150,
    restart_budget_seconds=25,
    efs_budget_seconds=25,
    kernels_budget_seconds=40,
    git_budget_seconds=15,
    seed_budget_seconds=40,
    apt_budget_seconds=90,
    on_start_budget_seconds=90,
    idle_kernel_minutes=60,
    idle_terminal_minutes=30,
    idle_cull_busy_after_hours=12,
    max_app_hours="ml.g*=12",
)


def test_every_setting_is_filled_in_the_size_test():
    import dataclasses

    unset = [f.name for f in dataclasses.fields(EVERY_SETTING) if getattr(EVERY_SETTING, f.name) == f.default]
    assert unset == []


@pytest.mark.parametrize("script", [*APP_TYPES, *(f"NotebookInstance{p}" for p in NOTEBOOK_SCRIPTS)])
def test_every_script_with_every_setting_stays_under_half_the_limit(script):
    for settings in (LifecycleSettings(), EVERY_SETTING):
        rendered = (
            render_notebook(script.removeprefix("NotebookInstance"), settings)
            if script.startswith("NotebookInstance")
            else render(script, settings)
        )
        assert rendered.base64_chars <= BUDGET_BASE64_CHARS == MAX_BASE64_CHARS // 2, rendered.base64_chars


def test_cli_render_refuses_oversize_settings_with_a_clear_message(tmp_path, capsys):
    from sm_teamkit.cli.main import main

    settings = tmp_path / "team.yaml"
    settings.write_text(f"git_credential_helper: {'y' * 9000}\n")
    assert main(["lifecycle", "render", "--app-type", "KernelGateway", "--settings", str(settings)]) == 2
    err = capsys.readouterr().err
    assert "after base64" in err and "16384" in err


def test_cli_render_bakes_the_team_settings_in(tmp_path, capsys):
    from sm_teamkit.cli.main import main

    settings = tmp_path / "team.json"
    settings.write_text(json.dumps({"git_user_email": "team@example.com", "on_start_budget_seconds": 30}))
    assert main(["lifecycle", "render", "--app-type", "JupyterLab", "--settings", str(settings)]) == 0
    out = capsys.readouterr().out
    # What the script exports is what the Python steps read back.
    exported = re.search(r"^export SM_TEAMKIT_SETTINGS='(.*)'$", out, re.M)[1]
    baked = LifecycleSettings.from_environ({"SM_TEAMKIT_SETTINGS": exported})
    assert baked.git_user_email == "team@example.com" and baked.on_start_budget_seconds == 30


def test_refuses_unknown_settings_and_names_them(tmp_path):
    from sm_teamkit.errors import BadRequest

    with pytest.raises(BadRequest, match="wheel_url"):
        LifecycleSettings.from_mapping({"wheel_url": "s3://x/y.whl"})
    with pytest.raises(BadRequest, match="total_budget_seconds"):
        LifecycleSettings.from_mapping({"total_budget_seconds": 600})
    with pytest.raises(BadRequest, match="quoted string"):
        LifecycleSettings.from_mapping({"wanted_version": 0.1})


def test_cold_start_installs_the_wheel_from_s3_and_restarts_the_server_once(sandbox, s3_bucket):
    settings = {"wheel_s3_uri": s3_bucket["wheel_uri"]}
    first = sandbox.run("JupyterLab", settings)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "install: ok" in first.line("install")
    assert sandbox.installed_version() == s3_bucket["version"]
    assert "restart: ok" in first.line("restart")
    assert sandbox.calls("restart-jupyter-server") == [""]
    for line in first.stdout.splitlines():
        assert re.match(LINE, line), line
    assert first.line("restart") in first.log  # the same lines go to the log file

    second = sandbox.run("JupyterLab", settings)
    assert second.returncode == 0
    assert "install: skipped" in second.line("install") and "already" in second.line("install")
    assert "restart: skipped" in second.line("restart")
    assert sandbox.calls("restart-jupyter-server") == [""]  # no second restart


def test_two_runs_in_a_row_leave_the_same_state(sandbox, s3_bucket):
    settings = {
        "wheel_s3_uri": s3_bucket["wheel_uri"],
        "seed_notebooks_s3_prefix": s3_bucket["seed_prefix"],
        "git_user_name": "Team Member",
        "git_user_email": "member@example.com",
        "git_credential_helper": "!aws codecommit credential-helper $@",
    }
    (sandbox.home / ".on_start").write_text("echo started >> ~/on_start_ran\n")
    first = sandbox.run("JupyterLab", settings)
    assert first.returncode == 0, first.stdout
    state, version = home_state(sandbox.home), sandbox.installed_version()
    second = sandbox.run("JupyterLab", settings)
    assert second.returncode == 0
    after = home_state(sandbox.home)
    # ~/.on_start is the user's: it runs every start. Everything else is unchanged.
    assert after.pop("on_start_ran") == "started\nstarted\n"
    state.pop("on_start_ran")
    assert after == state and sandbox.installed_version() == version
    assert "seed: skipped" in second.line("seed")


def test_falls_back_to_the_pip_index_when_the_wheel_is_not_in_s3(sandbox, s3_bucket, teamkit_wheel, tmp_path):
    index = tmp_path / "index" / "sm-teamkit"
    index.mkdir(parents=True)
    shutil.copy(teamkit_wheel, index / teamkit_wheel.name)
    (index / "index.html").write_text(f'<a href="{teamkit_wheel.name}">{teamkit_wheel.name}</a>')
    settings = {
        "wheel_s3_uri": "s3://team-bucket/wheels/missing/sm_teamkit-0.1.0-py3-none-any.whl",
        "pip_index_url": (tmp_path / "index").as_uri(),
    }
    result = sandbox.run("JupyterLab", settings)
    assert result.returncode == 0
    assert "install: ok" in result.line("install") and "from file://" in result.line("install")
    assert "did not install" in result.log
    assert sandbox.installed_version() == s3_bucket["version"]


def _fail_install(sandbox, s3_bucket):
    return {"wheel_s3_uri": "s3://no-such-bucket/sm_teamkit-9.9.9-py3-none-any.whl"}, {}


def _fail_restart(sandbox, s3_bucket):
    return {"wheel_s3_uri": s3_bucket["wheel_uri"]}, {"FAKE_RESTART_JUPYTER_SERVER_EXIT": "3"}


def _fail_kernels(sandbox, s3_bucket):
    sandbox.preinstall()
    cli = sandbox.bin / "broken-sm-teamkit"
    cli.write_text('#!/bin/bash\n[ "$*" = "kernels --help" ] && exit 0\necho "kernels sync broke" >&2\nexit 4\n')
    cli.chmod(0o755)
    return {}, {"SM_TEAMKIT_CLI": str(cli)}


def _fail_git(sandbox, s3_bucket):
    sandbox.preinstall()
    (sandbox.home / ".gitconfig").mkdir()  # git cannot write its config
    return {"git_user_email": "member@example.com"}, {}


def _fail_seed(sandbox, s3_bucket):
    sandbox.preinstall()
    return {"seed_notebooks_s3_prefix": "s3://no-such-bucket/seed/"}, {}


def _fail_apt(sandbox, s3_bucket):
    sandbox.preinstall()
    (sandbox.home / ".sm-teamkit").mkdir()
    (sandbox.home / ".sm-teamkit" / "apt-packages").write_text("no-such-package-xyz\n")
    return {}, {"FAKE_APT_GET_EXIT": "100"}


def _fail_on_start(sandbox, s3_bucket):
    sandbox.preinstall()
    (sandbox.home / ".on_start").write_text("echo about to fail\nexit 3\n")
    return {}, {}


FAILURES = {
    "install": _fail_install,
    "restart": _fail_restart,
    "kernels": _fail_kernels,
    "git": _fail_git,
    "seed": _fail_seed,
    "apt": _fail_apt,
    "on_start": _fail_on_start,
}


@pytest.mark.parametrize("step", list(FAILURES))
def test_a_failing_optional_step_is_logged_and_the_script_still_exits_0(sandbox, s3_bucket, step):
    if step == "apt" and os.geteuid() != 0:
        pytest.skip("the apt step needs root or sudo")
    settings, env = FAILURES[step](sandbox, s3_bucket)
    result = sandbox.run("JupyterLab", settings, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{step}: failed" in result.line(step)
    assert f"{step}: failed" in result.log
    assert "done: ok" in result.stdout


def test_a_failing_required_step_makes_the_script_fail(sandbox):
    settings = {"wheel_s3_uri": "s3://no-such-bucket/sm_teamkit-9.9.9-py3-none-any.whl", "required_steps": "install"}
    result = sandbox.run("JupyterLab", settings)
    assert result.returncode == 1
    assert "install: failed" in result.line("install")
    assert "on_start: skipped" in result.line("on_start")  # later steps still ran


def test_a_hanging_on_start_is_killed_at_its_budget(sandbox):
    sandbox.preinstall()
    pid_file = sandbox.root / "on_start.pid"
    (sandbox.home / ".on_start").write_text(f"sleep 300 &\necho $! > {pid_file}\nwait\n")
    result = sandbox.run("JupyterLab", SM_TEAMKIT_ON_START_BUDGET_SECONDS="2", SM_TEAMKIT_KILL_AFTER_SECONDS="1")
    assert result.returncode == 0
    assert "on_start: timed out" in result.line("on_start")
    assert "killed at its 2s budget" in result.line("on_start")
    pid = int(pid_file.read_text())
    assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read().lower()


def test_an_on_start_that_ignores_sigterm_is_killed_with_its_whole_process_group(sandbox):
    sandbox.preinstall()
    pids = sandbox.root / "pids"
    # Exactly the script of the report: bash ignores TERM, and so does its sleep (inherited).
    (sandbox.home / ".on_start").write_text(f"echo $$ >> {pids}\ntrap '' TERM\nsleep 1000 &\necho $! >> {pids}\nwait\n")
    result = sandbox.run("JupyterLab", SM_TEAMKIT_ON_START_BUDGET_SECONDS="2", SM_TEAMKIT_KILL_AFTER_SECONDS="1")
    assert result.returncode == 0
    assert "on_start: timed out" in result.line("on_start") and "done: ok" in result.stdout
    listed = [int(p) for p in pids.read_text().split()]
    assert len(listed) == 2
    for pid in listed:
        status = Path(f"/proc/{pid}/status")
        alive = status.exists() and "zombie" not in status.read_text().lower()
        assert not alive, f"process {pid} of ~/.on_start outlived its budget"


def test_the_watchdog_skips_what_is_left_when_the_total_budget_is_spent(sandbox):
    sandbox.preinstall()
    (sandbox.home / ".sm-teamkit").mkdir()
    (sandbox.home / ".sm-teamkit" / "apt-packages").write_text("no-such-package-xyz\n")
    (sandbox.home / ".on_start").write_text("touch ~/should-not-run\n")
    result = sandbox.run(
        "JupyterLab", SM_TEAMKIT_TOTAL_BUDGET_SECONDS="4", SM_TEAMKIT_KILL_AFTER_SECONDS="1", FAKE_APT_GET_SLEEP="60"
    )
    assert result.returncode == 0
    # apt gets what is left of the 4 s (on a very busy machine, possibly nothing at all).
    assert re.search(r"apt: (timed out|skipped \(total budget of 4s spent\))", result.line("apt"))
    assert "on_start: skipped (total budget of 4s spent)" in result.line("on_start")
    assert not (sandbox.home / "should-not-run").exists()


def test_seeds_notebooks_once_with_outputs_cleared(sandbox, s3_bucket):
    sandbox.preinstall()
    settings = {"seed_notebooks_s3_prefix": s3_bucket["seed_prefix"]}
    result = sandbox.run("JupyterLab", settings)
    assert "seed: ok" in result.line("seed") and "seeded 2 file(s)" in result.line("seed")
    notebook = json.loads((sandbox.home / "team-notebooks" / "intro.ipynb").read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"][0]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert (sandbox.home / "team-notebooks" / "data" / "readme.txt").read_text() == "team data\n"
    # The user edits and deletes; a later start must not bring the team's copies back.
    (sandbox.home / "team-notebooks" / "intro.ipynb").write_text("{}")
    (sandbox.home / "team-notebooks" / "data" / "readme.txt").unlink()
    again = sandbox.run("JupyterLab", settings)
    assert "seed: skipped" in again.line("seed")
    assert (sandbox.home / "team-notebooks" / "intro.ipynb").read_text() == "{}"
    assert not (sandbox.home / "team-notebooks" / "data" / "readme.txt").exists()


def test_git_identity_fills_in_what_is_missing_and_keeps_the_users_own(sandbox):
    sandbox.preinstall()
    subprocess.run(["git", "config", "--file", str(sandbox.home / ".gitconfig"), "user.name", "Own Name"], check=True)
    settings = {
        "git_user_name": "Team Default",
        "git_user_email": "member@example.com",
        "git_credential_helper": "!aws codecommit credential-helper $@",
    }
    result = sandbox.run("JupyterLab", settings)
    assert "git: ok" in result.line("git")

    def get(key):
        return subprocess.run(
            ["git", "config", "--file", str(sandbox.home / ".gitconfig"), "--get-all", key],
            capture_output=True,
            text=True,
        ).stdout.strip()

    assert get("user.name") == "Own Name"
    assert get("user.email") == "member@example.com"
    assert get("credential.helper") == "!aws codecommit credential-helper $@"


@pytest.mark.skipif(os.geteuid() != 0, reason="installing system packages needs root")
def test_installs_only_the_missing_system_packages(sandbox):
    sandbox.preinstall()
    (sandbox.home / ".sm-teamkit").mkdir()
    (sandbox.home / ".sm-teamkit" / "apt-packages").write_text("# team tools\nbash\nno-such-package-xyz\n\n")
    result = sandbox.run("JupyterLab")
    assert "apt: ok" in result.line("apt")
    assert sandbox.calls("apt-get") == ["update -qq", "install -y -qq --no-install-recommends no-such-package-xyz"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_on_start_runs_as_the_owner_of_home_when_started_as_root(sandbox):
    sandbox.preinstall()
    # pytest's own temporary directories are private to root: uid 1000 needs a reachable HOME.
    home = Path(tempfile.mkdtemp(prefix="sm-teamkit-home-"))
    try:
        home.chmod(0o755)
        (home / ".on_start").write_text("id -u > ~/whoami\n")
        for path in (home, home / ".on_start"):
            os.chown(path, 1000, 100)
        result = sandbox.run("JupyterLab", HOME=str(home))
        assert "on_start: ok" in result.line("on_start"), result.stdout
        assert (home / "whoami").read_text().strip() == "1000"
        assert (home / ".sm-teamkit" / "logs" / "on-start.log").stat().st_uid == 1000
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_classic_jupyter_server_restarts_through_supervisorctl(sandbox, s3_bucket):
    (sandbox.bin / "restart-jupyter-server").unlink()
    result = sandbox.run("JupyterServer", {"wheel_s3_uri": s3_bucket["wheel_uri"]})
    assert "restart: ok" in result.line("restart")
    assert sandbox.calls("supervisorctl") == ["-c /etc/supervisor/conf.d/supervisord.conf restart jupyterlabserver"]


def test_kernel_gateway_installs_into_the_image_and_never_restarts_a_server(sandbox, s3_bucket):
    kernels = sandbox.env_dir / "share" / "jupyter" / "kernels"  # the image env's system directory
    result = sandbox.run("KernelGateway", {"wheel_s3_uri": s3_bucket["wheel_uri"]})
    assert result.returncode == 0
    assert "install: ok" in result.line("install")
    assert "restart" not in result.stdout.replace("restart-jupyter-server", "")
    assert sandbox.calls("restart-jupyter-server") == [] and sandbox.calls("supervisorctl") == []
    assert "kernels: ok" in result.line("kernels")  # the installed CLI, into the system directory
    assert str(kernels) in result.line("kernels")


def test_kernels_sync_is_called_when_the_command_exists_and_skipped_when_not(sandbox):
    sandbox.preinstall()
    cli = sandbox.bin / "recording-sm-teamkit"
    cli.write_text(f'#!/bin/bash\necho "$*" >> {sandbox.calls_dir}/cli.log\n')
    cli.chmod(0o755)
    result = sandbox.run("JupyterLab", SM_TEAMKIT_CLI=str(cli))
    assert "kernels: ok" in result.line("kernels")
    assert sandbox.calls("cli") == ["kernels --help", "kernels sync"]

    old = sandbox.bin / "old-sm-teamkit"
    old.write_text("#!/bin/bash\necho 'invalid choice: kernels' >&2\nexit 2\n")
    old.chmod(0o755)
    result = sandbox.run("JupyterLab", SM_TEAMKIT_CLI=str(old))
    assert "kernels: skipped" in result.line("kernels") and "no kernels command" in result.line("kernels")


def test_render_works_from_an_installed_wheel(sandbox, teamkit_wheel):
    subprocess.run(
        [sandbox.python, "-m", "pip", "install", "-q", "--no-deps", str(teamkit_wheel)], check=True, env=sandbox.env
    )
    cli = sandbox.env_dir / "bin" / "sm-teamkit"
    for app_type in APP_TYPES:
        result = subprocess.run(
            [str(cli), "lifecycle", "render", "--app-type", app_type],
            capture_output=True,
            text=True,
            env=sandbox.env,
            cwd=sandbox.root,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == render(app_type).content
    for phase in NOTEBOOK_SCRIPTS:
        result = subprocess.run(
            [str(cli), "lifecycle", "render", "--notebook-instance", "--phase", phase],
            capture_output=True,
            text=True,
            env=sandbox.env,
            cwd=sandbox.root,
        )
        assert result.returncode == 0 and result.stdout == render_notebook(phase).content, result.stderr
    where = subprocess.run(
        [sandbox.python, "-c", "from sm_teamkit.lifecycle.render import scripts_dir; print(scripts_dir())"],
        capture_output=True,
        text=True,
        cwd=sandbox.root,
    )
    assert where.stdout.strip().endswith("site-packages/sm_teamkit/lifecycle/scripts")


def test_the_environment_wins_over_a_rendered_setting(sandbox):
    sandbox.preinstall()
    result = sandbox.run(
        "JupyterLab", {"git_user_email": "rendered@example.com"}, SM_TEAMKIT_GIT_USER_EMAIL="override@example.com"
    )
    assert "override@example.com" in result.line("git")
    assert "override@example.com" in (sandbox.home / ".gitconfig").read_text()
