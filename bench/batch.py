"""Batch segmentation of a large file: `segmenter segment` with 1 and 2 worker processes against
jieba's own parallel mode (`jieba.enable_parallel`), same file, same run.

    python bench/batch.py --corpora ../shared/data --mb 100 --model pku-fast --workers 1,2

The input is `--mb` MB of unsegmented corpus text (as in bench/throughput.py), written to a
temporary folder with the outputs. Each run is a fresh process tree; its wall-clock time and
the peak of the summed RSS of all its processes (sampled every 0.2 s) are reported.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, tree_rss_mib
from throughput import make_big_input

JIEBA = """
import sys, logging, jieba
jieba.setLogLevel(logging.WARNING)
jieba.enable_parallel(int(sys.argv[2]))
with open(sys.argv[1], encoding="utf-8") as fh:
    text = fh.read()
with open(sys.argv[3], "w", encoding="utf-8") as out:
    out.write(" ".join(jieba.cut(text)))
"""


def timed(cmd: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MiB, all processes of the tree) of a command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss_mib(proc.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    return seconds, peak


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpora", type=Path, default=Path("../shared/data"))
    p.add_argument("--mb", type=int, default=100)
    p.add_argument("--model", default="pku-fast")
    p.add_argument("--workers", default="1,2")
    args = p.parse_args(argv)
    exe = str(Path(sys.executable).parent / "segmenter")
    with tempfile.TemporaryDirectory() as tmp:
        src = make_big_input(args.corpora, args.mb, Path(tmp) / f"corpora-{args.mb}MB.txt")
        chars = len(src.read_text(encoding="utf-8"))
        print(f"# {describe()}; {src.name}: {chars:,} characters")
        print("| engine | processes | seconds | chars/s | peak RSS MiB (all processes) |")
        print("|---|---|---|---|---|")
        for w in (int(x) for x in args.workers.split(",")):
            sec, rss = timed([exe, "segment", "--model", args.model, "--workers", str(w), "--quiet",
                              "--output", str(Path(tmp) / f"out-{w}.txt"), str(src)])
            print(f"| segmenter `{args.model}` | {w} | {sec:.1f} | {chars / sec:,.0f} | {rss:,.0f} |", flush=True)
        for w in (int(x) for x in args.workers.split(",")):
            sec, rss = timed([sys.executable, "-c", JIEBA, str(src), str(w), str(Path(tmp) / f"jieba-{w}.txt")])
            print(f"| jieba parallel mode | {w} | {sec:.1f} | {chars / sec:,.0f} | {rss:,.0f} |", flush=True)
        a = (Path(tmp) / "out-1.txt").read_bytes()
        same = all((Path(tmp) / f"out-{w}.txt").read_bytes() == a for w in (int(x) for x in args.workers.split(",")))
        print(f"segmenter outputs identical across worker counts: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
