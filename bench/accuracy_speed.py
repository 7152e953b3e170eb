"""F1 on the PKU test against characters/s, for our models, jieba and pkuseg: a table and a PNG.

    python bench/accuracy_speed.py --data ../shared/data --model pku --model pku-fast --pkuseg \
        --png bench/accuracy_speed.png

Every engine segments the whole PKU test input in this process, one after another on the same
machine: our models through `Segmenter.cut_batch` (default threads), jieba's default mode and
pkuseg's default model line by line (both single-threaded by design). Each engine gets one
warm-up pass and `--repeat` timed passes (the median counts). Needs matplotlib (the `bench` extra).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe


def timed(fn: Callable[[list[str]], list[list[str]]], texts: list[str], repeat: int) -> tuple[list[list[str]], float]:
    out = fn(texts[:200])  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(texts)
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--model", action="append", default=[], help="model name (repeatable)")
    p.add_argument("--pkuseg", action="store_true", help="also pkuseg (if installed)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--png", type=Path, help="write the plot here")
    args = p.parse_args()
    from segmenter.process import configure_process

    configure_process(threads=1)  # as the CLI does: batches side by side, one torch thread each

    from segmenter import Segmenter
    from segmenter.baselines import _jieba
    from segmenter.corpus import read_corpus
    from segmenter.scoring import score

    gold = read_corpus(args.data / "pku" / "pku_test_gold.utf8")
    words = {w.split()[0] for w in (args.data / "pku" / "pku_training_words.utf8").read_text("utf-8").splitlines()
             if w.strip()}
    texts = [s.text for s in gold]
    chars = sum(map(len, texts))
    engines: list[tuple[str, Callable[[list[str]], list[list[str]]]]] = []
    for name in args.model:
        engines.append((name, Segmenter.load(name).cut_batch))
    jieba = _jieba()
    engines.append(("jieba", lambda ts: [jieba.lcut(t) for t in ts]))
    if args.pkuseg:
        import pkuseg

        pk = pkuseg.pkuseg()
        engines.append(("pkuseg", lambda ts: [pk.cut(t) for t in ts]))
    points = []
    print(f"# {describe()}; PKU test, {chars:,} characters, median of {args.repeat} passes")
    print("| engine | F1 | OOV recall | chars/s |")
    print("|---|---|---|---|")
    for name, fn in engines:
        pred, seconds = timed(fn, texts, args.repeat)
        s = score([g.words for g in gold], pred, words)
        points.append((name, 100 * s.f1, chars / seconds))
        print(f"| {name} | {100 * s.f1:.2f} | {100 * (s.oov_recall or 0):.2f} | {chars / seconds:,.0f} |")
    if args.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
        for name, f1, rate in points:
            ours = name not in ("jieba", "pkuseg")
            ax.scatter(rate / 1000, f1, s=48, marker="o" if ours else "s", color="C0" if ours else "C3")
            ax.annotate(name, (rate / 1000, f1), textcoords="offset points", xytext=(6, 4), fontsize=9)
        ax.set_xlabel("thousand characters per second (PKU test, this machine)")
        ax.set_ylabel("word F1 on the PKU test (%)")
        ax.set_title("Accuracy against speed")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        args.png.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.png)
        print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
