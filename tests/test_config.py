"""The one configuration class: every trait documented, visible in `jupyter server --help-all`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sm_teamkit.config import SmTeamkit


def test_every_setting_has_a_help_sentence():
    traits = SmTeamkit.class_traits(config=True)
    assert len(traits) >= 10
    undocumented = [name for name, trait in traits.items() if len((trait.help or "").strip()) < 20]
    assert undocumented == []


def test_sm_teamkit_config_prints_every_setting_with_its_value_and_help(tmp_path):
    config_dir = tmp_path / "jupyter-config"
    config_dir.mkdir()
    (config_dir / "jupyter_server_config.json").write_text('{"SmTeamkit": {"apps_refresh_seconds": 75}}')
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir)}
    cli = Path(sys.executable).with_name("sm-teamkit")
    out = subprocess.run([str(cli), "config"], capture_output=True, text=True, timeout=60, env=env, check=True).stdout
    for name in SmTeamkit.class_traits(config=True):
        assert f"c.SmTeamkit.{name} = " in out
    assert "c.SmTeamkit.apps_refresh_seconds = 75.0  (default: 30.0)" in out
    rows = json.loads(
        subprocess.run(
            [str(cli), "config", "--json", "apps_refresh_seconds"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=True,
        ).stdout
    )
    assert rows == [
        {"name": "apps_refresh_seconds", "value": 75.0, "default": 30.0, "type": "Float", "help": rows[0]["help"]}
    ]
    assert "refresh" in rows[0]["help"]
    bad = subprocess.run([str(cli), "config", "no_such_setting"], capture_output=True, text=True, timeout=60, env=env)
    assert bad.returncode == 2 and "no setting named no_such_setting" in bad.stderr


def test_output_piped_into_a_reader_that_quits_ends_quietly(tmp_path):
    """`sm-teamkit config --json | head -1`: no BrokenPipeError traceback when the reader is gone."""
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path)}
    cli = Path(sys.executable).with_name("sm-teamkit")
    for argv in (["config"], ["config", "--json"], ["status", "--json"]):
        proc = subprocess.Popen([str(cli), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        proc.stdout.close()  # the reader quits before the first line: every write meets a closed pipe
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 141, (argv, err)
        assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err, argv
    shown = subprocess.run(
        f"'{cli}' config --json | head -1", shell=True, capture_output=True, text=True, timeout=60, env=env
    )
    assert shown.stdout == "[\n" and shown.stderr == ""
