"""Teachers: one trained model or an ensemble of them whose label distributions a student learns
(distillation), and the model a fine-tuning run starts from as the teacher of the standards it keeps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from segmenter import artifact
from segmenter.config import ModelConfig
from segmenter.model import BiRNNTagger
from segmenter.tags import N_TAGS
from segmenter.training.checkpoint import torch_state
from segmenter.vocab import Vocab, WordDict


@dataclass
class Teacher:
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


def same_words(words: WordDict | None, standards: Sequence[str], other: WordDict | None,
                other_standards: Sequence[str], names: Sequence[str]) -> bool:
    """Whether two models' dictionaries (None: no dictionary features) give the standards `names`
    the same features (`WordDict.same_words`)."""
    if words is None or other is None:
        return words is None and other is None
    return words.same_words(standards, other, other_standards, names)


def load_teacher(paths: str | Path | Sequence[str | Path], standards: Sequence[str]) -> Teacher:
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
        if art.config.word_features and models and not same_words(
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
        model.load_state_dict(torch_state(art))
        models.append(model.eval())
        indices.append(torch.tensor([art.config.standards.index(s) for s in standards])
                       if art.config.standards else None)
        if vocab is None:
            vocab = art.vocab
    if vocab is None:
        raise ValueError("no teacher model")
    return Teacher(models, vocab, indices, inputs)


def keeper(start: artifact.Artifact, mcfg: ModelConfig) -> Teacher:
    """The model a run fine-tunes, as the teacher of the standards it keeps: it reads the run's
    standard indices (`mcfg.standards`) as its own."""
    model = BiRNNTagger(start.config)
    model.load_state_dict(torch_state(start))
    index = (torch.tensor([start.config.standards.index(s) if s in start.config.standards else 0
                           for s in mcfg.standards]) if start.config.standards else None)
    return Teacher([model.eval()], start.vocab, [index], [None])
