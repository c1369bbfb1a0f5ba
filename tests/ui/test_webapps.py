"""The panel's "Web apps" in real Chromium (issue 24): Streamlit and TensorBoard, the real
packages, started by the user as the panel says, show in the panel's first refresh after they
listen and render through their links, every request under the proxy prefix."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sm_teamkit.proxies.spark import listening_sockets

from ..waiting import eventually
from .conftest import DOCS, open_panel, screenshot
from .test_proxies import watch_requests

BIN = Path(sys.executable).parent
STREAMLIT_APP = """
import streamlit as st
st.title("Churn dashboard")
st.write("Customers scored this week: 1234")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_scalars(logdir: Path) -> None:
    """A run with a ``loss`` scalar, written with TensorBoard's own event writer (no TensorFlow)."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(str(logdir / "run-1"))
    for step in range(20):
        value = Summary.Value(tag="loss", simple_value=1.0 / (step + 1))
        writer.add_event(Event(step=step, wall_time=time.time(), summary=Summary(value=[value])))
    writer.close()


class App:
    """A user's app in a session of its own, ended by its process group id."""

    def __init__(self, argv: list[str], workdir: Path, port: int, env: dict | None = None):
        self.port = port
        self.log_path = workdir / f"app-{port}.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            argv,
            cwd=workdir,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )

    def wait_listening(self, timeout: float = 120) -> App:
        eventually(
            lambda: self.port in {s.port for s in listening_sockets() or []},
            timeout,
            f"{self.log_path.name} to listen",
            interval=0.2,
            process=self.process,
            details=lambda: self.log_path.read_text(errors="replace")[-3000:],
        )
        return self

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group this test started (TensorBoard's data server)
        self.process.wait(timeout=30)
        self._log.close()


@pytest.fixture
def apps_workdir(tmp_path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path


def test_streamlit_and_tensorboard_show_in_the_panel_and_open_through_their_links(page, lab, apps_workdir):
    panel = open_panel(page)
    section = panel.locator('[data-section="webapps"]')
    section.locator("summary", has_text="Starting an app").click(timeout=60_000)
    flag = section.locator('[data-webapp-start="Streamlit"] code').inner_text()
    option, path = flag.split(" ", 1)
    assert option == "--server.baseUrlPath" and path.endswith("/proxy/absolute/<port>")

    s_port, t_port = free_port(), free_port()
    app = apps_workdir / "app.py"
    app.write_text(STREAMLIT_APP)
    logdir = apps_workdir / "logs"
    write_scalars(logdir)
    quiet = {"HOME": str(apps_workdir / "home"), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    streamlit = App(
        [str(BIN / "streamlit"), "run", str(app), "--server.port", str(s_port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.baseUrlPath", path.replace("<port>", str(s_port))],
        apps_workdir, s_port, quiet,
    )  # fmt: skip
    tensorboard = App(
        [str(BIN / "tensorboard"), "--host", "127.0.0.1", "--port", str(t_port), "--logdir", str(logdir)],
        apps_workdir, t_port, quiet,
    )  # fmt: skip
    try:
        streamlit.wait_listening()
        tensorboard.wait_listening()
        # The panel's next refresh (showing it again refreshes at once) lists both.
        page.reload()
        page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
        with page.expect_response(lambda r: urlsplit(r.url).path.endswith("/sm-teamkit/proxies")) as first:
            panel = open_panel(page)
        listed = {a["port"]: a for a in first.value.json()["webapps"]["apps"]}
        assert listed[s_port]["app"] == "Streamlit" and not listed[s_port]["flag_missing"], listed.get(s_port)
        assert listed[t_port]["app"] == "TensorBoard", listed.get(t_port)
        assert listed[s_port]["pid"] == streamlit.process.pid and listed[t_port]["pid"] == tensorboard.process.pid
        assert lab.port not in listed  # Jupyter itself
        # nor TensorBoard's own data server (its child, on a loopback port of its own)
        children = Path(f"/proc/{tensorboard.process.pid}/task/{tensorboard.process.pid}/children").read_text().split()
        assert not {int(c) for c in children} & {a["pid"] for a in listed.values()}, listed

        section = panel.locator('[data-section="webapps"]')
        s_row, t_row = (section.locator(f'[data-webapp-port="{p}"]') for p in (s_port, t_port))
        s_row.wait_for(timeout=30_000)
        assert "Streamlit" in s_row.inner_text() and "streamlit run" in s_row.inner_text()
        assert "TensorBoard" in t_row.inner_text()
        assert s_row.locator("code").inner_text() == f"{option} {path.replace('<port>', str(s_port))}"
        screenshot(section, "panel-webapps.png")

        seen = watch_requests(page, lab.url.rstrip("/"))
        s_link = s_row.locator("a.jp-smtk-proxy-open")
        assert s_link.get_attribute("href") == f"{lab.url}proxy/absolute/{s_port}/"
        with page.context.expect_page(timeout=60_000) as popup:
            s_link.click()
        tab = popup.value
        tab.set_viewport_size({"width": 1200, "height": 700})
        tab.get_by_text("Churn dashboard").first.wait_for(timeout=90_000)  # drawn over its websocket
        tab.get_by_text("Customers scored this week: 1234").first.wait_for(timeout=30_000)
        tab.screenshot(path=str(DOCS / "webapp-streamlit.png"))
        tab.close()

        t_link = t_row.locator("a.jp-smtk-proxy-open")
        assert t_link.get_attribute("href") == f"{lab.url}proxy/{t_port}/"
        with page.context.expect_page(timeout=60_000) as popup:
            t_link.click()
        tab = popup.value
        tab.set_viewport_size({"width": 1200, "height": 700})
        tab.get_by_text("loss").first.wait_for(timeout=90_000)  # the scalar's card
        scalars = f"/proxy/{t_port}/experiment/defaultExperimentId/data/plugin/timeseries/timeSeries"
        for _ in range(180):  # its points, from TensorBoard's data API through the proxy
            if (scalars, 200) in seen:
                break
            tab.wait_for_timeout(500)  # Playwright delivers the responses meanwhile
        tab.wait_for_timeout(1000)  # the chart drawn, for the screenshot
        tab.screenshot(path=str(DOCS / "webapp-tensorboard.png"))
        tab.close()

        paths = [p for p, _ in seen]
        prefixes = (f"/proxy/absolute/{s_port}/", f"/proxy/{t_port}/")
        # TensorBoard's stylesheet names its Roboto fonts from the site root (/font-roboto/...):
        # they miss (404, the page falls back to another font); nothing else leaves the prefix.
        outside = [p for p in paths if not p.startswith(prefixes)]
        assert all(p.startswith("/font-roboto/") and p.endswith(".woff2") for p in outside), outside
        assert (scalars, 200) in seen, seen
        assert [(p, s) for p, s in seen if s >= 500] == []
    finally:
        streamlit.stop()
        tensorboard.stop()
