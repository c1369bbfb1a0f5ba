"""uv and conda environments through a real Jupyter server: found from their files,
labelled by tool, registered, and a kernel started through the REST API runs inside each
(``sys.prefix`` is the environment's path). The pipenv counterpart is in test_kernels_routes."""

from __future__ import annotations

import pytest

from sm_teamkit.kernels.environment import kernel_name

from .test_kernels_routes import get_json, kernelspecs_with, run_in_kernel

pytestmark = pytest.mark.usefixtures("kernels_service")


@pytest.fixture
def teamkit_config(teamkit_config, kinds_world) -> dict:
    return {
        **teamkit_config,
        "kernels_workon_home": str(kinds_world.root / "no-workon"),
        "kernels_project_roots": [str(kinds_world.projects)],
        "kernels_conda_envs_dirs": [str(kinds_world.conda_dirs)],
        "kernels_watch_seconds": 0.5,
    }


async def test_uv_and_conda_environments_are_listed_with_their_tool_python_and_folder(jp_fetch, kinds_world):
    listing = await get_json(jp_fetch, "sm-teamkit", "kernels")
    by_path = {e["path"]: e for e in listing["environments"]}
    uv, conda = by_path[str(kinds_world.uv_env)], by_path[str(kinds_world.conda_env)]
    assert uv["tool"] == "uv" and uv["status"] == "ready" and uv["project_name"] == "uv-forecast"
    assert uv["display_name"].endswith("(uv: uv-forecast)") and uv["python_version"].startswith("3.11")
    assert conda["tool"] == "conda" and conda["status"] == "ready" and conda["source"] == "conda"
    assert conda["display_name"] == "Python 3.12 (conda: geo-tools)" and conda["id"].startswith("conda-geo-tools-")
    assert listing["conda_envs_dirs"] == [str(kinds_world.conda_dirs)]


@pytest.mark.parametrize("kind", ["uv", "conda"])
async def test_a_kernel_started_through_the_rest_api_runs_inside_the_environment(
    jp_fetch, jp_ws_fetch, kinds_world, kind
):
    if kind == "uv":
        path, name = kinds_world.uv_env, kernel_name(str(kinds_world.uv_env), "uv-forecast")
    else:
        path, name = kinds_world.conda_env, kernel_name(str(kinds_world.conda_env), "geo-tools", "conda")
    await kernelspecs_with(jp_fetch, {name})
    spec = (await get_json(jp_fetch, "api", "kernelspecs"))["kernelspecs"][name]["spec"]
    meta = spec["metadata"]["sm_teamkit"]
    assert meta["tool"] == kind and meta["env_path"] == str(path) and meta["python_version"]
    out = await run_in_kernel(jp_fetch, jp_ws_fetch, name, "import sys; print(sys.prefix)")
    assert out.strip() == str(path)
