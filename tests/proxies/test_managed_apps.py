"""Managed MLflow Apps beside tracking servers: listed, opened with a presigned link, and
feature-detected: a botocore whose model lacks them (SageMaker Distribution 2.x/3.x) lists
tracking servers alone, without an error."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import botocore
import pytest

from sm_teamkit.aws import AwsSettings
from sm_teamkit.errors import Conflict, NotFound
from sm_teamkit.proxies.managed import ManagedMlflow


def managed(emulator) -> ManagedMlflow:
    return ManagedMlflow(
        lambda: AwsSettings(region="us-east-1", sagemaker_endpoint_url=emulator.url), refresh_seconds=0
    )


def test_mlflow_apps_are_listed_after_the_tracking_servers(emulator):
    servers = managed(emulator).listing().servers
    kinds = [(s.kind, s.name) for s in servers]
    assert kinds == [
        ("tracking-server", "archive-mlflow"),
        ("tracking-server", "team-mlflow"),
        ("app", "new-mlflow-app"),
        ("app", "team-mlflow-app"),
    ]
    apps = {s.name: s for s in servers if s.kind == "app"}
    assert apps["team-mlflow-app"].can_open and apps["team-mlflow-app"].arn.endswith(":mlflow-app/team-mlflow-app")
    assert not apps["new-mlflow-app"].can_open  # Creating


def test_an_mlflow_app_opens_with_a_presigned_url(emulator, proxy_server):
    answer = proxy_server.fetch("sm-teamkit/proxies/managed/team-mlflow-app/url?kind=app", method="POST", body={})
    assert answer.status == 200, answer.text
    body = answer.json()
    assert body["kind"] == "app" and "authToken=" in body["url"]
    assert emulator.count("CreatePresignedMlflowAppUrl") >= 1
    # Same name as a tracking server kind: not found there.
    missing = proxy_server.fetch("sm-teamkit/proxies/managed/team-mlflow-app/url", method="POST", body={})
    assert missing.status == 404
    bad = proxy_server.fetch("sm-teamkit/proxies/managed/team-mlflow-app/url?kind=nope", method="POST", body={})
    assert bad.status == 400


def test_an_app_not_yet_created_and_an_unknown_app_are_clear_errors(emulator):
    with pytest.raises(Conflict):
        managed(emulator).presigned_url("new-mlflow-app", kind="app")
    with pytest.raises(NotFound):
        managed(emulator).presigned_url("no-such-app", kind="app")


@pytest.fixture
def old_botocore(tmp_path, monkeypatch):
    """botocore's own SageMaker model without the MLflow App operations, found first through
    AWS_DATA_PATH: what boto3 1.37 / 1.40 (SMD 3.9 / 2.14) knows."""
    source = Path(botocore.__file__).parent / "data" / "sagemaker" / "2017-07-24" / "service-2.json.gz"
    model = json.loads(gzip.decompress(source.read_bytes()))
    for op in [o for o in model["operations"] if "MlflowApp" in o]:
        del model["operations"][op]
    target = tmp_path / "sagemaker" / "2017-07-24"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))


def test_an_older_botocore_lists_tracking_servers_only_and_no_error(emulator, old_botocore):
    before = emulator.count("ListMlflowApps")
    listing = managed(emulator).listing()
    assert listing.error is None
    assert {s.kind for s in listing.servers} == {"tracking-server"}
    assert {s.name for s in listing.servers} == {"team-mlflow", "archive-mlflow"}
    assert emulator.count("ListMlflowApps") == before
    with pytest.raises(NotFound) as info:
        managed(emulator).presigned_url("team-mlflow-app", kind="app")
    assert "Upgrade boto3" in info.value.hint
