"""The training loop: Adam (SparseAdam for the bigram table), clipping, learning-rate decay,
early stopping on dev word F1, a per-epoch log, and a resumable checkpoint."""

from __future__ import annotations

import json
import logging
import random
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from segmenter import artifact
from segmenter.config import MIXED, TrainConfig
from segmenter.model import BiRNNTagger
from segmenter.training import report
from segmenter.training.checkpoint import CHECKPOINT, Record, restore, write_checkpoint
from segmenter.training.data import Batch, Corpus, Example, batches, epoch_order, epoch_quotas, training_examples
from segmenter.training.optim import Optimisers
from segmenter.training.options import ModelOptions
from segmenter.training.plan import RunPlan, TeacherPaths, plan_run
from segmenter.training.report import TRAIN_LOG
from segmenter.training.start import load_init, load_pretrained, mixed_as_mean
from segmenter.training.teacher import Teacher, keeper

log = logging.getLogger(__name__)


@dataclass
class Run:
    """What a training run holds fixed over its epochs: its plan, and the model, optimisers and
    training pieces made from it."""

    plan: RunPlan
    model: BiRNNTagger
    opt: Optimisers
    examples: list[Example]
    groups: list[list[int]]  # indices into `examples` of each corpus's pieces
    quotas: list[int]  # pieces drawn from each corpus per epoch
    units_per_epoch: int
    std_index: torch.Tensor  # (corpora,) each corpus's index in the model's standards
    keeper: Teacher | None = None  # the model fine-tuned, teaching the standards it keeps (`Example.keep`)

    @property
    def cfg(self) -> TrainConfig:
        return self.plan.cfg


def train(
    corpora: Sequence[Corpus],
    out: str | Path,
    model_options: Mapping[str, Any] | ModelOptions,
    cfg: TrainConfig,
    *,
    meta: dict[str, Any] | None = None,
    resume: bool = False,
    progress: bool = True,
    pretrained: str | Path | None = None,
    teacher: TeacherPaths | None = None,
    init: str | Path | None = None,
    models_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Train a model into directory `out` (the best epoch by dev F1 is kept there).

    One corpus trains a single-standard model; several (or `model_options` with `standards`) a
    multi-standard one whose standard input is each corpus's `standard`, each epoch drawing from
    the corpora by `cfg.sample_alpha`; the best epoch is the one with the highest mean dev F1 over
    the standards. `model_options` are `ModelConfig` fields other than the vocabulary sizes (and
    the standards): a `ModelOptions` or a mapping. `pretrained`: embeddings to start from
    (`start.load_pretrained`). `teacher`: a model directory whose label distributions the model
    also learns (`cfg.distill_alpha`), or several (an ensemble: their mean distributions); the
    model then shares the teacher's vocabulary and labels.
    `init`: a model directory whose weights the run starts from (fine-tuning; its vocabulary
    and configuration must be the ones this run builds, e.g. both from the same teacher), or a
    model's name in `models_dir` (default: the shipped models).
    The options are checked together first (`plan.plan_run`).
    Returns a summary: best epoch, dev scores, epochs run, seconds.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    plan = plan_run(corpora, out, model_options, cfg, resume=resume, pretrained=pretrained, teacher=teacher,
                    init=init, models_dir=models_dir)
    run, record = prepare(plan)
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


def prepare(plan: RunPlan) -> tuple[Run, Record]:
    """The model, optimisers and training pieces of a planned run, and where it stands: from the
    checkpoint when resuming from one, else new (and the training log emptied)."""
    cfg, mcfg, vocab = plan.cfg, plan.config, plan.vocab
    model = BiRNNTagger(mcfg)
    if plan.checkpoint is None and plan.pretrained is not None:
        log.info("pretrained embeddings from %s: %s", plan.pretrained, load_pretrained(model, vocab, plan.pretrained))
    if plan.start is not None and plan.checkpoint is None:
        load_init(model, vocab, plan.start, str(plan.init))
    if cfg.mixed_only:  # the standard embedding alone learns; of it, only the mixed row is ever read
        for name, param in model.named_parameters():
            param.requires_grad_(name == "std_emb.weight")
    opt = Optimisers.for_model(model, cfg)
    if plan.checkpoint is not None:
        record = restore(plan.checkpoint, model, opt)
    else:
        (plan.out / TRAIN_LOG).unlink(missing_ok=True)
        record = Record()
    keeps = keeper(plan.start, mcfg) if plan.start is not None and plan.keep else None
    teacher = plan.teacher
    teacher_vocab = teacher.vocab if teacher is not None and teacher.vocab != vocab else None
    examples, groups = training_examples(plan.corpora, vocab, mcfg, teacher_vocab, plan.keep)
    quotas = epoch_quotas([len(g) for g in groups], cfg.sample_alpha if plan.multi else 1.0)
    units_per_epoch = sum(len(examples[i].chars) for i in epoch_order(groups, quotas, cfg.seed, 1))
    log.info("training on %s pieces per epoch (%d units), dev %s sentences; %s",
             dict(zip([c.standard for c in plan.corpora], quotas)), units_per_epoch,
             {c.standard: len(c.dev) for c in plan.corpora}, mcfg)
    if plan.keep:
        log.info("keeping standards %s: each piece also read in one of them, the starting model's "
                 "distributions as the target (weight %g)", [mcfg.standards[i] for i in plan.keep], cfg.keep_alpha)
    std_index = torch.tensor([mcfg.standards.index(c.standard) if plan.multi else 0 for c in plan.corpora])
    return Run(plan, model, opt, examples, groups, quotas, units_per_epoch, std_index, keeps), record


def _run_epoch(run: Run, record: Record, epoch: int, meta: dict[str, Any] | None, bar: tqdm) -> None:
    """Train one epoch (its progress on `bar`), score every dev set, save the model when the mean
    dev F1 improved, append the epoch's row to the training log and write the checkpoint; `record`
    moves on."""
    plan = run.plan
    t0 = time.perf_counter()
    total_loss, seen = _train_epoch(run, epoch, bar)
    run.opt.decay()
    train_seconds = time.perf_counter() - t0
    has_mixed = MIXED in plan.config.standards
    if has_mixed and not run.cfg.trains_mixed and run.model.std_emb is not None:
        mixed_as_mean(run.model.std_emb.weight, plan.mixed_of)  # no piece reads it: it stays the mean
    dev = {c.standard: report.evaluate(run.model, plan.vocab, c.dev, standard=c.standard if plan.multi else None)
           for c in plan.corpora}
    # each dev set also read in the mixed standard (reported; the best epoch is still the standards' mean)
    mixed = ({c.standard: report.evaluate(run.model, plan.vocab, c.dev, standard=MIXED)[0] for c in plan.corpora}
             if has_mixed else {})
    record.seconds += time.perf_counter() - t0
    # the best epoch: the best mean over the standards (in the mixed standard when only it learns)
    mean_f1 = report.mean_f1(mixed.values()) if run.cfg.mixed_only else report.mean_f1(d for d, _ in dev.values())
    improved = mean_f1 > record.best_f1
    record.epoch = epoch
    first = plan.corpora[0].standard
    if improved:
        record.best_f1, record.best_epoch, record.bad = mean_f1, epoch, 0
        artifact.save(plan.out, plan.config, plan.vocab, run.model.state_dict(),
                      report.best_meta(meta, run.cfg.to_json(), epoch, record.seconds, dev, mixed, first, plan.multi))
    else:
        record.bad += 1
    row = report.log_row(epoch, total_loss / max(seen, 1), run.opt.lr, seen / train_seconds, train_seconds, improved,
                         dev, mixed, first, plan.multi)
    with (plan.out / TRAIN_LOG).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")
    if not bar.disable:
        bar.write(json.dumps(row), file=sys.stderr)
    write_checkpoint(plan.out / CHECKPOINT, run.model, run.opt, record, run.cfg, plan.vocab, plan.config)


def _train_epoch(run: Run, epoch: int, bar: tqdm) -> tuple[float, int]:
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


def _train_step(run: Run, batch: Batch) -> float:
    """One optimiser step on one batch of `batches`; returns its mean loss per unit."""
    cfg, plan = run.cfg, run.plan
    chars, bigrams, lengths, tags, standards, joint = batch[:6]
    if cfg.unk_replace > 0:
        drop = (torch.rand(bigrams.shape) < cfg.unk_replace) & (bigrams > 1)
        bigrams = bigrams.masked_fill(drop, 1)  # 1 = <UNK>
    soft = None
    if plan.teacher is not None and cfg.distill_alpha > 0:
        t_chars, t_bigrams = ((chars, bigrams) if batch.teacher_chars is None or batch.teacher_bigrams is None
                              else (batch.teacher_chars, batch.teacher_bigrams))
        soft = plan.teacher.scores(t_chars, t_bigrams, lengths, standards,
                                   batch.features)  # (batch, seq, teacher's outputs)
    run.opt.zero_grad()
    read_as = run.std_index[standards]  # corpus -> the model's standard
    if plan.multi and cfg.trains_mixed:  # the rows that read the mixed standard; their labels and teacher
        mixed = plan.config.standards.index(MIXED)  # stay their corpus's
        read_as = (torch.full_like(standards, mixed) if cfg.mixed_only
                   else standards.masked_fill(torch.rand(standards.shape) < cfg.mixed_share, mixed))
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
        scores = run.model(chars, bigrams, lengths, read_as if plan.multi else None,
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
