"""``sm-studio-emulator demo``: the local emulator, a demo user's Studio metadata, a demo home, and
JupyterLab with sm_teamkit on 127.0.0.1. Ctrl-C stops everything it started.

A second run keeps what the user did in the first (the home is seeded once; the Studio state,
apps stopped or created and spaces changed, is kept in ``sagemaker-state.json``); ``--reset``
(``make demo-reset``) starts over."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

DEMO_SPACE = "demo-user-lab"


def seed_demo_home(home: Path) -> None:
    """A home with something to look at: notebooks, data, trash and caches. Idempotent."""
    files = {
        "notebooks/churn-model/README.md": b"# churn model\n",
        "data/raw/events-2026-10.csv": b"user_id,event,ts\n" + b"42,click,1730000000\n" * 150_000,
        "data/processed/features.parquet": os.urandom(2_000_000),
        ".local/share/Trash/files/old-export.csv": b"a,b\n" + b"1,2\n" * 400_000,
        ".local/share/Trash/info/old-export.csv.trashinfo": b"[Trash Info]\nPath=/old-export.csv\n",
        ".cache/pip/http-v2/demo.bin": os.urandom(3_000_000),
        ".cache/huggingface/hub/models--demo/blob.bin": os.urandom(1_500_000),
    }
    for rel, content in files.items():
        path = home / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


def seed_demo_environments(home: Path, log_path: Path, running: list) -> None:
    """Real pipenv environments for the Kernels section, made in the background while the
    demo runs (the watch registers them as they appear): churn-model with ipykernel (needs the
    package index), feature-store without it, and old-image "made on another image" (its base
    Python is missing here). Failures go to ``log_path``; the demo goes on without them."""
    workon = home / ".local" / "share" / "virtualenvs"
    env = {
        **os.environ,
        "HOME": str(home),
        "WORKON_HOME": str(workon),
        "PIPENV_IGNORE_VIRTUALENVS": "1",
        "PIPENV_YES": "1",
        "PIPENV_NOSPIN": "1",
        "PIPENV_VERBOSITY": "-1",
    }
    for var in ("VIRTUAL_ENV", "PYTHONPATH", "PIPENV_VENV_IN_PROJECT"):
        env.pop(var, None)
    base_python = getattr(sys, "_base_executable", sys.executable)
    with open(log_path, "a") as log:
        for name, packages in (("feature-store", []), ("old-image", []), ("churn-model", ["ipykernel"])):
            project = home / "projects" / name
            if (project / "Pipfile.lock").exists() or (project / ".demo-done").exists():
                continue
            project.mkdir(parents=True, exist_ok=True)
            args = [
                sys.executable,
                "-m",
                "pipenv",
                "install" if packages else "--python",
                *(["--python", base_python, *packages] if packages else [base_python]),
            ]
            proc = subprocess.Popen(args, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)
            running.append(proc)  # so that stopping the demo stops it too
            if proc.wait() != 0:
                continue
            if name == "old-image":
                for venv in workon.glob("old-image-*"):
                    cfg = venv / "pyvenv.cfg"
                    lines = [
                        ("home = /opt/other-image/bin" if ln.startswith("home") else ln)
                        for ln in cfg.read_text().splitlines()
                    ]
                    cfg.write_text("\n".join(lines) + "\n")
                    (venv / "bin" / "python").unlink(missing_ok=True)
                    (venv / "bin" / "python").symlink_to("/opt/other-image/bin/python3.11")
            (project / ".demo-done").write_text("")


# Teammates' storage totals (bytes, minutes ago) published to the demo's CloudWatch,
# so `sm-teamkit team usage` shows a team (the demo user's scans publish newer totals of theirs).
TEAM_USAGE = (
    ("alice", "alice-lab", 38_400_000_000, 12),
    ("alice2", "alice2-lab", 2_100_000_000, 240),
    ("bob", "", 9_700_000_000, 55),
    ("demo-user", DEMO_SPACE, 496_000_000, 90),
)


def seed_team_usage(emu, now: float | None = None) -> int:
    """Publish the teammates' storage totals through the emulator's CloudWatch (moto), as
    their own servers would after a scan; returns how many were published."""
    import boto3

    from sm_teamkit.storage.team import publish_usage
    from sm_teamkit.studio.identity import Identity

    now = time.time() if now is None else now
    domain_id = next(iter(emu.state.domains))
    cloudwatch = boto3.client(
        "cloudwatch",
        endpoint_url=emu.url,
        region_name=emu.state.region,
        aws_access_key_id="demo",
        aws_secret_access_key="demo",
    )
    for profile, space, nbytes, minutes in TEAM_USAGE:
        who = Identity(
            mode="studio",
            flavor="studio" if space else "classic",
            domain_id=domain_id,
            user_profile_name=profile,
            space_name=space,
            region=emu.state.region,
        )
        report = {"finished_at": now - minutes * 60, "totals": {"allocated_bytes": nbytes}}
        publish_usage(cloudwatch, who, report)
    return len(TEAM_USAGE)


def demo_metadata(emu) -> dict:
    domain_id = next(iter(emu.state.domains))
    region, account = emu.state.region, emu.state.account
    return {
        "AppType": "JupyterLab",
        "DomainId": domain_id,
        "SpaceName": DEMO_SPACE,
        "ResourceName": "default",
        "ResourceArn": f"arn:aws:sagemaker:{region}:{account}:app/{domain_id}/{DEMO_SPACE}/jupyterlab/default",
    }


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


SEEDED_MARK = ".seeded"  # in the state dir: the home was seeded once; later runs keep what the user did
STATE_FILE = "sagemaker-state.json"  # in the state dir: the emulator's Studio state as the user left it


def prepare_demo_home(state: Path, reset: bool = False) -> str:
    """The demo's home under ``state``: seeded on the first run only, so a second ``make demo``
    keeps the trash and caches the user emptied; ``reset`` (``make demo-reset``) seeds it
    afresh and forgets the kept Studio state. Returns the line the demo prints about it."""
    import shutil

    home, mark, kept = state / "home", state / SEEDED_MARK, state / STATE_FILE
    if reset:
        shutil.rmtree(home, ignore_errors=True)
        mark.unlink(missing_ok=True)
        kept.unlink(missing_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    if mark.exists():
        since = max(p.stat().st_mtime for p in (mark, kept) if p.exists())
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(since))
        return f"Demo: keeping your state from {when} (make demo-reset to start over)"
    seed_demo_home(home)
    mark.write_text("")
    return "Demo: fresh state"


def start_demo_world(state: Path, reset: bool = False, emulator_port: int = 0):
    """Everything the demo runs but JupyterLab: the home (kept or seeded), the emulator with
    the kept Studio state, the teammates' usage and the Studio metadata file. Returns the
    started emulator (its ``stop()`` saves the state) and the line to print."""
    from .scenario import load_scenario
    from .server import Emulator

    line = prepare_demo_home(state, reset)
    emu = Emulator(scenario=load_scenario(None), port=emulator_port, state_file=state / STATE_FILE).start()
    seed_team_usage(emu)
    (state / "resource-metadata.json").write_text(json.dumps(demo_metadata(emu), indent=2))
    return emu, line


def run_demo(port: int = 8888, emulator_port: int = 0, state_dir: str = ".demo", reset: bool = False) -> int:
    from .launcher import UNSET_BY_DEFAULT, LabStartError, start_lab

    if not _port_free(port):
        print(
            f"sm-studio-emulator demo: port {port} on 127.0.0.1 is in use; choose another with PORT=...",
            file=sys.stderr,
        )
        return 1
    state = Path(state_dir).resolve()
    home = state / "home"
    emu, line = start_demo_world(state, reset, emulator_port)
    print(line)
    metadata = state / "resource-metadata.json"
    env = {
        "SM_TEAMKIT_RESOURCE_METADATA": str(metadata),
        "AWS_ENDPOINT_URL": emu.url,
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    unset = (*UNSET_BY_DEFAULT, "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_SAGEMAKER", "WORKON_HOME")
    # Each scan publishes the demo user's total to the team view, as in a team's Studio.
    settings = {"SmTeamkit.storage_publish_metrics": True}
    log_path = state / "jupyterlab.log"
    seeding: list[subprocess.Popen] = []
    threading.Thread(
        target=seed_demo_environments, args=(home, state / "environments.log", seeding), daemon=True
    ).start()
    print(f"sm-studio-emulator demo: emulator on {emu.url} (scenario: bundled demo)")
    print(f"sm-studio-emulator demo: demo home {home}; JupyterLab log {log_path}")
    stop = {"now": False}

    def on_signal(signum, _frame):
        stop["now"] = True

    # Explicit handlers: a shell may start us with SIGINT ignored (background jobs).
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    lab = None
    try:
        try:
            lab = start_lab(
                home=home,
                env=env,
                unset=unset,
                port=port,
                token=secrets.token_hex(24),
                settings=settings,
                log_path=log_path,
                cwd=Path.cwd(),
                cancelled=lambda: stop["now"],
            )
        except LabStartError:
            print(f"sm-studio-emulator demo: JupyterLab exited early; see {log_path}", file=sys.stderr)
            return 1
        if stop["now"]:
            return 130
        print(f"\n  JupyterLab with sm_teamkit: {lab.url}lab?token={lab.token}\n")
        print("  Open the 'SageMaker Team Kit' tab in the left sidebar. Ctrl-C stops the demo.")
        print(
            f"  The team's storage: AWS_ENDPOINT_URL={emu.url} AWS_ACCESS_KEY_ID=demo "
            f"AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1 "
            f"sm-teamkit team usage --domain {next(iter(emu.state.domains))}\n",
            flush=True,
        )
        while lab.running() and not stop["now"]:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        if lab is not None:
            lab.stop(timeout=15)
        for proc in seeding:
            if proc.poll() is None:
                proc.terminate()
        emu.stop()
        print("sm-studio-emulator demo: stopped JupyterLab and the emulator.")
    return 0
