"""Dev (and optionally test) word F1 of several runs combined: as an ensemble at
inference, or with their weights averaged.

    python bench/combine.py --data ../shared/data --ensemble RUN RUN [--test]
    python bench/combine.py --data ../shared/data --average RUN_OR_CHECKPOINT ...

RUN is a model directory; for --average also a training checkpoint (`checkpoint.pt`, or a copy
of one kept after an epoch). The ensemble is the one `segmenter train --teacher A --teacher B`
teaches (`train._load_teacher`: the log of the members' mean probabilities, the same checks);
averaged weights are rounded to float16, as a shipped model is. Multi-standard runs with one
vocabulary for --average (an ensemble's members may differ in vocabulary, the largest first,
as for `--teacher`): each standard is scored on its dev set (PFR's last 10% for `pku`), like
`segmenter train`.
This measures how far combining runs goes; the product ships single networks.
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

from segmenter import artifact
from segmenter.config import ModelConfig
from segmenter.corpus import read_corpus, split_dev
from segmenter.model import BiRNNTagger
from segmenter.train import _load_teacher, _read_checkpoint, _Teacher, _torch_state, evaluate
from segmenter.vocab import Vocab

DEV = {"pku": None, "ctb6": "ctb6/dev.txt", "weibo": "weibo/dev.txt", "sxu": "sxu/dev.txt",
       "udc": "udc/dev.txt", "zx": "zx/dev.txt", "wtb": "wtb/dev.txt"}
TEST = {"pku": "pku/pku_test_gold.utf8", "ctb6": "ctb6/test.txt"}


class Ensemble(nn.Module):
    """A training teacher (one model or several) behind the tagger's interface, for `Segmenter`."""

    def __init__(self, teacher: _Teacher) -> None:
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
    args = p.parse_args()
    torch.set_num_threads(1)
    runs = args.ensemble or args.average
    model: nn.Module
    if args.ensemble:
        # the standards scored here (not `mixed`), in the first run's order: checks vocabulary and labels
        teacher = _load_teacher(runs, [s for s in artifact.read_config(runs[0]).standards if s in DEV])
        model, vocab = Ensemble(teacher), teacher.vocab
    else:
        loaded = [_load(r) for r in runs]
        config, vocab = loaded[0][0], loaded[0][1]
        if any(c != config or v != vocab for c, v, _ in loaded):
            p.error("runs of one network and vocabulary only")
        states = [state for _, _, state in loaded]
        model = BiRNNTagger(config).eval()
        model.load_state_dict({k: (sum(s[k] for s in states) / len(states)).half().float() for k in states[0]})
    sets = {std: split_dev(read_corpus(args.data / "pku" / "pfr199801_pos.utf8"))[1] if path is None
            else read_corpus(args.data / path) for std, path in DEV.items()}

    def f1(sentences: list, standard: str) -> float:
        return round(evaluate(model, vocab, sentences, standard=standard)[0].f1 * 100, 3)

    dev = {std: f1(s, std) for std, s in sets.items()}
    print(f"# {describe()}; {'ensemble' if args.ensemble else 'weights averaged'} of {len(runs)}")
    row = {"runs": [str(r) for r in runs], "dev": dev, "dev_mean": round(sum(dev.values()) / len(dev), 3)}
    if args.test:
        row["test"] = {std: f1(read_corpus(args.data / path), std) for std, path in TEST.items()}
    print(json.dumps(row))
    return 0


def _load(path: Path) -> tuple[ModelConfig, Vocab, dict[str, torch.Tensor]]:
    """A run's configuration, vocabulary and float32 weights: a model directory's, or a training
    checkpoint's (read as `segmenter train --resume` reads it)."""
    if path.is_dir():
        art = artifact.load(path)
        return art.config, art.vocab, {k: v.float() for k, v in _torch_state(art).items()}
    found = _read_checkpoint(path)
    if found is None:
        print(f"error: {path} is neither a model directory nor a training checkpoint", file=sys.stderr)
        raise SystemExit(2)
    ckpt, vocab, config = found
    return config, vocab, {k: v.float() for k, v in ckpt["model"].items()}


if __name__ == "__main__":
    sys.exit(main())
