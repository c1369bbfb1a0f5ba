"""This app's GPUs through a stand-in ``nvidia-smi`` on PATH that replays recorded samples:
the parser on the exact CSV nvidia-smi prints, how long the GPUs have been idle, the one
notification after the threshold on a billed GPU instance, none on a CPU instance, none after
dismissal, and the apps answer's row.

NVIDIA's documented query format (``nvidia-smi --help-query-gpu``): ``--query-gpu=`` takes
a comma-separated list of properties and ``--format=csv,noheader,nounits`` prints one line per
GPU, the values in the order asked, separated by ", ", without units or header. The fields used:
"index: Zero based index of the GPU. Can change at each boot.", "utilization.gpu: Percent of
time over the past sample period during which one or more kernels was executing on the GPU.",
"memory.used: Total memory allocated by active contexts." and "memory.total: Total installed
GPU memory." (MiB). A value the device cannot report is printed as ``[N/A]`` or
``[Not Supported]``."""

from __future__ import annotations

import json
import os
import stat
import sys
import time

import pytest

from sm_teamkit.apps.gpu import GpuSample, GpuSampler, GpuSettings, cpu_alternative, parse_query

from ..waiting import eventually_async

# Recorded from a 4-GPU ml.g5.12xlarge (A10G, 23028 MiB each): a training step, then idle
# with the model still held in memory.
BUSY = "0, 97, 20480, 23028\n1, 96, 20480, 23028\n2, 95, 20478, 23028\n3, 98, 20480, 23028\n"
IDLE = "0, 0, 20480, 23028\n1, 0, 20480, 23028\n2, 1, 20478, 23028\n3, 0, 20480, 23028\n"
MIG = "0, [N/A], 4864, 9856\n"


@pytest.fixture
def nvidia_smi(tmp_path, monkeypatch):
    """Put a stand-in nvidia-smi first on PATH; ``replay(*samples)`` sets what its successive
    calls print (the last one repeats). It refuses any other query, as a typo would fail."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    samples = tmp_path / "samples.json"
    script = bin_dir / "nvidia-smi"
    script.write_text(
        f"""#!{sys.executable}
import json, sys
expected = ["--query-gpu=index,utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"]
if sys.argv[1:] != expected:
    print("Invalid combination of input arguments.", file=sys.stderr)
    sys.exit(2)
state = json.load(open({str(samples)!r}))
i = min(state["next"], len(state["samples"]) - 1)
state["next"] += 1
json.dump(state, open({str(samples)!r}, "w"))
sys.stdout.write(state["samples"][i])
"""
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    def replay(*texts: str) -> None:
        samples.write_text(json.dumps({"next": 0, "samples": list(texts)}))

    replay(IDLE)
    return replay


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def sampler(clock: Clock, idle_minutes: float = 60.0) -> GpuSampler:
    return GpuSampler(GpuSettings.from_config(idle_minutes=idle_minutes, sample_seconds=30.0), clock=clock)


def test_the_parser_reads_the_csv_nvidia_smi_prints():
    assert parse_query(BUSY)[1] == GpuSample(1, 96.0, 20480.0, 23028.0)
    assert len(parse_query(IDLE)) == 4
    assert parse_query(MIG) == [GpuSample(0, None, 4864.0, 9856.0)]
    assert parse_query("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n") == []


def test_idle_minutes_count_from_the_first_sample_where_every_gpu_is_idle(nvidia_smi):
    clock = Clock()
    gpus = sampler(clock)
    nvidia_smi(BUSY, IDLE, IDLE, IDLE, BUSY, IDLE)
    assert len(gpus.sample()) == 4
    assert gpus.idle_seconds() == 0  # training
    for _ in range(3):
        clock.now += 600
        gpus.sample()
    assert gpus.idle_seconds() == 1200  # idle since the second sample, 20 min ago
    clock.now += 600
    gpus.sample()  # a training step again
    assert gpus.idle_seconds() == 0
    assert gpus.report()["gpus"][0] == {
        "index": 0,
        "utilization_percent": 97.0,
        "memory_used_mib": 20480.0,
        "memory_total_mib": 23028.0,
    }


def test_one_notification_after_the_threshold_on_a_billed_gpu_instance(nvidia_smi):
    clock = Clock()
    gpus = sampler(clock, idle_minutes=60)
    for _ in range(6):  # 0, 10, ..., 50 min: not yet
        gpus.sample()
        assert gpus.report("ml.g5.12xlarge", 7.09)["nudge"] is None
        clock.now += 600
    gpus.sample()  # 60 min of idle GPUs
    nudge = gpus.report("ml.g5.12xlarge", 7.09)["nudge"]
    assert nudge == {
        "instance_type": "ml.g5.12xlarge",
        "hourly_usd": 7.09,
        "idle_minutes": 60,
        "cpu_instance_type": "ml.m5.12xlarge",
    }
    # None on a CPU instance (a GPU that nvidia-smi sees there is not what is billed).
    assert gpus.report("ml.m5.xlarge", 0.23)["nudge"] is None
    # None after dismissal, for the rest of this server's run.
    assert gpus.dismiss()["dismissed"] is True
    clock.now += 3600
    gpus.sample()
    assert gpus.report("ml.g5.12xlarge", 7.09)["nudge"] is None


def test_an_unknown_utilisation_is_never_taken_for_idle(nvidia_smi):
    clock = Clock()
    gpus = sampler(clock, idle_minutes=1)
    nvidia_smi(MIG)
    for _ in range(3):
        gpus.sample()
        clock.now += 120
    assert gpus.idle_seconds() == 0
    assert gpus.report("ml.p4d.24xlarge", 37.7)["nudge"] is None


def test_without_nvidia_smi_nothing_is_sampled(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    gpus = sampler(Clock())
    assert gpus.sample() is None
    assert gpus.report()["available"] is False


def test_the_cpu_alternative_keeps_the_size():
    assert cpu_alternative("ml.g5.2xlarge") == "ml.m5.2xlarge"
    assert cpu_alternative("ml.g4dn.xlarge") == "ml.m5.xlarge"
    assert cpu_alternative("ml.p4d.24xlarge") == "ml.m5.24xlarge"
    assert cpu_alternative("ml.g6e.48xlarge") == "ml.m5.xlarge"  # no such m5: a safe default


@pytest.fixture
def teamkit_config(teamkit_config, nvidia_smi):
    teamkit_config.update({"gpu_sample_seconds": 0.5, "gpu_idle_minutes": 0.001})
    return teamkit_config


@pytest.fixture
def jp_fetch(jp_fetch, jp_serverapp):
    """The server's sampler thread ends with the test (jupyter_server 2 never calls
    _unload_jupyter_server_extension, so nothing else would stop it)."""
    yield jp_fetch
    jp_serverapp.web_app.settings["sm_teamkit"].gpu.close()


async def test_this_apps_row_in_the_apps_answer_shows_its_gpus(jp_fetch):
    async def report() -> dict:
        return json.loads((await jp_fetch("sm-teamkit", "apps")).body)

    answer = await eventually_async(report, 60, "a GPU sample in the apps answer", until=lambda r: "gpu" in r)
    here = next(a for a in answer["apps"] if a["this_app"])
    assert [g["utilization_percent"] for g in here["gpu"]["gpus"]] == [0.0, 0.0, 1.0, 0.0]
    assert here["gpu"]["gpus"][0]["memory_total_mib"] == 23028.0
    if here["instance_type"].startswith(("ml.g", "ml.p")):
        pytest.fail(f"the demo's app is expected on a CPU type, not {here['instance_type']}")
    assert answer["gpu"]["nudge"] is None  # idle past the threshold, but not a billed GPU type
    dismissed = json.loads((await jp_fetch("sm-teamkit", "gpu", "dismiss", method="POST", body="")).body)
    assert dismissed == {"dismissed": True, "runtime": answer["gpu"]["runtime"]}


@pytest.fixture
def own_emulator(make_emulator, teamkit_config):
    """A demo emulator of this test's own: the switch stops the demo's app."""
    emu = make_emulator()
    teamkit_config["sagemaker_endpoint_url"] = emu.url
    return emu


async def test_switch_sets_the_spaces_cpu_type_and_stops_this_app(own_emulator, jp_fetch):
    import boto3

    from ..conftest import DEMO_DOMAIN, DEMO_SPACE

    answer = json.loads(
        (
            await jp_fetch(
                "sm-teamkit", "gpu", "switch", method="POST", body=json.dumps({"instance_type": "ml.m5.xlarge"})
            )
        ).body
    )
    assert answer["stopped"] is True and answer["this_app"] is True and answer["space_updated"] is True
    sm = boto3.client("sagemaker", endpoint_url=own_emulator.url, region_name="us-east-1")
    space = sm.describe_space(DomainId=DEMO_DOMAIN, SpaceName=DEMO_SPACE)
    assert space["SpaceSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"]["InstanceType"] == "ml.m5.xlarge"
    app = sm.describe_app(DomainId=DEMO_DOMAIN, SpaceName=DEMO_SPACE, AppType="JupyterLab", AppName="default")
    assert app["Status"] in {"Deleting", "Deleted"}


async def test_switch_refuses_a_gpu_type(own_emulator, jp_fetch):
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sm-teamkit", "gpu", "switch", method="POST", body=json.dumps({"instance_type": "ml.g5.xlarge"}))
    assert info.value.code == 400


def test_gpu_minutes_published_to_cloudwatch_give_the_idle_share_of_the_day(nvidia_smi, moto_endpoint):
    """Against moto: the sampler's minutes under the storage dimensions, and the share read back."""
    import boto3

    from sm_teamkit.apps.gpu import NAMESPACE, gpu_idle_share, publish_gpu_minutes
    from sm_teamkit.studio.identity import Identity

    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    me = Identity(mode="studio", flavor="studio", domain_id="d-gpu", user_profile_name="alice", space_name="alice-gpu")
    clock = Clock()
    clock.now = time.time() - 3 * 3600
    published = []
    gpus = GpuSampler(
        GpuSettings.from_config(idle_minutes=60.0, sample_seconds=600.0, publish_metrics=True),
        clock=clock,
        publish=lambda *point: (published.append(point), publish_gpu_minutes(cloudwatch, me, *point)),
    )
    # Samples every 10 min for 2 h 30 min: busy up to the third, idle from the fourth (at 30 min) on.
    nvidia_smi(BUSY, BUSY, BUSY, *[IDLE] * 13)
    for _ in range(16):
        gpus.sample()
        clock.now += 600
    assert gpus.flush() is True
    assert published == [(120.0, 150.0, clock.now)]
    metric = cloudwatch.list_metrics(Namespace=NAMESPACE, MetricName="GpuIdleMinutes")["Metrics"][0]
    assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == {
        "DomainId": "d-gpu",
        "UserProfileName": "alice",
        "SpaceName": "alice-gpu",
    }
    assert gpu_idle_share(cloudwatch, "d-gpu") == {("alice", "alice-gpu"): 80}
    assert gpus.flush() is False  # nothing new to publish
