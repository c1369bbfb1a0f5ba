"""A configured Spark History Server is proxied at <base>/sparkhistory/ (and only it): here a
loopback stand-in that answers like one (absolute root redirect, pages under /history/<app>/)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tornado.httpclient import HTTPClientError


class _History(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path == "/":
            self.send_response(302)
            self.send_header("Location", f"http://{self.headers['Host']}/history/app-1/jobs/")
            self.end_headers()
            return
        body = json.dumps({"path": self.path, "context": self.headers.get("X-Forwarded-Context")})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def history_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _History)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def teamkit_config(emulator, demo_metadata_file, history_server):
    return {
        "resource_metadata_path": str(demo_metadata_file),
        "sagemaker_endpoint_url": emulator.url,
        "spark_history_url": f"http://127.0.0.1:{history_server.server_address[1]}",
    }


async def test_the_history_server_root_redirect_stays_under_the_prefix(jp_fetch, jp_base_url):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("sparkhistory", "", follow_redirects=False)
    assert info.value.code == 302
    assert info.value.response.headers["Location"] == jp_base_url + "sparkhistory/history/app-1/jobs/"


async def test_history_pages_are_proxied_with_their_context(jp_fetch, jp_base_url):
    answer = await jp_fetch("sparkhistory", "history", "app-1", "stages", params={"id": "3"})
    seen = json.loads(answer.body)
    assert seen == {"path": "/history/app-1/stages?id=3", "context": jp_base_url + "sparkhistory"}


async def test_the_overview_links_the_history_server(jp_fetch, history_server):
    data = json.loads((await jp_fetch("sm-teamkit", "proxies")).body)
    assert data["spark"]["history"] == {
        "configured": True,
        "link": "sparkhistory/",
        "host": f"127.0.0.1:{history_server.server_address[1]}",
    }
