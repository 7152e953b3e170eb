"""Single-sentence latency of `Segmenter.cut` in-process, against `jieba.lcut` on the same texts.

    python bench/latency.py --input ../shared/data/pku/pku_test.utf8

For each length (default 20, 50 and 200 characters), `--n` texts of exactly that length are cut
from the input's running text; each is segmented alone (warm model, one call per text) and the
wall-clock time of every call is kept. Prints p50/p99/max in milliseconds per engine.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe


def texts_of_length(path: Path, length: int, n: int) -> list[str]:
    text = "".join(line.strip() for line in path.open(encoding="utf-8"))
    step = max(length, (len(text) - length) // n)
    return [text[i:i + length] for i in range(0, len(text) - length + 1, step)][:n]


def timings(cut: Callable[[str], object], texts: list[str]) -> list[float]:
    for t in texts[:20]:  # warm-up
        cut(t)
    out = []
    for t in texts:
        t0 = time.perf_counter()
        cut(t)
        out.append(time.perf_counter() - t0)
    return sorted(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", type=Path, required=True)
    p.add_argument("--lengths", default="20,50,200")
    p.add_argument("--n", type=int, default=1000, help="texts per length")
    p.add_argument("--model", default="pku")
    p.add_argument("--precision", default="fp32")
    p.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for one sentence)")
    args = p.parse_args(argv)
    if not args.input.is_file():
        print(f"latency.py: no such file: {args.input}", file=sys.stderr)
        return 2

    import jieba
    import torch

    from segmenter import Segmenter

    torch.set_num_threads(args.threads)
    seg = Segmenter.load(args.model, precision=args.precision, threads=1)  # keeps --threads torch threads
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    print(f"# {describe()}; model {args.model}, precision {args.precision}, {args.threads} torch threads, "
          f"pid {os.getpid()}")
    print("| length | engine | texts | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for length in (int(x) for x in args.lengths.split(",")):
        texts = texts_of_length(args.input, length, args.n)
        for name, cut in (("segmenter", seg.cut), ("jieba", jieba.lcut)):
            t = timings(cut, texts)
            n = len(t)
            print(f"| {length} | {name} | {n} | {1000 * t[n // 2]:.2f} | {1000 * t[min(n - 1, int(0.99 * n))]:.2f} "
                  f"| {1000 * t[-1]:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
