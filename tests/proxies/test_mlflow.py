"""Real MLflow behind the Jupyter server: started on first visit, reached only with the
user's Jupyter login, logging from notebooks to the same store."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys

from .conftest import BASE_URL, run_in_kernel

STUDIO_HOST = "d-demo12345678.studio.us-east-1.sagemaker.aws"

KERNEL_CODE = """
import os
import mlflow
print("URI", os.environ.get("MLFLOW_TRACKING_URI"))
mlflow.set_experiment("sm-teamkit-proxy-test")
with mlflow.start_run(run_name="from-a-kernel") as run:
    mlflow.log_param("alpha", "0.5")
    mlflow.log_metric("rmse", 0.25)
print("RUN", run.info.run_id)
"""


def test_a_run_logged_from_a_kernel_is_returned_by_the_proxied_mlflow_api(mlflow_up):
    server = mlflow_up
    output = run_in_kernel(server, KERNEL_CODE)
    uri = re.search(r"URI (\S+)", output).group(1)
    run_id = re.search(r"RUN (\w+)", output).group(1)
    assert uri == f"sqlite:///{server.home}/.sm-teamkit/mlflow/mlflow.db"

    experiment = server.fetch("mlflow/api/2.0/mlflow/experiments/get-by-name?experiment_name=sm-teamkit-proxy-test")
    assert experiment.status == 200, experiment.text
    experiment_id = experiment.json()["experiment"]["experiment_id"]
    found = server.fetch("mlflow/api/2.0/mlflow/runs/search", method="POST", body={"experiment_ids": [experiment_id]})
    assert found.status == 200, found.text
    runs = found.json()["runs"]
    assert [r["info"]["run_id"] for r in runs] == [run_id]
    assert runs[0]["info"]["run_name"] == "from-a-kernel"
    assert {"key": "alpha", "value": "0.5"} in runs[0]["data"]["params"]
    assert (server.home / ".sm-teamkit" / "mlflow" / "mlflow.db").is_file()


def test_mlflow_ui_and_its_assets_load_under_the_prefix(mlflow_up):
    page = mlflow_up.fetch("mlflow/")
    assert page.status == 200
    scripts = re.findall(r'src="([^"]+\.js)"', page.text)
    assert scripts, page.text[:500]
    for src in scripts:
        assert not src.startswith("/"), f"absolute asset path would leave the prefix: {src}"
        asset = mlflow_up.fetch("mlflow/" + src)
        assert asset.status == 200, src
        assert len(asset.body) > 1000


def test_mlflow_accepts_the_studio_host_and_origin_but_refuses_other_sites(mlflow_up):
    studio = {"Host": STUDIO_HOST, "Origin": f"https://{STUDIO_HOST}"}
    ok = mlflow_up.fetch(
        "mlflow/api/2.0/mlflow/experiments/search", method="POST", body={"max_results": 5}, headers=studio
    )
    assert ok.status == 200, ok.text
    other = {"Host": STUDIO_HOST, "Origin": "https://attacker.example"}
    refused = mlflow_up.fetch(
        "mlflow/api/2.0/mlflow/experiments/create", method="POST", body={"name": "planted"}, headers=other
    )
    assert refused.status == 403
    assert mlflow_up.fetch("mlflow/api/2.0/mlflow/experiments/get-by-name?experiment_name=planted").status == 404


def test_the_panel_overview_shows_local_mlflow_running_with_a_plain_link(mlflow_up):
    overview = mlflow_up.fetch("sm-teamkit/proxies").json()
    local = overview["mlflow"]
    assert local["installed"] and local["running"]
    assert local["link"] == "mlflow/"
    assert mlflow_up.token not in mlflow_up.fetch("sm-teamkit/proxies").text


def test_the_launcher_offers_mlflow_with_its_icon(proxy_server):
    info = proxy_server.fetch("server-proxy/servers-info").json()
    entry = next(p for p in info["server_processes"] if p["name"] == "mlflow")
    assert entry["launcher_entry"]["enabled"] is True
    assert entry["launcher_entry"]["title"] == "MLflow"
    assert entry["launcher_entry"]["path_info"] == "mlflow/"
    assert entry["launcher_entry"]["icon_url"] == BASE_URL + "server-proxy/icon/mlflow"
    icon = proxy_server.fetch("server-proxy/icon/mlflow")
    assert icon.status == 200 and b"<svg" in icon.body


# --- issue 24: artifacts served through the proxy ---------------------------------------------

REMOTE_CLIENT = """
import hashlib, sys, tempfile
import mlflow
mlflow.set_experiment("artifacts-through-the-proxy")
with mlflow.start_run() as run:
    mlflow.log_artifact(sys.argv[1], artifact_path="data")
local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="data/blob.bin",
                                            dst_path=tempfile.mkdtemp())
print("URI", run.info.artifact_uri)
print("RUN", run.info.run_id, "EXP", run.info.experiment_id)
print("SHA", hashlib.sha256(open(local, "rb").read()).hexdigest())
"""


def test_a_client_elsewhere_logs_and_downloads_a_5_mb_artifact_through_the_proxy(mlflow_up, tmp_path):
    """MLflow's own client with only the proxy's URL and the Jupyter token (sent as Bearer):
    nothing of the server's filesystem is reachable from it but through <base>mlflow/."""
    server = mlflow_up
    blob = tmp_path / "blob.bin"
    blob.write_bytes(os.urandom(5 * 1024 * 1024))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "JUPYTER"))}
    env.update(HOME=str(tmp_path), MLFLOW_TRACKING_URI=f"{server.url}mlflow/", MLFLOW_TRACKING_TOKEN=server.token)
    start = len(server.log_path.read_text(errors="replace"))
    done = subprocess.run(
        [sys.executable, "-c", REMOTE_CLIENT, str(blob)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    uri = re.search(r"URI (\S+)", done.stdout).group(1)
    run_id, experiment = re.search(r"RUN (\w+) EXP (\w+)", done.stdout).groups()
    assert uri.startswith("mlflow-artifacts:/")  # stored by the server, not written by the client
    assert re.search(r"SHA (\w+)", done.stdout).group(1) == hashlib.sha256(blob.read_bytes()).hexdigest()
    stored = (
        server.home / ".sm-teamkit" / "mlflow" / "artifacts" / experiment / run_id / "artifacts" / "data" / "blob.bin"
    )
    assert stored.read_bytes() == blob.read_bytes()
    assert "mlflow-artifacts/artifacts" in server.log_path.read_text(errors="replace")[start:]
    assert server.token not in server.log_path.read_text(errors="replace")[start:]


NOTEBOOK_ARTIFACT = """
import mlflow, os, tempfile
path = os.path.join(tempfile.mkdtemp(), "notes.txt")
open(path, "w").write("from a notebook")
with mlflow.start_run() as run:  # the Default experiment, which the server created
    mlflow.log_artifact(path)
print("EXP", run.info.experiment_id, "URI", run.info.artifact_uri)
"""


def test_a_notebook_logs_artifacts_into_the_default_experiment_the_server_created(mlflow_up):
    """Notebooks log straight to the sqlite store: the Default experiment keeps its artifacts
    in the local folder, which such a client can write (an mlflow-artifacts:/ one it cannot)."""
    output = run_in_kernel(mlflow_up, NOTEBOOK_ARTIFACT)
    experiment, uri = re.search(r"EXP (\w+) URI (\S+)", output).groups()
    assert experiment == "0"
    artifacts = mlflow_up.home / ".sm-teamkit" / "mlflow" / "artifacts"
    assert uri.startswith(str(artifacts / "0"))
    assert (artifacts / "0" / uri.split("/0/", 1)[1] / "notes.txt").read_text() == "from a notebook"
