"""How long the rendered JupyterLab on-start script takes, against Studio's 300 s limit.

Cold: sm_teamkit not installed; the script downloads the wheel from S3 (moto behind the local
emulator) and pip-installs it (--no-deps: the environment already has the dependencies, as a
SageMaker Distribution image does). Warm: the same environment again, the fast path.
Every step with work to do is configured: kernels sync (the image's Jupyter packages are
linked in), git identity, seeding notebooks, a ~/.on_start.
The reference, measured in the same run, is `python -m pip --version` in that environment:
the floor of any pip-based install step.

    python benchmarks/bench_lifecycle.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sm_studio_emulator import Emulator, load_scenario  # noqa: E402
from sm_teamkit.lifecycle import LifecycleSettings, render  # noqa: E402

LIMIT_SECONDS = 300.0
WARM_BUDGET_SECONDS = 15.0  # DESIGN.md: on-start with the extension already installed


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed:\n{proc.stdout}\n{proc.stderr}")
    return took


def main() -> int:
    base = str(Path(sys.base_prefix) / "bin" / "python3")
    with (
        tempfile.TemporaryDirectory(prefix="bench-lifecycle-") as tmp,
        Emulator(scenario=load_scenario({"region": "us-east-1"})) as emu,
    ):
        root = Path(tmp)
        subprocess.run(
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
                str(root / "wheel"),
            ],
            check=True,
            env={**os.environ, "HATCH_BUILD_NO_HOOKS": "true"},
        )  # no npm: use what is built
        wheel = next((root / "wheel").glob("sm_teamkit-*.whl"))
        s3 = boto3.client(
            "s3",
            endpoint_url=emu.url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        s3.create_bucket(Bucket="team")
        s3.upload_file(str(wheel), "team", f"wheels/{wheel.name}")
        s3.put_object(
            Bucket="team",
            Key="seed/intro.ipynb",
            Body=b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
        )
        settings = LifecycleSettings(
            wheel_s3_uri=f"s3://team/wheels/{wheel.name}",
            seed_notebooks_s3_prefix="s3://team/seed/",
            git_user_name="Bench",
            git_user_email="bench@example.com",
            pip_args="--no-deps",
        )
        script = root / "on-start.sh"
        script.write_text(render("JupyterLab", settings).content)
        home, bin_dir, env_dir = root / "home", root / "bin", root / "server-env"
        home.mkdir()
        bin_dir.mkdir()
        (bin_dir / "restart-jupyter-server").write_text("#!/bin/bash\nexit 0\n")
        (bin_dir / "restart-jupyter-server").chmod(0o755)
        (home / ".on_start").write_text("echo hello from on_start\n")
        subprocess.run([base, "-m", "venv", "--system-site-packages", "--without-pip", str(env_dir)], check=True)
        # The image's Jupyter packages (so `sm-teamkit kernels sync` really runs): links to this
        # venv's packages but sm_teamkit, appended after the env's own site-packages.
        overlay = root / "image-packages"
        overlay.mkdir()
        for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
            if not entry.name.startswith(("sm_teamkit", "_editable")) and entry.suffix != ".pth":
                (overlay / entry.name).symlink_to(entry)
        site = subprocess.run(
            [str(env_dir / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        Path(site, "zz_image_packages.pth").write_text(f"{overlay}\n")
        env = {
            "HOME": str(home),
            "PATH": f"{bin_dir}:{env_dir / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TMPDIR": tmp,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": emu.url,
            "SM_TEAMKIT_PYTHON": str(env_dir / "bin" / "python"),
        }
        reference = statistics.median(
            timed([env["SM_TEAMKIT_PYTHON"], "-m", "pip", "--version"], env, root) for _ in range(3)
        )
        cold = timed(["bash", str(script)], env, root)
        warm = statistics.median(timed(["bash", str(script)], env, root) for _ in range(3))
        log = (home / ".sm-teamkit" / "logs" / "on-start.log").read_text()
        if os.environ.get("BENCH_SHOW_LOG"):
            print("\n".join(ln for ln in log.splitlines() if ln.startswith("[")))
        if "install: ok" not in log or log.count("install: skipped") != 3 or "kernels: ok" not in log:
            sys.exit(f"unexpected run:\n{log}")

    print(f"reference (pip --version in the server env): {reference:.2f} s")
    print(
        f"cold run (install from the wheel in S3): {cold:.2f} s = {cold / LIMIT_SECONDS:.1%} of the "
        f"{LIMIT_SECONDS:.0f} s limit, {cold / reference:.1f}x the reference"
    )
    print(
        f"warm run (already installed, median of 3): {warm:.2f} s = {warm / LIMIT_SECONDS:.1%} of the "
        f"{LIMIT_SECONDS:.0f} s limit, {warm / WARM_BUDGET_SECONDS:.2f} of the {WARM_BUDGET_SECONDS:.0f} s "
        f"warm budget, {warm / reference:.1f}x the reference"
    )
    print(f"cold / warm: {cold / warm:.1f}x")
    return 0 if warm <= WARM_BUDGET_SECONDS and cold < LIMIT_SECONDS else 1


if __name__ == "__main__":
    os.environ.pop("AWS_PROFILE", None)
    sys.exit(main())
