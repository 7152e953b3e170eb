"""The real server: started as a subprocess with the Docker image's command, talked to over HTTP.
Cross-cutting: about the service as a whole, not one module."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dockerfile_cmd() -> list[str]:
    text = (REPO / "Dockerfile").read_text()
    return json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))


def http(method: str, url: str, body: dict | None = None, timeout: float = 30) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture(scope="module")
def server():
    port = free_port()
    cmd = dockerfile_cmd()
    exe = Path(sys.executable).parent / cmd[0]  # the console script of this (fresh) virtual environment
    env = dict(os.environ, SEGMENTER_HOST="127.0.0.1", SEGMENTER_PORT=str(port))
    proc = subprocess.Popen([str(exe), *cmd[1:]], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if http("GET", base + "/readyz", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"server did not become ready: {proc.stdout.read().decode()[-2000:]}")
        time.sleep(0.2)
    yield proc, base
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_segment_over_http(server):
    _, base = server
    status, body = http("POST", base + "/v1/segment", {"texts": ["我爱北京天安门。", "今天是2026年11月22日"]})
    assert status == 200
    assert [t["text"] for t in body["results"][0]["tokens"]] == ["我", "爱", "北京", "天安门", "。"]
    status, body = http("POST", base + "/v1/segment", {"text": "x", "model": "nope"})
    assert status == 404 and body["error"]["type"] == "unknown_model"
    assert http("GET", base + "/healthz")[0] == 200


def test_concurrent_requests_are_all_answered(server):
    _, base = server
    texts = [f"第{i}个请求：我们在北京开会。" for i in range(40)]
    results: dict[int, list[str]] = {}

    def one(i: int) -> None:
        status, body = http("POST", base + "/v1/segment", {"text": texts[i]})
        assert status == 200
        results[i] = [t["text"] for t in body["results"][0]["tokens"]]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(len(texts)))
    assert all("".join(results[i]) == texts[i] for i in results)


def test_graceful_shutdown_finishes_the_request_in_flight(server):
    proc, base = server
    big = ["中华人民共和国成立以来，我们取得了巨大的成就。" * 40] * 105  # ~97k characters: a few seconds
    out: dict[str, object] = {}

    def call() -> None:
        out["answer"] = http("POST", base + "/v1/segment", {"texts": big}, timeout=120)

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    t.join(timeout=120)
    status, body = out["answer"]
    assert status == 200
    assert len(body["results"]) == len(big)
    assert "".join(tok["text"] for tok in body["results"][-1]["tokens"]) == big[-1]
    # uvicorn re-raises the signal after its graceful shutdown, so the exit status is -SIGTERM
    assert proc.wait(timeout=60) in (0, -signal.SIGTERM)
    log = proc.stdout.read().decode()
    assert "Application shutdown complete" in log
    assert "Traceback" not in log
