"""MLflow behind jupyter-server-proxy: the ``mlflow`` entry point, its command and its status.

jupyter-server-proxy loads the entry point before sm_teamkit's own extension (extensions load
in alphabetical order), so the command and environment are callables evaluated when the first
request arrives; by then :func:`configure` has recorded the server's settings."""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from ..config_fields import FromConfig, trait

ICON = Path(__file__).with_name("icons") / "mlflow.svg"
INSTALL_HINT = "Add the extra: pip install 'sm-teamkit[mlflow]' (the full mlflow package, not mlflow-skinny), then restart the server."
# The same pattern MLflow's own middleware understands (fnmatch): Studio serves JupyterLab from
# https://<domain-id>.studio.<region>.sagemaker.aws for new Studio and Classic alike.


@dataclass(frozen=True)
class MlflowSettings(FromConfig):
    """Where the local MLflow keeps its runs and how it is started: c.SmTeamkit settings
    (their defaults live there: build with ``from_config``)."""

    database_path: str = trait("mlflow_database_path")
    artifacts_dir: str = trait("mlflow_artifacts_dir")
    start_timeout_seconds: float = trait("mlflow_start_timeout_seconds")
    allowed_origins: tuple[str, ...] = trait("mlflow_allowed_origins")

    @property
    def database(self) -> Path:
        return Path(os.path.expanduser(self.database_path)).absolute()

    @property
    def artifacts(self) -> Path:
        return Path(os.path.expanduser(self.artifacts_dir)).absolute()

    @property
    def tracking_uri(self) -> str:
        """The store's URI as a notebook's MLflow client uses it (sqlite, absolute path)."""
        return f"sqlite:///{self.database}"


# Set once per server process by configure(); read by the entry point's callables.
_settings: MlflowSettings | None = None
_launched_port: int = 0


def _mlflow_dir() -> Path | None:
    """The installed ``mlflow`` package's folder, found without importing it: ``find_spec`` of a
    top-level name only locates it (``find_spec("mlflow.server")`` would import all of mlflow:
    seconds and 100+ MiB at every server start)."""
    try:
        spec = importlib.util.find_spec("mlflow")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def mlflow_installed() -> bool:
    """True when the full mlflow (with the server and its UI assets) is installed here."""
    package = _mlflow_dir()
    return package is not None and (package / "server" / "js" / "build" / "index.html").is_file()


def configure(settings: MlflowSettings, environ: dict | None = None) -> str:
    """Record the settings for the entry point and point notebooks started from this server
    at the same store, unless the user chose a tracking URI. Returns the URI kernels get."""
    global _settings
    _settings = settings
    env = os.environ if environ is None else environ
    if "MLFLOW_TRACKING_URI" not in env and mlflow_installed():
        env["MLFLOW_TRACKING_URI"] = settings.tracking_uri
    return env.get("MLFLOW_TRACKING_URI", "")


def current_settings() -> MlflowSettings:
    if _settings is not None:
        return _settings
    try:  # entry point used without the sm_teamkit server extension: Jupyter config files only
        from ..jupyter_config import load_config

        return MlflowSettings.from_config(load_config())
    except Exception:
        from ..config import SmTeamkit

        return MlflowSettings.from_config(SmTeamkit())


def server_command(port: int) -> list[str]:
    """``mlflow server`` on loopback with one worker, persisting in the configured store and
    serving artifacts (``mlflow_artifacts_dir``) through the proxy: a client elsewhere with the
    Jupyter token logs and reads them at ``<base_url>mlflow/``. Run through :func:`serve`."""
    global _launched_port
    settings = current_settings()
    settings.database.parent.mkdir(parents=True, exist_ok=True)
    settings.artifacts.mkdir(parents=True, exist_ok=True)
    _launched_port = int(port)
    command = [
        sys.executable,
        "-m",
        __name__,
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--backend-store-uri",
        f"sqlite:///{settings.database}",
        # Experiments created through the server get mlflow-artifacts:/ locations, served from
        # the folder in the home (the Default one excepted: see serve()).
        "--serve-artifacts",
        "--artifacts-destination",
        str(settings.artifacts),
        "--default-artifact-root",
        "mlflow-artifacts:/",
    ]
    if settings.allowed_origins and server_has_option("--cors-allowed-origins"):
        command += ["--cors-allowed-origins", ",".join(settings.allowed_origins)]
    return command


def serve(argv: list[str]) -> None:
    """``python -m sm_teamkit.proxies.mlflow server ...``: mlflow's own CLI, once the store
    exists. A new store is created here with the Default experiment's artifacts in the local
    folder: notebooks log straight to the sqlite store (MLFLOW_TRACKING_URI), and such a client
    cannot write to an mlflow-artifacts:/ location, which the server would give Default."""
    store = argv[argv.index("--backend-store-uri") + 1]
    artifacts = argv[argv.index("--artifacts-destination") + 1]
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    SqlAlchemyStore(store, artifacts)  # creates the tables and Default (0) only when new
    from mlflow.cli import cli

    cli(argv, prog_name="mlflow")


def server_has_option(option: str) -> bool:
    """Whether this mlflow's ``mlflow server`` takes ``option``, read from its CLI source
    without importing it: mlflow 2.22 (SageMaker Distribution 2.x/3.x) has no CORS options
    and no origin checks, mlflow 3.x has both; an unknown option would stop the server."""
    package = _mlflow_dir()
    if package is None:
        return False
    for source in (package / "cli" / "__init__.py", package / "cli.py"):  # mlflow 3.x, 2.x
        try:
            return option in source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return False


def server_environment() -> dict[str, str]:
    # Job execution starts a huey consumer: 20-40 s cold start instead of ~10 s.
    return {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}


def missing_command(port: int) -> list[str]:
    """A tiny page that says how to install MLflow, for someone who types the URL anyway."""
    return [sys.executable, "-m", "sm_teamkit.proxies.missing", "--port", str(port), "--hint", INSTALL_HINT]


def setup_mlflow() -> dict:
    """The ``jupyter_serverproxy_servers`` entry point ``mlflow``: UI at ``<base_url>mlflow/``.

    Without mlflow installed the launcher entry is disabled and the route explains the extra."""
    installed = mlflow_installed()
    return {
        "command": server_command if installed else missing_command,
        "environment": server_environment,
        "timeout": current_settings().start_timeout_seconds,
        "absolute_url": False,
        "new_browser_tab": True,
        # MLflow rejects Host headers that are not its own (DNS rebinding guard); behind the
        # authenticated proxy the backend is addressed as itself.
        "request_headers_override": {"Host": "127.0.0.1:{port}"},
        "launcher_entry": {
            "enabled": installed,
            "title": "MLflow",
            "icon_path": str(ICON),
            # JupyterLab's launcher draws an entry's icon only in the Notebook and Console
            # sections (as for RStudio and code-server entries); elsewhere it shows none.
            "category": "Notebook",
        },
    }


def launched_port() -> int:
    """Port of the MLflow this server started (0 before the first visit)."""
    return _launched_port


def find_mlflow_port(settings: MlflowSettings, proc: Path = Path("/proc")) -> int:
    """Port of a running ``mlflow server`` of this user on the configured store, found from
    process command lines (works from the CLI too); 0 when there is none."""
    store = f"sqlite:///{settings.database}"
    uid = os.geteuid()
    try:
        entries = list(proc.iterdir())
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            words = [w.decode(errors="replace") for w in (entry / "cmdline").read_bytes().split(b"\0")]
        except OSError:
            continue
        if "server" in words and store in words and "--port" in words:
            try:
                return int(words[words.index("--port") + 1])
            except (IndexError, ValueError):
                continue
    return 0


def port_is_listening(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    if not port:
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class LocalMlflow:
    """The local MLflow as the panel shows it. ``link`` is a path under the base URL."""

    installed: bool
    running: bool
    link: str
    tracking_uri: str
    database: str
    artifacts: str
    hint: str


def local_mlflow_status(settings: MlflowSettings) -> LocalMlflow:
    installed = mlflow_installed()
    running = installed and (port_is_listening(launched_port()) or port_is_listening(find_mlflow_port(settings)))
    return LocalMlflow(
        installed=installed,
        running=running,
        link="mlflow/",
        # What a kernel started by the server gets (configure() put it in the environment).
        tracking_uri=(os.environ.get("MLFLOW_TRACKING_URI") or settings.tracking_uri) if installed else "",
        database=str(settings.database),
        artifacts=str(settings.artifacts),
        hint="" if installed else INSTALL_HINT,
    )


if __name__ == "__main__":
    serve(sys.argv[1:])
