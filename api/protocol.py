"""uvicorn's h11 protocol with the service's rules for the connection itself:

- requests it cannot parse (a malformed request line, a request line plus headers over
  `max_header_bytes`, whether they arrive in pieces or in one write) get the service's JSON error
  shape instead of plain text;
- on shutdown, an idle keep-alive connection stays open while other connections still wait for
  their answers, so that a request sent on it is answered (503 from the draining app, with
  `Connection: close`) instead of being cut off by a TCP reset.
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.flow_control import CLOSE_HEADER
from uvicorn.protocols.http.h11_impl import H11Protocol

DRAIN_POLL_S = 0.1  # how often a draining idle connection looks whether any answer is still awaited


class _BoundedConnection(h11.Connection):
    """h11's connection, refusing a request whose line and headers exceed `max_head_bytes` (h11
    itself bounds only a head that is still incomplete in its buffer)."""

    def __init__(self, max_head_bytes: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_head_bytes)
        self.max_head_bytes = max_head_bytes

    def next_event(self) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
        event = super().next_event()
        if isinstance(event, h11.Request):
            size = len(event.method) + len(event.target) + 11 + sum(len(k) + len(v) + 4 for k, v in event.headers)
            if size > self.max_head_bytes:
                raise h11.RemoteProtocolError(f"request line and headers of {size} bytes, over "
                                              f"{self.max_head_bytes}")
        return event


class JsonErrorH11Protocol(H11Protocol):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.conn = _BoundedConnection(self.config.h11_max_incomplete_event_size or 16 * 1024)  # h11's default
        self.draining = False

    def send_400_response(self, msg: str) -> None:
        body = json.dumps({"error": {"type": "invalid_http", "message": f"{msg} (request line and headers "
                                     "must be valid HTTP/1.1 within SEGMENTER_MAX_HEADER_BYTES)"}}).encode()
        headers = [(b"content-type", b"application/json"), (b"connection", b"close"),
                   (b"content-length", str(len(body)).encode())]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"), h11.Data(data=body),
                      h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()

    def handle_events(self) -> None:
        super().handle_events()
        if self.draining and self.cycle is not None and self.cycle.keep_alive:
            # a request that arrived while draining: answered, then closed; uvicorn says
            # `Connection: close` in the answer when the request carries it
            self.cycle.keep_alive = False
            self.cycle.scope["headers"] = [*self.cycle.scope["headers"], CLOSE_HEADER]

    def shutdown(self) -> None:
        """Called by uvicorn on shutdown (after it stopped accepting connections): a connection in
        the middle of a request closes after its answer; an idle one stays open as long as any
        other connection still waits for an answer."""
        if self.cycle is None or self.cycle.response_complete:
            self.draining = True
            self._close_when_drained()
        else:
            self.cycle.keep_alive = False

    def _busy(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _close_when_drained(self) -> None:
        if self.transport.is_closing():
            return
        if self._busy() or any(c._busy() for c in self.connections if isinstance(c, JsonErrorH11Protocol)):
            self.loop.call_later(DRAIN_POLL_S, self._close_when_drained)
            return
        try:
            self.conn.send(h11.ConnectionClosed())
        except h11.LocalProtocolError:  # h11 in a state where it cannot say so: close all the same
            pass
        self.transport.close()
