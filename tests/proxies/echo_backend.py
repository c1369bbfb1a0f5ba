"""A loopback backend that answers every request with what it received: HTTP requests get
``{"method", "uri", "headers": [[name, value], ...]}``; a websocket at a path ending in ``/ws``
sends the same for its handshake, then echoes messages. It exits when its parent does (a Jupyter
server started it and did not stop it). Usage: python echo_backend.py PORT"""

from __future__ import annotations

import asyncio
import json
import os
import sys

from tornado import web, websocket


def seen(request) -> str:
    return json.dumps(
        {"method": request.method, "uri": request.uri, "headers": [[k, v] for k, v in request.headers.get_all()]}
    )


class Echo(web.RequestHandler):
    def check_xsrf_cookie(self):
        pass

    def _echo(self, *args):
        self.set_header("Content-Type", "application/json")
        self.finish(seen(self.request))

    get = post = put = delete = patch = options = _echo


class WebSocketEcho(websocket.WebSocketHandler):
    def check_origin(self, origin):
        return True

    def open(self, *args):
        self.write_message(seen(self.request))

    def on_message(self, message):
        self.write_message(message)


async def main(port: int) -> None:
    parent = os.getppid()
    app = web.Application([(r".*/ws", WebSocketEcho), (r".*", Echo)])
    app.listen(port, address="127.0.0.1")
    print("LISTENING", port, flush=True)
    while os.getppid() == parent:
        await asyncio.sleep(0.5)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
