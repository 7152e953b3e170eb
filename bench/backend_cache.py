"""What oneDNN's primitive cache costs and gives: resident memory after many distinct batch
shapes, and throughput of `cut_batch` in calls of 16 and 64 texts and in one bulk call, with
the cache capacity `segmenter` sets (16) and with oneDNN's default (1024).

    python bench/backend_cache.py --input ../shared/data/pku/pku_test.utf8 --model pku

Each capacity runs in a fresh child process (the variable is read once per process).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import make_texts
from machine import describe, rss_mib


def child(path: Path, model: str, threads: int) -> dict[str, float]:
    import torch

    from segmenter import Segmenter

    torch.set_num_threads(threads)
    seg = Segmenter.load(model)
    rss0 = rss_mib()
    rows = [1, 2, 4, 8, *range(16, 129, 16)]
    for r in rows:  # 12 x 25 = 300 shapes, as a server meets them
        for w in range(8, 201, 8):
            ones = torch.ones(r, w, dtype=torch.long)
            std = torch.zeros(r, dtype=torch.long) if seg.config.standards else None  # a multi-standard model
            feats = torch.zeros(r, w, seg.config.feature_dim) if seg.config.feature_dim else None
            with torch.inference_mode():
                seg.model(ones, torch.ones(r, w + 1, dtype=torch.long), torch.full((r,), w), std, feats)
    rss1 = rss_mib()
    texts = make_texts(path, 50, 2048)
    out = {"rss_loaded_mib": round(rss0), "rss_after_shapes_mib": round(rss1)}
    for size in (16, 64, len(texts)):
        seg.cut_batch(texts[:size])
        t0 = time.perf_counter()
        for i in range(0, len(texts), size):
            seg.cut_batch(texts[i:i + size])
        out[f"chars_per_s_calls_of_{size}"] = round(sum(map(len, texts)) / (time.perf_counter() - t0))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", type=Path, required=True)
    p.add_argument("--model", default="pku")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if not args.input.is_file():
        print(f"backend_cache.py: no such file: {args.input}", file=sys.stderr)
        return 2
    if args.child:
        print(json.dumps(child(args.input, args.model, args.threads)))
        return 0
    print(f"# {describe()}; model {args.model}, {args.threads} torch threads; 50-character texts")
    print("| ONEDNN_PRIMITIVE_CACHE_CAPACITY | RSS loaded MiB | RSS after 300 shapes MiB | chars/s, calls of 16 "
          "| calls of 64 | one bulk call |")
    print("|---|---|---|---|---|---|")
    for capacity in ("16", "1024"):
        env = dict(os.environ, ONEDNN_PRIMITIVE_CACHE_CAPACITY=capacity)
        cmd = [sys.executable, __file__, "--child", "--input", str(args.input), "--model", args.model,
               "--threads", str(args.threads)]
        r = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        sizes = [k for k in r if k.startswith("chars_per_s")]
        print(f"| {capacity} | {r['rss_loaded_mib']} | {r['rss_after_shapes_mib']} | "
              + " | ".join(f"{r[k]:,}" for k in sizes) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
