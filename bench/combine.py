"""Dev (and optionally test) word F1 of several runs of one network combined: as an ensemble at
inference, or with their weights averaged.

    python bench/combine.py --data ../shared/data --ensemble RUN RUN [--test]
    python bench/combine.py --data ../shared/data --average RUN_OR_CHECKPOINT ...

RUN is a model directory; for --average also a training checkpoint (`checkpoint.pt`, or a copy
of one kept after an epoch). The ensemble scores each label by the log of the members' mean
probabilities (what `segmenter train --teacher A --teacher B` teaches); averaged weights are
rounded to float16, as a shipped model is. Multi-standard runs of the same network and vocabulary
only: each standard is scored on its dev set (PFR's last 10% for `pku`), like `segmenter train`.
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

from segmenter.config import ModelConfig
from segmenter.vocab import Vocab

DEV = {"pku": None, "ctb6": "ctb6/dev.txt", "weibo": "weibo/dev.txt", "sxu": "sxu/dev.txt",
       "udc": "udc/dev.txt", "zx": "zx/dev.txt", "wtb": "wtb/dev.txt"}
TEST = {"pku": "pku/pku_test_gold.utf8", "ctb6": "ctb6/test.txt"}


class Ensemble(nn.Module):
    """Members' mean label probabilities, as log scores (the decoder's input)."""

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.config = members[0].config

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        logp = torch.stack([m(*inputs).float().log_softmax(-1) for m in self.members])
        return logp.logsumexp(0) - torch.log(torch.tensor(float(len(self.members))))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--ensemble", nargs="+", type=Path, help="model directories")
    how.add_argument("--average", nargs="+", type=Path, help="model directories or training checkpoints")
    p.add_argument("--test", action="store_true", help="also the PKU and CTB6 tests (report only)")
    args = p.parse_args()
    torch.set_num_threads(1)
    from machine import describe

    from segmenter.corpus import read_corpus, split_dev
    from segmenter.model import BiRNNTagger
    from segmenter.train import evaluate

    runs = args.ensemble or args.average
    loaded = [_load(r) for r in runs]
    config, vocab = loaded[0][0], loaded[0][1]
    if config.factored or any(c != config or v != vocab for c, v, _ in loaded):
        p.error("runs of one joint-label network and vocabulary only")

    def tagger(state: dict[str, torch.Tensor]) -> BiRNNTagger:
        model = BiRNNTagger(config)
        model.load_state_dict(state)
        return model.eval()

    states = [state for _, _, state in loaded]
    if args.average:
        model: nn.Module = tagger({k: (sum(s[k] for s in states) / len(states)).half().float() for k in states[0]})
    else:
        model = Ensemble([tagger(s) for s in states])
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
    checkpoint's."""
    from segmenter import artifact

    if path.is_dir():
        art = artifact.load(path)
        return art.config, art.vocab, {k: torch.from_numpy(v).float() for k, v in art.state.items()}
    ckpt = torch.load(path, weights_only=True)
    return (ModelConfig.from_json(json.loads(ckpt["model_config"])), Vocab.from_json(json.loads(ckpt["vocab"])),
            {k: v.float() for k, v in ckpt["model"].items()})


if __name__ == "__main__":
    sys.exit(main())
