"""Write kernelspecs for ready environments into a Jupyter kernels dir, owned by sm_teamkit.

Every kernelspec written here carries ``metadata.sm_teamkit`` in its kernel.json; only those
are ever rewritten or removed. Each also carries what the environment's own ipykernel declares
about itself in ``<env>/share/jupyter/kernels/python3/kernel.json`` (``metadata`` such as
``debugger`` and ``supported_encryption``, which jupyter_client's ``transport_encryption`` reads,
and ``kernel_protocol_version``), and claims nothing that ipykernel does not. Jupyter's KernelSpecManager reads the folder on each request,
so a new spec shows in ``/api/kernelspecs`` without a restart (no kernel_spec_manager_class swap).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .environment import READY, Environment

OWNER_KEY = "sm_teamkit"
SPEC_VERSION = 2  # 2: what the environment's ipykernel declares (metadata, kernel_protocol_version)
# Where ipykernel installs its own kernelspec inside an environment (venv, uv and conda alike).
IPYKERNEL_SPEC = os.path.join("share", "jupyter", "kernels", "python3")


@dataclass
class SyncResult:
    """What one sync did, for logs, the CLI and the REST answer."""

    kernels_dir: str
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # a foreign spec already has the name
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)

    def to_json(self) -> dict:
        return asdict(self)


def declared_by_ipykernel(env_path: str) -> dict:
    """What the environment's ipykernel says about itself in its own kernel.json: its
    ``metadata`` (without an sm_teamkit key) and ``kernel_protocol_version``; {} when it has
    none (an ipykernel that declares nothing, or no such file)."""
    own = read_spec(os.path.join(env_path, IPYKERNEL_SPEC)) or {}
    declared: dict = {}
    metadata = own.get("metadata")
    if isinstance(metadata, dict):
        declared["metadata"] = {k: v for k, v in metadata.items() if k != OWNER_KEY}
    if isinstance(own.get("kernel_protocol_version"), str):
        declared["kernel_protocol_version"] = own["kernel_protocol_version"]
    return declared


def kernelspec_for(env: Environment) -> dict:
    """The kernel.json of an environment: its own interpreter runs ipykernel_launcher. Its
    display name (the launcher card) and metadata say the tool, Python version and folder;
    the rest of the metadata and the protocol version are what its ipykernel declares."""
    bin_dir = os.path.join(env.path, "bin")
    # jupyter_client fills ${VAR} from the server's env; a literal '$' is written '$$'.
    activate = "CONDA_PREFIX" if env.tool == "conda" else "VIRTUAL_ENV"
    declared = declared_by_ipykernel(env.path)
    spec = {
        "argv": [env.interpreter, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": env.display_name,
        "language": "python",
        # The server's PYTHONPATH names its own Python's packages: inherited by a kernel of
        # another version (a conda env, a rebuilt one), it breaks the stdlib. Empty = unset.
        "env": {
            activate: env.path.replace("$", "$$"),
            "PATH": bin_dir.replace("$", "$$") + ":${PATH}",
            "PYTHONPATH": "",
            # Spark UIs of this kernel listen on loopback only: reached through the proxy.
            "SPARK_LOCAL_IP": "127.0.0.1",
        },
        "metadata": {
            **declared.get("metadata", {}),
            OWNER_KEY: {
                "owner": OWNER_KEY,
                "version": SPEC_VERSION,
                "env_path": env.path,
                "project_path": env.project_path,
                "tool": env.tool,
                "python_version": env.python_version,
            },
        },
    }
    if "kernel_protocol_version" in declared:
        spec["kernel_protocol_version"] = declared["kernel_protocol_version"]
    return spec


# kernel.json path -> (mtime_ns, size, parsed): a warm listing stats specs instead of parsing them.
_SPEC_CACHE: dict[str, tuple[int, int, dict | None]] = {}


def read_spec(spec_dir: str | Path) -> dict | None:
    path = os.path.join(spec_dir, "kernel.json")
    try:
        st = os.stat(path)
        cached = _SPEC_CACHE.get(path)
        if cached and cached[0] == st.st_mtime_ns and cached[1] == st.st_size:
            return cached[2]
        with open(path, encoding="utf-8") as f:
            data = json.loads(f.read())
    except (OSError, ValueError):
        return None
    data = data if isinstance(data, dict) else None
    _SPEC_CACHE[path] = (st.st_mtime_ns, st.st_size, data)
    return data


def is_owned(spec: dict | None) -> bool:
    meta = (spec or {}).get("metadata")
    return (
        isinstance(meta, dict) and isinstance(meta.get(OWNER_KEY), dict) and (meta[OWNER_KEY].get("owner") == OWNER_KEY)
    )


def owned_specs(kernels_dir: Path) -> dict[str, dict]:
    """Name -> kernel.json of every kernelspec in ``kernels_dir`` that sm_teamkit owns."""
    out: dict[str, dict] = {}
    try:
        entries = list(os.scandir(kernels_dir))
    except OSError:
        return out
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        spec = read_spec(entry.path)
        if is_owned(spec):
            out[entry.name] = spec  # type: ignore[assignment]
    return out


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kernel.json.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _copy_logos(env: Environment, spec_dir: Path) -> None:
    """ipykernel ships Python logos; copying them makes the launcher tile look right."""
    resources = os.path.join(env.path, "lib", f"python{env.python_short}", "site-packages", "ipykernel", "resources")
    for name in ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg"):
        src = os.path.join(resources, name)
        if os.path.isfile(src) and not (spec_dir / name).exists():
            try:
                shutil.copyfile(src, spec_dir / name)
            except OSError:
                pass


def sync_kernelspecs(
    envs: list[Environment], kernels_dir: Path, keep: set[str] | frozenset = frozenset()
) -> SyncResult:
    """Make ``kernels_dir`` hold exactly one owned kernelspec per ready environment: write
    new or changed ones, remove owned ones whose environment is gone or no longer ready
    (except the names in ``keep``: environments a job is rebuilding), never touch a
    kernelspec sm_teamkit does not own. Marks ``env.registered``."""
    result = SyncResult(kernels_dir=str(kernels_dir))
    try:
        kernels_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        result.errors.append(f"Cannot create the kernels folder {kernels_dir}: {exc.strerror or exc}.")
        return result
    owned = owned_specs(kernels_dir)
    wanted = {env.id: env for env in envs if env.status == READY}
    for name, env in wanted.items():
        spec_dir = kernels_dir / name
        spec = kernelspec_for(env)
        if name not in owned and os.path.lexists(spec_dir):
            result.conflicts.append(f"{spec_dir} exists and was not made by sm_teamkit; {env.path} is not registered.")
            env.problems.append(f"A kernelspec named {name} already exists and is not managed by sm_teamkit.")
            continue
        if owned.get(name) == spec:
            result.unchanged.append(name)
            env.registered = True
            continue
        try:
            spec_dir.mkdir(exist_ok=True)
            _write_atomically(spec_dir / "kernel.json", json.dumps(spec, indent=1, ensure_ascii=False))
            _copy_logos(env, spec_dir)
        except OSError as exc:
            result.errors.append(f"Cannot write the kernelspec {spec_dir}: {exc.strerror or exc}.")
            continue
        result.written.append(name)
        env.registered = True
    for name in owned:
        if name in wanted or name in keep:
            continue
        try:
            shutil.rmtree(kernels_dir / name)
            result.removed.append(name)
        except OSError as exc:
            result.errors.append(f"Cannot remove the stale kernelspec {kernels_dir / name}: {exc.strerror or exc}.")
    return result


def mark_registered(envs: list[Environment], kernels_dir: Path) -> None:
    """Set ``env.registered`` from what is on disk, without writing anything."""
    owned = owned_specs(kernels_dir)
    for env in envs:
        env.registered = env.status == READY and owned.get(env.id) == kernelspec_for(env)
        if env.status == READY and env.id not in owned and os.path.lexists(kernels_dir / env.id):
            env.problems.append(f"A kernelspec named {env.id} already exists and is not managed by sm_teamkit.")
