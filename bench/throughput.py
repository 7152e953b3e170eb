"""Offline throughput of `Segmenter` against jieba's default mode, same input, same run.

    python bench/throughput.py --input ../shared/data/pku/pku_test.utf8 --big-mb 20 --corpora ../shared/data

Each engine runs in a fresh child process (so that import and load time and resident memory
are its own): import, load the model (jieba: build its prefix dictionary), warm up, then
segment every line of the input `--repeat` times (the median pass counts), batched (the
library's batch API, `--chunk` lines at a time)
for segmenter and line by line `jieba.lcut` for jieba. Reported per engine: import and load
seconds, wall-clock characters/s, characters per CPU second (both cores count for segmenter;
jieba uses one), RSS with the model loaded and peak RSS while segmenting. `--big-mb N` adds
an N MB input made from the raw text of the corpora (written to a temporary folder, never
the repo).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, peak_rss_mib, rss_mib

BIG_SOURCES = ("pku/pfr199801_seg.utf8", "ctb6/train.txt", "weibo/train.txt", "sxu/train.txt", "zx/train.txt")


def read_lines(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [line.rstrip("\r\n") for line in fh]


def make_big_input(corpora: Path, megabytes: int, out: Path) -> Path:
    """About `megabytes` MB of unsegmented text: the corpora's sentences with their word spaces
    removed, repeated until the size is reached."""
    lines = []
    for rel in BIG_SOURCES:
        p = corpora / rel
        if p.is_file():
            lines += ["".join(ln.split()) for ln in read_lines(p) if ln.strip()]
    if not lines:
        raise SystemExit(f"no corpora found under {corpora}")
    target = megabytes * 1_000_000
    size = 0
    with out.open("w", encoding="utf-8") as fh:
        while size < target:
            for ln in lines:
                fh.write(ln + "\n")
                size += len(ln.encode()) + 1
                if size >= target:
                    break
    return out


def run_engine(engine: str, path: Path, model: str, threads: int, chunk: int, precision: str,
               repeat: int) -> dict[str, float]:
    """Runs in the child process."""
    t0 = time.perf_counter()
    if engine == "segmenter":
        import gc

        from segmenter import Segmenter
        from segmenter.process import configure_process

        configure_process(threads=1)  # as the CLI does: batches side by side, one torch thread each
        t1 = time.perf_counter()
        seg = Segmenter.load(model, precision=precision, threads=threads)
        gc.freeze()  # as the CLI does after loading (freeze_heap)
        cut = seg.cut_batch
    else:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        t1 = time.perf_counter()
        jieba.initialize()

        def cut(texts: list[str]) -> list[list[str]]:
            return [jieba.lcut(t) for t in texts]

    t2 = time.perf_counter()
    rss_loaded = rss_mib()
    lines = read_lines(path)
    cut(lines[:100])  # warm-up
    chars = sum(map(len, lines))
    passes = []
    for _ in range(repeat):  # the median pass is reported: one pass over a small file is noisy
        words = 0
        w0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(lines), chunk):
            words += sum(map(len, cut(lines[i:i + chunk])))
        passes.append((time.perf_counter() - w0, time.process_time() - c0))
    wall, cpu = sorted(passes)[len(passes) // 2]
    return {"import_s": round(t1 - t0, 3), "load_s": round(t2 - t1, 3), "chars": chars, "words": words,
            "seconds": round(wall, 2), "chars_per_s": round(chars / wall), "chars_per_cpu_s": round(chars / cpu),
            "rss_loaded_mib": round(rss_loaded), "peak_rss_mib": round(peak_rss_mib())}


def measure(engine: str, path: Path, args: argparse.Namespace) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", engine, "--input", str(path), "--model", args.model,
           "--threads", str(args.threads), "--chunk", str(args.chunk), "--precision", args.precision,
           "--repeat", str(args.repeat)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", type=Path, action="append", required=True, help="UTF-8 text, one sentence a line")
    p.add_argument("--big-mb", type=int, default=0, help="also an input of this many MB built from --corpora")
    p.add_argument("--corpora", type=Path, default=Path("../shared/data"))
    p.add_argument("--model", default="pku")
    p.add_argument("--precision", default="fp32", help="segmenter's inference precision (fp32, bf16)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="segmenter threads (model batches at once, one torch thread each)")
    p.add_argument("--chunk", type=int, default=2000, help="lines per cut_batch call")
    p.add_argument("--repeat", type=int, default=3, help="passes over each input; the median pass is reported")
    p.add_argument("--child", choices=["segmenter", "jieba"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for f in args.input:
        if not f.is_file():
            print(f"throughput.py: no such file: {f}", file=sys.stderr)
            return 2
    if args.child:
        print(json.dumps(run_engine(args.child, args.input[0], args.model, args.threads, args.chunk, args.precision,
                                    args.repeat)))
        return 0

    print(f"# {describe()}; segmenter model {args.model}, precision {args.precision}, {args.threads} segmenter threads")
    print("| input | engine | import s | load s | chars | chars/s | chars/CPU-s | RSS loaded MiB | peak RSS MiB "
          "| segmenter/jieba |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        inputs = list(args.input)
        if args.big_mb:
            inputs.append(make_big_input(args.corpora, args.big_mb, Path(tmp) / f"corpora-{args.big_mb}MB.txt"))
        for path in inputs:
            res = {engine: measure(engine, path, args) for engine in ("segmenter", "jieba")}
            ratio = res["segmenter"]["chars_per_s"] / res["jieba"]["chars_per_s"]
            for engine, r in res.items():
                print(f"| {path.name} | {engine} | {r['import_s']} | {r['load_s']} | {r['chars']:,} "
                      f"| {r['chars_per_s']:,} | {r['chars_per_cpu_s']:,} | {r['rss_loaded_mib']} "
                      f"| {r['peak_rss_mib']} | "
                      f"{f'{ratio:.3f}x' if engine == 'segmenter' else ''} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
