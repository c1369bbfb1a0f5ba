"""Writes ``lines.json``, the SageMaker Distribution lines the Studio layer reproduces, from the
lines' own build artifacts: aws/sagemaker-distribution's ``build_artifacts/v4/*/v<X>/cpu.env.out``
(conda's explicit list of every package in the image). The next line is one more argument.

    python -m tests.studio_image.lines --repo PATH/TO/sagemaker-distribution 4.3.3 4.4.1

``PATH`` is a checkout or a bare clone (read with ``git show HEAD:...``). Each line's Jupyter
server config (``dirs/etc/jupyter/jupyter_server_config.py``: hidden files allowed, no trash...)
is copied to ``etc/<version>/``; the layer installs it into the venv's ``etc/jupyter``."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
LINES_FILE = HERE / "lines.json"
ETC = HERE / "etc"
SERVER_CONFIG = "dirs/etc/jupyter/jupyter_server_config.py"

# The packages the image owns: installing sm_teamkit must leave them at these versions.
IMAGE_PACKAGES = ("jupyterlab", "jupyter-server", "jupyter-server-proxy", "boto3", "mlflow")
# AWS's Studio extensions (and what they need from the image) installed beside sm_teamkit at the
# image's own versions. jupyterlab-chat stands in for jupyter-ai, which brings @jupyter/chat.
EXTENSIONS = (
    "sagemaker-jupyterlab-extension",
    "sagemaker-jupyterlab-extension-common",
    "sagemaker-jupyterlab-emr-extension",
    "sagemaker-studio-analytics-extension",
    "amazon-sagemaker-jupyter-scheduler",
    "sagemaker-mlflow",
    "jupyter-activity-monitor-extension",
    "jupyterlab-git",
    "jupyterlab-chat",
)
# One package of conda's explicit list: ".../<name>-<version>-<build>.conda#<md5>".
_ENTRY = re.compile(r"/(?P<name>[^/]+)-(?P<version>[^-/]+)-(?P<build>[^-/]+)\.(?:conda|tar\.bz2)(?:#\S*)?$")


def normalized(name: str) -> str:
    """PyPI's form of a conda name (PEP 503): jupyter_server -> jupyter-server."""
    return re.sub(r"[-_.]+", "-", name).lower()


def packages(env_out: str) -> dict[str, str]:
    """{normalized name: version} of every package in a cpu.env.out."""
    found = {}
    for row in env_out.splitlines():
        match = _ENTRY.search(row.strip())
        if match:
            found[normalized(match["name"])] = match["version"]
    return found


def read_env_out(repo: Path, version: str) -> str:
    return read_artifact(repo, version, "cpu.env.out")


def read_artifact(repo: Path, version: str, name: str) -> str:
    """A file of the line's build artifacts (``cpu.env.out``, ``dirs/etc/...``)."""
    major, minor = version.split(".")[:2]
    rel = f"build_artifacts/v{major}/v{major}.{minor}/v{version}/{name}"
    if (repo / rel).exists():
        return (repo / rel).read_text()
    git_dir = repo / ".git" if (repo / ".git").exists() else repo
    shown = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"HEAD:{rel}"], capture_output=True, text=True, check=False
    )
    if shown.returncode != 0:
        raise SystemExit(f"{rel} is not in {repo}: {shown.stderr.strip()}")
    return shown.stdout


def line_entry(version: str, env_out: str) -> dict:
    """What the Studio layer needs of one line: its Python, the image's pins, AWS's extensions."""
    found = packages(env_out)
    missing = [name for name in ("python", *IMAGE_PACKAGES) if name not in found]
    if missing:
        raise SystemExit(f"SMD {version}: no {', '.join(missing)} in its cpu.env.out")
    return {
        "python": ".".join(found["python"].split(".")[:2]),
        "pins": {name: found[name] for name in IMAGE_PACKAGES},
        "extensions": {name: found[name] for name in EXTENSIONS if name in found},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="a checkout of aws/sagemaker-distribution")
    parser.add_argument("versions", nargs="+", metavar="VERSION", help="image versions, e.g. 4.3.3 4.4.1")
    args = parser.parse_args(argv)
    source = subprocess.run(
        ["git", f"--git-dir={args.repo / '.git' if (args.repo / '.git').exists() else args.repo}", "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    lines = {v: line_entry(v, read_env_out(args.repo, v)) for v in args.versions}
    for v in args.versions:
        (ETC / v).mkdir(parents=True, exist_ok=True)
        (ETC / v / "jupyter_server_config.py").write_text(read_artifact(args.repo, v, SERVER_CONFIG))
    LINES_FILE.write_text(
        json.dumps({"source": f"aws/sagemaker-distribution@{source or 'unknown'}", "lines": lines}, indent=1) + "\n"
    )
    for version, entry in lines.items():
        print(
            version, entry["python"], " ".join(f"{k}=={v}" for k, v in {**entry["pins"], **entry["extensions"]}.items())
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
