"""Run jupyter-server-proxy's own test suite (the sdist of the installed version) with sm_teamkit's
server extension enabled.

    python tests/proxies/upstream.py [--mode strip|keep|without] [--workdir DIR] [--site DIR]

``strip``: sm_teamkit with its defaults (no Jupyter credential reaches a backend), ``keep``: with
c.SmTeamkit.proxy_strip_credentials=False (upstream forwarding), ``without``: sm_teamkit
disabled (the reference). The sdist is fetched with ``pip download`` into the work dir once; its
``tests/resources/jupyter_server_config.py`` (the config file every upstream test server is started
with, which replaces the usual config files) gets one appended block that reads
``SM_TEAMKIT_UPSTREAM_CONFIG`` (allow_root when run as root, sm_teamkit on or off, its settings).
The suite needs pytest-asyncio, jupyterhub (tests/test_standalone.py) and notebook (every server
test runs under ``jupyter notebook`` and ``jupyter lab``): sm_teamkit's ``test`` extra has them;
``--site DIR`` puts a folder that holds them first on PYTHONPATH instead. Its acceptance tests
(tests/acceptance, Robot Framework driving Firefox with geckodriver) skip without those.
The suite's servers leave the backends they started running when they shut down: the suite runs
in a session of its own, and whatever is left in it afterwards is ended. Prints the failed test
ids; exits with pytest's code."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

MARKER = "# --- appended by sm_teamkit's tests/proxies/upstream.py"
APPENDED = (
    MARKER
    + """ ---------------------------------------
import json as _json  # noqa: E402
import os as _os  # noqa: E402

for _section, _values in _json.loads(_os.environ.get("SM_TEAMKIT_UPSTREAM_CONFIG", "{}")).items():
    for _name, _value in _values.items():
        if _name == "jpserver_extensions":
            c[_section][_name].update(_value)
        else:
            c[_section][_name] = _value
"""
)
# sm_teamkit's background work off: these servers test the proxy, not the panel.
QUIET = {"kernels_registration": False, "storage_start_delay_seconds": -1}
MODES = {
    "without": {"ServerApp": {"jpserver_extensions": {"sm_teamkit": False}}},
    "keep": {
        "ServerApp": {"jpserver_extensions": {"sm_teamkit": True}},
        "SmTeamkit": {**QUIET, "proxy_strip_credentials": False},
    },
    "strip": {"ServerApp": {"jpserver_extensions": {"sm_teamkit": True}}, "SmTeamkit": dict(QUIET)},
}


@dataclass
class Outcome:
    returncode: int
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def installed_version() -> str:
    return importlib.metadata.version("jupyter-server-proxy")


def fetch_suite(workdir: Path, version: str | None = None) -> Path:
    """The unpacked sdist of jupyter-server-proxy ``version`` (default: the installed one), its
    test config extended once. Downloaded with pip on first use."""
    version = version or installed_version()
    root = workdir / f"jupyter_server_proxy-{version}"
    if not (root / "tests").is_dir():
        workdir.mkdir(parents=True, exist_ok=True)
        sdist = workdir / f"jupyter_server_proxy-{version}.tar.gz"
        if not sdist.is_file():
            # --no-build-isolation: pip only reads the metadata (hatchling, installed here)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--no-binary",
                    ":all:",
                    "--no-build-isolation",
                    f"jupyter-server-proxy=={version}",
                    "-d",
                    str(workdir),
                ],
                check=True,
                timeout=600,
            )
        with tarfile.open(sdist) as archive:
            archive.extractall(workdir, filter="data")
    config = root / "tests" / "resources" / "jupyter_server_config.py"
    text = config.read_text()
    if MARKER not in text:
        config.write_text(text + "\n" + APPENDED)
    return root


def server_config(mode: str) -> dict:
    config = json.loads(json.dumps(MODES[mode]))
    if os.geteuid() == 0:
        config["ServerApp"]["allow_root"] = True
    return config


def run_suite(
    mode: str, workdir: Path, site: str | None = None, extra_args: list[str] | None = None, timeout: float = 1800
) -> Outcome:
    """Run the upstream suite under ``mode``; the outcome names each test by its pytest id."""
    root = fetch_suite(workdir)
    report = workdir / f"junit-{mode}.xml"
    env = dict(os.environ, SM_TEAMKIT_UPSTREAM_CONFIG=json.dumps(server_config(mode)))
    env.pop("JUPYTER_CONFIG_DIR", None)
    if site:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (site, env.get("PYTHONPATH", "")) if p)
        env["PATH"] = os.pathsep.join((os.path.join(site, "bin"), env["PATH"]))
    env["PATH"] = os.pathsep.join((os.path.dirname(sys.executable), env["PATH"]))  # its jupyter-*
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "-o",
        "asyncio_mode=auto",
        "-q",
        "-rfs",
        f"--junitxml={report}",
        f"--basetemp={workdir / f'tmp-{mode}'}",
        "tests",
        *(extra_args or []),
    ]
    suite = subprocess.Popen(command, cwd=root, env=env, start_new_session=True)
    try:
        returncode = suite.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        returncode = -1
    finally:
        end_session(suite.pid)
    return read_report(report, returncode)


def session_members(sid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:  # fields after the command's ")": state, ppid, pgrp, session, ...
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3]) == sid:
                members.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return members


def end_session(sid: int, grace: float = 5.0) -> list[int]:
    """End every process still in session ``sid`` (the suite's leftovers): SIGTERM, then SIGKILL
    after ``grace`` seconds. Returns their ids."""
    left = session_members(sid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in left:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and session_members(sid):
            time.sleep(0.1)
        if not session_members(sid):
            break
        left = session_members(sid)
    return left


def read_report(report: Path, returncode: int) -> Outcome:
    outcome = Outcome(returncode)
    if not report.is_file():
        return outcome
    for case in ET.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").replace(".", "/")
        test_id = f"{module}.py::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            outcome.failed.append(test_id)
        elif case.find("skipped") is not None:
            outcome.skipped.append(test_id)
        else:
            outcome.passed.append(test_id)
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=sorted(MODES), default="strip")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sm-teamkit-upstream-proxy")
    parser.add_argument("--site", help="a folder holding the suite's extra packages (pip install --target)")
    args, rest = parser.parse_known_args()
    outcome = run_suite(args.mode, args.workdir, args.site, rest)
    print(
        f"jupyter-server-proxy {installed_version()} suite, mode {args.mode}: {len(outcome.passed)} passed, "
        f"{len(outcome.failed)} failed, {len(outcome.skipped)} skipped"
    )
    for test_id in outcome.failed:
        print("  failed:", test_id)
    for test_id in outcome.skipped:
        print("  skipped:", test_id)
    return outcome.returncode


if __name__ == "__main__":
    sys.exit(main())
