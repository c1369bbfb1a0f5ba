"""Issue 27 item 6: a second `make demo` keeps what the user changed in the demo home (the
seeding runs the way run_demo runs it) and in Studio (apps stopped: the emulator's state is
kept in the demo's folder); `make demo-reset` (--reset) starts over."""

from __future__ import annotations

import re
import shutil

from sm_studio_emulator.cli import _parser
from sm_studio_emulator.demo import DEMO_SPACE, prepare_demo_home, start_demo_world


def test_a_second_demo_keeps_the_emptied_trash_and_cache_and_a_reset_seeds_them_again(tmp_path):
    state = tmp_path / ".demo"
    first = prepare_demo_home(state)
    home = state / "home"
    trash, pip_cache = home / ".local/share/Trash/files", home / ".cache/pip"
    assert first == "Demo: fresh state" and any(trash.iterdir()) and any(pip_cache.rglob("*.bin"))

    shutil.rmtree(trash)  # the user empties the trash and the pip cache in the panel
    trash.mkdir()
    shutil.rmtree(pip_cache)
    pip_cache.mkdir()
    (home / "notebooks" / "mine.ipynb").write_text("{}")

    second = prepare_demo_home(state)
    assert re.fullmatch(
        r"Demo: keeping your state from \d{4}-\d\d-\d\d \d\d:\d\d UTC \(make demo-reset to start over\)", second
    )
    assert not any(trash.iterdir()) and not any(pip_cache.iterdir())
    assert (home / "notebooks" / "mine.ipynb").exists()

    third = prepare_demo_home(state, reset=True)
    assert third == "Demo: fresh state"
    assert any(trash.iterdir()) and any(pip_cache.rglob("*.bin"))
    assert not (home / "notebooks" / "mine.ipynb").exists()


def test_the_demo_command_takes_reset_and_the_makefile_has_demo_reset():
    from pathlib import Path

    assert _parser().parse_args(["demo", "--reset"]).reset is True
    assert _parser().parse_args(["demo"]).reset is False
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "demo-reset:" in makefile and "demo --reset" in makefile


def _demo_apps(emu, aws) -> dict[str, str]:
    """The demo user's apps in their JupyterLab space: {type/name: status}."""
    sm = aws(emu, "sagemaker")
    domain = next(iter(emu.state.domains))
    apps = sm.list_apps(DomainIdEquals=domain, SpaceNameEquals=DEMO_SPACE)["Apps"]
    return {f"{a['AppType']}/{a['AppName']}": a["Status"] for a in apps}


def test_a_second_demo_start_keeps_the_stopped_app_and_the_emptied_trash_and_a_reset_brings_them_back(tmp_path, aws):
    state = tmp_path / ".demo"
    trash = state / "home" / ".local/share/Trash/files"

    emu, line = start_demo_world(state)  # the first `make demo`, without JupyterLab
    try:
        assert line == "Demo: fresh state"
        assert _demo_apps(emu, aws)["JupyterLab/default"] == "InService"
        sm = aws(emu, "sagemaker")
        domain = next(iter(emu.state.domains))
        sm.delete_app(DomainId=domain, SpaceName=DEMO_SPACE, AppType="JupyterLab", AppName="default")
        shutil.rmtree(trash)  # and the user empties the trash
        trash.mkdir()
    finally:
        emu.stop()

    emu, line = start_demo_world(state)  # the second `make demo`
    try:
        assert line.startswith("Demo: keeping your state from ") and "make demo-reset" in line
        assert _demo_apps(emu, aws)["JupyterLab/default"] in ("Deleting", "Deleted")
        assert not any(trash.iterdir())
    finally:
        emu.stop()

    emu, line = start_demo_world(state, reset=True)  # `make demo-reset`
    try:
        assert line == "Demo: fresh state"
        assert _demo_apps(emu, aws)["JupyterLab/default"] == "InService"
        assert any(trash.iterdir())
    finally:
        emu.stop()
