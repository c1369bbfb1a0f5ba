"""The one configuration class: every trait documented, visible in `jupyter server --help-all`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sm_teamkit.config import SmTeamkit


def test_every_setting_has_a_help_sentence():
    traits = SmTeamkit.class_traits(config=True)
    assert len(traits) >= 10
    undocumented = [name for name, trait in traits.items() if len((trait.help or "").strip()) < 20]
    assert undocumented == []


def test_jupyter_server_help_all_lists_every_setting():
    jupyter_server = Path(sys.executable).with_name("jupyter-server")
    out = subprocess.run([str(jupyter_server), "--help-all"], capture_output=True, text=True, timeout=120).stdout
    assert "SmTeamkit(Configurable) options" in out
    for name in SmTeamkit.class_traits(config=True):
        assert f"--SmTeamkit.{name}=" in out
