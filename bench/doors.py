"""What the doors cost over the pipeline: the same sentences segmented by `Segmenter.cut_batch`,
`cut_column` on a pandas Series, `SegmentBatch` (datasets' batch function), the `tokenizers`
pre-tokenizer (`encode_batch`) and the spaCy tokenizer (`pipe`), in characters per second.

    python bench/doors.py --test ../shared/data/pku/pku_test.utf8 --limit 2000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe

from segmenter import DEFAULT_MODEL, Segmenter, cut_column


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--test", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/pku/pku_test.utf8")
    p.add_argument("--limit", type=int, default=2000, help="sentences")
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    import pandas as pd
    import spacy
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel

    from segmenter.huggingface import SegmentBatch, pre_tokenizer
    from segmenter.spacy_tokenizer import NAME

    texts = [t for t in args.test.read_text(encoding="utf-8").splitlines() if t.strip()][:args.limit]
    chars = sum(map(len, texts))
    seg = Segmenter.load(args.model)
    words = seg.cut_batch(texts)
    tok = Tokenizer(WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizer(seg)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": NAME, "model": args.model}}})
    series = pd.Series(texts)
    batch = SegmentBatch(seg)
    # every door gives the pipeline's words
    assert list(cut_column(series, seg)) == words
    assert batch({"text": texts})["words"] == words
    assert [[w for w, _ in tok.pre_tokenizer.pre_tokenize_str(t)] for t in texts[:200]] == words[:200]
    assert [[t.text for t in d] for d in nlp.tokenizer.pipe(texts[:200])] == words[:200]
    runs = {
        "Segmenter.cut_batch": lambda: seg.cut_batch(texts),
        "cut_column (pandas Series)": lambda: cut_column(series, seg),
        "SegmentBatch (datasets, one batch)": lambda: batch({"text": texts}),
        "tokenizers pre-tokenizer, encode_batch": lambda: tok.encode_batch(texts),
        "spaCy tokenizer, pipe": lambda: list(nlp.tokenizer.pipe(texts)),
        "spaCy nlp(text) one by one": lambda: [nlp(t) for t in texts],
    }
    print(f"# {describe()}; model {args.model}; {len(texts)} sentences, {chars} characters; best of {args.repeat}")
    print("| door | chars/s | vs cut_batch |")
    print("|---|---|---|")
    base = None
    for name, run in runs.items():
        rate = chars / best_of(args.repeat, run)
        base = base or rate
        print(f"| {name} | {rate:,.0f} | {rate / base:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
