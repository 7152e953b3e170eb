"""Evaluation baselines (never used to segment): jieba's word lists and (word, POS) lists in the
PKU tag set (the `eval` extra, `pip install 'segmenter-cws[eval]'`), and pkuseg's default mixed-domain
model where pkuseg is installed (benchmarks only, never a dependency: `pip install numpy cython
wheel` then `pip install --no-build-isolation pkuseg==0.0.25`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from segmenter.errors import SegmenterError, missing_extra

# jieba.posseg's tags (ICTCLAS-derived) -> the PKU (PFR) tag set. Tags not listed are already PKU
# tags (n, v, a, nr, ns, ...) or have no PKU counterpart (`UNMAPPED`), and are scored as they are.
JIEBA_TO_PKU = {
    "ag": "Ag", "dg": "Dg", "ng": "Ng", "tg": "Tg", "vg": "Vg", "mg": "Mg", "rg": "Rg", "yg": "Yg",
    "df": "d", "mq": "m", "nrfg": "nr", "nrt": "nr", "rr": "r", "rz": "r",
    "ud": "u", "ug": "u", "uj": "u", "ul": "u", "uv": "u", "uz": "u", "vi": "v", "vq": "v",
    "eng": "nx", "x": "w",
}
UNMAPPED = ("g", "zg")  # jieba tags with no PKU counterpart (PKU's Bg/Qg/j/l have no jieba one)


def _jieba() -> Any:
    try:
        import jieba
    except ImportError as e:
        raise missing_extra("the jieba baseline", "eval", e) from e
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def jieba_cut(texts: Sequence[str]) -> tuple[list[list[str]], float]:
    """jieba's default (accurate) mode on every text, and the seconds it took."""
    jieba = _jieba()
    t0 = time.perf_counter()
    out = [jieba.lcut(t) for t in texts]
    return out, time.perf_counter() - t0


def jieba_posseg(texts: Sequence[str]) -> tuple[list[list[tuple[str, str]]], float]:
    """jieba.posseg's (word, tag) pairs, tags mapped to the PKU set, and the seconds it took."""
    _jieba()
    import jieba.posseg

    t0 = time.perf_counter()
    out = [[(p.word, JIEBA_TO_PKU.get(p.flag, p.flag)) for p in jieba.posseg.lcut(t)] for t in texts]
    return out, time.perf_counter() - t0


def pkuseg_cut(texts: Sequence[str]) -> tuple[list[list[str]], float]:
    """pkuseg's default model (mixed domains) on every text, and the seconds it took."""
    try:
        import pkuseg
    except ImportError as e:
        raise SegmenterError("the pkuseg baseline needs pkuseg: pip install numpy cython wheel, then "
                             "pip install --no-build-isolation pkuseg==0.0.25") from e
    seg = pkuseg.pkuseg()
    t0 = time.perf_counter()
    # pkuseg drops whitespace; the scorer reads words, so texts are segmented as they are
    out = [seg.cut(t) if t.strip() else [] for t in texts]
    return out, time.perf_counter() - t0
