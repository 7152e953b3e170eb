"""Search mode and keywords of `segmenter.compat.jieba` against jieba 0.42.1 (the `eval` extra):

    python bench/jieba_compat.py --data ../shared/data --sentences 500 --docs 50

Search mode, on the first `--sentences` sentences of development sets of several standards (PFR's
last 10% for pku): index size (tokens per non-space character) of `cut` and `cut_for_search`, and
recall of the gold words (a gold word counts when a token has its exact offsets): how much of a
standard other than the one `cut` follows a search index finds. Keywords, on People's Daily 2001
(the SIGHAN 2005 PKU test text) cut into documents of 20 lines: mean share of our top 10 that is
in jieba's top 10, for TF-IDF and TextRank.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from machine import describe
from sets import dev_set

from segmenter.tags import words_to_spans


def _spans(words: list[str]) -> set[tuple[int, int]]:
    return set(words_to_spans(words))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--sentences", type=int, default=500)
    ap.add_argument("--docs", type=int, default=50)
    args = ap.parse_args()

    import jieba as real
    import jieba.analyse

    import segmenter.compat.jieba as ours
    import segmenter.compat.jieba.analyse

    real.setLogLevel(60)
    print(describe())
    sets = {name: dev_set(args.data, name) for name in ("pku", "ctb6", "weibo", "sxu", "zx")}
    print("set | gold words | tokens/char: ours cut, ours search, jieba cut, jieba search | "
          "gold recall: ours cut, ours search, jieba cut, jieba search")
    for name, sents in sets.items():
        sents = sents[:args.sentences]
        chars = sum(len(s.text) for s in sents)
        gold = sum(len(s.words) for s in sents)
        counts = {k: 0 for k in ("oc", "os", "jc", "js")}
        hits = dict(counts)
        for s in sents:
            want = _spans(s.words)
            for key, toks in (("oc", ours.tokenize(s.text)), ("os", ours.tokenize(s.text, mode="search")),
                              ("jc", real.tokenize(s.text)), ("js", real.tokenize(s.text, mode="search"))):
                got = {(a, b) for w, a, b in toks if w.strip()}
                counts[key] += len(got)
                hits[key] += len(got & want)
        sizes = ", ".join(f"{counts[k] / chars:.3f}" for k in counts)
        recall = ", ".join(f"{100 * hits[k] / gold:.2f}" for k in hits)
        print(f"{name} | {gold} | {sizes} | {recall}")

    lines = [ln.strip() for ln in (args.data / "pku/pku_test.utf8").read_text(encoding="utf-8").splitlines()]
    docs = ["".join(lines[i:i + 20]) for i in range(0, len(lines), 20)][:args.docs]
    for label, mine, theirs in (("tf-idf", segmenter.compat.jieba.analyse.extract_tags, jieba.analyse.extract_tags),
                                ("textrank", segmenter.compat.jieba.analyse.textrank, jieba.analyse.textrank)):
        overlap, inside = 0.0, 0
        for doc in docs:
            a, b = mine(doc, topK=10), theirs(doc, topK=10)
            overlap += len(set(a) & set(b)) / max(len(a), 1)
            inside += all(k in doc for k in a)
        print(f"keywords {label}: {len(docs)} documents, mean overlap of the top 10 with jieba's "
              f"{100 * overlap / len(docs):.1f}%, documents whose keywords all occur in the text {inside}")
    doc = docs[0]
    print("first document, ours:", " ".join(segmenter.compat.jieba.analyse.extract_tags(doc, topK=10)))
    print("first document, jieba:", " ".join(jieba.analyse.extract_tags(doc, topK=10)))


if __name__ == "__main__":
    main()
