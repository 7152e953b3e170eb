"""A training run's inputs checked together, once, into a typed plan: the corpora, the model's
configuration and vocabulary (new, fine-tuned or resumed), the teacher, and the standards a
fine-tuning run keeps. Every refusal is a `ValueError` naming the options that conflict."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segmenter import artifact
from segmenter.config import MIXED, ModelConfig, TrainConfig
from segmenter.heads import HEADS
from segmenter.text import to_units
from segmenter.training.checkpoint import CHECKPOINT, Checkpoint, read_checkpoint
from segmenter.training.data import Corpus
from segmenter.training.options import ModelOptions, inherited
from segmenter.training.start import finetune_vocab_and_config, model_path, standards_of
from segmenter.training.teacher import Teacher, load_teacher, same_words
from segmenter.vocab import Vocab, WordDict

TeacherPaths = str | Path | Sequence[str | Path]


@dataclass(frozen=True)
class RunPlan:
    """What a run trains, checked: see `plan_run`."""

    out: Path
    cfg: TrainConfig
    corpora: tuple[Corpus, ...]
    vocab: Vocab
    config: ModelConfig
    teacher: Teacher | None = None
    start: artifact.Artifact | None = None  # the model fine-tuned (`init`)
    init: str | None = None
    checkpoint: Checkpoint | None = None  # the state a resumed run continues from
    pretrained: Path | None = None  # embeddings a new model starts from
    keep: tuple[int, ...] = ()  # standards of `start` not trained here: kept by its distributions
    mixed_of: tuple[int, ...] = ()  # the standards `MIXED` is the mean of

    @property
    def multi(self) -> bool:
        """A multi-standard model: the standard is an input."""
        return bool(self.config.standards)


def plan_run(corpora: Sequence[Corpus], out: str | Path, model_options: Mapping[str, Any] | ModelOptions,
             cfg: TrainConfig, *, resume: bool = False, pretrained: str | Path | None = None,
             teacher: TeacherPaths | None = None, init: str | Path | None = None,
             models_dir: str | Path | None = None) -> RunPlan:
    """The plan of a run into `out` (arguments as `loop.train`'s): the teacher loaded, the
    checkpoint read when resuming, the model fine-tuned (`init`) loaded, the vocabulary and
    configuration built, each combination of options checked."""
    out = Path(out)
    names = [c.standard for c in corpora]
    if not corpora:
        raise ValueError("no training corpus")
    if MIXED in names:
        raise ValueError(f"no corpus may be named {MIXED!r}: that is the standard --mixed-share trains")
    if cfg.distill_alpha > 0 and teacher is None:
        raise ValueError("--distill-alpha needs --teacher MODEL_DIR")
    if cfg.own_vocab and teacher is None:
        raise ValueError("--own-vocab needs --teacher MODEL_DIR (without one the vocabulary is the run's own)")
    options = ModelOptions.of(model_options)
    if options.pos and init is None:
        raise ValueError("pos (--pos) without an init model: give a new joint model its labels (tags.joint_labels)")
    teacher_model = load_teacher(teacher, names) if teacher is not None else None
    checkpoint = read_checkpoint(out / CHECKPOINT) if resume else None
    start = artifact.load(model_path(init, models_dir)) if init is not None else None  # the model fine-tuned
    if start is not None:
        options = inherited(start.config, options, str(init))
    if cfg.trains_mixed and options.word_features:
        raise ValueError("--mixed-share and --mixed-only do not go with dictionary features (--word-features, "
                         "or an --init model that has them) yet")
    if checkpoint is not None:
        vocab, mcfg = checkpoint.vocab, checkpoint.config
        if checkpoint.mixed != (cfg.mixed_share, cfg.mixed_only):
            raise ValueError(f"{out / CHECKPOINT} was trained with --mixed-share {checkpoint.mixed[0]} and "
                             f"--mixed-only {checkpoint.mixed[1]}: resume it with the same")
    elif start is not None:
        vocab, mcfg = finetune_vocab_and_config(corpora, start, options, cfg.trains_mixed, str(init))
    else:
        if cfg.mixed_only:
            raise ValueError("--mixed-only trains the mixed standard of a trained model: give --init MODEL_DIR")
        vocab, mcfg = new_vocab_and_config(corpora, options, cfg, len(corpora) > 1 or bool(options.standards),
                                           teacher_model, mixed=cfg.trains_mixed)
    if cfg.trains_mixed and not mcfg.standards:
        raise ValueError("a mixed standard is trained beside several standards: --train NAME=PATH for each")
    if teacher_model is not None and teacher_model.config.labels != mcfg.labels:
        raise ValueError("the teacher's labels differ from the student's (a resumed run keeps its own)")
    if teacher_model is not None and teacher_model.words is not None and not same_words(
            teacher_model.words, teacher_model.config.standards, vocab.words, mcfg.standards, names):
        raise ValueError("the teacher reads dictionary features: the student must read the same ones (the same "
                         "corpora and --word-features as the teacher, without --own-vocab)")
    had = standards_of(start) if start is not None else ()
    keep = ([i for i, name in enumerate(mcfg.standards) if name in had and name not in names and name != MIXED]
            if cfg.keep_alpha > 0 else [])
    check_distillation(mcfg, cfg, teacher_model, bool(keep), None if init is None else str(init))
    before = had if start is not None else mcfg.standards  # what the mixed standard averages
    mixed_of = [i for i, name in enumerate(mcfg.standards) if name != MIXED and name in before]
    return RunPlan(out, cfg, tuple(corpora), vocab, mcfg, teacher_model, start, None if init is None else str(init),
                   checkpoint, None if pretrained is None else Path(pretrained), tuple(keep), tuple(mixed_of))


def check_distillation(config: ModelConfig, cfg: TrainConfig, teacher: Teacher | None, keeps: bool,
                       init: str | None) -> None:
    """Refuse, before any training, what asks a head for label distributions it has not
    (`heads.Head.distils`: the CRF's scores are emissions): a student or a teacher of a distilling
    run, or the model a fine-tuning run starts from when it `keeps` standards by their distributions."""
    if teacher is not None and cfg.distill_alpha > 0:
        if not HEADS[config.head].distils:
            raise ValueError(f"the {config.head} head does not learn from a teacher's distributions: leave out "
                             "--distill-alpha (a --teacher then lends only its vocabulary and labels)")
        other = next((m.config.head for m in teacher.models if not HEADS[m.config.head].distils), None)
        if other is not None:
            raise ValueError(f"a teacher with the {other} head has no label distributions to teach (--distill-alpha): "
                             "distil from softmax models")
    if keeps and not HEADS[config.head].distils:
        raise ValueError(f"--init {init}: its {config.head} head cannot keep the standards this run does not train "
                         "by their distributions: give --keep-alpha 0, or train every standard of the model")


def new_vocab_and_config(corpora: Sequence[Corpus], options: ModelOptions, cfg: TrainConfig,
                         multi: bool, teacher: Teacher | None, mixed: bool = False) -> tuple[Vocab, ModelConfig]:
    """A new model's vocabulary (the teacher's unless `cfg.own_vocab`; else built from the training
    sentences) and configuration (with the labels of the teacher; the corpora's standards when
    `multi`, then `MIXED` when `mixed`). A fine-tuned model's: `start.finetune_vocab_and_config`."""
    if teacher is not None:
        options = dataclasses.replace(options, labels=teacher.config.labels)
    if teacher is not None and not cfg.own_vocab:
        vocab = teacher.vocab
    else:
        vocab = Vocab.build((to_units(s.text).keys for c in corpora for s in c.train),
                            cfg.min_char_count, cfg.min_bigram_count)
    if multi:
        standards = tuple(c.standard for c in corpora) + ((MIXED,) if mixed else ())
        options = dataclasses.replace(options, standards=standards, standard_dim=options.standard_dim or 8)
    longest = options.word_features or 0
    if longest:  # each standard's dictionary from its training words; the mixed standard's from all
        words = [WordDict.collect((s.words for s in c.train), longest) for c in corpora]
        if mixed:
            words.append(WordDict.UNION)
        vocab = Vocab(vocab.chars, vocab.bigrams, WordDict(words, longest))
    return vocab, options.config(len(vocab.chars), len(vocab.bigrams))
