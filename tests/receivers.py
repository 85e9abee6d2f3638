"""A real local HTTP server that records what it receives, for webhook tests."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # Answer this many requests with 503 before accepting: a receiver that is down for a while.
    fail_first: int = 0
    calls: int = 0


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.receiver.calls += 1
        if self.receiver.calls <= self.receiver.fail_first:
            self.send_response(503)
            self.end_headers()
            return
        self.receiver.received.append(Received(headers=dict(self.headers), body=body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks")
    server.RequestHandlerClass = type("Handler", (_Handler,), {"receiver": receiver})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
