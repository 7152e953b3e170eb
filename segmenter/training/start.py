"""Where a run's weights start: pretrained embeddings, or a trained model (fine-tuning: its
vocabulary and network, with standards or dictionary features added)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from segmenter import artifact
from segmenter.config import MIXED, ModelConfig
from segmenter.model import BiRNNTagger
from segmenter.training.checkpoint import torch_state
from segmenter.training.data import Corpus
from segmenter.training.options import ModelOptions
from segmenter.vocab import Vocab, WordDict

log = logging.getLogger(__name__)


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


def model_path(ref: str | Path, models_dir: str | Path | None = None) -> Path:
    """The directory of a model reference as every door reads it: a model's name in `models_dir`
    (default: the shipped models; `segmenter.registry.resolve`) or a path."""
    from segmenter.registry import resolve

    path, standard = resolve(ref, models_dir)
    if standard is not None:
        raise ValueError(f"--init {ref}: give the model ({path.name}), not one of its standards")
    return path



def finetune_vocab_and_config(corpora: Sequence[Corpus], start: artifact.Artifact, options: ModelOptions,
                              mixed: bool, init: str) -> tuple[Vocab, ModelConfig]:
    """The vocabulary and configuration of a run that fine-tunes `start`: its units, bigrams and
    network (`options`, see `options.inherited`); its standards, then the corpora's new ones (then
    `MIXED` if it has it or `mixed`); each standard's dictionary its own words and its corpus's."""
    old = start.config
    names = [c.standard for c in corpora]
    had = standards_of(start)
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
    longest = options.word_features or 0
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
    options = dataclasses.replace(options, standards=standards,
                                  standard_dim=(old.standard_dim or 8) if standards else 0)
    return vocab, options.config(len(vocab.chars), len(vocab.bigrams))


def standards_of(start: artifact.Artifact) -> tuple[str, ...]:
    """The standards of a model a run starts from; a one-standard model's is the one its meta.json
    names (`standard`), else "base" (a one-standard model without a name becomes a multi-standard
    one only when given several corpora)."""
    return start.config.standards or (str(start.meta.get("standard") or "base"),)



def load_init(model: BiRNNTagger, vocab: Vocab, art: artifact.Artifact, path: str) -> None:
    """Start from the weights of `art`, the model directory `path`: the same vocabulary and network,
    or with dictionary features added (their weights starting at zero), or with standards added (a
    new standard starting as `MIXED`, else as the mean of the others; `MIXED` as their mean)."""
    state = torch_state(art)
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
        for side in ("fwd", "bwd"):
            w = state[f"{side}.0.weight_ih_l0"]
            state[f"{side}.0.weight_ih_l0"] = torch.cat([w[:, :u], w.new_zeros(w.shape[0], cfg.standard_dim),
                                                         w[:, u:]], 1)
        assert model.std_emb is not None
        state["std_emb.weight"] = model.std_emb.weight.detach().clone()  # as drawn: the columns learn from it
        log.info("standards %s: the model's own first, read through new inputs starting at zero", cfg.standards)
    elif adds_standards:
        state["std_emb.weight"] = standard_rows(state["std_emb.weight"], old.standards, cfg.standards)
        log.info("standards %s added", [s for s in cfg.standards if s not in old.standards])
    if adds_features:  # the first layer reads them through new input columns, starting at zero
        for side in ("fwd", "bwd"):
            w = state[f"{side}.0.weight_ih_l0"]
            state[f"{side}.0.weight_ih_l0"] = torch.cat([w, w.new_zeros(w.shape[0], model.config.feature_dim)], 1)
        log.info("dictionary features added (words of 2..%d units), their weights starting at zero",
                 model.config.word_features)
    model.load_state_dict(state)
    log.info("starting from the weights of %s", path)


def standard_rows(table: torch.Tensor, old: Sequence[str], new: Sequence[str]) -> torch.Tensor:
    """The standard embedding of the standards `new` from `table`, that of `old` (a subset): a
    standard of `old` keeps its row; `MIXED` starts as the mean of the others; another new standard
    as `old`'s `MIXED` if it has it (text of unknown convention is the closest start), else as that mean."""
    mean = table[[i for i, name in enumerate(old) if name != MIXED]].mean(0)
    first = table[old.index(MIXED)] if MIXED in old else mean
    return torch.stack([table[old.index(name)] if name in old else mean if name == MIXED else first
                        for name in new])


def mixed_as_mean(table: torch.Tensor, rows: Sequence[int] = ()) -> torch.Tensor:
    """`table` (a standard embedding whose last row is `MIXED`'s) with that row set, in place, to
    the mean of the rows `rows` (default: all others): how the mixed standard starts, and stays when
    no piece reads it (standards added by fine-tuning are not in its mean)."""
    with torch.no_grad():
        table[-1] = table[list(rows)].mean(0) if rows else table[:-1].mean(0)
    return table

