"""The training loop: Adam (SparseAdam for the bigram table), clipping, learning-rate decay,
early stopping on dev word F1, a per-epoch log, and a resumable checkpoint."""

from __future__ import annotations

import json
import logging
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from segmenter import artifact
from segmenter.config import ModelConfig, TrainConfig
from segmenter.corpus import Sentence
from segmenter.metrics import Score, TaggedScore, score, score_tagged
from segmenter.model import BiRNNTagger
from segmenter.segmenter import Segmenter
from segmenter.tags import N_TAGS, pos_of_labels, unit_tags, words_to_tags
from segmenter.text import split_pieces, to_units
from segmenter.vocab import Vocab

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.pt"  # training state between epochs; removed when training ends
TRAIN_LOG = "train_log.jsonl"


@dataclass
class Example:
    chars: list[int]
    bigrams: list[int]  # len(chars) + 1
    tags: list[int]


def make_examples(sentences: Sequence[Sentence], vocab: Vocab, max_piece: int,
                  pos_index: dict[str, int] | None = None) -> list[Example]:
    """Gold sentences as model pieces, cut exactly as `Segmenter` cuts its input.

    With `pos_index` (part of speech -> index) the labels are joint BMES + POS labels
    (`4 * pos + bmes`, see `tags.joint_labels`); a unit takes the part of speech of the word
    holding its last character."""
    out = []
    for sent in sentences:
        units = to_units(sent.text)
        tags = unit_tags(words_to_tags(sent.words), units.starts, units.ends)
        if pos_index is not None:
            tags = _joint_tags(sent, units.ends, tags, pos_index)
        chars, bigrams = vocab.encode(units)
        for s, e in split_pieces(units, max_piece):
            out.append(Example(chars[s:e], bigrams[s:e + 1], tags[s:e]))
    return out


def _joint_tags(sent: Sentence, unit_ends: Sequence[int], tags: Sequence[int],
                pos_index: dict[str, int]) -> list[int]:
    if sent.pos is None:
        raise ValueError("a joint segmentation + POS model needs a POS-tagged corpus (format pfr)")
    char_pos: list[int] = []
    for word, p in zip(sent.words, sent.pos):
        if p not in pos_index:
            raise ValueError(f"part of speech {p!r} is not in the model's tag set")
        char_pos.extend([pos_index[p]] * len(word))
    return [char_pos[e - 1] * N_TAGS + t for e, t in zip(unit_ends, tags)]


def pos_tag_set(sentences: Sequence[Sentence]) -> list[str]:
    """The parts of speech of a tagged corpus, most frequent first."""
    counts = Counter(p for s in sentences for p in (s.pos or ()))
    if not counts:
        raise ValueError("the training corpus has no POS tags (a joint model needs format pfr)")
    return [p for p, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def batches(examples: Sequence[Example], size: int, rng: random.Random) -> Iterator[tuple[torch.Tensor, ...]]:
    """Batches of similar length (sorted with a little noise), in random order."""
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].chars) * (1 + 0.2 * rng.random()))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(groups)
    for group in groups:
        seq = max(len(examples[i].chars) for i in group)
        chars = torch.zeros(len(group), seq, dtype=torch.long)
        bigrams = torch.zeros(len(group), seq + 1, dtype=torch.long)
        tags = torch.full((len(group), seq), -100, dtype=torch.long)  # -100: ignored by the loss
        lengths = torch.empty(len(group), dtype=torch.long)
        for r, i in enumerate(group):
            ex = examples[i]
            n = len(ex.chars)
            chars[r, :n] = torch.tensor(ex.chars)
            bigrams[r, :n + 1] = torch.tensor(ex.bigrams)
            tags[r, :n] = torch.tensor(ex.tags)
            lengths[r] = n
        yield chars, bigrams, lengths, tags


def evaluate(model: BiRNNTagger, vocab: Vocab, sentences: Sequence[Sentence],
             train_words: set[str] | None = None) -> tuple[Score, TaggedScore | None]:
    """Dev scores through the same path users take (`Segmenter.tokenize_batch`), in one pass:
    word scores, and for a joint model also the joint segmentation + POS score."""
    was_training = model.training
    seg = Segmenter(model, vocab, threads=1)  # leaves the training's torch threads alone
    joint = seg.pos_tags is not None
    pred = seg.tokenize_batch([s.text for s in sentences], pos=joint)
    model.train(was_training)
    words = score([s.words for s in sentences], [[t.text for t in toks] for toks in pred], train_words)
    if not joint:
        return words, None
    return words, score_tagged([list(zip(s.words, s.pos or ())) for s in sentences],
                               [[(t.text, t.pos or "") for t in toks] for toks in pred])


def train(
    train_set: Sequence[Sentence],
    dev_set: Sequence[Sentence],
    out: str | Path,
    model_options: dict[str, Any],
    cfg: TrainConfig,
    *,
    meta: dict[str, Any] | None = None,
    resume: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Train a model into directory `out` (the best epoch by dev F1 is kept there).

    `model_options` are `ModelConfig` fields other than the vocabulary sizes. Returns a
    summary: best epoch, dev score, epochs run, seconds.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / CHECKPOINT
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)

    state: dict[str, Any] | None = None
    if resume and ckpt_path.is_file():
        state = torch.load(ckpt_path, weights_only=True)
        vocab = Vocab.from_json(json.loads(state["vocab"]))
        mcfg = ModelConfig.from_json(json.loads(state["model_config"]))
        log.info("resuming from %s after epoch %d", ckpt_path, state["epoch"])
    else:
        vocab = Vocab.build((to_units(s.text).keys for s in train_set), cfg.min_char_count, cfg.min_bigram_count)
        mcfg = ModelConfig(n_chars=len(vocab.chars), n_bigrams=len(vocab.bigrams), **model_options)
    model = BiRNNTagger(mcfg)
    dense = [p for n, p in model.named_parameters() if not n.startswith("bigram_emb")]
    opt = torch.optim.Adam(dense, lr=cfg.lr)
    opts: list[torch.optim.Optimizer] = [opt]
    if model.bigram_emb is not None:
        opts.append(torch.optim.SparseAdam(list(model.bigram_emb.parameters()), lr=cfg.lr))
    scheds = [torch.optim.lr_scheduler.ExponentialLR(o, gamma=cfg.lr_decay) for o in opts]

    first_epoch, best_f1, best_epoch, bad, elapsed = 1, -1.0, 0, 0, 0.0
    if state is not None:
        model.load_state_dict(state["model"])
        for o, s in zip(opts, state["optimizers"]):
            o.load_state_dict(s)
        for sch, s in zip(scheds, state["schedulers"]):
            sch.load_state_dict(s)
        first_epoch = state["epoch"] + 1
        best_f1, best_epoch, bad, elapsed = state["best_f1"], state["best_epoch"], state["bad"], state["seconds"]
        torch.set_rng_state(state["torch_rng"])
    elif (out / TRAIN_LOG).exists():
        (out / TRAIN_LOG).unlink()

    pos_tags = pos_of_labels(mcfg.tags)
    pos_index = None if pos_tags is None else {p: i for i, p in enumerate(pos_tags)}
    examples = make_examples(train_set, vocab, mcfg.max_piece, pos_index)
    n_units = sum(len(e.chars) for e in examples)
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
    log.info("training on %d pieces (%d units), dev %d sentences; %s", len(examples), n_units, len(dev_set), mcfg)

    epoch = first_epoch - 1
    for epoch in range(first_epoch, cfg.epochs + 1):
        model.train()
        rng = random.Random(cfg.seed * 1000 + epoch)
        t0 = time.perf_counter()
        total_loss, seen = 0.0, 0
        bar = tqdm(total=n_units, desc=f"epoch {epoch}/{cfg.epochs}", unit="ch", unit_scale=True,
                   disable=not progress, file=sys.stderr, leave=False, mininterval=2.0)
        for chars, bigrams, lengths, tags in batches(examples, cfg.batch_size, rng):
            if cfg.unk_replace > 0:
                drop = (torch.rand(bigrams.shape) < cfg.unk_replace) & (bigrams > 1)
                bigrams = bigrams.masked_fill(drop, 1)  # 1 = <UNK>
            for o in opts:
                o.zero_grad(set_to_none=True)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
                scores = model(chars, bigrams, lengths)  # (batch, seq, tags)
            loss = loss_fn(scores.float().reshape(-1, scores.shape[-1]), tags.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(dense, cfg.clip)
            for o in opts:
                o.step()
            n = int(lengths.sum())
            total_loss += loss.item() * n
            seen += n
            bar.update(n)
            bar.set_postfix(loss=f"{total_loss / seen:.4f}")
        bar.close()
        for sch in scheds:
            sch.step()
        train_seconds = time.perf_counter() - t0
        dev, dev_pos = evaluate(model, vocab, dev_set)
        elapsed += time.perf_counter() - t0
        improved = dev.f1 > best_f1
        if improved:
            best_f1, best_epoch, bad = dev.f1, epoch, 0
            full_meta = dict(meta or {})
            full_meta.update(train_config=cfg.to_json(), best_epoch=epoch, dev=dev.to_json(),
                             training_seconds=round(elapsed, 1))
            if dev_pos is not None:
                full_meta["dev_pos"] = dev_pos.to_json()
            artifact.save(out, mcfg, vocab, model.state_dict(), full_meta)
        else:
            bad += 1
        row = {"epoch": epoch, "loss": round(total_loss / max(seen, 1), 5), "dev_f1": round(dev.f1, 5),
               "dev_precision": round(dev.precision, 5), "dev_recall": round(dev.recall, 5),
               "lr": opt.param_groups[0]["lr"], "train_seconds": round(train_seconds, 1),
               "chars_per_s": round(seen / train_seconds), "best": improved}
        if dev_pos is not None:
            row["dev_pos_f1"] = round(dev_pos.f1, 5)
        with (out / TRAIN_LOG).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        if progress:
            print(json.dumps(row), file=sys.stderr)
        torch.save({"epoch": epoch, "model": model.state_dict(), "optimizers": [o.state_dict() for o in opts],
                    "schedulers": [s.state_dict() for s in scheds], "best_f1": best_f1, "best_epoch": best_epoch,
                    "bad": bad, "seconds": elapsed, "torch_rng": torch.get_rng_state(),
                    "vocab": json.dumps(vocab.to_json()), "model_config": json.dumps(mcfg.to_json())},
                   ckpt_path)
        if bad >= cfg.patience:
            log.info("no dev gain for %d epochs: stopping", bad)
            break
    ckpt_path.unlink(missing_ok=True)
    return {"best_epoch": best_epoch, "dev_f1": best_f1, "epochs_run": epoch, "seconds": round(elapsed, 1)}
