"""`sm-teamkit usage`: the same report as the REST endpoint; a progress line on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

from sm_teamkit.cli.main import main

from .conftest import du


def test_usage_json_is_the_rest_status_with_the_report_of_the_paths(tree, capsys):
    assert main(["usage", str(tree), "--json"]) == 0
    out, err = capsys.readouterr()
    status = json.loads(out)
    assert set(status) >= {"state", "progress", "report", "scanned_at", "age_seconds", "last_error"}
    assert status["report"]["totals"]["apparent_bytes"] == du(tree, "-sb")
    assert err == ""  # not a terminal: no progress line


def test_usage_leaves_the_servers_kept_report_alone(tree, capsys, kept_reports):
    kept_reports.parent.mkdir(parents=True)
    kept_reports.write_text("the server's report")
    assert main(["usage", str(tree), "--json"]) == 0
    assert kept_reports.read_text() == "the server's report"


def test_usage_prints_a_readable_report(tree, capsys):
    assert main(["usage", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "Largest folders:" in out and f"{tree}/data" in out
    assert "Largest files:" in out


def test_usage_shows_a_progress_line_on_a_terminal(big_tree):
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "sm_teamkit.cli", "usage", str(big_tree), "--json"],
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=120,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert b"scanning 1/1" in b"".join(chunks)
    assert json.loads(proc.stdout)["report"]["totals"]["files"] == 30_000


def test_usage_of_a_missing_folder_is_a_clear_error(capsys, tmp_path):
    assert main(["usage", str(tmp_path / "nope")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_usage_loads_neither_aws_nor_the_server_nor_other_services(tree):
    """A scan starts fast: `sm-teamkit usage` imports what scanning needs and nothing else."""
    code = (
        "import sys\nfrom sm_teamkit.cli.main import main\n"
        f"assert main(['usage', {str(tree)!r}, '--json']) == 0\n"
        "sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["report"]["totals"]["files"] > 0
    loaded = set(done.stderr.split())
    heavy = {
        "boto3",
        "botocore",
        "jupyter_server",
        "tornado",
        "yaml",
        "sm_teamkit.kernels.service",
        "sm_teamkit.proxies.service",
        "sm_teamkit.apps.service",
        "sm_teamkit.remote.workspace",
    }
    assert "sm_teamkit.storage.scan" in loaded  # the check sees what was imported
    assert loaded & heavy == set()
