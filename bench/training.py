"""Training throughput: one epoch of `segmenter.training` on the first `--sentences` sentences of a
corpus with the architecture of a shipped model, and that model's own training log read for the
time it took to reach its dev F1.

    python bench/training.py --train ../shared/data/pku/pfr199801_seg.utf8 --model pku --threads 1 --bf16

Prints characters/s of training (forward, backward and optimiser steps; dev scoring excluded)
and, from `models/NAME/train_log.jsonl`, the cumulative training seconds up to the epoch of the
best dev F1 (what the shipped model's training run printed, on the machine its card names).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe


def time_to_best(log_path: Path) -> tuple[int, float, float]:
    """(best epoch, its dev F1, training seconds summed up to it) from a train_log.jsonl."""
    rows = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    best = max(rows, key=lambda r: r["dev_f1"])
    seconds = sum(r["train_seconds"] for r in rows if r["epoch"] <= best["epoch"])
    return best["epoch"], best["dev_f1"], seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train", type=Path, required=True, help="segmented training corpus")
    p.add_argument("--model", default="multi", help="shipped model whose architecture and log are used")
    p.add_argument("--sentences", type=int, default=3000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--bf16", action="store_true")
    args = p.parse_args(argv)
    if not args.train.is_file():
        print(f"training.py: no such file: {args.train}", file=sys.stderr)
        return 2

    from segmenter.config import TrainConfig
    from segmenter.corpus import read_corpus, split_dev
    from segmenter.segmenter import MODELS_DIR
    from segmenter.training.data import Corpus
    from segmenter.training.loop import train
    from segmenter.training.report import TRAIN_LOG

    model_dir = MODELS_DIR / args.model
    from segmenter.config import ModelConfig

    cfg = ModelConfig.from_json(json.loads((model_dir / "config.json").read_text(encoding="utf-8"))).to_json()
    options = {k: v for k, v in cfg.items() if k not in ("n_units", "n_bigrams")}
    sentences = read_corpus(args.train)[:args.sentences]
    train_set, dev_set = split_dev(sentences)
    with tempfile.TemporaryDirectory() as tmp:
        train([Corpus("pku", train_set, dev_set[:50])],
              tmp, options, TrainConfig(epochs=1, threads=args.threads, bf16=args.bf16),
              progress=False)
        row = json.loads((Path(tmp) / TRAIN_LOG).read_text().splitlines()[0])
    arch = f"{cfg['layers']}-layer Bi{cfg['cell'].upper()} {cfg['hidden']}"
    print(f"# {describe()}; {args.threads} torch thread(s), bf16 autocast {'on' if args.bf16 else 'off'}")
    print(f"training {arch} ({args.model} architecture) on {len(train_set)} sentences: "
          f"{row['chars_per_s']:,} chars/s ({row['train_seconds']} s for one epoch)")
    epoch, f1, seconds = time_to_best(model_dir / TRAIN_LOG)
    print(f"models/{args.model}/{TRAIN_LOG}: best dev F1 {100 * f1:.2f} at epoch {epoch}, "
          f"after {seconds:,.0f} s of training ({seconds / 60:.0f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
