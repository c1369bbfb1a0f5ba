"""The rendered JupyterLab on-start script in SageMaker Distribution's layout: run as a non-root
user (uid 1000, gid 100, its own HOME) against a server env that user owns (as /opt/conda is in
SMD), cold then warm, then the restart, then a real Jupyter server from that env serves the
panel's REST endpoint. No docker: a user made with useradd and a venv made for it.

Real: bash, pip, the wheel from S3 (the emulator), jupyter_server, the extension as pip installed
it. Recorder: `restart-jupyter-server` (supervisord is not here), which only notes the call.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from sm_studio_emulator.launcher import free_port
from sm_teamkit.lifecycle import LifecycleSettings, render

from ..waiting import eventually
from .conftest import REGION

UID, GID = 1000, 100  # sagemaker-user in SMD
USER = "sm-teamkit-lc-test"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create a uid-1000 user with useradd")


def _link_or_copy(source, target) -> None:
    try:
        os.link(source, target)
    except OSError:  # another filesystem
        shutil.copy2(source, target)


@pytest.fixture
def smd_user():
    """A user with uid 1000 and gid 100 (non-unique: uid 1000 may be taken on this machine),
    removed afterwards; its home and every file of the layout under one world-readable folder."""
    root = Path(tempfile.mkdtemp(prefix="sm-teamkit-smd-"))
    root.chmod(0o755)
    home = root / "home" / "sagemaker-user"
    home.mkdir(parents=True)
    made = subprocess.run(
        [
            "useradd",
            "--non-unique",
            "--uid",
            str(UID),
            "--gid",
            str(GID),
            "--no-create-home",
            "--home-dir",
            str(home),
            "--shell",
            "/bin/bash",
            USER,
        ],
        capture_output=True,
        text=True,
    )
    if made.returncode:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"useradd failed: {made.stderr.strip()}")
    try:
        yield root, home
    finally:
        subprocess.run(["userdel", USER], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def system_python() -> str:
    """An interpreter uid 1000 may run (this venv's base may live under root's private home)
    of the same minor version, so this venv's packages stand for the image's."""
    import sys

    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        probe = (
            subprocess.run(
                [candidate, "-c", "import sys, venv; print(sys.version_info[:2])"], capture_output=True, text=True
            )
            if os.access(candidate, os.X_OK)
            else None
        )
        if probe and probe.stdout.strip() == str(tuple(sys.version_info[:2])):
            return candidate
    pytest.skip(f"no system python {sys.version_info[0]}.{sys.version_info[1]} that another user can run")


class SmdSpace:
    """The SMD layout in ``root``: the server env (the image's packages, no sm_teamkit), a
    recorder for restart-jupyter-server, the rendered script of ``app_type``, run as uid 1000."""

    def __init__(self, root, home, system_python, image_packages, wheel_uri, emulator_url, app_type):
        self.root, self.home = root, home
        self.env_dir, bin_dir, self.calls, tmp = root / "opt-conda", root / "bin", root / "calls", root / "tmp"
        for folder in (bin_dir, self.calls, tmp):
            folder.mkdir()
        subprocess.run(
            [system_python, "-m", "venv", "--system-site-packages", "--without-pip", str(self.env_dir)], check=True
        )
        self.python = self.env_dir / "bin" / "python"
        self.site = subprocess.run(
            [str(self.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        self.overlay = root / "image-packages"
        # Hard links, not the overlay's symlinks: the repo's venv may sit in a folder only root can
        # enter (CI clones into a private mktemp folder), and the space user must read the packages.
        self.overlay.mkdir()
        for entry in image_packages.iterdir():
            source = entry.resolve()
            if source.is_dir():
                shutil.copytree(source, self.overlay / entry.name, symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(source, self.overlay / entry.name)
        self.overlay.chmod(0o755)  # copytree copies the private mode of pytest's folder
        Path(self.site, "zz_image_packages.pth").write_text(f"{self.overlay}\n")
        recorder = bin_dir / "restart-jupyter-server"
        recorder.write_text(f'#!/bin/bash\necho "restart $(id -u)" >>{self.calls}/restart.log\n')
        recorder.chmod(0o755)
        self.script = root / "on-start.sh"
        self.script.write_text(
            render(app_type, LifecycleSettings(wheel_s3_uri=wheel_uri, pip_args="--no-deps")).content
        )
        self.script.chmod(0o644)
        self.env = {
            "HOME": str(home),
            "USER": USER,
            "PATH": f"{bin_dir}:{self.env_dir / 'bin'}:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TMPDIR": str(tmp),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": emulator_url,
            "SM_TEAMKIT_PYTHON": str(self.python),
        }
        self.as_user = {"user": UID, "group": GID, "extra_groups": [], "env": self.env, "cwd": str(home)}

    def give_to_user(self) -> None:
        for path in (self.home, self.env_dir, self.calls, self.root / "tmp"):
            subprocess.run(["chown", "-R", f"{UID}:{GID}", str(path)], check=True)

    def on_start(self) -> str:
        run = subprocess.run(["bash", str(self.script)], capture_output=True, text=True, timeout=240, **self.as_user)
        log = self.home / ".sm-teamkit" / "logs" / "on-start.log"
        assert run.returncode == 0, run.stdout + run.stderr
        return run.stdout + (log.read_text() if log.exists() else "")


def test_on_start_as_the_space_user_cold_warm_restart_then_the_panel_answers(
    smd_user, system_python, image_packages, s3_bucket, lifecycle_emulator
):
    root, home = smd_user
    space = SmdSpace(
        root, home, system_python, image_packages, s3_bucket["wheel_uri"], lifecycle_emulator.url, "JupyterLab"
    )
    space.give_to_user()
    python, calls, as_user, on_start = space.python, space.calls, space.as_user, space.on_start

    cold = on_start()
    assert "start: JupyterLab as uid 1000" in cold
    assert "install: ok" in cold and "restart: ok" in cold, cold
    assert (calls / "restart.log").read_text() == "restart 1000\n"
    warm = on_start()
    assert "install: skipped" in warm and "restart: skipped" in warm and "done: ok" in warm
    assert (calls / "restart.log").read_text() == "restart 1000\n"  # no second restart
    owners = {p.stat().st_uid for p in [home, *home.rglob("*")]}
    assert owners == {UID}

    # What the restart would start: the server from that env, with the extension pip installed.
    port, token = free_port(), "lifecycle-smd-token"
    server = subprocess.Popen(
        [
            str(python),
            "-m",
            "jupyter_server",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            "--ServerApp.base_url=/jupyterlab/default/",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "server.log", "w"),
        **as_user,
    )
    try:
        url = f"http://127.0.0.1:{port}/jupyterlab/default/sm-teamkit/status"
        request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})

        def panel_status() -> dict:
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read())

        status = eventually(
            panel_status,
            60,
            "the server's sm-teamkit/status",
            interval=0.25,
            ignoring=(OSError,),
            process=server,
            details=lambda: (root / "server.log").read_text(),
        )
        assert status["version"] == s3_bucket["version"]
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_code_editor_on_start_registers_a_pipenv_environment_as_a_kernel(
    smd_user, system_python, image_packages, s3_bucket, lifecycle_emulator
):
    """Code Editor's Jupyter extension reads the same kernelspecs: after the CodeEditor script,
    `jupyter kernelspec list` (the image env's) shows the user's pipenv environment."""
    root, home = smd_user
    space = SmdSpace(
        root, home, system_python, image_packages, s3_bucket["wheel_uri"], lifecycle_emulator.url, "CodeEditor"
    )
    # A pipenv environment as pipenv leaves it: ~/.local/share/virtualenvs/<project>-<hash> with a
    # .project file naming the project, whose interpreter has ipykernel (the image's, as here).
    project = home / "churn-model"
    project.mkdir()
    (project / "Pipfile").write_text('[packages]\n\n[requires]\npython_version = "3"\n')
    env = home / ".local" / "share" / "virtualenvs" / "churn-model-Ab12Cd34"
    subprocess.run([system_python, "-m", "venv", "--without-pip", str(env)], check=True)
    env_site = subprocess.run(
        [str(env / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(env_site, "zz_image_packages.pth").write_text(f"{space.overlay}\n")
    # ipykernel itself in the environment's site-packages, where discovery (files only) looks.
    for entry in space.overlay.iterdir():
        if entry.name.startswith(("ipykernel", "ipykernel_launcher.py")):
            if entry.is_dir():
                shutil.copytree(entry, Path(env_site, entry.name), symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(entry, Path(env_site, entry.name))
    (env / ".project").write_text(str(project))
    old = time.time() - 3600  # created an hour ago: settled, not "being created"
    for path in [env, *env.rglob("*")]:
        os.utime(path, (old, old), follow_symlinks=False)
    space.give_to_user()

    log = space.on_start()
    assert "start: CodeEditor as uid 1000" in log
    assert "kernels: ok" in log, log
    assert "restart" not in {line.split(":")[0] for line in log.splitlines()}  # no Jupyter server to restart
    assert not (space.calls / "restart.log").exists()
    listed = subprocess.run(
        # `jupyter kernelspec list --json`: the image has the jupyter-kernelspec script; this
        # env has the same application without the script.
        [
            str(space.python),
            "-c",
            "from jupyter_client.kernelspecapp import KernelSpecApp; KernelSpecApp.launch_instance()",
            "list",
            "--json",
        ],
        capture_output=True,
        text=True,
        **space.as_user,
    )
    assert listed.returncode == 0, listed.stderr
    specs = json.loads(listed.stdout)["kernelspecs"]
    ours = {name: spec for name, spec in specs.items() if "churn-model" in json.dumps(spec)}
    assert ours, specs
    (spec,) = ours.values()
    assert spec["spec"]["argv"][0].startswith(str(env)), spec
    assert Path(spec["resource_dir"]).is_relative_to(home), spec
