"""Kernels: list (and register) 200 environments of mixed kinds (pipenv, uv, conda) by reading
files, against the per-environment subprocess loop teams use today, both measured in this run.

Run: python benchmarks/bench_kernels.py [--envs 200] [--sample 10]

The 200 environments are generated in the tools' real on-disk layouts, a third each: pipenv
(WORKON_HOME folders named <project>-<8-char hash>, `.project`, virtualenv's `pyvenv.cfg`), uv
(project `.venv` folders whose `pyvenv.cfg` says `uv = ...`, a uv.lock), conda (folders under
an envs dir with `conda-meta/` package records); each with `bin/python` linked to a real
interpreter and `lib/pythonX.Y/site-packages` with or without ipykernel. Their mtimes are set an
hour back, as in a home whose environments were made earlier. The subprocess references run on a sample of environments and are scaled to all of
them (the output says so). Budgets (DESIGN.md): warm list <= 20 ms, >= 100x the loop.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sm_teamkit.kernels import KernelsService, KernelsSettings  # noqa: E402

BASE = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
VERSION = "{}.{}.{}".format(*sys.version_info[:3])
SHORT = "{}.{}".format(*sys.version_info[:2])


def pipenv_dir_name(project: Path) -> str:
    """pipenv's naming: sanitized folder name (<= 42 chars) + '-' + 8 chars of a path hash."""
    name = re.sub(r'[ &$`!*@"()\[\]\\\r\n\t]', "_", project.name)[:42]
    digest = base64.urlsafe_b64encode(hashlib.sha256(str(project).encode()).digest()[:6]).decode()
    return f"{name}-{digest[:8]}"


def make_env(
    workon: Path, project: Path, ipykernel: bool, broken: bool, kind: str = "pipenv", conda_dir: Path | None = None
) -> Path:
    base = "/opt/other-image/bin/python3" if broken else BASE
    if kind == "conda":
        assert conda_dir is not None
        env = conda_dir / project.name.replace(" ", "-")
        site = env / "lib" / f"python{SHORT}" / "site-packages"
        site.mkdir(parents=True)
        (env / "bin").mkdir()
        (env / "conda-meta").mkdir()
        for name, ver in (("python", VERSION), ("pip", "24.0"), ("numpy", "1.26.4")):
            (env / "conda-meta" / f"{name}-{ver}-h0_0.json").write_text(json.dumps({"name": name, "version": ver}))
        (env / "bin" / "python").symlink_to(base)
    else:
        project.mkdir(parents=True)
        if kind == "uv":
            (project / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0.1"\n')
            (project / "uv.lock").write_text("version = 1\n")
            env = project / ".venv"
        else:
            (project / "Pipfile").write_text(
                '[[source]]\nurl = "https://pypi.org/simple"\nverify_ssl = true\nname = "pypi"\n\n'
                f'[packages]\nipykernel = "*"\n\n[requires]\npython_version = "{SHORT}"\n'
            )
            env = workon / pipenv_dir_name(project)
        site = env / "lib" / f"python{SHORT}" / "site-packages"
        site.mkdir(parents=True)
        (env / "bin").mkdir()
        maker = "uv = 0.13.9" if kind == "uv" else "virtualenv = 20.26.0"
        (env / "pyvenv.cfg").write_text(
            f"home = {os.path.dirname(base)}\nimplementation = CPython\nversion_info = {VERSION}.final.0\n"
            f"{maker}\ninclude-system-site-packages = false\nbase-prefix = /usr\n"
            f"base-exec-prefix = /usr\nbase-executable = {base}\n"
        )
        if kind == "pipenv":
            (env / ".project").write_text(str(project))
        (env / "bin" / "python").symlink_to(base)
    for alias in ("python3", f"python{SHORT}"):
        (env / "bin" / alias).symlink_to("python")
    (env / "bin" / "activate").write_text("# generated\n")
    for dist in ("pip", "setuptools", "_distutils_hack"):
        (site / dist).mkdir()
        (site / dist / "__init__.py").write_text("")
    if ipykernel:
        (site / "ipykernel").mkdir()
        (site / "ipykernel" / "__init__.py").write_text("")
        (site / "ipykernel_launcher.py").write_text("")
    hour_ago = time.time() - 3600
    for folder in (env, env / "bin", site):
        os.utime(folder, (hour_ago, hour_ago))
    return env


KINDS = ("pipenv", "uv", "conda")


def generate(root: Path, count: int) -> tuple[Path, Path, Path, list[Path]]:
    workon, projects, conda_dir = root / "virtualenvs", root / "projects", root / "conda-envs"
    workon.mkdir()
    conda_dir.mkdir()
    envs = []
    for i in range(count):
        # Mixed kinds; mostly usable; some without ipykernel; a few made on "another image".
        envs.append(
            make_env(
                workon,
                projects / f"project-{i:03d} team model",
                ipykernel=i % 10 != 3,
                broken=i % 25 == 7,
                kind=KINDS[i % 3],
                conda_dir=conda_dir,
            )
        )
    return workon, projects, conda_dir, envs


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


COLD_SCRIPT = """
import json, sys, time
sys.path.insert(0, {root!r})
from sm_teamkit.kernels import KernelsService, KernelsSettings
service = KernelsService(KernelsSettings.from_config(**json.loads({settings!r})))
start = time.perf_counter()
listing = service.listing()
print(time.perf_counter() - start, len(listing["environments"]))
"""


def cold_listing(settings: dict) -> float:
    """First listing in a fresh process (imports excluded; the OS file cache is warm)."""
    script = COLD_SCRIPT.format(root=str(Path(__file__).resolve().parents[1]), settings=json.dumps(settings))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return float(out.split()[0])


def pipenv_venv_loop(envs: list[Path], workon: Path) -> float:
    pipenv = shutil.which("pipenv") or str(Path(sys.executable).with_name("pipenv"))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PIPENV_ACTIVE", "PYTHONPATH")}
    env.update({"WORKON_HOME": str(workon), "PIPENV_IGNORE_VIRTUALENVS": "1", "PIPENV_NOSPIN": "1"})
    start = time.perf_counter()
    for e in envs:
        project = (e / ".project").read_text()
        subprocess.run([pipenv, "--venv"], cwd=project, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def ipykernel_install_loop(envs: list[Path], prefix: Path) -> float:
    # The loop as lifecycle scripts run it, with this interpreter (the generated envs'
    # ipykernel is a stub, so each env's own python cannot run it).
    start = time.perf_counter()
    for i, e in enumerate(envs):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ipykernel",
                "install",
                "--prefix",
                str(prefix),
                "--name",
                f"bench-{i}",
                "--display-name",
                e.name,
            ],
            capture_output=True,
            check=True,
        )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", type=int, default=200)
    parser.add_argument("--sample", type=int, default=10, help="environments timed for each subprocess reference")
    parser.add_argument("--repeat", type=int, default=20, help="warm listings timed (median reported)")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="sm-teamkit-bench-kernels-"))
    try:
        workon, projects, conda_dir, envs = generate(root, args.envs)
        settings = {
            "workon_home": str(workon),
            "project_roots": [str(projects)],
            "project_depth": 2,
            "kernels_dir": str(root / "kernels"),
            "conda_envs_dirs": [str(conda_dir)],
        }
        service = KernelsService(
            KernelsSettings.from_config(
                **{**settings, "project_roots": (str(projects),), "conda_envs_dirs": (str(conda_dir),)}
            )
        )
        colds = sorted(cold_listing(settings) for _ in range(3))
        cold = colds[1]
        listing = service.listing()
        warm = statistics.median(timed(service.listing) for _ in range(args.repeat))
        first_sync = timed(service.sync)
        warm_sync = statistics.median(timed(service.sync) for _ in range(5))
        summary = listing["summary"]

        sample = [e for e in envs if (e / ".project").is_file()][: args.sample]  # pipenv ones
        pipenv_each = pipenv_venv_loop(sample, workon) / len(sample)
        install_each = ipykernel_install_loop(sample, root / "prefix") / len(sample)
        pipenv_total, install_total = pipenv_each * len(envs), install_each * len(envs)

        tools = {k: sum(1 for e in listing["environments"] if e["tool"] == k) for k in KINDS}
        print(
            f"{len(envs)} environments in real layouts ({', '.join(f'{n} {k}' for k, n in tools.items())}; "
            f"{summary['ready']} ready, {summary['needs_ipykernel']} without ipykernel, "
            f"{summary['broken']} broken, {summary['creating']} being created), generated in {root}"
        )
        print(
            f"  sm_teamkit listing, cold (first call in a fresh process, OS cache warm; median of 3): "
            f"{cold * 1000:8.1f} ms"
        )
        print(
            f"  sm_teamkit listing, warm (median of {args.repeat}):{'':37}{warm * 1000:8.1f} ms   "
            f"(budget <= 20 ms: {'ok' if warm <= 0.020 else 'OVER'})"
        )
        print(f"  sm_teamkit sync, first (writes {summary['ready']} kernelspecs):{'':26}{first_sync * 1000:8.1f} ms")
        print(f"  sm_teamkit sync, warm (nothing changed; median of 5):{'':27}{warm_sync * 1000:8.1f} ms")
        print(
            f"  reference `pipenv --venv` per env: {pipenv_each * 1000:.0f} ms each, measured on {len(sample)} "
            f"envs and scaled to {len(envs)}: {pipenv_total:8.1f} s"
        )
        print(
            f"  reference `python -m ipykernel install` per env: {install_each * 1000:.0f} ms each, measured on "
            f"{len(sample)} envs and scaled to {len(envs)}: {install_total:8.1f} s"
        )
        best_ref = min(pipenv_total, install_total)
        for label, ours in (("warm listing", warm), ("cold listing", cold), ("first sync", first_sync)):
            print(
                f"  ratio {label:13}: {pipenv_total / ours:9.0f}x faster than the `pipenv --venv` loop, "
                f"{install_total / ours:9.0f}x faster than the `ipykernel install` loop"
            )
        ratio = best_ref / max(cold, first_sync)
        print(
            f"  target >= 100x (slowest of ours vs fastest reference): {ratio:.0f}x "
            f"{'PASS' if ratio >= 100 else 'FAIL'}"
        )
        return 0 if ratio >= 100 else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
