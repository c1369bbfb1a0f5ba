"""Kernelspec sync: owned specs for ready environments only; stale owned ones removed;
specs sm_teamkit did not write never touched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager

from sm_teamkit.kernels.discovery import discover
from sm_teamkit.kernels.environment import READY
from sm_teamkit.kernels.kernelspecs import (
    IPYKERNEL_SPEC,
    OWNER_KEY,
    mark_registered,
    sync_kernelspecs,
)
from sm_teamkit.kernels.service import KernelsService

from .test_discovery import fake_env


def specs_in(kernels_dir) -> dict[str, dict]:
    return {p.name: json.loads((p / "kernel.json").read_text()) for p in kernels_dir.iterdir()}


def test_sync_writes_an_owned_kernelspec_for_each_ready_environment_only(pipenv_world, tmp_path):
    kernels = tmp_path / "kernels"
    envs = discover(pipenv_world.settings())
    result = sync_kernelspecs(envs, kernels)
    ready = {e.id: e for e in envs if e.status == READY}
    assert set(result.written) == set(ready) and len(ready) == 2
    specs = specs_in(kernels)
    assert set(specs) == set(ready)
    for name, spec in specs.items():
        env = ready[name]
        assert spec["argv"] == [f"{env.path}/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        assert spec["env"]["VIRTUAL_ENV"] == env.path
        assert spec["env"]["PATH"] == f"{env.path}/bin:${{PATH}}"
        assert spec["display_name"] == env.display_name
        assert spec["metadata"][OWNER_KEY]["env_path"] == env.path
    assert all(e.registered == (e.status == READY) for e in envs)


def test_jupyter_reads_the_written_specs_including_the_awkward_name(pipenv_world, tmp_path):
    kernels = tmp_path / "kernels"
    sync_kernelspecs(discover(pipenv_world.settings()), kernels)
    found = KernelSpecManager(kernel_dirs=[str(kernels)]).get_all_specs()
    displays = {v["spec"]["display_name"] for v in found.values()}
    assert any("pipenv: churn-model" in d for d in displays)
    assert any('Ünïcode "quoted" project\'s env' in d for d in displays)


def test_second_sync_changes_nothing(pipenv_world, tmp_path):
    kernels = tmp_path / "kernels"
    sync_kernelspecs(discover(pipenv_world.settings()), kernels)
    before = {p: p.stat().st_mtime_ns for p in kernels.glob("*/kernel.json")}
    again = sync_kernelspecs(discover(pipenv_world.settings()), kernels)
    assert again.written == [] and again.removed == [] and len(again.unchanged) == 2
    assert {p: p.stat().st_mtime_ns for p in kernels.glob("*/kernel.json")} == before


def test_removes_stale_owned_specs_and_never_touches_foreign_ones(tmp_path):
    workon, kernels = tmp_path / "workon", tmp_path / "kernels"
    env = fake_env(workon / "gone-AAAAAAAA", tmp_path / "gone")
    settings_envs = discover_in(workon)
    sync_kernelspecs(settings_envs, kernels)
    foreign = kernels / "python-team"
    foreign.mkdir()
    (foreign / "kernel.json").write_text(json.dumps({"argv": ["x"], "display_name": "Team", "language": "python"}))
    broken_foreign = kernels / "weird"
    broken_foreign.mkdir()
    (broken_foreign / "kernel.json").write_text("{not json")
    import shutil

    shutil.rmtree(env)
    result = sync_kernelspecs(discover_in(workon), kernels)
    assert result.removed == [settings_envs[0].id]
    assert sorted(p.name for p in kernels.iterdir()) == ["python-team", "weird"]
    assert (broken_foreign / "kernel.json").read_text() == "{not json"


def test_refuses_to_overwrite_a_foreign_spec_that_has_the_same_name(tmp_path):
    workon, kernels = tmp_path / "workon", tmp_path / "kernels"
    fake_env(workon / "proj-AAAAAAAA", tmp_path / "proj")
    envs = discover_in(workon)
    (kernels / envs[0].id).mkdir(parents=True)
    (kernels / envs[0].id / "kernel.json").write_text('{"argv": ["mine"], "display_name": "Mine"}')
    result = sync_kernelspecs(envs, kernels)
    assert result.written == [] and len(result.conflicts) == 1
    assert json.loads((kernels / envs[0].id / "kernel.json").read_text())["argv"] == ["mine"]
    again = discover_in(workon)
    mark_registered(again, kernels)
    assert not again[0].registered and any("not managed by sm_teamkit" in p for p in again[0].problems)


def test_a_dollar_in_the_environment_path_is_escaped_for_jupyter_client(tmp_path):
    workon, kernels = tmp_path / "work$on", tmp_path / "kernels"
    fake_env(workon / "p-AAAAAAAA", tmp_path / "p")
    sync_kernelspecs(discover_in(workon), kernels)
    (spec,) = specs_in(kernels).values()
    assert spec["env"]["VIRTUAL_ENV"] == str(workon / "p-AAAAAAAA").replace("$", "$$")


def test_an_unwritable_kernels_dir_is_reported_not_raised(pipenv_world, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = KernelsService(pipenv_world.settings(kernels_dir=str(blocker / "kernels"))).sync()
    assert result.errors and "Cannot create the kernels folder" in result.errors[0]


def discover_in(workon):
    from sm_teamkit.kernels.settings import KernelsSettings

    return discover(KernelsSettings.from_config(workon_home=str(workon), project_roots=()))


# --- issue 24: what the environment's own ipykernel declares -----------------------------------


def _own_spec(env_path) -> dict:
    return json.loads((Path(env_path) / IPYKERNEL_SPEC / "kernel.json").read_text())


def test_a_kernelspec_carries_what_the_environments_ipykernel_declares(pipenv_world, tmp_path):
    kernels = tmp_path / "kernels"
    envs = [e for e in discover(pipenv_world.settings()) if e.path == str(pipenv_world.ready)]
    sync_kernelspecs(envs, kernels)
    own, spec = _own_spec(pipenv_world.ready), specs_in(kernels)[envs[0].id]
    assert own["metadata"]["supported_encryption"] == ["curve"]  # ipykernel 7.4 here
    assert spec["metadata"] == {**own["metadata"], OWNER_KEY: spec["metadata"][OWNER_KEY]}
    assert spec["kernel_protocol_version"] == own["kernel_protocol_version"]
    assert spec["metadata"][OWNER_KEY]["env_path"] == envs[0].path


def test_an_ipykernel_that_declares_nothing_gets_no_claims_and_no_required_encryption(tmp_path):
    from jupyter_client.manager import KernelManager

    workon, kernels = tmp_path / "workon", tmp_path / "kernels"
    env = fake_env(workon / "old-AAAAAAAA", tmp_path / "old")
    (env / IPYKERNEL_SPEC).mkdir(parents=True)  # what ipykernel 5 installed: no metadata at all
    (env / IPYKERNEL_SPEC / "kernel.json").write_text(
        json.dumps(
            {
                "argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3",
                "language": "python",
            }
        )
    )
    sync_kernelspecs(discover_in(workon), kernels)
    ((name, spec),) = specs_in(kernels).items()
    assert list(spec["metadata"]) == [OWNER_KEY] and "kernel_protocol_version" not in spec
    manager = KernelManager(
        kernel_name=name,
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]),
        transport_encryption="required",
    )
    with pytest.raises(RuntimeError, match="supported_encryption"):
        manager.start_kernel()


def test_a_registered_kernel_starts_with_transport_encryption_required(pipenv_world, tmp_path):
    from jupyter_client.manager import KernelManager

    kernels = tmp_path / "kernels"
    envs = [e for e in discover(pipenv_world.settings()) if e.path == str(pipenv_world.ready)]
    sync_kernelspecs(envs, kernels)
    manager = KernelManager(
        kernel_name=envs[0].id,
        transport_encryption="required",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]),
    )
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        info = manager.get_connection_info()
        assert info.get("curve_publickey") and info.get("curve_secretkey")
        out: list[str] = []
        reply = client.execute_interactive(
            "import sys; print(sys.prefix)", timeout=60, output_hook=lambda m: out.append(m["content"].get("text", ""))
        )
        assert reply["content"]["status"] == "ok" and "".join(out).strip() == envs[0].path
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_a_ready_environment_is_registered_by_the_listing_that_first_calls_it_a_kernel(pipenv_world, tmp_path):
    """The panel's "kernel" badge and the kernelspec (and so the launcher) arrive together."""
    kernels_dir = tmp_path / "kernels"
    service = KernelsService(pipenv_world.settings(kernels_dir=str(kernels_dir), settle_seconds=0))
    listing = service.listing()
    ready = [e for e in listing["environments"] if e["status"] == "ready"]
    assert len(ready) == 2
    for env in ready:
        assert env["registered"], env["id"]
        assert (kernels_dir / env["id"] / "kernel.json").is_file()
