"""TextRank keywords (jieba.analyse.TextRank): words of the allowed parts of speech are nodes, two
such words within a window of 5 words share an edge weighted by how often they co-occur, and 10
rounds of PageRank (damping 0.85) rank them, as in jieba."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from segmenter.compat.jieba import posseg
from segmenter.compat.jieba.analyse.tfidf import KeywordExtractor, _top


class UndirectWeightedGraph:
    d = 0.85

    def __init__(self) -> None:
        self.graph: dict[Any, list[tuple[Any, float]]] = defaultdict(list)

    def addEdge(self, start: Any, end: Any, weight: float) -> None:
        self.graph[start].append((end, weight))
        self.graph[end].append((start, weight))

    def rank(self) -> dict[Any, float]:
        """Each node's rank, scaled as jieba's: (w - min/10) / (max - min/10)."""
        if not self.graph:
            return {}
        ws = dict.fromkeys(self.graph, 1.0 / len(self.graph))
        out_sum = {n: sum(w for _, w in edges) for n, edges in self.graph.items()}
        order = sorted(self.graph)  # a fixed order of updates, as jieba's
        for _ in range(10):
            for n in order:
                ws[n] = (1 - self.d) + self.d * sum(w / out_sum[m] * ws[m] for m, w in self.graph[n])
        low, high = min(ws.values()), max(ws.values())
        scale = (high - low / 10.0) or 1.0
        return {n: (w - low / 10.0) / scale for n, w in ws.items()}


class TextRank(KeywordExtractor):
    def __init__(self) -> None:
        super().__init__()
        self.tokenizer = self.postokenizer = posseg.dt
        self.pos_filt = frozenset(("ns", "n", "vn", "v"))
        self.span = 5

    def pairfilter(self, wp: posseg.pair) -> bool:
        return wp.flag in self.pos_filt and not self._skip(wp.word)

    def textrank(self, sentence: str | bytes, topK: int | None = 20, withWeight: bool = False,
                 allowPOS: Any = ("ns", "n", "vn", "v"), withFlag: bool = False) -> list[Any]:
        """The `topK` words of highest TextRank among words of the parts of speech `allowPOS`,
        best first: words, or (word, weight) with `withWeight`; `posseg.pair`s with `withFlag`."""
        self.pos_filt = frozenset(allowPOS)
        words = list(self.tokenizer.cut(sentence))
        co: dict[tuple[Any, Any], int] = defaultdict(int)
        keep = [self.pairfilter(wp) for wp in words]  # once a word, not once a pair
        for i, wp in enumerate(words):
            if not keep[i]:
                continue
            for j in range(i + 1, min(i + self.span, len(words))):
                other = words[j]
                if keep[j]:
                    co[(wp, other) if allowPOS and withFlag else (wp.word, other.word)] += 1
        graph = UndirectWeightedGraph()
        for (a, b), n in co.items():
            graph.addEdge(a, b, n)
        return _top(graph.rank(), topK, withWeight)

    extract_tags = textrank
