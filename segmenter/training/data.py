"""Training examples: gold sentences as model pieces (with dictionary features by folds), the
corpora's shares of an epoch, and padded batches."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from segmenter.config import ModelConfig
from segmenter.corpus import Sentence
from segmenter.tags import N_TAGS, pos_of_labels, unit_tags, words_to_tags
from segmenter.text import split_pieces, to_units
from segmenter.vocab import Vocab, WordDict

# A model with dictionary features learns them on words it could not have seen: the features of
# each training sentence come from the words of the other folds of its corpus (sentence i is in
# fold i % WORD_FOLDS), so that unseen words are as rare in training as in new text.
WORD_FOLDS = 5


@dataclass
class Example:
    chars: list[int]
    bigrams: list[int]  # len(chars) + 1
    tags: list[int]  # joint labels, or BMES tags when `joint` is False
    standard: int = 0  # index into ModelConfig.standards (0 for a single-standard model)
    joint: bool = True  # False: a sentence without parts of speech in a joint model (BMES tags only)
    # ids in a teacher's vocabulary, when it is not the student's (`TrainConfig.own_vocab`)
    teacher_chars: list[int] | None = None
    teacher_bigrams: list[int] | None = None
    features: np.ndarray | None = None  # (len(chars), width) uint8 dictionary features
    # fine-tuning: a standard of the starting model not trained here, which the piece is also read in
    # with the starting model's distributions as the target (`TrainConfig.keep_alpha`), and its features
    keep: int = -1
    keep_features: np.ndarray | None = None


class Batch(NamedTuple):
    """Tensors of one training batch (see `batches`)."""

    chars: torch.Tensor  # (batch, seq)
    bigrams: torch.Tensor  # (batch, seq + 1)
    lengths: torch.Tensor  # (batch,)
    tags: torch.Tensor  # (batch, seq), -100 on padding
    standards: torch.Tensor  # (batch,)
    joint: torch.Tensor  # (batch,) bool
    teacher_chars: torch.Tensor | None = None  # the same units in the teacher's vocabulary, if it differs
    teacher_bigrams: torch.Tensor | None = None
    features: torch.Tensor | None = None  # (batch, seq, width) dictionary features, for a model with them
    keep: torch.Tensor | None = None  # (batch,) the kept standard each row is also read in (`Example.keep`)
    keep_features: torch.Tensor | None = None  # (batch, seq, width) the features in that standard


@dataclass(frozen=True)
class Corpus:
    """The training and development sentences of one segmentation standard."""

    standard: str
    train: list[Sentence]
    dev: list[Sentence]


def make_examples(sentences: Sequence[Sentence], vocab: Vocab, max_piece: int,
                  pos_index: dict[str, int] | None = None, standard: int = 0,
                  teacher_vocab: Vocab | None = None, words: WordDict | None = None,
                  keep: Sequence[int] = ()) -> list[Example]:
    """Gold sentences as model pieces, cut exactly as `Segmenter` cuts its input.

    With `pos_index` (part of speech -> index) the labels are joint BMES + POS labels
    (`4 * pos + bmes`, see `tags.joint_labels`); a unit takes the part of speech of the word
    holding its last character. A sentence without parts of speech keeps BMES tags
    (`Example.joint` False): it trains the segmentation side of a joint model only. With
    `teacher_vocab` the pieces also carry their ids in that (a teacher's) vocabulary; with `words`
    their dictionary features from that dictionary (its first standard). With `keep` (standards
    of the model, whose dictionary `vocab.words` is) sentence `j` is also read in `keep[j % len(keep)]`
    (`Example.keep`, with its features there)."""
    out = []
    for j, sent in enumerate(sentences):
        units = to_units(sent.text)
        tags = unit_tags(words_to_tags(sent.words), units.starts, units.ends)
        joint = pos_index is None or sent.pos is not None
        if pos_index is not None and sent.pos is not None:
            tags = _joint_tags(sent, units.ends, tags, pos_index)
        enc = vocab.encode_many([units], 0, words)  # the features only from `words`, a fold's dictionary
        chars, bigrams = enc.chars[1:len(units) + 1].tolist(), enc.bigrams[:len(units) + 1].tolist()
        t_chars, t_bigrams = teacher_vocab.encode(units) if teacher_vocab is not None else (None, None)
        feats = None if words is None else enc.features
        kept = keep[j % len(keep)] if keep else -1
        kept_feats = (vocab.encode_many([units], kept).features
                      if kept >= 0 and vocab.words is not None and words is not None else None)
        for s, e in split_pieces(units, max_piece):
            out.append(Example(chars[s:e], bigrams[s:e + 1], tags[s:e], standard, joint,
                               None if t_chars is None else t_chars[s:e],
                               None if t_bigrams is None else t_bigrams[s:e + 1],
                               None if feats is None else feats[1 + s:1 + e], kept,
                               None if kept_feats is None else kept_feats[1 + s:1 + e]))
    return out


def _joint_tags(sent: Sentence, unit_ends: Sequence[int], tags: Sequence[int],
                pos_index: dict[str, int]) -> list[int]:
    assert sent.pos is not None
    char_pos: list[int] = []
    for word, p in zip(sent.words, sent.pos):
        if p not in pos_index:
            raise ValueError(f"part of speech {p!r} is not in the model's tag set")
        char_pos.extend([pos_index[p]] * len(word))
    return [char_pos[e - 1] * N_TAGS + t for e, t in zip(unit_ends, tags)]


def epoch_quotas(sizes: Sequence[int], alpha: float) -> list[int]:
    """Pieces drawn from each corpus per epoch: shares proportional to `size ** alpha`, scaled so
    that an epoch holds as many pieces as all corpora together (alpha 1: each corpus once)."""
    if not sizes or min(sizes) < 1:
        raise ValueError("every corpus needs at least one training piece")
    weights = [n ** alpha for n in sizes]
    total = sum(sizes)
    return [max(1, round(total * w / sum(weights))) for w in weights]


def epoch_order(groups: Sequence[Sequence[int]], quotas: Sequence[int], seed: int, epoch: int) -> list[int]:
    """Example indices of one epoch: `quotas[k]` from group `k`, read from an endless stream of
    seeded permutations of the group, so every example is seen before any is repeated. A pure
    function of (seed, epoch): a resumed run draws the same examples."""
    out: list[int] = []
    for k, (group, quota) in enumerate(zip(groups, quotas)):
        n = len(group)
        first = (epoch - 1) * quota
        for cycle in range(first // n, (first + quota - 1) // n + 1):
            perm = list(group)
            random.Random(f"{seed}/{k}/{cycle}").shuffle(perm)
            lo = max(first - cycle * n, 0)
            hi = min(first + quota - cycle * n, n)
            out.extend(perm[lo:hi])
    return out


def pos_tag_set(sentences: Sequence[Sentence]) -> list[str]:
    """The parts of speech of a tagged corpus, most frequent first."""
    counts = Counter(p for s in sentences for p in (s.pos or ()))
    if not counts:
        raise ValueError("the training corpus has no POS tags (a joint model needs format pfr)")
    return [p for p, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def batches(examples: Sequence[Example], size: int, rng: random.Random,
            order: Sequence[int] | None = None) -> Iterator[Batch]:
    """Batches of similar length (sorted with a little noise), in random order, of the examples
    `order` (default: all), with their ids in a teacher's vocabulary when the examples have them."""
    order = range(len(examples)) if order is None else order
    order = sorted(order, key=lambda i: len(examples[i].chars) * (1 + 0.2 * rng.random()))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(groups)
    for group in groups:
        rows = [examples[i] for i in group]
        seq = max(len(ex.chars) for ex in rows)
        lengths = torch.tensor([len(ex.chars) for ex in rows], dtype=torch.long)
        chars, bigrams = _padded([ex.chars for ex in rows], seq), _padded([ex.bigrams for ex in rows], seq + 1)
        tags = _padded([ex.tags for ex in rows], seq, fill=-100)  # -100: ignored by the loss
        standards = torch.tensor([ex.standard for ex in rows], dtype=torch.long)
        joint = torch.tensor([ex.joint for ex in rows], dtype=torch.bool)
        teacher: tuple[torch.Tensor | None, torch.Tensor | None] = (None, None)
        if rows[0].teacher_chars is not None:
            teacher = (_padded([ex.teacher_chars or [] for ex in rows], seq),
                       _padded([ex.teacher_bigrams or [] for ex in rows], seq + 1))
        features = _padded_features([ex.features for ex in rows], seq)
        keep = torch.tensor([ex.keep for ex in rows], dtype=torch.long) if rows[0].keep >= 0 else None
        yield Batch(chars, bigrams, lengths, tags, standards, joint, *teacher, features, keep,
                    _padded_features([ex.keep_features for ex in rows], seq))


def _padded_features(rows: Sequence[np.ndarray | None], seq: int) -> torch.Tensor | None:
    """(len(rows), seq, width) the dictionary features of a batch's rows, zero on padding; None without."""
    first = rows[0]
    if first is None:
        return None
    out = torch.zeros(len(rows), seq, first.shape[1])
    for r, feats in enumerate(rows):
        assert feats is not None
        out[r, :len(feats)] = torch.from_numpy(feats)
    return out


def _padded(rows: Sequence[Sequence[int]], width: int, fill: int = 0) -> torch.Tensor:
    """(len(rows), width) the id lists `rows`, padded with `fill`."""
    out = torch.full((len(rows), width), fill, dtype=torch.long)
    for r, ids in enumerate(rows):
        out[r, :len(ids)] = torch.tensor(ids, dtype=torch.long)
    return out


def training_examples(corpora: Sequence[Corpus], vocab: Vocab, mcfg: ModelConfig,
                      teacher_vocab: Vocab | None = None, keep: Sequence[int] = ()
                      ) -> tuple[list[Example], list[list[int]]]:
    """The training pieces of every corpus (standard `k` for the `k`-th), and the indices of each
    corpus's pieces; with their ids in `teacher_vocab` too (a teacher's, when it is not `vocab`);
    each read in one of the standards `keep` too (`make_examples`)."""
    pos_tags = pos_of_labels(mcfg.labels)
    pos_index = None if pos_tags is None else {p: i for i, p in enumerate(pos_tags)}
    examples: list[Example] = []
    groups: list[list[int]] = []
    for k, c in enumerate(corpora):
        if not mcfg.word_features:
            part = make_examples(c.train, vocab, mcfg.max_piece, pos_index, standard=k, teacher_vocab=teacher_vocab,
                                 keep=keep)
        else:  # by folds, each with the dictionary of the other folds (WORD_FOLDS)
            part = []
            for fold in range(WORD_FOLDS):
                rest = (s.words for i, s in enumerate(c.train) if i % WORD_FOLDS != fold)
                words = WordDict([WordDict.collect(rest, mcfg.word_features)], mcfg.word_features)
                part += make_examples(c.train[fold::WORD_FOLDS], vocab, mcfg.max_piece, pos_index, standard=k,
                                      teacher_vocab=teacher_vocab, words=words, keep=keep)
        groups.append(list(range(len(examples), len(examples) + len(part))))
        examples += part
    return examples, groups

