"""Stand-in for a proxied UI whose package is not installed: every path answers 503 with a
short page saying what to install. Binds 127.0.0.1 only. ``python -m sm_teamkit.proxies.missing``"""

from __future__ import annotations

import argparse
import html
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(hint: str) -> type[BaseHTTPRequestHandler]:
    body = (
        "<!doctype html><meta charset='utf-8'><title>Not installed</title>"
        "<body style='font-family: sans-serif; margin: 2em'>"
        f"<h2>This UI is not installed on this server</h2><p>{html.escape(hint)}</p></body>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server naming)
            self.send_response(503)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_HEAD = do_GET

        def log_message(self, format, *args):  # quiet: the Jupyter log is not for this
            pass

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hint", default="")
    args = parser.parse_args(argv)
    ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.hint)).serve_forever()


if __name__ == "__main__":
    main()
