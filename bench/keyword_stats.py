"""The keyword statistics shipped in `segmenter.compat.jieba.analyse`, computed from our corpora
(jieba's own IDF table and stop words are never shipped):

    python bench/keyword_stats.py --pfr ../shared/data/pku/pfr199801_pos.utf8 \
        --other ../shared/data/{ctb6,weibo,sxu,udc,zx,wtb}/train.txt --out segmenter/compat/jieba/analyse

- `idf.txt.gz`: `word idf` lines, idf = ln(N / df) over N documents: the PFR articles (blank lines
  separate them) and the other corpora's training text cut into documents of about the mean
  length of a PFR article; words (gold words, normalised as the model sees them) in at least
  `--min-df` documents.
- `stop_words.txt`: the words PFR tags mostly as a function word (pronoun r, conjunction c,
  preposition p, auxiliary u, modal y, interjection e, onomatopoeia o, adverb d, punctuation w),
  seen at least `--min-count` times.
"""

from __future__ import annotations

import argparse
import gzip
import math
from collections import Counter, defaultdict
from pathlib import Path

from segmenter.corpus import read_articles, read_corpus
from segmenter.text import normalise

FUNCTION_TAGS = frozenset("r c p u y e o d w".split())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pfr", required=True, help="PFR file with parts of speech (articles and tags)")
    ap.add_argument("--other", nargs="*", default=[], help="more segmented corpora (one sentence a line)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--min-df", type=int, default=2)
    ap.add_argument("--min-count", type=int, default=5)
    args = ap.parse_args()

    articles = read_articles(args.pfr)
    docs: list[set[str]] = []
    tags: dict[str, Counter[str]] = defaultdict(Counter)
    chars = 0
    for article in articles:
        words = set()
        for sent in article:
            assert sent.pos is not None
            for w, t in zip(sent.words, sent.pos):
                w = normalise(w)
                words.add(w)
                tags[w][t] += 1
                chars += len(w)
        docs.append(words)
    size = chars // len(articles)  # characters of a mean PFR article
    for path in args.other:
        doc: set[str] = set()
        n = 0
        for sent in read_corpus(path):
            doc.update(normalise(w) for w in sent.words)
            n += len(sent.text)
            if n >= size:
                docs.append(doc)
                doc, n = set(), 0
        if doc:
            docs.append(doc)
    df = Counter(w for d in docs for w in d)
    n_docs = len(docs)
    idf = {w: math.log(n_docs / c) for w, c in df.items() if c >= args.min_df and not any(ch.isspace() for ch in w)}
    args.out.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"{w} {v:.4f}\n" for w, v in sorted(idf.items()))
    with gzip.GzipFile(args.out / "idf.txt.gz", "wb", mtime=0) as fh:  # mtime 0: the same bytes every run
        fh.write(lines.encode("utf-8"))
    stop = sorted(w for w, c in tags.items()
                  if c.most_common(1)[0][0] in FUNCTION_TAGS and sum(c.values()) >= args.min_count)
    (args.out / "stop_words.txt").write_text("".join(f"{w}\n" for w in stop), encoding="utf-8")
    print(f"{n_docs} documents ({len(articles)} PFR articles, {size} characters each on average); "
          f"{len(idf)} words with idf, {len(stop)} stop words -> {args.out}")


if __name__ == "__main__":
    main()
