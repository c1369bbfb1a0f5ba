"""Notebook-instance lifecycle scripts: rendered, run in the sandbox (as the Studio ones are),
and deployed against moto's notebook instances."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from sm_teamkit.cli.main import main
from sm_teamkit.lifecycle import NOTEBOOK_SCRIPTS, LifecycleSettings, render_notebook

from .conftest import STAND_IN, RunResult, home_state

FS_ID = "fs-0123456789abcdef0"

# `mountpoint -q DIR` answers from the marker the fake `mount` leaves: no real NFS here.
FAKE_MOUNTPOINT = '#!/bin/bash\n[ -e "{calls}/mounted${{2//\\//_}}" ]\n'
FAKE_MOUNT = (
    '#!/bin/bash\necho "$*" >>{calls}/mount.log\n[ "${{FAKE_MOUNT_EXIT:-0}}" = 0 ] || exit "$FAKE_MOUNT_EXIT"\n'
    'd=${{!#}}\ntouch "{calls}/mounted${{d//\\//_}}"\n'
)
# The real CLI but for `git-credential --install`, recorded (the laptop helper's own tests run it).
FAKE_TEAMKIT = (
    '#!/bin/bash\nif [ "$1" = git-credential ]; then echo "$*" >>{calls}/sm-teamkit.log; exit 0; fi\n'
    'exec {python} -c "import sys; from sm_teamkit.cli.main import main; sys.exit(main())" "$@"\n'
)


@pytest.fixture
def notebook(sandbox, base_python, image_packages):
    """The sandbox as a notebook instance: ~/SageMaker with a conda env, the systemd and mount
    commands as recorders, and `sm-teamkit git-credential` on PATH."""
    for name, text in (
        ("systemctl", STAND_IN.format(calls=sandbox.calls_dir, name="systemctl", var="SYSTEMCTL")),
        ("mount", FAKE_MOUNT.format(calls=sandbox.calls_dir)),
        ("mountpoint", FAKE_MOUNTPOINT.format(calls=sandbox.calls_dir)),
        ("sm-teamkit", FAKE_TEAMKIT.format(calls=sandbox.calls_dir, python=sandbox.python)),
    ):
        (sandbox.bin / name).write_text(text)
        (sandbox.bin / name).chmod(0o755)
    (sandbox.bin / "restart-jupyter-server").unlink()  # not on a notebook instance
    env = sandbox.home / "SageMaker" / "envs" / "team-py"
    subprocess.run([base_python, "-m", "venv", "--system-site-packages", "--without-pip", str(env)], check=True)
    (env / "conda-meta").mkdir()
    site = subprocess.run(
        [str(env / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "zz_image_packages.pth").write_text(f"{image_packages}\n")
    sandbox.env["SM_TEAMKIT_USER_HOME"] = str(sandbox.home)
    sandbox.env["SM_TEAMKIT_CLI"] = str(sandbox.bin / "sm-teamkit")
    return sandbox


def run_phase(box, phase: str, settings: dict, **env):
    path = box.root / f"notebook-{phase}.sh"
    path.write_text(render_notebook(phase, LifecycleSettings.from_mapping(settings)).content)
    proc = subprocess.run(
        ["bash", str(path)], env={**box.env, **env}, capture_output=True, text=True, timeout=180, cwd=box.root
    )
    log = box.home / "SageMaker" / ".sm-teamkit" / "logs" / "on-start.log"
    return RunResult(proc.returncode, proc.stdout, proc.stderr, log.read_text() if log.exists() else "")


def test_cli_renders_both_notebook_scripts_and_they_pass_shellcheck(tmp_path, capsys):
    settings = tmp_path / "team.yaml"
    settings.write_text(f"efs_file_system_id: {FS_ID}\ngit_credentials: secrets-manager\n")
    assert main(["lifecycle", "render", "--notebook-instance", "--settings", str(settings)]) == 0
    out = capsys.readouterr().out
    assert (
        out.count("#!/bin/bash\n") == 2 and "main seed\n" in out and "main restart efs kernels git seed on_start" in out
    )
    for phase in NOTEBOOK_SCRIPTS:
        path = tmp_path / f"{phase}.sh"
        path.write_text(render_notebook(phase, LifecycleSettings.from_file(settings)).content)
        result = subprocess.run([shutil.which("shellcheck") or "shellcheck", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout


def test_create_then_start_twice_sets_up_the_instance_and_changes_nothing_the_second_time(notebook, s3_bucket):
    settings = {
        "wheel_s3_uri": s3_bucket["wheel_uri"],
        "seed_notebooks_s3_prefix": s3_bucket["seed_prefix"],
        "efs_file_system_id": FS_ID,
        "git_user_email": "member@example.com",
        "git_credentials": "secrets-manager",
    }
    created = run_phase(notebook, "OnCreate", settings)
    assert created.returncode == 0, created.stdout + created.stderr
    assert "seed: ok" in created.line("seed")
    seeded = notebook.home / "SageMaker" / "team-notebooks" / "intro.ipynb"
    assert json.loads(seeded.read_text())["cells"][1]["outputs"] == []

    first = run_phase(notebook, "OnStart", settings)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "install: skipped" in first.line("install")  # on-create installed it already
    assert "efs: ok" in first.line("efs")
    efs_dir = notebook.home / "SageMaker" / "efs"
    assert notebook.calls("mount") == [
        "-t nfs4 -o nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport "
        f"{FS_ID}.efs.us-east-1.amazonaws.com:/ {efs_dir}"
    ]
    assert "conda kernels: 1 written" in first.line("kernels")
    spec = json.loads((notebook.home / ".local/share/jupyter/kernels/conda-team-py/kernel.json").read_text())
    assert spec["argv"][0] == str(notebook.home / "SageMaker/envs/team-py/bin/python")
    assert "seed: skipped" in first.line("seed")
    assert "credentials from Secrets Manager" in first.line("git")
    assert notebook.calls("sm-teamkit") == ["git-credential --help", "git-credential --install"]
    state = home_state(notebook.home)

    second = run_phase(notebook, "OnStart", settings)
    assert second.returncode == 0
    assert "efs: skipped" in second.line("efs") and "already mounted" in second.line("efs")
    assert "conda kernels: 0 written, 1 unchanged" in second.line("kernels")
    assert len(notebook.calls("mount")) == 1 and notebook.calls("systemctl") == []
    assert notebook.calls("sm-teamkit")[-1] == "git-credential --install"  # safe to repeat
    assert home_state(notebook.home) == state


def test_a_cold_notebook_start_installs_into_the_jupyter_env_and_restarts_it_with_systemd(notebook, s3_bucket):
    result = run_phase(notebook, "OnStart", {"wheel_s3_uri": s3_bucket["wheel_uri"]})
    assert result.returncode == 0
    assert "install: ok" in result.line("install") and "restart: ok" in result.line("restart")
    assert notebook.calls("systemctl") == ["--no-block restart jupyter-server.service"]
    assert notebook.installed_version() == s3_bucket["version"]


@pytest.mark.parametrize("step", ["efs", "seed", "git", "on_start", "restart"])
def test_a_failing_optional_notebook_step_still_exits_0(notebook, s3_bucket, step):
    settings, env = {"efs_file_system_id": FS_ID}, {}
    notebook.preinstall()
    if step == "efs":
        env["FAKE_MOUNT_EXIT"] = "32"
    elif step == "seed":
        settings["seed_notebooks_s3_prefix"] = "s3://no-such-bucket/seed/"
    elif step == "git":
        (notebook.home / ".gitconfig").mkdir()
        settings["git_user_email"] = "member@example.com"
    elif step == "on_start":
        (notebook.home / "SageMaker" / ".on_start").write_text("exit 5\n")
    else:
        settings["wheel_s3_uri"] = s3_bucket["wheel_uri"]
        settings["wanted_version"] = "999"  # a version the wheel is not: installs, then restarts
        env["FAKE_SYSTEMCTL_EXIT"] = "1"
    result = run_phase(notebook, "OnStart", settings, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{step}: failed" in result.line(step)
    assert "done: ok" in result.stdout
