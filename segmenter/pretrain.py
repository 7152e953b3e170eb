"""Pretrained unit and bigram embeddings (skip-gram word2vec, gensim) from raw text.

    python -m segmenter.pretrain --out emb.npz --char-dim 100 --bigram-dim 50 FILE...

Every file is read as a segmented corpus (`corpus.read_corpus`) and only its raw text is used:
the units of each sentence (`text.to_units`, the model's own keys) and the bigrams between them,
with `<S>`/`</S>` at the ends, exactly as `Vocab` keys them. The output `.npz` holds
`chars_keys`, `chars_vectors`, `bigrams_keys`, `bigrams_vectors`; `segmenter train --pretrained`
starts from it. Needs gensim (`pip install 'segmenter-cws[train]'`).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence

import numpy as np

from segmenter.corpus import DEV_FRACTION, training_sentences
from segmenter.errors import SegmenterError
from segmenter.text import to_units
from segmenter.vocab import BOS, EOS, bigram_key

log = logging.getLogger(__name__)


def sequences(paths: Sequence[str], hold_out: Sequence[str] = (), fraction: float = DEV_FRACTION) -> list[list[str]]:
    """Unit-key sequences of every sentence of `paths`; for files in `hold_out` (corpora whose
    development set is their last `fraction`) only the training part."""
    return [to_units(s.text).keys for s in training_sentences(paths, hold_out, fraction)]


def train_vectors(seqs: list[list[str]], dim: int, *, epochs: int, seed: int,
                  min_count: int) -> tuple[list[str], np.ndarray]:
    from gensim.models import Word2Vec

    model = Word2Vec(sentences=seqs, vector_size=dim, window=5, min_count=min_count, sg=1, negative=5,
                     workers=1, epochs=epochs, seed=seed)
    keys = list(model.wv.index_to_key)
    return keys, np.asarray(model.wv.vectors, dtype=np.float32)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m segmenter.pretrain", description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="+", help="segmented corpora whose raw text is read")
    p.add_argument("--hold-out", action="append", default=[],
                   help="a file of FILES whose last 10%% is a development set: left out (repeatable)")
    p.add_argument("--out", required=True)
    p.add_argument("--char-dim", type=int, default=100)
    p.add_argument("--bigram-dim", type=int, default=50)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--min-count", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    t0 = time.perf_counter()
    try:
        seqs = sequences(args.files, args.hold_out)
    except SegmenterError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    bigram_seqs = [[bigram_key(a, b) for a, b in zip([BOS, *s], [*s, EOS])] for s in seqs]
    out: dict[str, np.ndarray] = {}
    for name, data, dim in (("chars", seqs, args.char_dim), ("bigrams", bigram_seqs, args.bigram_dim)):
        keys, vectors = train_vectors(data, dim, epochs=args.epochs, seed=args.seed, min_count=args.min_count)
        out[f"{name}_keys"] = np.array(keys, dtype=str)
        out[f"{name}_vectors"] = vectors
        log.info("%s: %d keys of %d dimensions", name, len(keys), dim)
    np.savez(args.out, **out)  # type: ignore[arg-type]
    print(f"{args.out}: {len(seqs)} sentences, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
