"""Word precision/recall/F1 and OOV/IV recall, scored as the SIGHAN 2005 scorer does.

Words are compared as character spans, line by line: a predicted word is correct when a
gold word covers exactly the same characters of the same line.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from segmenter.tags import words_to_spans


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    oov_recall: float | None  # None without a training word list
    iv_recall: float | None
    gold_words: int
    pred_words: int
    correct: int
    oov_words: int
    chars: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def score(
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
    train_words: Collection[str] | None = None,
) -> Score:
    """Score predicted word sequences against gold ones, line by line.

    Raises ValueError when the line counts differ or a line's characters differ.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold lines but {len(pred)} predicted lines")
    n_gold = n_pred = n_correct = n_oov = n_oov_correct = n_chars = 0
    for no, (g, p) in enumerate(zip(gold, pred), 1):
        g_text, p_text = "".join(g), "".join(p)
        if g_text != p_text:
            raise ValueError(f"line {no}: predicted characters differ from gold: {p_text[:40]!r} vs {g_text[:40]!r}")
        n_chars += len(g_text)
        p_spans = set(words_to_spans(p))
        n_gold += len(g)
        n_pred += len(p)
        for w, span in zip(g, words_to_spans(g)):
            hit = span in p_spans
            n_correct += hit
            if train_words is not None and w not in train_words:
                n_oov += 1
                n_oov_correct += hit
    precision = _ratio(n_correct, n_pred)
    recall = _ratio(n_correct, n_gold)
    f1 = _ratio(2 * n_correct, n_pred + n_gold)  # = 2PR/(P+R)
    oov = iv = None
    if train_words is not None:
        oov = _ratio(n_oov_correct, n_oov)
        iv = _ratio(n_correct - n_oov_correct, n_gold - n_oov)
    return Score(precision, recall, f1, oov, iv, n_gold, n_pred, n_correct, n_oov, n_chars)


@dataclass(frozen=True)
class TaggedScore:
    """Joint segmentation + part-of-speech score: a word counts when its span and its tag match."""

    precision: float
    recall: float
    f1: float
    gold_words: int
    pred_words: int
    correct: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def score_tagged(gold: Sequence[Sequence[tuple[str, str]]], pred: Sequence[Sequence[tuple[str, str]]]) -> TaggedScore:
    """Score (word, tag) sequences line by line; raises ValueError as `score` does."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold lines but {len(pred)} predicted lines")
    n_gold = n_pred = n_correct = 0
    for no, (g, p) in enumerate(zip(gold, pred), 1):
        g_words = [w for w, _ in g]
        p_words = [w for w, _ in p]
        if "".join(g_words) != "".join(p_words):
            raise ValueError(f"line {no}: predicted characters differ from gold")
        p_set = set(zip(words_to_spans(p_words), (t for _, t in p)))
        n_gold += len(g)
        n_pred += len(p)
        n_correct += sum((span, t) in p_set for span, (_, t) in zip(words_to_spans(g_words), g))
    return TaggedScore(_ratio(n_correct, n_pred), _ratio(n_correct, n_gold), _ratio(2 * n_correct, n_pred + n_gold),
                       n_gold, n_pred, n_correct)
