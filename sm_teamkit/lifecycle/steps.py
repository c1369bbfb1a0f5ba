"""The on-start steps after the install. Each runs in its own session (see runner.py), returns
a one-line summary, raises Skip when there is nothing to do and StepFailed when it fails.
Every step checks before it changes anything, so a second run changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .runner import Skip, StepFailed
from .team_settings import TEAM_SETTINGS_NAME, LifecycleSettings

NOTEBOOK_DIR = "SageMaker"  # the notebook instance's persistent volume, under ec2-user's home


@dataclass(frozen=True)
class StepContext:
    """What every step may read: the settings, the app, the user's home and whether the
    install step changed the environment."""

    settings: LifecycleSettings
    app_type: str
    home: Path
    teamkit_home: Path
    changed: bool = False

    @property
    def notebook(self) -> bool:
        return self.app_type == "NotebookInstance"

    @property
    def on_start_file(self) -> Path:
        default = self.home / NOTEBOOK_DIR / ".on_start" if self.notebook else self.home / ".on_start"
        return Path(os.environ.get("SM_TEAMKIT_ON_START_FILE") or default)

    @property
    def seed_dir(self) -> Path:
        default = self.home / NOTEBOOK_DIR / "team-notebooks" if self.notebook else self.home / "team-notebooks"
        return Path(self.settings.seed_notebooks_dir or default)


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, text=True, **kw)


def _check(cmd: list[str], what: str, **kw) -> None:
    result = _run(cmd, **kw)
    if result.returncode:
        raise StepFailed(f"{what}: exit {result.returncode}")


def write_team_settings(ctx: StepContext) -> bool:
    """Write what the server takes from the team settings (the idle policy) to
    ~/.sm-teamkit/team-settings.json; True when that changed it."""
    path = ctx.teamkit_home / TEAM_SETTINGS_NAME
    text = json.dumps(ctx.settings.server_settings(), indent=1, sort_keys=True) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:  # none yet: nothing to write while the policy is off
        if not any(ctx.settings.server_settings().values()):
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return True


def restart(ctx: StepContext) -> str:
    """Write the server's team settings; restart the Jupyter server when they or the install
    step changed something."""
    settings_changed = write_team_settings(ctx)
    if not ctx.changed and not settings_changed:
        raise Skip("nothing changed")
    if ctx.notebook and shutil.which("systemctl"):
        cmd = ["systemctl", "--no-block", "restart", "jupyter-server.service"]
    elif ctx.notebook and shutil.which("initctl"):
        cmd = ["initctl", "restart", "jupyter-server", "--no-wait"]
    elif shutil.which("restart-jupyter-server"):
        cmd = ["restart-jupyter-server"]
    elif ctx.app_type == "JupyterServer" and shutil.which("supervisorctl"):
        cmd = ["supervisorctl", "-c", "/etc/supervisor/conf.d/supervisord.conf", "restart", "jupyterlabserver"]
    else:
        raise Skip("cannot restart the Jupyter server here: the new version loads at the next start")
    _check(cmd, cmd[0])
    return f"restarted with {cmd[0]}"


def teamkit_cli() -> list[str] | None:
    """The sm-teamkit command: SM_TEAMKIT_CLI, the one beside this interpreter, then PATH."""
    if os.environ.get("SM_TEAMKIT_CLI"):
        return [os.environ["SM_TEAMKIT_CLI"]]
    beside = Path(sys.executable).parent / "sm-teamkit"
    found = str(beside) if os.access(beside, os.X_OK) else shutil.which("sm-teamkit")
    return [found] if found else None


def kernels_dir(ctx: StepContext) -> str:
    """KernelGateway kernels go to the image env's system directory, where the gateway looks."""
    if ctx.settings.kernels_dir or ctx.app_type != "KernelGateway":
        return ctx.settings.kernels_dir
    return str(Path(sys.prefix) / "share" / "jupyter" / "kernels")


def kernels(ctx: StepContext) -> str:
    """pipenv environments as kernels (`sm-teamkit kernels sync`); on a notebook instance also
    the conda environments under ~/SageMaker/envs."""
    cli = teamkit_cli()
    if cli is None:
        raise Skip("no sm-teamkit command")
    if _run([*cli, "kernels", "--help"], capture_output=True).returncode:
        raise Skip("this sm-teamkit has no kernels command")
    target = kernels_dir(ctx)
    conda = conda_kernels(ctx) if ctx.notebook else ""
    if target:
        if "--kernels-dir" not in _run([*cli, "kernels", "sync", "--help"], capture_output=True).stdout:
            raise Skip(f"this sm-teamkit cannot sync into {target}")
        cmd = [*cli, "kernels", "sync", "--kernels-dir", target]
    else:
        cmd = [*cli, "kernels", "sync"]
    result = _run(cmd, capture_output=True)
    sys.stdout.write(result.stdout + result.stderr)
    if result.returncode:
        raise StepFailed(f"kernels sync: exit {result.returncode}")
    return "; ".join(p for p in (result.stdout.strip().splitlines() or [""])[-1:] + [conda] if p)


def conda_kernels(ctx: StepContext) -> str:
    """Register each conda env (a folder with conda-meta/ and bin/python) that has ipykernel,
    once: an existing kernelspec for the same interpreter is left alone."""
    root = Path(ctx.settings.conda_envs_dir or ctx.home / NOTEBOOK_DIR / "envs")
    if not root.is_dir():
        return ""
    user_kernels = ctx.home / ".local" / "share" / "jupyter" / "kernels"
    written, kept, missing = 0, 0, []
    for env in sorted(p for p in root.iterdir() if (p / "conda-meta").is_dir()):
        python = env / "bin" / "python"
        name = f"conda-{env.name}"
        spec = user_kernels / name / "kernel.json"
        try:
            if json.loads(spec.read_text())["argv"][0] == str(python):
                kept += 1
                continue
        except (OSError, ValueError, KeyError, IndexError):
            pass
        result = _run(
            [
                str(python),
                "-m",
                "ipykernel",
                "install",
                "--user",
                "--name",
                name,
                "--display-name",
                f"{env.name} (conda)",
            ],
            capture_output=True,
        )
        if result.returncode:
            missing.append(env.name)
        else:
            written += 1
    text = f"conda kernels: {written} written, {kept} unchanged"
    return text + (f", no ipykernel in {', '.join(missing)}" if missing else "")


def _git_get(key: str) -> str:
    return _run(["git", "config", "--global", "--get-all", key], capture_output=True).stdout.strip()


def git(ctx: StepContext) -> str:
    """The user's own name and email win (set only when missing); the team's credential helper
    replaces another; else git_credentials: secrets-manager installs `sm-teamkit git-credential`."""
    s = ctx.settings
    if not (s.git_user_name or s.git_user_email or s.git_credential_helper or s.git_credentials):
        raise Skip("no git settings")
    if not shutil.which("git"):
        raise Skip("git is not installed")
    for key, value in (("user.name", s.git_user_name), ("user.email", s.git_user_email)):
        if value and not _git_get(key):
            _check(["git", "config", "--global", key, value], f"git config {key}")
    helper, note = s.git_credential_helper, ""
    if helper and _git_get("credential.helper") != helper:
        _check(
            ["git", "config", "--global", "--replace-all", "credential.helper", helper], "git config credential.helper"
        )
    elif not helper and s.git_credentials:
        note = secrets_manager_helper()
    return f"git: {_git_get('user.name')} <{_git_get('user.email')}>{note}"


def secrets_manager_helper() -> str:
    """`sm-teamkit git-credential --install`: git asks the Secrets Manager helper for the hosts
    in c.SmTeamkit.git_credential_hosts (per-host credential.<url>.helper, an absolute path,
    safe to repeat). An sm-teamkit without that command leaves git alone."""
    cli = teamkit_cli()
    if cli is None or _run([*cli, "git-credential", "--help"], capture_output=True).returncode:
        return "; no `sm-teamkit git-credential` here, credential helper left alone"
    done = _run([*cli, "git-credential", "--install"], capture_output=True)
    sys.stdout.write(done.stdout + done.stderr)
    if done.returncode:
        lines = (done.stderr or done.stdout).strip().splitlines() or [f"exit {done.returncode}"]
        raise StepFailed(f"sm-teamkit git-credential --install: {lines[0]}")
    return "; credentials from Secrets Manager (sm-teamkit git-credential)"


def clear_outputs(body: bytes) -> bytes:
    notebook = json.loads(body)
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return json.dumps(notebook, indent=1, ensure_ascii=False).encode() + b"\n"


def seed(ctx: StepContext) -> str:
    """The team's notebooks, once (marker file), outputs cleared, never overwriting a file."""
    prefix = ctx.settings.seed_notebooks_s3_prefix
    marker = ctx.teamkit_home / "seeded-notebooks"
    if not prefix:
        raise Skip("no seed_notebooks_s3_prefix set")
    if marker.exists():
        raise Skip(f"seeded on {marker.read_text().strip()}")
    import boto3

    bucket, _, key_prefix = prefix[5:].partition("/")
    s3, count = boto3.client("s3"), 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key_prefix):
        for obj in page.get("Contents", []):
            rel = obj["Key"][len(key_prefix) :].lstrip("/")
            path = ctx.seed_dir / rel
            if not rel or rel.endswith("/") or ".." in rel.split("/") or path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            path.write_bytes(clear_outputs(body) if path.suffix == ".ipynb" else body)
            count += 1
    marker.write_text(datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") + "\n")
    return f"seeded {count} file(s) into {ctx.seed_dir}"


def apt(ctx: StepContext) -> str:
    """System packages the user lists in ~/.sm-teamkit/apt-packages (one per line, # comments)."""
    listing = Path(os.environ.get("SM_TEAMKIT_APT_PACKAGES_FILE") or ctx.teamkit_home / "apt-packages")
    if not listing.is_file():
        raise Skip(f"no {listing}")
    wanted = [ln.split()[0] for ln in listing.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    missing = [p for p in wanted if _run(["dpkg", "-s", p], capture_output=True).returncode]
    if not missing:
        raise Skip("nothing to install")
    sudo = []
    if os.geteuid() != 0:
        if _run(["sudo", "-n", "true"], capture_output=True).returncode:
            raise StepFailed("system packages need root or sudo")
        sudo = ["sudo", "-n"]
    env = [*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    _check([*env, "update", "-qq"], "apt-get update")
    _check([*env, "install", "-y", "-qq", "--no-install-recommends", *missing], "apt-get install")
    return f"installed: {' '.join(missing)}"


def efs(ctx: StepContext) -> str:
    """Mount the team's EFS file system (NFS 4.1, AWS's recommended options) unless it is."""
    fs_id = ctx.settings.efs_file_system_id
    if not fs_id:
        raise Skip("no efs_file_system_id set")
    where = Path(ctx.settings.efs_mount_dir or ctx.home / NOTEBOOK_DIR / "efs")
    if _run(["mountpoint", "-q", str(where)]).returncode == 0:
        raise Skip(f"{fs_id} already mounted on {where}")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        import boto3

        region = boto3.session.Session().region_name
    if not region:
        raise StepFailed("no AWS region to name the EFS mount target (set AWS_REGION)")
    where.mkdir(parents=True, exist_ok=True)
    _check(
        [
            "mount",
            "-t",
            "nfs4",
            "-o",
            "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport",
            f"{fs_id}.efs.{region}.amazonaws.com:/",
            str(where),
        ],
        "mount",
    )
    return f"mounted {fs_id} on {where}"


def on_start(ctx: StepContext) -> str:
    """The user's own ~/.on_start, run with bash from their home."""
    path = ctx.on_start_file
    if not path.is_file():
        raise Skip(f"no {path}")
    sys.stdout.flush()
    code = _run(["bash", str(path)], cwd=ctx.home).returncode
    if code:
        raise StepFailed(f"{path} exited {code}")
    return ""


def give_back(ctx: StepContext, uid: int, gid: int) -> str:
    """Root made files in the user's folder: hand them to the home's owner (only what differs)."""
    changed = 0
    for top, dirs, files in os.walk(ctx.teamkit_home):
        for name in [top, *(os.path.join(top, n) for n in dirs + files)]:
            st = os.lstat(name)
            if (st.st_uid, st.st_gid) != (uid, gid):
                os.lchown(name, uid, gid)
                changed += 1
    return f"{changed} path(s) given to {uid}:{gid}"
