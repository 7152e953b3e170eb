"""`segmenter.training.report`: the dev scores as meta.json records them, and the mean F1 that picks
the best epoch."""

import pytest

from segmenter.scoring import Score
from segmenter.training.report import dev_meta, mean_f1


def _score(f1: float) -> Score:
    return Score(f1, f1, f1, None, None, 10, 10, int(10 * f1), 0, 20)


def test_dev_meta_records_the_first_standard_and_every_standard_of_a_multi_standard_model():
    dev = {"pku": (_score(0.9), None), "ctb6": (_score(0.8), None)}
    assert mean_f1(d for d, _ in dev.values()) == pytest.approx(0.85)
    multi = dev_meta(dev, {"pku": _score(0.7)}, "ctb6", multi=True)
    assert multi["dev"]["f1"] == 0.8 and set(multi["dev_by_standard"]) == {"pku", "ctb6"}
    assert multi["dev_mixed_by_standard"]["pku"]["f1"] == 0.7 and "dev_pos" not in multi
    assert set(dev_meta({"pku": (_score(0.9), None)}, {}, "pku", multi=False)) == {"dev"}
