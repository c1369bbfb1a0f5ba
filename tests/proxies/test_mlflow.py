"""Real MLflow behind the Jupyter server: started on first visit, reached only with the
user's Jupyter login, logging from notebooks to the same store."""

from __future__ import annotations

import re

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

    experiment = server.fetch(
        "mlflow/api/2.0/mlflow/experiments/get-by-name?experiment_name=sm-teamkit-proxy-test"
    )
    assert experiment.status == 200, experiment.text
    experiment_id = experiment.json()["experiment"]["experiment_id"]
    found = server.fetch("mlflow/api/2.0/mlflow/runs/search", method="POST",
                         body={"experiment_ids": [experiment_id]})
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
    ok = mlflow_up.fetch("mlflow/api/2.0/mlflow/experiments/search", method="POST",
                         body={"max_results": 5}, headers=studio)
    assert ok.status == 200, ok.text
    other = {"Host": STUDIO_HOST, "Origin": "https://attacker.example"}
    refused = mlflow_up.fetch("mlflow/api/2.0/mlflow/experiments/create", method="POST",
                              body={"name": "planted"}, headers=other)
    assert refused.status == 403
    assert mlflow_up.fetch(
        "mlflow/api/2.0/mlflow/experiments/get-by-name?experiment_name=planted"
    ).status == 404


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
