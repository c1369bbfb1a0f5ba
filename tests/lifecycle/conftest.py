"""Fixtures for the lifecycle bundle: the real rendered scripts run in a sandbox.

Real: bash, timeout, setpriv, git, dpkg, pip, a wheel built from this tree, S3 (moto behind the
emulator), a Python venv standing for the Jupyter server's environment. Stand-ins only for what
cannot exist here: `restart-jupyter-server`, `supervisorctl` and `apt-get` are scripts on PATH
that record their arguments.

The server environment is `python -m venv --system-site-packages --without-pip` of the
interpreter this test venv was made from: that base has pip and boto3 (like a Studio image)
but not sm_teamkit, so the scripts see "not installed", then install the wheel with --no-deps
in about a second, and every test gets a fresh one in ~50 ms.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from sm_teamkit.lifecycle import LifecycleSettings, render

from ..conftest import start_emulator

REPO = Path(__file__).resolve().parents[2]
BUCKET = "team-bucket"
REGION = "us-east-1"
ACCOUNT = "123456789012"
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:studio-lifecycle-config"

SCENARIO = {
    "region": REGION,
    "account": ACCOUNT,
    "domains": [
        {"id": d, "name": d}
        for d in (
            "d-fresh0000001",
            "d-redeploy0001",
            "d-changed00001",
            "d-dryrun000001",
            "d-remove000001",
            "d-profile00001",
            "d-cli000000001",
            "d-default00001",
        )
    ]
    + [
        {
            "id": "d-admin0000001",
            "name": "admin-configured",
            "default_user_settings": {
                "JupyterLabAppSettings": {
                    "LifecycleConfigArns": [f"{ARN}/admin-lab-setup"],
                    "DefaultResourceSpec": {
                        "InstanceType": "ml.t3.medium",
                        "LifecycleConfigArn": f"{ARN}/admin-lab-setup",
                    },
                },
                "KernelGatewayAppSettings": {"LifecycleConfigArns": [f"{ARN}/admin-kg-setup"]},
            },
            "default_space_settings": {
                "JupyterLabAppSettings": {"LifecycleConfigArns": [f"{ARN}/admin-lab-setup"]},
            },
        },
    ],
    "user_profiles": [
        {
            "domain": "d-profile00001",
            "name": "alice",
            "user_settings": {"JupyterLabAppSettings": {"LifecycleConfigArns": [f"{ARN}/alice-own"]}},
        },
        {"domain": "d-profile00001", "name": "bob"},
    ],
    "lifecycle_configs": [
        {"name": "admin-lab-setup", "app_type": "JupyterLab", "content": "#!/bin/bash\necho admin\n"},
        {"name": "admin-kg-setup", "app_type": "KernelGateway", "content": "#!/bin/bash\necho admin\n"},
        {"name": "alice-own", "app_type": "JupyterLab", "content": "#!/bin/bash\necho alice\n"},
    ],
}

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Team start"]},
        {
            "cell_type": "code",
            "execution_count": 7,
            "metadata": {},
            "source": ["print(1)"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}],
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture(scope="session")
def lifecycle_emulator():
    """A Studio emulator of our own (deploy tests change its domains) that also serves S3."""
    with start_emulator(SCENARIO) as emu:
        yield emu


@pytest.fixture(scope="session")
def sagemaker(lifecycle_emulator):
    return boto3.client("sagemaker", endpoint_url=lifecycle_emulator.url, region_name=REGION)


@pytest.fixture(scope="session")
def teamkit_wheel(tmp_path_factory) -> Path:
    """A wheel of this tree, built once. Build hooks are off: the scripts do not need the
    labextension, and another engineer's `npm run build` may be rewriting it right now."""
    out = tmp_path_factory.mktemp("wheel")
    env = {**os.environ, "HATCH_BUILD_NO_HOOKS": "true"}
    for attempt in range(3):
        build = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "-q",
                "--no-deps",
                "--no-build-isolation",
                str(REPO),
                "-w",
                str(out),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
        )
        if build.returncode == 0:
            return next(out.glob("sm_teamkit-*.whl"))
        time.sleep(5 * (attempt + 1))
    pytest.fail(f"cannot build the sm_teamkit wheel:\n{build.stdout}\n{build.stderr}")


@pytest.fixture(scope="session")
def s3_bucket(lifecycle_emulator, teamkit_wheel) -> dict:
    """The team bucket: the wheel under wheels/, one notebook with outputs under seed/."""
    import json

    s3 = boto3.client("s3", endpoint_url=lifecycle_emulator.url, region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    key = f"wheels/{teamkit_wheel.name}"
    s3.upload_file(str(teamkit_wheel), BUCKET, key)
    s3.put_object(Bucket=BUCKET, Key="seed/intro.ipynb", Body=json.dumps(NOTEBOOK).encode())
    s3.put_object(Bucket=BUCKET, Key="seed/data/readme.txt", Body=b"team data\n")
    return {
        "wheel_uri": f"s3://{BUCKET}/{key}",
        "seed_prefix": f"s3://{BUCKET}/seed/",
        "version": teamkit_wheel.name.split("-")[1],
    }


@pytest.fixture(scope="session")
def base_python() -> str:
    """The interpreter this venv was made from; it must not have sm_teamkit itself."""
    base = Path(sys.base_prefix) / "bin" / "python3"
    probe = subprocess.run(
        [str(base), "-c", "import importlib.util as u, sys; sys.exit(u.find_spec('sm_teamkit') is not None)"],
        capture_output=True,
        cwd="/",
    )
    if probe.returncode != 0:
        pytest.skip(f"{base} already has sm_teamkit; cannot make a server env without it")
    return str(base)


@dataclass
class RunResult:
    returncode: int
    stdout: str
    stderr: str
    log: str

    def line(self, step: str) -> str:
        """The one stdout line of ``step`` (fails the test when missing or repeated)."""
        lines = [ln for ln in self.stdout.splitlines() if f"Z {step}: " in ln]
        assert len(lines) == 1, f"expected one line for {step!r}:\n{self.stdout}\n{self.stderr}"
        return lines[0]


@dataclass
class Sandbox:
    root: Path
    home: Path
    bin: Path
    calls_dir: Path
    env_dir: Path
    teamkit_site: Path
    env: dict[str, str] = field(default_factory=dict)

    def preinstall(self) -> None:
        """sm_teamkit already in the server env (a warm start): the wheel unpacked once per
        session, put on the env's path."""
        site = subprocess.run(
            [self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        Path(site, "sm_teamkit_preinstalled.pth").write_text(f"{self.teamkit_site}\n")

    @property
    def python(self) -> str:
        return str(self.env_dir / "bin" / "python")

    def script(self, app_type: str, settings: dict | None = None) -> Path:
        rendered = render(app_type, LifecycleSettings.from_mapping(settings or {}))
        path = self.root / f"{app_type}-on-start.sh"
        path.write_text(rendered.content)
        return path

    def run(self, app_type: str = "JupyterLab", settings: dict | None = None, **env: str) -> RunResult:
        path = self.script(app_type, settings)
        proc = subprocess.run(
            ["bash", str(path)],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=180,
            cwd=self.root,
        )
        log_file = self.home / ".sm-teamkit" / "logs" / "on-start.log"
        return RunResult(proc.returncode, proc.stdout, proc.stderr, log_file.read_text() if log_file.exists() else "")

    def calls(self, name: str) -> list[str]:
        path = self.calls_dir / f"{name}.log"
        return path.read_text().splitlines() if path.exists() else []

    def installed_version(self) -> str:
        return subprocess.run(
            [self.python, "-c", "import importlib.metadata as m; print(m.version('sm_teamkit'))"],
            capture_output=True,
            text=True,
        ).stdout.strip()


STAND_IN = """#!/bin/bash
echo "$*" >>{calls}/{name}.log
sleep "${{FAKE_{var}_SLEEP:-0}}"
exit "${{FAKE_{var}_EXIT:-0}}"
"""


@pytest.fixture(scope="session")
def image_packages(tmp_path_factory) -> Path:
    """The Jupyter server's dependencies (jupyter_core, traitlets...) as a Studio image has them:
    symlinks to this venv's packages but sm_teamkit (and .pth files), appended to each server env."""
    overlay = tmp_path_factory.mktemp("image-packages")
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(("sm_teamkit", "_editable")) and entry.suffix != ".pth":
            (overlay / entry.name).symlink_to(entry)
    return overlay


@pytest.fixture(scope="session")
def teamkit_site(tmp_path_factory, teamkit_wheel) -> Path:
    """The wheel installed once into a folder of its own (pip --target)."""
    target = tmp_path_factory.mktemp("teamkit-site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(teamkit_wheel)],
        check=True,
    )
    return target


@pytest.fixture
def sandbox(tmp_path, base_python, image_packages, lifecycle_emulator, teamkit_site) -> Sandbox:
    """A temporary HOME, a fresh server env, stand-ins on PATH and S3 at the emulator."""
    home, bin_dir, calls = tmp_path / "home", tmp_path / "bin", tmp_path / "calls"
    for d in (home, bin_dir, calls):
        d.mkdir()
    for name in ("restart-jupyter-server", "supervisorctl", "apt-get"):
        var = name.upper().replace("-", "_")
        (bin_dir / name).write_text(STAND_IN.format(calls=calls, name=name, var=var))
        (bin_dir / name).chmod(0o755)
    env_dir = tmp_path / "server-env"
    subprocess.run([base_python, "-m", "venv", "--system-site-packages", "--without-pip", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "zz_image_packages.pth").write_text(f"{image_packages}\n")
    if subprocess.run([str(py), "-c", "import pip, boto3"], capture_output=True).returncode:
        # A base without pip or boto3: give the env pip, and S3 reads the test runner's boto3.
        subprocess.run([base_python, "-m", "venv", "--clear", "--system-site-packages", str(env_dir)], check=True)
        (bin_dir / "python3").symlink_to(sys.executable)
    env = {
        "HOME": str(home),
        "PATH": f"{bin_dir}:{env_dir / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TMPDIR": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": lifecycle_emulator.url,
        "SM_TEAMKIT_PYTHON": str(py),
        "SM_TEAMKIT_PIP_ARGS": "--no-deps",
    }
    return Sandbox(tmp_path, home, bin_dir, calls, env_dir, teamkit_site, env)


def home_state(home: Path) -> dict[str, str]:
    """Every file under HOME with its content, but the log (which grows by design)."""
    state = {}
    for path in sorted(home.rglob("*")):
        if path.is_file() and path.name != "on-start.log":
            state[str(path.relative_to(home))] = path.read_text(errors="replace")
    return state


@pytest.fixture
def cli_env(monkeypatch, lifecycle_emulator):
    """AWS_ENDPOINT_URL at the emulator for `sm-teamkit lifecycle` run in-process."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", lifecycle_emulator.url)
    return lifecycle_emulator
