"""uvicorn's h11 protocol, answering the requests it cannot parse (a malformed request line,
headers over `max_header_bytes`) with the service's JSON error shape instead of plain text."""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class JsonErrorH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        body = json.dumps({"error": {"type": "invalid_http", "message": f"{msg} (request line and headers "
                                     "must be valid HTTP/1.1 within SEGMENTER_MAX_HEADER_BYTES)"}}).encode()
        headers = [(b"content-type", b"application/json"), (b"connection", b"close"),
                   (b"content-length", str(len(body)).encode())]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"), h11.Data(data=body),
                      h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()
