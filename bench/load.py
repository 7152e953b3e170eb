"""Load benchmark of the REST service: starts `segmenter serve` on loopback and drives it with
many concurrent keep-alive clients for a bounded time, then with a bounded number of requests.

    python bench/load.py --input ../shared/data/pku/pku_test.utf8

Prints, for each client count: requests/s, characters/s, p50/p99/max latency, errors; the
library's offline batch throughput on the same texts with all cores (the yardstick for the
service's characters/s); and the server's resident memory (all its processes) before, during
and after a soak of `--soak-requests` requests. Every answer is checked: status 200 and tokens
that join back to the text.
Only 127.0.0.1 is ever contacted; every loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, free_port, tree_rss_mib


def make_texts(path: Path, chars: int, limit: int) -> list[str]:
    """Consecutive `chars`-character slices of the file's text (line ends dropped)."""
    text = "".join(line.strip() for line in path.open(encoding="utf-8"))
    return [text[i:i + chars] for i in range(0, len(text) - chars + 1, chars)][:limit]


@dataclass
class Run:
    clients: int
    latencies: list[float] = field(default_factory=list)
    chars: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, float | int]:
        lat = sorted(self.latencies)
        n = len(lat)

        def pct(q: float) -> float:
            return round(1000 * lat[min(n - 1, int(q * n))], 2) if n else float("nan")

        return {"clients": self.clients, "requests": n, "errors": self.errors,
                "requests_per_s": round(n / self.seconds, 1), "chars_per_s": round(self.chars / self.seconds),
                "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": round(1000 * lat[-1], 2) if n else float("nan")}


async def _client(host: str, port: int, texts: list[str], start: int, stride: int, run: Run,
                  stop_at: float, budget: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = start
    try:
        while time.perf_counter() < stop_at and budget[0] > 0:
            budget[0] -= 1
            text = texts[i % len(texts)]
            i += stride
            body = json.dumps({"text": text}, ensure_ascii=False).encode()
            head = (f"POST /v1/segment HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            t0 = time.perf_counter()
            writer.write(head + body)
            raw_head = await reader.readuntil(b"\r\n\r\n")
            lines = raw_head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            length = next(int(v) for k, _, v in (ln.partition(":") for ln in lines[1:])
                          if k.lower() == "content-length")
            payload = await reader.readexactly(length)
            run.latencies.append(time.perf_counter() - t0)
            ok = status == 200
            if ok:
                tokens = json.loads(payload)["results"][0]["tokens"]
                ok = "".join(t["text"] for t in tokens) == "".join(text.split())
            if ok:
                run.chars += len(text)
            else:
                run.errors += 1
                if len(run.error_samples) < 3:
                    run.error_samples.append(f"{status} {payload[:200]!r}")
    finally:
        writer.close()


async def drive(host: str, port: int, texts: list[str], clients: int, seconds: float, requests: int) -> Run:
    """`clients` concurrent connections, each sending one request after another, until `seconds`
    have passed or `requests` requests have been sent in all."""
    run = Run(clients)
    budget = [requests]
    t0 = time.perf_counter()
    await asyncio.gather(*(_client(host, port, texts, k, clients, run, t0 + seconds, budget) for k in range(clients)))
    run.seconds = time.perf_counter() - t0
    return run


def offline_throughput(texts: list[str], model: str, threads: int) -> float:
    """Characters/s of `Segmenter.cut_batch` over the texts in this process (warm model)."""
    from segmenter import Segmenter
    from segmenter.process import configure_process

    configure_process(threads)  # as the service does
    seg = Segmenter.load(model)
    seg.cut_batch(texts[:64])
    t0 = time.perf_counter()
    seg.cut_batch(texts)
    rate = sum(map(len, texts)) / (time.perf_counter() - t0)
    del seg
    gc.collect()
    return rate


async def _hostile(host: str, port: int, stop_at: float, counts: dict[str, int]) -> None:
    """Until `stop_at`: every 0.2 s a request of 20 texts of ~1,000 characters whose client
    leaves right after sending it, and from one client huge requests (120 such texts) one after
    another, answers awaited."""
    big = "中华人民共和国成立以来，我们在经济建设和社会发展方面取得了巨大的成就。" * 28
    abandoned = json.dumps({"texts": [big] * 20}, ensure_ascii=False).encode()
    huge = json.dumps({"texts": [big] * 120}, ensure_ascii=False).encode()

    def request(body: bytes) -> bytes:
        return (b"POST /v1/segment HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

    async def leaver() -> None:
        while time.monotonic() < stop_at:
            _, w = await asyncio.open_connection(host, port)
            w.write(request(abandoned))
            await w.drain()
            w.close()
            counts["abandoned"] += 1
            await asyncio.sleep(0.2)

    async def hog() -> None:
        while time.monotonic() < stop_at:
            r, w = await asyncio.open_connection(host, port)
            w.write(request(huge))
            await w.drain()
            await r.readuntil(b"\r\n\r\n")
            w.close()
            counts["huge"] += 1

    await asyncio.gather(leaver(), hog())


def hostile_mode(port: int, texts: list[str], clients: int, seconds: float) -> dict[str, object]:
    """p50/p99 of normal requests alone, then while abandoned and huge requests arrive."""
    idle = asyncio.run(drive("127.0.0.1", port, texts, clients, seconds, 10**9)).summary()
    counts = {"abandoned": 0, "huge": 0}

    async def both() -> Run:
        stop_at = time.monotonic() + seconds
        attack = asyncio.ensure_future(_hostile("127.0.0.1", port, stop_at, counts))
        await asyncio.sleep(1.0)  # let the backlog build
        run = await drive("127.0.0.1", port, texts, clients, seconds - 1.0, 10**9)
        await attack
        return run

    loaded = asyncio.run(both()).summary()
    return {"idle": idle, "hostile": loaded, **counts,
            "p99_ratio": round(loaded["p99_ms"] / idle["p99_ms"], 2) if idle["p99_ms"] else None}


def start_server(port: int, model: str, env_extra: dict[str, str]) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).parent / "segmenter"
    env = dict(os.environ, SEGMENTER_HOST="127.0.0.1", SEGMENTER_PORT=str(port), SEGMENTER_DEFAULT_MODEL=model,
               SEGMENTER_MODELS=json.dumps([model]), **env_extra)
    log = tempfile.TemporaryFile()  # read if the server fails to start (an unread pipe would fill and block it)
    proc = subprocess.Popen([str(exe), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=log)
    import urllib.request

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"server exited: {log.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not become ready in 120 s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", type=Path, required=True, help="UTF-8 text to cut into request texts")
    p.add_argument("--model", default="multi-fast")
    p.add_argument("--chars", type=int, default=50, help="characters per request text")
    p.add_argument("--clients", default="16,64", help="comma-separated concurrent client counts")
    p.add_argument("--seconds", type=float, default=20.0, help="duration of each client-count run")
    p.add_argument("--soak-requests", type=int, default=100_000, help="requests of the memory soak (0: none)")
    p.add_argument("--soak-clients", type=int, default=64)
    p.add_argument("--workers", type=int, default=1, help="server worker processes (SEGMENTER_WORKERS)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch threads per server worker (default: cores / workers); offline uses all cores")
    p.add_argument("--json", action="store_true", help="print one JSON object at the end")
    p.add_argument("--mode", choices=["normal", "hostile"], default="normal",
                   help="hostile: p99 of normal requests alone, then while abandoned and huge requests arrive")
    args = p.parse_args(argv)
    if not args.input.is_file():
        print(f"load.py: no such file: {args.input}", file=sys.stderr)
        return 2

    texts = make_texts(args.input, args.chars, 20_000)
    print(f"# {describe()}; python {platform.python_version()}; {len(texts)} texts of {args.chars} chars")
    if args.mode == "hostile":
        port = free_port()
        proc = start_server(port, args.model, {"SEGMENTER_WORKERS": str(args.workers)})
        try:
            asyncio.run(drive("127.0.0.1", port, texts, 4, 3.0, 10**9))  # warm-up
            clients = int(args.clients.split(",")[0])
            r = hostile_mode(port, texts, clients, args.seconds)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        i, h = r["idle"], r["hostile"]
        print(f"model {args.model}, {clients} clients of {args.chars}-char requests, {args.seconds:g} s each")
        print(f"idle:    {i['requests']} requests, {i['errors']} errors, p50 {i['p50_ms']} ms, p99 {i['p99_ms']} ms")
        print(f"hostile: {h['requests']} requests, {h['errors']} errors, p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms "
              f"({r['abandoned']} abandoned and {r['huge']} huge requests meanwhile); p99 ratio {r['p99_ratio']}")
        if args.json:
            print(json.dumps(r))
        return 1 if h["errors"] else 0
    offline = offline_throughput(texts[:4000], args.model, os.cpu_count() or 1)
    print(f"offline Segmenter.cut_batch: {offline:,.0f} chars/s")

    port = free_port()
    proc = start_server(port, args.model, {"SEGMENTER_THREADS": str(args.threads),
                                           "SEGMENTER_WORKERS": str(args.workers)})
    print(f"server: model {args.model}, {args.workers} worker(s), torch threads {args.threads or 'cores / workers'}")
    result: dict[str, object] = {"machine": describe(), "offline_chars_per_s": round(offline), "runs": []}
    try:
        asyncio.run(drive("127.0.0.1", port, texts, 8, 3.0, 10**9))  # warm-up
        rss0 = tree_rss_mib(proc.pid)
        print("| clients | requests | errors | req/s | chars/s | % of offline | p50 ms | p99 ms | max ms |")
        print("|---|---|---|---|---|---|---|---|---|")
        for clients in (int(c) for c in args.clients.split(",")):
            run = asyncio.run(drive("127.0.0.1", port, texts, clients, args.seconds, 10**9))
            s = run.summary()
            s["share_of_offline"] = round(s["chars_per_s"] / offline, 3)
            result["runs"].append(s)  # type: ignore[attr-defined]
            print(f"| {clients} | {s['requests']:,} | {s['errors']} | {s['requests_per_s']:,} | {s['chars_per_s']:,} "
                  f"| {100 * s['share_of_offline']:.0f}% | {s['p50_ms']} | {s['p99_ms']} | {s['max_ms']} |",
                  flush=True)
            for e in run.error_samples:
                print("  error:", e)
        if args.soak_requests:
            # RSS after start-up and the runs above, then after every tenth of the soak: growth
            # that levels off is warm-up (allocator pools, caches); growth that goes on is a leak.
            rss1 = tree_rss_mib(proc.pid)
            series = []
            soak = Run(args.soak_clients)
            for _ in range(10):
                part = asyncio.run(drive("127.0.0.1", port, texts, args.soak_clients, 3600.0,
                                         args.soak_requests // 10))
                soak.latencies += part.latencies
                soak.chars += part.chars
                soak.errors += part.errors
                soak.error_samples += part.error_samples
                soak.seconds += part.seconds
                series.append(round(tree_rss_mib(proc.pid)))
            rss2 = series[-1]
            s = soak.summary()
            result["soak"] = {**s, "rss_start_mib": round(rss0), "rss_before_mib": round(rss1),
                              "rss_series_mib": series, "rss_growth": round((rss2 - rss1) / rss1, 4)}
            print(f"soak: {s['requests']:,} requests with {args.soak_clients} clients in {soak.seconds:.0f} s, "
                  f"{s['errors']} errors, p99 {s['p99_ms']} ms; server RSS after warm-up {rss0:.0f} MiB, before the "
                  f"soak {rss1:.0f} MiB, after each tenth {series} MiB: "
                  f"{100 * (rss2 - rss1) / rss1:+.1f}% over the soak")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    if args.json:
        print(json.dumps(result))
    errors = sum(r["errors"] for r in result["runs"]) + (result.get("soak", {}).get("errors", 0))  # type: ignore
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
