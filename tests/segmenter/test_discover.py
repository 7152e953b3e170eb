"""New-word discovery (`Segmenter.discover`, `segmenter discover`): planted words are found, their
fragments and frequent non-words are not, the output is a user dictionary, memory is bounded."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from segmenter import Segmenter
from segmenter.cli import main
from segmenter.corpus import read_corpus
from segmenter.discover import DiscoverOptions, _Counts, discover
from segmenter.errors import InvalidInputError

PLANTED = ("奚萝岚", "葵瑟", "蒯卮山")  # made-up names, each planted in many contexts


@pytest.fixture(scope="module")
def planted(data_dir):
    """(raw texts, their gold words): PFR sentences, each with a planted name between two of its words."""
    rng = random.Random(5)
    texts, golds = [], []
    for i, sent in enumerate(read_corpus(data_dir / "pku" / "pfr199801_seg.utf8")[:450]):
        words = list(sent.words)
        at = rng.randrange(len(words) + 1)
        words[at:at] = [PLANTED[i % len(PLANTED)]]
        texts.append("".join(words))
        golds.append(words)
    return texts, golds


@pytest.fixture(scope="module")
def model():
    """The default model: its boundary probabilities are part of the score (a tiny model is unsure
    of every word, so it cannot tell a new one from a known one)."""
    return Segmenter.load("multi-fast", standard="pku")


def test_discovery_finds_planted_words_and_ignores_fragments_and_non_words(planted, model):
    texts, golds = planted
    found = model.discover(texts, min_count=5)
    words = [c.word for c in found]
    assert set(PLANTED) <= set(words[:len(words) // 4])
    fragments = {w[i:j] for w in PLANTED for i in range(len(w)) for j in range(i + 2, len(w) + 1)} - set(PLANTED)
    assert not fragments & set(words)  # 萝岚 always follows 奚: no free left neighbours
    # the frequent character pairs that straddle a word boundary of the gold text are not proposed
    straddling = Counter(a[-1] + b[0] for g in golds for a, b in zip(g, g[1:]))
    within = {w for g in golds for w in g}
    non_words = [pair for pair, n in straddling.most_common(30) if pair not in within and n >= 5]
    assert len(non_words) >= 5 and not set(non_words) & set(words[:30])
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    assert all(c.count >= 5 and 2 <= len(c.word) <= 6 for c in found)
    assert model.discover(texts, min_count=5, top=3) == found[:3]


def test_the_counts_are_pruned_to_their_bound_keeping_the_frequent_ones(planted, model):
    counts = _Counts(max_len=4, limit=2000)
    rng = random.Random(1)
    alphabet = [chr(0x4E00 + i) for i in range(300)]
    for _ in range(400):
        run = "".join(rng.choice(alphabet) for _ in range(20)) + "奚萝岚"
        counts.add(run, np.ones(len(run) + 1))
        assert len(counts.grams) <= 2000
    assert counts.floor > 0 and counts.grams["奚萝岚"] >= 400 - counts.floor
    # discovery under a bound far below the text's distinct n-grams still finds the planted words
    texts, _ = planted
    bounded = discover(model, texts, DiscoverOptions(min_count=5, max_ngrams=20_000))
    assert set(PLANTED) <= {c.word for c in bounded}
    assert [c for c in bounded if c.word in PLANTED][0].count == 150  # frequent: never pruned


def test_cli_output_is_a_user_dictionary_that_round_trips(planted, tmp_path, capsys):
    texts, _ = planted
    raw = tmp_path / "raw.txt"
    raw.write_text("\n".join(texts) + "\n", encoding="utf-8")
    words = tmp_path / "words.txt"
    model = ["--model", "multi-fast", "--standard", "pku"]
    assert main(["discover", str(raw), *model, "--min-count", "5", "--top", "150", "-o", str(words), "--quiet"]) == 0
    lines = words.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 150 and all(len(line.split()) == 2 and line.split()[1].isdigit() for line in lines)
    assert set(PLANTED) <= {line.split()[0] for line in lines}
    # standard output holds the same lines, and a FIFO (as `<(cat raw.txt)` gives) is read like the file
    import os
    import threading

    assert main(["discover", str(raw), *model, "--min-count", "5", "--top", "150", "--quiet"]) == 0
    assert capsys.readouterr().out.splitlines() == lines
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    threading.Thread(target=lambda: fifo.write_bytes(raw.read_bytes()), daemon=True).start()
    assert main(["discover", str(fifo), *model, "--min-count", "5", "--top", "150", "--quiet"]) == 0
    assert capsys.readouterr().out.splitlines() == lines
    # read back as a user dictionary: the planted names come out whole, no character changed
    sample = tmp_path / "sample.txt"
    sample.write_text("\n".join(texts[:30]) + "\n", encoding="utf-8")
    assert main(["segment", *model, "--user-dict", str(words), "--quiet", str(sample)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert ["".join(line.split()) for line in out] == texts[:30]
    assert all(any(name in line.split() for name in PLANTED) for line in out)


def test_bad_discovery_input_is_one_line_and_exit_2(tiny_model_dir, tmp_path, capsys):
    raw = tmp_path / "raw.txt"
    raw.write_text("北京天安门\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00abc\n")
    model = ["--model", str(tiny_model_dir)]
    for args in ([str(tmp_path / "missing.txt"), *model], [str(raw), "--top", "0", *model],
                 [str(raw), "--min-count", "0", *model], [str(bad), *model], [str(raw), "--model", "no-such-model"]):
        assert main(["discover", *args]) == 2
        err = capsys.readouterr().err
        assert err.startswith("segmenter: error:") and err.count("\n") == 1
    with pytest.raises(InvalidInputError):
        Segmenter.load(tiny_model_dir).discover(["北京"], top=0)


def test_one_long_run_is_pruned_while_it_is_counted():
    """A line of 50,000 characters without punctuation: the counts are pruned every `BLOCK`
    positions, so they never hold much more than their bound (they held 800,000 entries before
    the first pruning when a run was counted whole)."""
    rng = random.Random(1)
    run = "".join(chr(rng.randrange(0x4E00, 0x4E00 + 3000)) for _ in range(50_000))
    counts = _Counts(6, 1000)
    sizes = []
    prune = counts.prune

    def recording() -> None:
        sizes.append(max(len(counts.grams), len(counts.edge)))
        prune()

    counts.prune = recording  # type: ignore[method-assign]
    counts.add(run, np.full(len(run) + 1, 0.5))
    assert len(sizes) > 10 and max(sizes) <= 1000 + _Counts.BLOCK * 7
    assert len(counts.grams) <= 1000 and counts.chars == 50_000
