"""Dev (and optionally test) word F1 of several runs combined: as an ensemble at
inference, or with their weights averaged.

    python bench/combine.py --data ../shared/data --ensemble RUN RUN [--test]
    python bench/combine.py --data ../shared/data --average RUN_OR_CHECKPOINT ... [--save DIR]

RUN is a model directory; for --average also a training checkpoint (`checkpoint.pt`, or a copy
of one kept after an epoch). The ensemble is the one `segmenter train --teacher A --teacher B`
teaches (`segmenter.training.teacher.load_teacher`: the log of the members' mean probabilities,
the same checks); averaged weights (`segmenter.training.checkpoint.average_runs`) are rounded to
float16, as a shipped model is; `--save DIR` writes them as a model directory and scores the
saved file (int8 embedding tables included), recording its dev scores in its meta.json as
`segmenter train` does. Multi-standard runs with one vocabulary for --average (an ensemble's
members may differ in vocabulary, the largest first, as for `--teacher`): each standard is
scored on its dev set (PFR's last 10% for `pku`), like `segmenter train`.
This measures how far combining runs goes; the product ships single networks (averaged weights
are one network).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import describe
from sets import DEV, TEST, dev_set

from segmenter import artifact
from segmenter.config import MIXED
from segmenter.corpus import read_corpus
from segmenter.model import BiRNNTagger
from segmenter.scoring import Score, TaggedScore
from segmenter.training.checkpoint import average_runs, torch_state
from segmenter.training.report import dev_meta, evaluate
from segmenter.training.teacher import Teacher, load_teacher


class Ensemble(nn.Module):
    """A training teacher (one model or several) behind the tagger's interface, for `Segmenter`."""

    def __init__(self, teacher: Teacher) -> None:
        super().__init__()
        self.teacher = teacher
        self.config = teacher.config

    def forward(self, chars: torch.Tensor, bigrams: torch.Tensor, lengths: torch.Tensor,
                standards: torch.Tensor, features: torch.Tensor | None = None) -> torch.Tensor:
        return self.teacher.scores(chars, bigrams, lengths, standards, features)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--ensemble", nargs="+", type=Path, help="model directories")
    how.add_argument("--average", nargs="+", type=Path, help="model directories or training checkpoints")
    p.add_argument("--test", action="store_true", help="also the PKU and CTB6 tests (report only)")
    p.add_argument("--save", type=Path, help="with --average: write the averaged network here")
    args = p.parse_args()
    torch.set_num_threads(1)
    runs = args.ensemble or args.average
    if args.save and not args.average:
        p.error("--save goes with --average")
    model: nn.Module
    if args.ensemble:
        # the standards scored here (not `mixed`), in the first run's order: checks vocabulary and labels
        teacher = load_teacher(runs, [s for s in artifact.read_config(runs[0]).standards if s in DEV])
        model, vocab = Ensemble(teacher), teacher.vocab
    else:
        try:
            soup = average_runs(runs)
        except ValueError as e:
            p.error(str(e))
        if args.save:
            artifact.save(args.save, soup.config, soup.vocab, torch_state(soup), soup.meta)
            soup = artifact.load(args.save)  # scored as saved
        vocab = soup.vocab
        model = BiRNNTagger(soup.config).eval()
        model.load_state_dict({k: v.half().float() for k, v in torch_state(soup).items()})
    sets = {std: dev_set(args.data, std) for std in DEV}

    scored = {std: evaluate(model, vocab, s, standard=std) for std, s in sets.items()}
    dev = {std: round(words.f1 * 100, 3) for std, (words, _) in scored.items()}
    if args.save:
        _record_dev(args.save, scored, {std: evaluate(model, vocab, s, standard=MIXED)[0] for std, s in sets.items()}
                    if MIXED in soup.config.standards else {})
    print(f"# {describe()}; {'ensemble' if args.ensemble else 'weights averaged'} of {len(runs)}")
    row = {"runs": [str(r) for r in runs], "dev": dev, "dev_mean": round(sum(dev.values()) / len(dev), 3)}
    if args.test:
        row["test"] = {std: round(evaluate(model, vocab, read_corpus(args.data / path), standard=std)[0].f1 * 100, 3)
                       for std, path in TEST.items()}
    print(json.dumps(row))
    return 0


def _record_dev(path: Path, scored: dict[str, tuple[Score, TaggedScore | None]], mixed: dict[str, Score]) -> None:
    """Write a saved model's dev scores into its meta.json, as `segmenter train` records them."""
    meta = artifact.read_meta(path)
    meta.update(dev_meta(scored, mixed, meta.get("default_standard") or next(iter(scored)), multi=True))
    artifact.write_meta(path, meta)


if __name__ == "__main__":
    sys.exit(main())
