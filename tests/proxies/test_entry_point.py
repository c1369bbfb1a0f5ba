"""The ``mlflow`` jupyter-server-proxy entry point: lean command on loopback, a store in the
user's home, no broken launcher entry without MLflow, the user's own tracking URI kept."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from importlib.metadata import entry_points

from sm_studio_emulator.launcher import free_port
from sm_teamkit.proxies import mlflow

from ..waiting import eventually
from .defaults import mlflow_settings


def test_the_entry_point_is_registered_for_jupyter_server_proxy():
    (entry,) = [e for e in entry_points(group="jupyter_serverproxy_servers") if e.name == "mlflow"]
    assert entry.load() is mlflow.setup_mlflow


def test_mlflow_starts_on_loopback_with_one_worker_and_the_home_store(tmp_path, monkeypatch):
    settings = mlflow_settings(database_path=str(tmp_path / "db" / "m.db"), artifacts_dir=str(tmp_path / "art"))
    monkeypatch.setattr(mlflow, "_settings", settings)
    config = mlflow.setup_mlflow()
    assert config["absolute_url"] is False and config["timeout"] > 5
    command = config["command"](5123)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "5123"
    assert command[command.index("--workers") + 1] == "1"
    assert command[command.index("--backend-store-uri") + 1] == f"sqlite:///{tmp_path}/db/m.db"
    assert (tmp_path / "db").is_dir() and (tmp_path / "art").is_dir()
    assert config["environment"]() == {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    assert config["launcher_entry"]["enabled"] is True


def test_without_mlflow_there_is_no_launcher_entry_and_the_route_says_what_to_install(monkeypatch):
    monkeypatch.setattr(mlflow, "mlflow_installed", lambda: False)
    config = mlflow.setup_mlflow()
    assert config["launcher_entry"]["enabled"] is False
    port = free_port()
    process = subprocess.Popen(config["command"](port))

    def refusal() -> urllib.error.HTTPError | None:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
        except urllib.error.HTTPError as err:
            return err
        return None  # an answer of 200: not the refusal this test expects

    try:
        err = eventually(refusal, 30, "the stand-in server's refusal", interval=0.2, ignoring=(OSError,))
        assert err.code == 503
        assert "sm-teamkit[mlflow]" in err.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_without_mlflow_the_overview_says_how_to_add_it(monkeypatch):
    monkeypatch.setattr(mlflow, "mlflow_installed", lambda: False)
    status = mlflow.local_mlflow_status(mlflow_settings())
    assert not status.installed and not status.running
    assert "pip install 'sm-teamkit[mlflow]'" in status.hint


def test_kernels_get_the_store_unless_the_user_chose_a_tracking_uri(tmp_path):
    settings = mlflow_settings(database_path=str(tmp_path / "m.db"))
    env: dict[str, str] = {}
    assert mlflow.configure(settings, env) == f"sqlite:///{tmp_path}/m.db"
    mine = {"MLFLOW_TRACKING_URI": "http://team-mlflow.internal:5000"}
    assert mlflow.configure(settings, mine) == "http://team-mlflow.internal:5000"
    assert mine == {"MLFLOW_TRACKING_URI": "http://team-mlflow.internal:5000"}


def test_mlflow_skinny_alone_is_not_taken_for_a_server(tmp_path, monkeypatch):
    # mlflow-skinny has mlflow/server but not the UI build: the check looks for index.html.
    fake = tmp_path / "mlflow"
    (fake / "server").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "server" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "mlflow" or m.startswith("mlflow.")]:
        monkeypatch.delitem(sys.modules, name)
    assert mlflow.mlflow_installed() is False
