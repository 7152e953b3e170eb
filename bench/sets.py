"""The evaluation sets the benchmark scripts share: each standard's development set (PFR's last
10% for `pku`, as `segmenter train` holds it out) and the two test sets."""

from __future__ import annotations

from pathlib import Path

from segmenter.corpus import Sentence, read_corpus, split_dev

DEV = {"pku": None, "ctb6": "ctb6/dev.txt", "weibo": "weibo/dev.txt", "sxu": "sxu/dev.txt",
       "udc": "udc/dev.txt", "zx": "zx/dev.txt", "wtb": "wtb/dev.txt"}
TEST = {"pku": "pku/pku_test_gold.utf8", "ctb6": "ctb6/test.txt"}


def dev_set(data: Path, standard: str) -> list[Sentence]:
    """The development sentences of `standard` under the corpora folder `data`."""
    path = DEV[standard]
    return split_dev(read_corpus(data / "pku" / "pfr199801_pos.utf8"))[1] if path is None else read_corpus(data / path)
