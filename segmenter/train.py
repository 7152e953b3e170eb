"""The training loop: Adam (SparseAdam for the bigram table), clipping, learning-rate decay,
early stopping on dev word F1, a per-epoch log, and a resumable checkpoint."""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from segmenter import artifact
from segmenter.config import MIXED, ModelConfig, TrainConfig
from segmenter.corpus import Sentence
from segmenter.model import BiRNNTagger
from segmenter.scoring import Score, TaggedScore, score, score_tagged
from segmenter.segmenter import Segmenter
from segmenter.tags import N_TAGS, pos_of_labels, unit_tags, words_to_tags
from segmenter.text import split_pieces, to_units
from segmenter.vocab import Vocab, WordDict

log = logging.getLogger(__name__)

# A model with dictionary features learns them on words it could not have seen: the features of
# each training sentence come from the words of the other folds of its corpus (sentence i is in
# fold i % WORD_FOLDS), so that unseen words are as rare in training as in new text.
WORD_FOLDS = 5
CHECKPOINT = "checkpoint.pt"  # training state between epochs; removed when training ends
TRAIN_LOG = "train_log.jsonl"


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

    @property
    def has_pos(self) -> bool:
        return any(s.pos is not None for s in self.train)


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


def tag_loss(scores: torch.Tensor, tags: torch.Tensor, joint: torch.Tensor,
             teacher: torch.Tensor | None = None, alpha: float = 0.0, temperature: float = 1.0,
             factored: bool = False) -> torch.Tensor:
    """Mean loss per labelled position.

    scores (batch, seq, outputs) raw scores (`ModelConfig.n_outputs`); tags (batch, seq) gold labels,
    -100 on padding; joint (batch,) False where a row's tags are BMES only. A joint label model on
    such a row is scored by the BMES tag's probability summed over every part of speech; a
    `factored` model (4 BMES scores, then one per part of speech) adds the part-of-speech loss only
    on rows that have one. With `teacher` (batch, seq, labels or outputs) scores of a teacher, the
    loss is (1 - alpha) * gold + alpha * T^2 * KL(teacher_T || student_T), both distributions
    softened by temperature T (Hinton et al. 2015); a factored student learns the teacher's BMES
    and part-of-speech marginals."""
    valid = tags >= 0
    t = tags.clamp(min=0).unsqueeze(-1)  # (batch, seq, 1)
    if factored:
        gold = _nll(scores[..., :N_TAGS], t % N_TAGS)[valid].mean()
        with_pos = valid & joint.unsqueeze(1)
        if bool(with_pos.any()):
            gold = gold + _nll(scores[..., N_TAGS:], t // N_TAGS)[with_pos].mean()
    else:
        logp = scores.log_softmax(-1)  # (batch, seq, labels)
        nll = -logp.gather(-1, t).squeeze(-1)  # (batch, seq)
        n_labels = scores.shape[-1]
        if n_labels != N_TAGS and not bool(joint.all()):
            seg = logp.reshape(*logp.shape[:2], n_labels // N_TAGS, N_TAGS).logsumexp(2)  # (batch, seq, 4)
            nll = torch.where(joint.unsqueeze(1), nll, -seg.gather(-1, t % N_TAGS).squeeze(-1))
        gold = nll[valid].mean()
    if teacher is None or alpha == 0.0:
        return gold
    if factored:
        if teacher.shape[-1] != scores.shape[-1]:  # a joint-label teacher: its BMES and POS marginals
            p = (teacher / temperature).softmax(-1).reshape(*teacher.shape[:2], -1, N_TAGS)  # (batch, seq, pos, 4)
            kl = _kl(p.sum(2), scores[..., :N_TAGS], temperature) + _kl(p.sum(3), scores[..., N_TAGS:], temperature)
        else:
            kl = (_kl((teacher[..., :N_TAGS] / temperature).softmax(-1), scores[..., :N_TAGS], temperature)
                  + _kl((teacher[..., N_TAGS:] / temperature).softmax(-1), scores[..., N_TAGS:], temperature))
    else:
        kl = _kl((teacher / temperature).softmax(-1), scores, temperature)
    return (1 - alpha) * gold + alpha * temperature ** 2 * kl[valid].mean()


def _nll(scores: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(batch, seq) negative log-probability of `target` (batch, seq, 1) under softmax(scores)."""
    return -scores.log_softmax(-1).gather(-1, target).squeeze(-1)


def _kl(p_teacher: torch.Tensor, student: torch.Tensor, temperature: float) -> torch.Tensor:
    """(batch, seq) KL(p_teacher || softmax(student / T))."""
    logp_s = (student / temperature).log_softmax(-1)
    return (p_teacher * (p_teacher.clamp_min(1e-12).log() - logp_s)).sum(-1)


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


def load_pretrained(model: BiRNNTagger, vocab: Vocab, path: str | Path) -> dict[str, int]:
    """Initialise the unit and bigram embeddings from an `.npz` of `segmenter.pretrain` (keys and
    vectors of each table); rows without a pretrained vector are drawn at the pretrained vectors'
    scale. Returns how many rows of each table were found."""
    data = np.load(path, allow_pickle=False)
    found = {}
    for name, keys, table in (("chars", vocab.chars, model.char_emb),
                              ("bigrams", vocab.bigrams, model.bigram_emb)):
        if table is None or f"{name}_keys" not in data:
            continue
        vectors = torch.from_numpy(data[f"{name}_vectors"]).float()
        if vectors.shape[1] != table.embedding_dim:
            raise ValueError(f"{path}: {name} vectors have {vectors.shape[1]} dimensions, the model "
                             f"{table.embedding_dim}")
        where = {k: i for i, k in enumerate(data[f"{name}_keys"].tolist())}
        rows = [(r, where[k]) for r, k in enumerate(keys) if k in where]
        with torch.no_grad():
            table.weight.normal_(0.0, float(vectors.std()))
            table.weight[0].zero_()  # padding
            if rows:
                dst, src = zip(*rows)
                table.weight[list(dst)] = vectors[list(src)]
        found[name] = len(rows)
    return found


_DevScores = dict[str, tuple[Score, TaggedScore | None]]  # standard -> word score, joint POS score


@dataclass
class _Teacher:
    """One trained model, or an ensemble of them, whose label distributions a student learns; with
    the vocabulary its input ids are in (the first model's)."""

    models: list[BiRNNTagger]  # in evaluation mode, all with the same labels
    vocab: Vocab
    standards: list[torch.Tensor | None]  # per model: student standard index -> that model's index
    # per model: (char, bigram) id of each `vocab` id in that model's own vocabulary; None: `vocab` is its own
    inputs: list[tuple[torch.Tensor, torch.Tensor] | None]

    @property
    def config(self) -> ModelConfig:
        return self.models[0].config

    @property
    def words(self) -> WordDict | None:
        """The dictionary its members with dictionary features read (the first model's), if any has them."""
        return self.vocab.words if any(m.config.word_features for m in self.models) else None

    def scores(self, chars: torch.Tensor, bigrams: torch.Tensor, lengths: torch.Tensor,
               standards: torch.Tensor, features: torch.Tensor | None = None) -> torch.Tensor:
        """(batch, seq, labels) the teacher's scores of a batch; `standards` in the student's indices;
        `features` the dictionary features of the batch, from `words`, for members that read them.
        An ensemble's are the log of its members' mean probabilities (per head of a factored one):
        at temperature 1 the student learns the mean distribution."""
        if features is None and self.words is not None:
            raise ValueError("this teacher reads dictionary features: give those of the batch")
        with torch.no_grad():
            outs = [m(chars if to is None else to[0][chars], bigrams if to is None else to[1][bigrams], lengths,
                      None if ix is None else ix[standards],
                      features if m.config.word_features else None).float()
                    for m, ix, to in zip(self.models, self.standards, self.inputs)]
            if len(outs) == 1:
                return outs[0]
            heads = [slice(0, N_TAGS), slice(N_TAGS, None)] if self.config.factored else [slice(None)]
            return torch.cat([torch.stack([o[..., h].softmax(-1) for o in outs]).mean(0).log() for h in heads], -1)


@dataclass
class _Optimisers:
    """Adam for the dense parameters (their gradients clipped) and SparseAdam for the bigram
    table, each with its learning-rate decay per epoch."""

    dense: list[nn.Parameter]
    optimizers: list[torch.optim.Optimizer]
    schedulers: list[torch.optim.lr_scheduler.ExponentialLR]

    @classmethod
    def for_model(cls, model: BiRNNTagger, cfg: TrainConfig) -> _Optimisers:
        dense = [p for n, p in model.named_parameters() if not n.startswith("bigram_emb") and p.requires_grad]
        opts: list[torch.optim.Optimizer] = [torch.optim.Adam(dense, lr=cfg.lr)]
        if model.bigram_emb is not None and model.bigram_emb.weight.requires_grad:
            opts.append(torch.optim.SparseAdam(list(model.bigram_emb.parameters()), lr=cfg.lr))
        return cls(dense, opts, [torch.optim.lr_scheduler.ExponentialLR(o, gamma=cfg.lr_decay) for o in opts])

    @property
    def lr(self) -> Any:
        """The dense parameters' current learning rate."""
        return self.optimizers[0].param_groups[0]["lr"]

    def zero_grad(self) -> None:
        for o in self.optimizers:
            o.zero_grad(set_to_none=True)

    def step(self, clip: float) -> None:
        nn.utils.clip_grad_norm_(self.dense, clip)
        for o in self.optimizers:
            o.step()

    def decay(self) -> None:
        for s in self.schedulers:
            s.step()

    def state_dict(self) -> dict[str, Any]:
        """The checkpoint's "optimizers" and "schedulers" entries."""
        return {"optimizers": [o.state_dict() for o in self.optimizers],
                "schedulers": [s.state_dict() for s in self.schedulers]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for o, s in zip(self.optimizers, state["optimizers"]):
            o.load_state_dict(s)
        for sch, s in zip(self.schedulers, state["schedulers"]):
            sch.load_state_dict(s)


@dataclass
class _Record:
    """Where a run stands: the checkpoint's entries besides the weights and optimiser states."""

    epoch: int = 0  # the last epoch finished
    best_f1: float = -1.0  # mean dev F1 over the standards
    best_epoch: int = 0
    bad: int = 0  # epochs since the last dev gain
    seconds: float = 0.0  # training and evaluation so far


@dataclass
class _Run:
    """What a training run holds fixed over its epochs."""

    out: Path
    cfg: TrainConfig
    corpora: Sequence[Corpus]
    multi: bool  # a multi-standard model: the standard is an input
    vocab: Vocab
    mcfg: ModelConfig
    model: BiRNNTagger
    opt: _Optimisers
    teacher: _Teacher | None
    examples: list[Example]
    groups: list[list[int]]  # indices into `examples` of each corpus's pieces
    quotas: list[int]  # pieces drawn from each corpus per epoch
    units_per_epoch: int
    std_index: torch.Tensor  # (corpora,) each corpus's index in the model's standards
    keeper: _Teacher | None = None  # the model fine-tuned, teaching the standards it keeps (`Example.keep`)
    mixed_of: list[int] = dataclasses.field(default_factory=list)  # the standards `MIXED` is the mean of


def train(
    corpora: Sequence[Corpus],
    out: str | Path,
    model_options: dict[str, Any],
    cfg: TrainConfig,
    *,
    meta: dict[str, Any] | None = None,
    resume: bool = False,
    progress: bool = True,
    pretrained: str | Path | None = None,
    teacher: str | Path | Sequence[str | Path] | None = None,
    init: str | Path | None = None,
) -> dict[str, Any]:
    """Train a model into directory `out` (the best epoch by dev F1 is kept there).

    One corpus trains a single-standard model, as before; several (or `model_options` with
    `standards`) a multi-standard one whose standard input is each corpus's `standard`, each
    epoch drawing from the corpora by `cfg.sample_alpha`; the best epoch is the one with the
    highest mean dev F1 over the standards. `model_options` are `ModelConfig` fields other than
    the vocabulary sizes (and the standards). `pretrained`: embeddings to start from
    (`load_pretrained`). `teacher`: a model directory whose label distributions the model also
    learns (`cfg.distill_alpha`), or several (an ensemble: their mean distributions); the model
    then shares the teacher's vocabulary and labels.
    `init`: a model directory whose weights the run starts from (fine-tuning; its vocabulary
    and configuration must be the ones this run builds, e.g. both from the same teacher).
    Returns a summary: best epoch, dev scores, epochs run, seconds.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    if not corpora:
        raise ValueError("no training corpus")
    run, record = _prepare(out, corpora, model_options, cfg, resume=resume, pretrained=pretrained, teacher=teacher,
                           init=init)
    # one bar for the epochs left: its estimate is the training time left (dev scoring comes on top)
    bar = tqdm(total=run.units_per_epoch * max(cfg.epochs - record.epoch, 0), unit="ch", unit_scale=True,
               disable=not progress, file=sys.stderr, mininterval=2.0)
    for epoch in range(record.epoch + 1, cfg.epochs + 1):
        _run_epoch(run, record, epoch, meta, bar)
        if record.bad >= cfg.patience:
            log.info("no dev gain for %d epochs: stopping", record.bad)
            break
    bar.close()
    (out / CHECKPOINT).unlink(missing_ok=True)
    return {"best_epoch": record.best_epoch, "dev_f1": record.best_f1, "epochs_run": record.epoch,
            "seconds": round(record.seconds, 1)}


def _prepare(out: Path, corpora: Sequence[Corpus], model_options: dict[str, Any], cfg: TrainConfig, *,
             resume: bool, pretrained: str | Path | None, teacher: str | Path | Sequence[str | Path] | None,
             init: str | Path | None = None) -> tuple[_Run, _Record]:
    """The model, optimisers and training pieces of a run, and where it stands: from the
    checkpoint in `out` when resuming from one, else new (and the training log emptied)."""
    if MIXED in [c.standard for c in corpora]:
        raise ValueError(f"no corpus may be named {MIXED!r}: that is the standard --mixed-share trains")
    teacher_model = _load_teacher(teacher, [c.standard for c in corpora]) if teacher is not None else None
    checkpoint = _read_checkpoint(out / CHECKPOINT) if resume else None
    start = artifact.load(model_path(init)) if init is not None else None  # the model fine-tuned
    if start is not None:
        model_options = inherited_options(start.config, model_options, str(init))
    if cfg.trains_mixed and model_options.get("word_features"):
        raise ValueError("--mixed-share and --mixed-only do not go with dictionary features (--word-features, "
                         "or an --init model that has them) yet")
    if checkpoint is not None:
        state, vocab, mcfg = checkpoint
        saved = tuple(state.get("mixed", (0.0, False)))  # checkpoints before the mixed standard: neither
        if saved != (cfg.mixed_share, cfg.mixed_only):
            raise ValueError(f"{out / CHECKPOINT} was trained with --mixed-share {saved[0]} and --mixed-only "
                             f"{saved[1]}: resume it with the same")
    elif start is not None:
        vocab, mcfg = _finetune_vocab_and_config(corpora, start, model_options, cfg.trains_mixed, str(init))
    else:
        if cfg.mixed_only:
            raise ValueError("--mixed-only trains the mixed standard of a trained model: give --init MODEL_DIR")
        vocab, mcfg = _new_vocab_and_config(corpora, model_options, cfg,
                                            len(corpora) > 1 or bool(model_options.get("standards")),
                                            teacher_model, mixed=cfg.trains_mixed)
    multi = bool(mcfg.standards)
    if cfg.trains_mixed and not multi:
        raise ValueError("a mixed standard is trained beside several standards: --train NAME=PATH for each")
    model = BiRNNTagger(mcfg)
    if checkpoint is None and pretrained is not None:
        log.info("pretrained embeddings from %s: %s", pretrained, load_pretrained(model, vocab, pretrained))
    if start is not None and checkpoint is None:
        _load_init(model, vocab, start, str(init))
    if cfg.mixed_only:  # the standard embedding alone learns; of it, only the mixed row is ever read
        for name, param in model.named_parameters():
            param.requires_grad_(name == "std_emb.weight")
    opt = _Optimisers.for_model(model, cfg)
    if checkpoint is not None:
        record = _restore(state, model, opt)
    else:
        (out / TRAIN_LOG).unlink(missing_ok=True)
        record = _Record()
    if teacher_model is not None and teacher_model.config.labels != mcfg.labels:
        raise ValueError("the teacher's labels differ from the student's (a resumed run keeps its own)")
    if teacher_model is not None and teacher_model.words is not None and not _same_words(
            teacher_model.words, teacher_model.config.standards, vocab.words, mcfg.standards,
            [c.standard for c in corpora]):
        raise ValueError("the teacher reads dictionary features: the student must read the same ones (the same "
                         "corpora and --word-features as the teacher, without --own-vocab)")
    # the standards of the starting model this run does not train: kept by its distributions
    trained = {c.standard for c in corpora}
    had = _standards_of(start) if start is not None else ()
    keep = ([i for i, name in enumerate(mcfg.standards) if name in had and name not in trained and name != MIXED]
            if cfg.keep_alpha > 0 else [])
    keeper = _keeper(start, mcfg) if start is not None and keep else None
    examples, groups = _training_examples(corpora, vocab, mcfg, teacher_model, keep)
    quotas = epoch_quotas([len(g) for g in groups], cfg.sample_alpha if multi else 1.0)
    units_per_epoch = sum(len(examples[i].chars) for i in epoch_order(groups, quotas, cfg.seed, 1))
    log.info("training on %s pieces per epoch (%d units), dev %s sentences; %s",
             dict(zip([c.standard for c in corpora], quotas)), units_per_epoch,
             {c.standard: len(c.dev) for c in corpora}, mcfg)
    if keep:
        log.info("keeping standards %s: each piece also read in one of them, the starting model's "
                 "distributions as the target (weight %g)", [mcfg.standards[i] for i in keep], cfg.keep_alpha)
    std_index = torch.tensor([mcfg.standards.index(c.standard) if multi else 0 for c in corpora])
    before = had if start is not None else mcfg.standards  # what the mixed standard averages
    mixed_of = [i for i, name in enumerate(mcfg.standards) if name != MIXED and name in before]
    return _Run(out, cfg, corpora, multi, vocab, mcfg, model, opt, teacher_model, examples, groups, quotas,
                units_per_epoch, std_index, keeper, mixed_of), record


# `ModelConfig` fields a fine-tuning run takes from the model it starts from (any other value asked
# for is an error naming the option), and the training options that name them
INHERITED = ("cell", "layers", "hidden", "char_dim", "bigram_dim", "bidirectional", "max_piece", "standard_dim",
             "standard_input", "labels", "factored", "word_features", "head")
_OPTION = {"bidirectional": "--unidirectional", "labels": "--pos"}


def model_path(ref: str | Path) -> Path:
    """The directory of a model reference as every door reads it: a shipped model's name
    (`segmenter.segmenter.resolve`) or a path."""
    from segmenter.segmenter import resolve

    path, standard = resolve(ref)
    if standard is not None:
        raise ValueError(f"--init {ref}: give the model ({path.name}), not one of its standards")
    return path


def inherited_options(start: ModelConfig, options: dict[str, Any], init: str) -> dict[str, Any]:
    """`options` (`ModelConfig` fields asked for) with every field of `INHERITED` taken from `start`,
    the model a run fine-tunes; a field asked for with another value is a `ValueError` naming its
    option (`pos`: True asks for a joint model, as --pos does). Dictionary features may be added to
    a model without them; dropout may change."""
    joint = len(start.labels) > 4
    options = dict(options)
    if options.pop("pos", False) and not joint:
        raise ValueError(f"--init {init}: it does not tag parts of speech; --pos contradicts it (leave --pos out: "
                         "a fine-tuned model keeps the network it starts from)")
    for name in INHERITED:
        if name not in options or options[name] == getattr(start, name):
            continue
        asked, has = options[name], getattr(start, name)
        if name == "labels" and (len(asked) > 4) == joint:
            continue  # the model's own tag set is kept
        if name == "word_features" and (not asked or not has):
            continue  # 0 asks for nothing; added to a model without them
        if name == "standard_dim" and not start.standards:
            continue
        flag = _OPTION.get(name, "--" + name.replace("_", "-"))
        what = ("tags parts of speech" if joint else "does not tag parts of speech") if name == "labels" else \
            f"has {name} {has!r}"
        raise ValueError(f"--init {init}: it {what}; {flag} contradicts it (leave {flag} out: a fine-tuned model "
                         "keeps the network it starts from)")
    inherited = {name: getattr(start, name) for name in INHERITED}
    inherited["word_features"] = start.word_features or options.get("word_features") or 0
    return {**options, **inherited}


def _finetune_vocab_and_config(corpora: Sequence[Corpus], start: artifact.Artifact, options: dict[str, Any],
                               mixed: bool, init: str) -> tuple[Vocab, ModelConfig]:
    """The vocabulary and configuration of a run that fine-tunes `start`: its units, bigrams and
    network (`options`, see `inherited_options`); its standards, then the corpora's new ones (then
    `MIXED` if it has it or `mixed`); each standard's dictionary its own words and its corpus's."""
    old = start.config
    names = [c.standard for c in corpora]
    had = _standards_of(start)
    own = start.meta.get("standard")
    if not old.standards and len(names) == 1 and (names[0] in ("", own) or not own):
        standards: tuple[str, ...] = ()  # a one-standard model continued in its standard (or an unnamed one)
    elif "" in names:
        raise ValueError(f"--init {init}: name the standard of each corpus, one of the model's "
                         f"({', '.join(had)}) or a new one (--train NAME=PATH)")
    else:  # a one-standard model given another standard becomes a multi-standard one
        kept = [name for name in had if name != MIXED]
        standards = tuple(kept + [n for n in names if n not in kept])
        standards += (MIXED,) if MIXED in old.standards or mixed else ()
    longest = options.get("word_features") or 0
    words = None
    if longest:
        corpus_of = {c.standard: c for c in corpora} if standards else {"": corpora[0]}
        entries = []
        for name in standards or ("",):
            if name == MIXED:
                entries.append(WordDict.UNION)
                continue
            parts = []
            if start.vocab.words is not None and name in (had if standards else ("",)):
                parts.append(start.vocab.words.words[old.standards.index(name) if old.standards else 0])
            if name in corpus_of:
                parts.append(WordDict.collect((s.words for s in corpus_of[name].train), longest))
            entries.append(parts[0] if len(parts) == 1 else " ".join(sorted({w for p in parts for w in p.split()})))
        words = WordDict(entries, longest)
    vocab = Vocab(start.vocab.chars, start.vocab.bigrams, words)
    options = dict(options, standards=standards, standard_dim=(old.standard_dim or 8) if standards else 0)
    return vocab, ModelConfig(n_units=len(vocab.chars), n_bigrams=len(vocab.bigrams), **options)


def _standards_of(start: artifact.Artifact) -> tuple[str, ...]:
    """The standards of a model a run starts from; a one-standard model's is the one its meta.json
    names (`standard`), else "base" (a one-standard model without a name becomes a multi-standard
    one only when given several corpora)."""
    return start.config.standards or (str(start.meta.get("standard") or "base"),)


def _keeper(start: artifact.Artifact, mcfg: ModelConfig) -> _Teacher:
    """The model a run fine-tunes, as the teacher of the standards it keeps: it reads the run's
    standard indices (`mcfg.standards`) as its own."""
    model = BiRNNTagger(start.config)
    model.load_state_dict(_torch_state(start))
    index = (torch.tensor([start.config.standards.index(s) if s in start.config.standards else 0
                           for s in mcfg.standards]) if start.config.standards else None)
    return _Teacher([model.eval()], start.vocab, [index], [None])


def _load_init(model: BiRNNTagger, vocab: Vocab, art: artifact.Artifact, path: str) -> None:
    """Start from the weights of `art`, the model directory `path`: the same vocabulary and network,
    or with dictionary features added (their weights starting at zero), or with standards added (a
    new standard starting as `MIXED`, else as the mean of the others; `MIXED` as their mean)."""
    state = _torch_state(art)
    cfg, old = model.config, art.config
    adds_features = old.word_features == 0 and cfg.word_features > 0
    base = dataclasses.replace(cfg, word_features=0) if adds_features else cfg
    adds_input = not old.standards and bool(cfg.standards)  # a one-standard model becomes a multi-standard one
    same_network = dataclasses.replace(base, standards=old.standards, dropout=old.dropout,
                                       standard_dim=old.standard_dim if adds_input else base.standard_dim) == old
    adds_standards = (base.standards != old.standards and (old.standard_dim > 0 or adds_input)
                      and set(old.standards) <= set(base.standards))
    if not same_network or (base.standards != old.standards and not adds_standards) or art.vocab != vocab:
        raise ValueError(f"--init {path}: its vocabulary or configuration differ from this run's "
                         f"({art.config} vs {model.config})")
    if adds_input:  # the first layer reads the standard through new input columns, starting at zero
        u = cfg.unit_dim
        for side in ("fwd", "bwd")[:2 if cfg.bidirectional else 1]:
            w = state[f"{side}.0.weight_ih_l0"]
            state[f"{side}.0.weight_ih_l0"] = torch.cat([w[:, :u], w.new_zeros(w.shape[0], cfg.standard_dim),
                                                         w[:, u:]], 1)
        assert model.std_emb is not None
        state["std_emb.weight"] = model.std_emb.weight.detach().clone()  # as drawn: the columns learn from it
        log.info("standards %s: the model's own first, read through new inputs starting at zero", cfg.standards)
    elif adds_standards:
        state["std_emb.weight"] = _standard_rows(state["std_emb.weight"], old.standards, cfg.standards)
        log.info("standards %s added", [s for s in cfg.standards if s not in old.standards])
    if adds_features:  # the first layer reads them through new input columns, starting at zero
        for side in ("fwd", "bwd")[:2 if model.config.bidirectional else 1]:
            w = state[f"{side}.0.weight_ih_l0"]
            state[f"{side}.0.weight_ih_l0"] = torch.cat([w, w.new_zeros(w.shape[0], model.config.feature_dim)], 1)
        log.info("dictionary features added (words of 2..%d units), their weights starting at zero",
                 model.config.word_features)
    model.load_state_dict(state)
    log.info("starting from the weights of %s", path)


def _standard_rows(table: torch.Tensor, old: Sequence[str], new: Sequence[str]) -> torch.Tensor:
    """The standard embedding of the standards `new` from `table`, that of `old` (a subset): a
    standard of `old` keeps its row; `MIXED` starts as the mean of the others; another new standard
    as `old`'s `MIXED` if it has it (text of unknown convention is the closest start), else as that mean."""
    mean = table[[i for i, name in enumerate(old) if name != MIXED]].mean(0)
    first = table[old.index(MIXED)] if MIXED in old else mean
    return torch.stack([table[old.index(name)] if name in old else mean if name == MIXED else first
                        for name in new])


def _mixed_as_mean(table: torch.Tensor, rows: Sequence[int] = ()) -> torch.Tensor:
    """`table` (a standard embedding whose last row is `MIXED`'s) with that row set, in place, to
    the mean of the rows `rows` (default: all others): how the mixed standard starts, and stays when
    no piece reads it (standards added by fine-tuning are not in its mean)."""
    with torch.no_grad():
        table[-1] = table[list(rows)].mean(0) if rows else table[:-1].mean(0)
    return table


def _torch_state(art: artifact.Artifact) -> dict[str, torch.Tensor]:
    """A model directory's weights as a torch state dict."""
    return {k: torch.from_numpy(v) for k, v in art.state.items()}


def _read_checkpoint(path: Path) -> tuple[dict[str, Any], Vocab, ModelConfig] | None:
    """The training state saved after the last finished epoch, with its vocabulary and model
    configuration; None without a checkpoint."""
    if not path.is_file():
        return None
    state = torch.load(path, weights_only=True)
    vocab = Vocab.from_json(json.loads(state["vocab"]))
    mcfg = ModelConfig.from_json(json.loads(state["model_config"]))
    log.info("resuming from %s after epoch %d", path, state["epoch"])
    return state, vocab, mcfg


def _new_vocab_and_config(corpora: Sequence[Corpus], model_options: dict[str, Any], cfg: TrainConfig,
                          multi: bool, teacher: _Teacher | None, mixed: bool = False) -> tuple[Vocab, ModelConfig]:
    """A new model's vocabulary (the teacher's unless `cfg.own_vocab`; else built from the training
    sentences) and configuration (with the labels of the teacher; the corpora's standards when
    `multi`, then `MIXED` when `mixed`). A fine-tuned model's: `_finetune_vocab_and_config`."""
    if teacher is not None:
        model_options = dict(model_options, labels=teacher.config.labels)
    if teacher is not None and not cfg.own_vocab:
        vocab = teacher.vocab
    else:
        vocab = Vocab.build((to_units(s.text).keys for c in corpora for s in c.train),
                            cfg.min_char_count, cfg.min_bigram_count)
    if multi:
        standards = tuple(c.standard for c in corpora) + ((MIXED,) if mixed else ())
        model_options = dict(model_options, standards=standards, standard_dim=model_options.get("standard_dim") or 8)
    longest = model_options.get("word_features") or 0
    if longest:  # each standard's dictionary from its training words; the mixed standard's from all
        words = [WordDict.collect((s.words for s in c.train), longest) for c in corpora]
        if mixed:
            words.append(WordDict.UNION)
        vocab = Vocab(vocab.chars, vocab.bigrams, WordDict(words, longest))
    return vocab, ModelConfig(n_units=len(vocab.chars), n_bigrams=len(vocab.bigrams), **model_options)


def _restore(state: dict[str, Any], model: BiRNNTagger, opt: _Optimisers) -> _Record:
    """Weights, optimiser states and torch's random state from a checkpoint; where the run stood."""
    model.load_state_dict(state["model"])
    opt.load_state_dict(state)
    torch.set_rng_state(state["torch_rng"])
    return _Record(state["epoch"], state["best_f1"], state["best_epoch"], state["bad"], state["seconds"])


def _training_examples(corpora: Sequence[Corpus], vocab: Vocab, mcfg: ModelConfig,
                       teacher: _Teacher | None = None, keep: Sequence[int] = ()
                       ) -> tuple[list[Example], list[list[int]]]:
    """The training pieces of every corpus (standard `k` for the `k`-th), and the indices of each
    corpus's pieces; with the teacher's ids too when its vocabulary is not `vocab`; each read in one
    of the standards `keep` too (`make_examples`)."""
    teacher_vocab = teacher.vocab if teacher is not None and teacher.vocab != vocab else None
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


def _run_epoch(run: _Run, record: _Record, epoch: int, meta: dict[str, Any] | None, bar: tqdm) -> None:
    """Train one epoch (its progress on `bar`), score every dev set, save the model when the mean
    dev F1 improved, append the epoch's row to the training log and write the checkpoint; `record`
    moves on."""
    t0 = time.perf_counter()
    total_loss, seen = _train_epoch(run, epoch, bar)
    run.opt.decay()
    train_seconds = time.perf_counter() - t0
    has_mixed = MIXED in run.mcfg.standards
    if has_mixed and not run.cfg.trains_mixed and run.model.std_emb is not None:
        _mixed_as_mean(run.model.std_emb.weight, run.mixed_of)  # no piece reads it: it stays the mean
    dev = {c.standard: evaluate(run.model, run.vocab, c.dev, standard=c.standard if run.multi else None)
           for c in run.corpora}
    # each dev set also read in the mixed standard (reported; the best epoch is still the standards' mean)
    mixed = ({c.standard: evaluate(run.model, run.vocab, c.dev, standard=MIXED)[0] for c in run.corpora}
             if has_mixed else {})
    record.seconds += time.perf_counter() - t0
    # the best epoch: the best mean over the standards (in the mixed standard when only it learns)
    mean_f1 = _mean_f1(mixed.values()) if run.cfg.mixed_only else _mean_f1(d for d, _ in dev.values())
    improved = mean_f1 > record.best_f1
    record.epoch = epoch
    if improved:
        record.best_f1, record.best_epoch, record.bad = mean_f1, epoch, 0
        artifact.save(run.out, run.mcfg, run.vocab, run.model.state_dict(),
                      _best_meta(run, meta, epoch, record.seconds, dev, mixed))
    else:
        record.bad += 1
    row = _log_row(run, epoch, total_loss / max(seen, 1), seen / train_seconds, train_seconds, improved, dev, mixed)
    with (run.out / TRAIN_LOG).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")
    if not bar.disable:
        bar.write(json.dumps(row), file=sys.stderr)
    torch.save({"epoch": epoch, "model": run.model.state_dict(), **run.opt.state_dict(),
                "best_f1": record.best_f1, "best_epoch": record.best_epoch, "bad": record.bad,
                "seconds": record.seconds, "torch_rng": torch.get_rng_state(),
                "mixed": (run.cfg.mixed_share, run.cfg.mixed_only),
                "vocab": json.dumps(run.vocab.to_json()), "model_config": json.dumps(run.mcfg.to_json())},
               run.out / CHECKPOINT)


def _train_epoch(run: _Run, epoch: int, bar: tqdm) -> tuple[float, int]:
    """One pass over the epoch's pieces, shown on `bar`; returns the loss summed over units, and the
    units seen."""
    run.model.train()
    rng = random.Random(run.cfg.seed * 1000 + epoch)
    total_loss, seen = 0.0, 0
    bar.set_description(f"epoch {epoch}/{run.cfg.epochs}")
    order = epoch_order(run.groups, run.quotas, run.cfg.seed, epoch)
    for batch in batches(run.examples, run.cfg.batch_size, rng, order):
        loss = _train_step(run, batch)
        n = int(batch.lengths.sum())  # the batch's units
        total_loss += loss * n
        seen += n
        bar.update(n)
        bar.set_postfix(loss=f"{total_loss / seen:.4f}")
    return total_loss, seen


def _train_step(run: _Run, batch: Batch) -> float:
    """One optimiser step on one batch of `batches`; returns its mean loss per unit."""
    cfg = run.cfg
    chars, bigrams, lengths, tags, standards, joint = batch[:6]
    if cfg.unk_replace > 0:
        drop = (torch.rand(bigrams.shape) < cfg.unk_replace) & (bigrams > 1)
        bigrams = bigrams.masked_fill(drop, 1)  # 1 = <UNK>
    soft = None
    if run.teacher is not None and cfg.distill_alpha > 0:
        t_chars, t_bigrams = ((chars, bigrams) if batch.teacher_chars is None or batch.teacher_bigrams is None
                              else (batch.teacher_chars, batch.teacher_bigrams))
        soft = run.teacher.scores(t_chars, t_bigrams, lengths, standards,
                                  batch.features)  # (batch, seq, teacher's outputs)
    run.opt.zero_grad()
    read_as = run.std_index[standards]  # corpus -> the model's standard
    if run.multi and cfg.trains_mixed:  # the rows that read the mixed standard; their labels and teacher
        mixed = run.mcfg.standards.index(MIXED)  # stay their corpus's
        read_as = (torch.full_like(standards, mixed) if cfg.mixed_only
                   else standards.masked_fill(torch.rand(standards.shape) < cfg.mixed_share, mixed))
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
        scores = run.model(chars, bigrams, lengths, read_as if run.multi else None,
                           batch.features)  # (batch, seq, tags)
    loss = run.model.loss(scores.float(), tags, joint, soft, cfg.distill_alpha, cfg.distill_temperature)
    if run.keeper is not None and batch.keep is not None:  # the same pieces in kept standards: as they were
        target = run.keeper.scores(chars, bigrams, lengths, batch.keep, batch.keep_features)  # (batch, seq, outputs)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
            kept = run.model(chars, bigrams, lengths, batch.keep, batch.keep_features)  # (batch, seq, outputs)
        loss = loss + cfg.keep_alpha * run.model.loss(kept.float(), tags, joint, target, 1.0)
    loss.backward()
    run.opt.step(cfg.clip)
    return loss.item()


def _mean_f1(scores: Iterable[Score]) -> float:
    """The mean word F1 of dev scores (one per standard): what picks the best epoch."""
    f1s = [s.f1 for s in scores]
    return sum(f1s) / len(f1s)


def _best_meta(run: _Run, meta: dict[str, Any] | None, epoch: int, seconds: float,
               dev: _DevScores, mixed: dict[str, Score]) -> dict[str, Any]:
    """meta.json of the model saved at `epoch`: `meta`, the training configuration and the dev
    scores (those of the first standard, and of each for a multi-standard model; `mixed`: each
    standard's dev set read in the mixed standard)."""
    full_meta = dict(meta or {})
    full_meta.update(train_config=run.cfg.to_json(), best_epoch=epoch, training_seconds=round(seconds, 1),
                     **dev_meta(dev, mixed, run.corpora[0].standard, run.multi))
    if run.multi:
        full_meta["default_standard"] = run.corpora[0].standard
    return full_meta


def dev_meta(dev: _DevScores, mixed: dict[str, Score], first: str, multi: bool) -> dict[str, Any]:
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


def _log_row(run: _Run, epoch: int, loss: float, chars_per_s: float, train_seconds: float, improved: bool,
             dev: _DevScores, mixed: dict[str, Score]) -> dict[str, Any]:
    """The training log's row of one epoch."""
    first_dev, first_pos = dev[run.corpora[0].standard]
    row: dict[str, Any] = {
        "epoch": epoch, "loss": round(loss, 5), "dev_f1": round(first_dev.f1, 5),
        "dev_precision": round(first_dev.precision, 5), "dev_recall": round(first_dev.recall, 5),
        "lr": run.opt.lr, "train_seconds": round(train_seconds, 1), "chars_per_s": round(chars_per_s),
        "best": improved}
    if first_pos is not None:
        row["dev_pos_f1"] = round(first_pos.f1, 5)
    if run.multi:
        row["dev_f1_by_standard"] = {k: round(d.f1, 5) for k, (d, _) in dev.items()}
        row["dev_f1_mean"] = round(_mean_f1(d for d, _ in dev.values()), 5)
    if mixed:
        row["dev_f1_mixed_by_standard"] = {k: round(d.f1, 5) for k, d in mixed.items()}
        row["dev_f1_mixed_mean"] = round(_mean_f1(mixed.values()), 5)
    return row


def _same_words(words: WordDict | None, standards: Sequence[str], other: WordDict | None,
                other_standards: Sequence[str], names: Sequence[str]) -> bool:
    """Whether two models' dictionaries (None: no dictionary features) give the standards `names`
    the same features (`WordDict.same_words`)."""
    if words is None or other is None:
        return words is None and other is None
    return words.same_words(standards, other, other_standards, names)


def _load_teacher(paths: str | Path | Sequence[str | Path], standards: Sequence[str]) -> _Teacher:
    """The trained model(s) of `paths` in evaluation mode, checked to know every standard trained
    on and, for an ensemble, to share one set of labels. An ensemble reads ids of the first
    model's vocabulary; a model with another vocabulary must have none of its keys missing from
    that one (e.g. the same text with a higher minimum count: list the largest vocabulary first),
    and reads them translated into its own."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    models: list[BiRNNTagger] = []
    indices: list[torch.Tensor | None] = []
    inputs: list[tuple[torch.Tensor, torch.Tensor] | None] = []
    vocab: Vocab | None = None
    for path in paths:
        art = artifact.load(path)
        missing = [s for s in standards if art.config.standards and s not in art.config.standards]
        if missing or (len(standards) > 1 and not art.config.standards):
            raise ValueError(f"teacher {path} has standards {list(art.config.standards) or '(one, unnamed)'}; "
                             f"the student trains {list(standards)}: the teacher must know each of them")
        first_words = vocab.words if vocab is not None else None  # the first model's
        if art.config.word_features and models and not _same_words(
                first_words, models[0].config.standards, art.vocab.words, art.config.standards, standards):
            raise ValueError(f"teacher {path} reads dictionary features, and {paths[0]} not the same ones: the "
                             "members of an ensemble read the first one's (list one with them first)")
        if vocab is not None and (art.config.labels != models[0].config.labels
                                  or art.config.factored != models[0].config.factored):
            raise ValueError(f"teacher {path}: an ensemble's models must share their labels (those of {paths[0]})")
        if vocab is not None and art.vocab != vocab and not vocab.covers(art.vocab):
            raise ValueError(f"teacher {path}: its vocabulary has keys that {paths[0]}'s lacks; an ensemble "
                             "reads the first model's ids, so list the model with the largest vocabulary first")
        if vocab is None or art.vocab == vocab:
            inputs.append(None)
        else:
            to_chars, to_bigrams = vocab.translation(art.vocab)
            inputs.append((torch.from_numpy(to_chars), torch.from_numpy(to_bigrams)))
        model = BiRNNTagger(art.config)
        model.load_state_dict(_torch_state(art))
        models.append(model.eval())
        indices.append(torch.tensor([art.config.standards.index(s) for s in standards])
                       if art.config.standards else None)
        if vocab is None:
            vocab = art.vocab
    if vocab is None:
        raise ValueError("no teacher model")
    return _Teacher(models, vocab, indices, inputs)
