"""The service under clients that leave, floods, slow or broken requests, and SIGTERM with a
backlog: a real server subprocess (`segmenter serve`), raw sockets where a client misbehaves.
Cross-cutting: about the service as a whole, not one module."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from tests.api.test_server import free_port, http

BIG_TEXT = "中华人民共和国成立以来，我们在经济建设和社会发展方面取得了巨大的成就。" * 28  # ~1,000 characters


LOGS: dict[int, IO[bytes]] = {}  # each server's log file, by process id


def start(**env: str) -> tuple[subprocess.Popen[bytes], str]:
    """A `segmenter serve` subprocess, ready; its log goes to a file (a pipe nobody reads fills up
    after a few hundred requests and then blocks the server's event loop on its next log line)."""
    port = free_port()
    exe = Path(sys.executable).parent / "segmenter"
    full = dict(os.environ, SEGMENTER_HOST="127.0.0.1", SEGMENTER_PORT=str(port), **env)
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([str(exe), "serve"], env=full, stdout=log, stderr=subprocess.STDOUT)
    LOGS[proc.pid] = log
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if http("GET", base + "/readyz", timeout=2)[0] == 200:
                return proc, base
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"server did not become ready: {stop(proc)[-2000:]}")


def stop(proc: subprocess.Popen[bytes]) -> str:
    """Stop the server (SIGTERM first: uvicorn's parent then stops its workers, which share the
    output pipe) and return its log."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)
    log = LOGS.pop(proc.pid)
    log.seek(0)
    return log.read().decode()


def raw(base: str, data: bytes, *, read: bool = True, timeout: float = 30) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(data)
        if not read:
            return b""
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:  # the server refused and closed the connection
                chunks.append(b"RESET")
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)


def read_response(s: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length from the socket `s` (left open)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        body += s.recv(65536)
    return int(lines[0].split()[1]), headers, body


def post_bytes(body: dict) -> bytes:
    data = json.dumps(body).encode()
    return (b"POST /v1/segment HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)


def chars_done(base: str) -> float:
    text = urllib_get(base + "/metrics")
    return sum(float(v) for v in re.findall(r'^segmenter_chars_total\{[^}]*kind="segment"[^}]*\} (\S+)', text, re.M))


def urllib_get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


@pytest.fixture(scope="module")
def server():
    proc, base = start(SEGMENTER_MAX_BATCH_CHARS="4000", SEGMENTER_BODY_TIMEOUT_S="2",
                       SEGMENTER_REQUEST_TIMEOUT_S="20")
    yield base
    stop(proc)


def test_abandoned_requests_are_not_computed_and_do_not_delay_others(server):
    base = server
    before = chars_done(base)
    body = post_bytes({"texts": [BIG_TEXT] * 20})  # ~20k characters each
    for _ in range(20):  # ~400k characters, each socket closed right after sending
        raw(base, body, read=False)
    time.sleep(0.3)
    t0 = time.monotonic()
    status, answer = http("POST", base + "/v1/segment", {"text": "我爱北京"})
    waited = time.monotonic() - t0
    assert status == 200 and "".join(t["text"] for t in answer["results"][0]["tokens"]) == "我爱北京"
    assert waited < 3.0, f"a 4-character request waited {waited:.1f} s behind abandoned work"
    time.sleep(2.0)
    assert chars_done(base) - before < 200_000  # most of the 400k abandoned characters never ran


def test_a_short_request_is_not_held_behind_a_huge_one(server):
    base = server
    out = {}
    huge = threading.Thread(target=lambda: out.update(huge=http("POST", base + "/v1/segment",
                                                                {"texts": [BIG_TEXT] * 95}, timeout=120)))
    huge.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    status, _ = http("POST", base + "/v1/segment", {"text": "今天天气很好"})
    waited = time.monotonic() - t0
    huge.join()
    assert status == 200 and out["huge"][0] == 200 and len(out["huge"][1]["results"]) == 95
    assert waited < 2.0, f"a short request waited {waited:.1f} s behind a 95k-character one"


def test_a_body_shorter_than_its_content_length_times_out_with_json(server):
    t0 = time.monotonic()
    answer = raw(server, b"POST /v1/segment HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{\"text\": \"ab", timeout=15)
    assert time.monotonic() - t0 < 10
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert json.loads(body)["error"]["type"] == "body_timeout"


def test_oversized_headers_are_refused(server):
    try:
        answer = raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
                     timeout=10)
    except (ConnectionResetError, BrokenPipeError):  # refused while the header was still being sent
        answer = b"RESET"
    assert answer.endswith(b"RESET") or answer.split(b" ", 2)[1] in (b"400", b"431"), answer[:80]
    assert http("GET", server + "/healthz")[0] == 200  # and the server is fine


def test_headers_over_the_limit_in_one_write_are_a_json_400(server):
    for size in (66_000, 100_000):  # over 64 KiB, but complete: h11 alone lets them through
        answer = raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * size + b"\r\n\r\n", timeout=10)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), answer[:80]
        err = json.loads(body)["error"]
        assert err["type"] == "invalid_http" and "MAX_HEADER_BYTES" in err["message"]
    ok = raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + b"a" * 60_000
             + b"\r\n\r\n", timeout=10)
    assert ok.startswith(b"HTTP/1.1 200"), ok[:80]  # under the limit: answered


def test_a_chunked_body_trickled_slowly_is_timed_out(server):
    # the server's BODY_TIMEOUT_S is 2: one byte every 0.5 s never pauses that long, but the whole
    # body does not arrive in time
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"POST /v1/segment HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        t0 = time.monotonic()
        answer = b""
        s.settimeout(0.5)
        for ch in b'{"text": "' + b"a" * 40:
            try:
                s.sendall(b"1\r\n" + bytes([ch]) + b"\r\n")
                answer += s.recv(65536)
                break  # the answer has begun: the rest is read below
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
        took = time.monotonic() - t0
        s.settimeout(5)
        while answer:  # the head and the body may come in separate segments: read the whole body
            head, sep, body = answer.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            if sep and length and len(body) >= int(length[1]):
                break
            try:
                more = s.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not more:
                break
            answer += more
    assert answer.startswith(b"HTTP/1.1 408"), (answer[:80], took)
    assert 1.5 < took < 5, took
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"]["type"] == "body_timeout"


def test_huge_invalid_bodies_do_not_stall_small_requests(server):
    # four clients loop 2-3 MB invalid bodies (400k nulls, 250k unknown keys); /healthz and a small
    # segmentation stay fast: the big bodies are refused early, and parsed off the event loop
    bodies = [post_bytes({"user_words": [None] * 400_000, "text": "a"}),
              post_bytes({"text": "a", **{f"{i}": 0 for i in range(250_000)}})]
    stop_at = time.monotonic() + 6
    statuses: list[bytes] = []

    def hostile(body: bytes) -> None:
        while time.monotonic() < stop_at:
            statuses.append(raw(server, body.replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nConnection: close\r\n", 1),
                                timeout=30)[:12])

    threads = [threading.Thread(target=hostile, args=(bodies[i % 2],)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    waits = []
    while time.monotonic() < stop_at - 0.5:
        t0 = time.monotonic()
        status, answer = http("POST", server + "/v1/segment", {"text": "今天天气很好"})
        waits.append(time.monotonic() - t0)
        assert status == 200 and answer["results"][0]["tokens"]
        time.sleep(0.05)
    for t in threads:
        t.join()
    waits.sort()
    assert len(statuses) >= 8 and set(statuses) == {b"HTTP/1.1 413"}, statuses
    assert waits[len(waits) // 2] < 0.05 and waits[int(len(waits) * 0.9)] < 0.1, waits


def test_character_bound_on_the_queue_answers_busy():
    proc, base = start(SEGMENTER_MAX_QUEUED_CHARS="30000", SEGMENTER_MAX_BATCH_CHARS="2000")
    try:
        answers = []

        def one() -> None:
            answers.append(http("POST", base + "/v1/segment", {"texts": [BIG_TEXT] * 20}, timeout=120))

        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(s for s, _ in answers)
        assert 200 in statuses and 503 in statuses, statuses
        busy = next(b for s, b in answers if s == 503)
        assert busy["error"]["type"] == "busy" and "characters" in busy["error"]["message"]
    finally:
        stop(proc)


def test_sigterm_with_a_backlog_answers_everyone_and_exits():
    # the slow accurate model: ~600k characters are far more than 2 s of its work
    proc, base = start(SEGMENTER_SHUTDOWN_TIMEOUT_S="2", SEGMENTER_MAX_BATCH_CHARS="4000",
                       SEGMENTER_MODELS="multi", SEGMENTER_DEFAULT_MODEL="multi")
    answers: list[tuple[int, dict]] = []

    def one() -> None:
        answers.append(http("POST", base + "/v1/segment", {"texts": [BIG_TEXT] * 20}, timeout=60))

    host, port = base.removeprefix("http://").split(":")
    keep_alive = socket.create_connection((host, int(port)), timeout=10)  # an idle keep-alive connection
    small = post_bytes({"text": "我爱北京"})
    keep_alive.sendall(small)
    assert read_response(keep_alive)[0] == 200
    threads = [threading.Thread(target=one) for _ in range(30)]  # ~600k characters
    for t in threads:
        t.start()
    time.sleep(1.0)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    # the idle connection is still served while the backlog drains: a 503 that closes it, not a reset
    keep_alive.sendall(small)
    status, headers, body = read_response(keep_alive)
    assert status == 503 and json.loads(body)["error"]["type"] == "shutting_down"
    assert headers["connection"] == "close" and keep_alive.recv(100) == b""
    keep_alive.close()
    with pytest.raises(ConnectionRefusedError):  # and new connections are refused at once
        socket.create_connection((host, int(port)), timeout=5)
    for t in threads:
        t.join(timeout=60)
    code = proc.wait(timeout=30)
    took = time.monotonic() - t0
    log = stop(proc)
    assert len(answers) == 30
    statuses = {s for s, _ in answers}
    assert statuses <= {200, 503} and 503 in statuses, statuses
    assert all(b["error"]["type"] == "shutting_down" for s, b in answers if s == 503)
    assert code in (0, -signal.SIGTERM) and took < 15, (code, took)
    assert "Traceback" not in log and "CancelledError" not in log


def test_metrics_count_every_worker():
    proc, base = start(SEGMENTER_WORKERS="2", SEGMENTER_MODELS="pku-fast", SEGMENTER_DEFAULT_MODEL="pku-fast")
    try:
        for i in range(20):
            assert http("POST", base + "/v1/segment", {"text": f"第{i}次请求"})[0] == 200
        pids = set()
        for _ in range(6):  # scrapes land on either worker: each shows all 20 requests
            text = urllib_get(base + "/metrics")
            n = re.search(r'^segmenter_requests_total\{route="/v1/segment",status="200"\} (\S+)', text, re.M)
            assert n and float(n.group(1)) == 20.0, text[:500]
            pids.add(text)
    finally:
        stop(proc)


def test_a_malformed_request_gets_the_json_error_shape(server):
    answer = raw(server, b"NOT HTTP AT ALL\r\n\r\n", timeout=10)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["error"]["type"] == "invalid_http"
