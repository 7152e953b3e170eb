"""What a run reports: dev scores through the users' path, the training log's row of an epoch,
and the meta.json of the model saved."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from segmenter.corpus import Sentence
from segmenter.model import BiRNNTagger
from segmenter.scoring import Score, TaggedScore, score, score_tagged
from segmenter.segmenter import Segmenter
from segmenter.vocab import Vocab

TRAIN_LOG = "train_log.jsonl"
DevScores = dict[str, tuple[Score, TaggedScore | None]]  # standard -> word score, joint POS score


def evaluate(model: BiRNNTagger, vocab: Vocab, sentences: Sequence[Sentence],
             train_words: set[str] | None = None, standard: str | None = None) -> tuple[Score, TaggedScore | None]:
    """Dev scores through the same path users take (`Segmenter.tokenize_batch`), in one pass:
    word scores, and for a joint model and a POS-tagged dev set also the joint segmentation + POS
    score. `standard`: the standard to segment in (multi-standard models)."""
    was_training = model.training
    seg = Segmenter(model, vocab, threads=1, standard=standard)  # leaves the training's torch threads alone
    joint = seg.pos_tags is not None and all(s.pos is not None for s in sentences)
    pred = seg.tokenize_batch([s.text for s in sentences], pos=joint)
    model.train(was_training)
    words = score([s.words for s in sentences], [[t.text for t in toks] for toks in pred], train_words)
    if not joint:
        return words, None
    return words, score_tagged([list(zip(s.words, s.pos or ())) for s in sentences],
                               [[(t.text, t.pos or "") for t in toks] for toks in pred])



def mean_f1(scores: Iterable[Score]) -> float:
    """The mean word F1 of dev scores (one per standard): what picks the best epoch."""
    f1s = [s.f1 for s in scores]
    return sum(f1s) / len(f1s)



def dev_meta(dev: DevScores, mixed: dict[str, Score], first: str, multi: bool) -> dict[str, Any]:
    """A model's dev scores as meta.json records them: `dev` (and `dev_pos`) of the standard
    `first`, `dev_by_standard` of a multi-standard model, `dev_mixed_by_standard` (each dev set
    read in the mixed standard)."""
    first_dev, first_pos = dev[first]
    out: dict[str, Any] = {"dev": first_dev.to_json()}
    if multi:
        out["dev_by_standard"] = {k: d.to_json() for k, (d, _) in dev.items()}
    if mixed:
        out["dev_mixed_by_standard"] = {k: d.to_json() for k, d in mixed.items()}
    if first_pos is not None:
        out["dev_pos"] = first_pos.to_json()
    return out



def best_meta(meta: Mapping[str, Any] | None, train_config: dict[str, Any], epoch: int, seconds: float,
              dev: DevScores, mixed: dict[str, Score], first: str, multi: bool) -> dict[str, Any]:
    """meta.json of the model saved at `epoch`: `meta`, the training configuration and the dev
    scores (those of the first standard, and of each for a multi-standard model; `mixed`: each
    standard's dev set read in the mixed standard)."""
    full_meta = dict(meta or {})
    full_meta.update(train_config=train_config, best_epoch=epoch, training_seconds=round(seconds, 1),
                     **dev_meta(dev, mixed, first, multi))
    if multi:
        full_meta["default_standard"] = first
    return full_meta


def log_row(epoch: int, loss: float, lr: Any, chars_per_s: float, train_seconds: float, improved: bool,
            dev: DevScores, mixed: dict[str, Score], first: str, multi: bool) -> dict[str, Any]:
    """The training log's row of one epoch."""
    first_dev, first_pos = dev[first]
    row: dict[str, Any] = {
        "epoch": epoch, "loss": round(loss, 5), "dev_f1": round(first_dev.f1, 5),
        "dev_precision": round(first_dev.precision, 5), "dev_recall": round(first_dev.recall, 5),
        "lr": lr, "train_seconds": round(train_seconds, 1), "chars_per_s": round(chars_per_s),
        "best": improved}
    if first_pos is not None:
        row["dev_pos_f1"] = round(first_pos.f1, 5)
    if multi:
        row["dev_f1_by_standard"] = {k: round(d.f1, 5) for k, (d, _) in dev.items()}
        row["dev_f1_mean"] = round(mean_f1(d for d, _ in dev.values()), 5)
    if mixed:
        row["dev_f1_mixed_by_standard"] = {k: round(d.f1, 5) for k, d in mixed.items()}
        row["dev_f1_mixed_mean"] = round(mean_f1(mixed.values()), 5)
    return row
