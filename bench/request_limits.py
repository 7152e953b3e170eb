"""Time, answer size and server memory of the largest requests: a `segmenter serve` subprocess
gets one request at a time, of N characters (texts of 5,000 characters from a corpus), and its
resident memory is sampled every 50 ms while it answers.

    python bench/request_limits.py --input ../shared/data/pku/pku_test.utf8 --requests /v1/tag:100000,/v1/segment:100000
    python bench/request_limits.py ... --env SEGMENTER_MODELS=multi-fast --env SEGMENTER_DEFAULT_MODEL=multi

Figures chose MAX_REQUEST_CHARS (BENCHMARKS.md: Request limits). The server's own limits are
raised (body, text length, timeout) so that requests over the defaults can be measured too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model, free_port, rss_mib


def rss_mb(pid: int) -> int:
    return int(rss_mib(pid))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", required=True, help="a corpus; its lines, joined, give the texts")
    p.add_argument("--requests", default="/v1/segment:100000,/v1/tag:100000",
                   help="ROUTE:CHARACTERS,... sent one after another")
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server (repeatable)")
    args = p.parse_args()
    port = free_port()
    env = dict(os.environ, SEGMENTER_HOST="127.0.0.1", SEGMENTER_PORT=str(port),
               SEGMENTER_MAX_BODY_BYTES="40000000", SEGMENTER_MAX_CHARS_PER_TEXT="100000",
               SEGMENTER_MAX_REQUEST_CHARS="10000000", SEGMENTER_REQUEST_TIMEOUT_S="120",
               **dict(e.split("=", 1) for e in args.env))
    exe = Path(sys.executable).parent / "segmenter"
    proc = subprocess.Popen([str(exe), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if urllib.request.urlopen(base + "/readyz", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        text = Path(args.input).read_text().replace("\n", "")
        print(f"nproc={os.cpu_count()}, {cpu_model()}; {' '.join(args.env) or 'default settings'}; "
              f"idle RSS {rss_mb(proc.pid)} MB")
        for item in args.requests.split(","):
            route, n = item.rsplit(":", 1)
            chars = int(n)
            while len(text) < chars:
                text += text
            texts = [text[i:i + 5000] for i in range(0, chars, 5000)]
            data = json.dumps({"texts": texts}, ensure_ascii=False).encode()
            out: dict[str, object] = {}

            def call(data: bytes = data, route: str = route, out: dict[str, object] = out) -> None:
                req = urllib.request.Request(base + route, data, {"content-type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=200) as r:
                        out["status"], out["body"] = r.status, r.read()
                except urllib.error.HTTPError as e:
                    out["status"], out["body"] = e.code, e.read()

            peak = 0
            t0 = time.monotonic()
            worker = threading.Thread(target=call)
            worker.start()
            while worker.is_alive():
                peak = max(peak, rss_mb(proc.pid))
                time.sleep(0.05)
            took = time.monotonic() - t0
            size = len(out["body"]) / 1e6  # type: ignore[arg-type]
            print(f"{route} {chars:,} characters: {out['status']} in {took:.1f} s, answer {size:.1f} MB, "
                  f"peak RSS {peak} MB, after {rss_mb(proc.pid)} MB", flush=True)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
