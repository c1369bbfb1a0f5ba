"""Issue 27 item 6: a second `make demo` keeps what the user changed in the demo home (the
seeding runs the way run_demo runs it); `make demo-reset` (--reset) seeds it afresh."""

from __future__ import annotations

import shutil

from sm_studio_emulator.cli import _parser
from sm_studio_emulator.demo import prepare_demo_home


def test_a_second_demo_keeps_the_emptied_trash_and_cache_and_a_reset_seeds_them_again(tmp_path):
    state = tmp_path / ".demo"
    first = prepare_demo_home(state)
    home = state / "home"
    trash, pip_cache = home / ".local/share/Trash/files", home / ".cache/pip"
    assert "seeded" in first and any(trash.iterdir()) and any(pip_cache.rglob("*.bin"))

    shutil.rmtree(trash)  # the user empties the trash and the pip cache in the panel
    trash.mkdir()
    shutil.rmtree(pip_cache)
    pip_cache.mkdir()
    (home / "notebooks" / "mine.ipynb").write_text("{}")

    second = prepare_demo_home(state)
    assert "kept your changes" in second and "make demo-reset" in second
    assert not any(trash.iterdir()) and not any(pip_cache.iterdir())
    assert (home / "notebooks" / "mine.ipynb").exists()

    third = prepare_demo_home(state, reset=True)
    assert "afresh" in third
    assert any(trash.iterdir()) and any(pip_cache.rglob("*.bin"))
    assert not (home / "notebooks" / "mine.ipynb").exists()


def test_the_demo_command_takes_reset_and_the_makefile_has_demo_reset():
    from pathlib import Path

    assert _parser().parse_args(["demo", "--reset"]).reset is True
    assert _parser().parse_args(["demo"]).reset is False
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "demo-reset:" in makefile and "demo --reset" in makefile
