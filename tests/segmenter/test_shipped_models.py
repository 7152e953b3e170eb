"""The shipped models: golden segmentations and accuracy floors on their standard's test data.

Cross-cutting: about the shipped files, the product, not one module."""

from pathlib import Path

import pytest

from segmenter import DEFAULT_MODEL, MODELS_DIR, Segmenter
from segmenter.corpus import read_corpus, read_word_list, split_dev
from segmenter.scoring import score, score_tagged

# name -> (gold file under ../shared/data, word F1 floor on its first 300 sentences, OOV recall
# floor or None). Names are models or MODEL:STANDARD of the multi-standard models (a bare standard
# name such as `pku` is the default model's). Each floor sits just under what was measured on that slice on 2026-11-27
# (pku-fast 94.32 / 74.5; the shipped multi (2026-11-28, averaged weights, int8 tables): pku 96.19 / 80.1
# (83.60 OOV recall on the whole test), ctb6 97.96, weibo 95.96 (the multi before averaging: 96.17 / 80.1, 97.92,
# 95.81); the shipped multi-fast (2026-11-28, with dictionary features, int8 tables since model format 2):
# 96.29 / 82.8 and ctb6 97.70), so that a regression shows.
FLOORS = {
    "multi:pku": ("pku/pku_test_gold.utf8", 0.959, 0.79),
    "pku-fast": ("pku/pku_test_gold.utf8", 0.940, 0.72),
    "multi-fast": ("pku/pku_test_gold.utf8", 0.960, 0.81),
    "multi:ctb6": ("ctb6/test.txt", 0.975, None),
    "multi:weibo": ("weibo/dev.txt", 0.950, None),
    "multi-fast:ctb6": ("ctb6/test.txt", 0.973, None),
}
# joint models on the first 300 sentences of the PFR development split: (word F1, word+POS F1)
# floors under the measured 98.00 / 95.48 (multi, 2026-11-28; before averaging 97.98 / 95.40)
# and 97.43 / 94.47 (multi-fast, 2026-11-28, int8 tables since model format 2)
PFR_DEV_SLICE_FLOORS = {"multi": (0.973, 0.945), "multi-fast": (0.972, 0.942)}
PKU_STANDARD = ("multi:pku", "pku-fast")


@pytest.fixture(scope="module", params=sorted(FLOORS))
def model(request):
    return request.param, Segmenter.load(request.param)


def test_default_load_is_the_fast_multi_standard_model_in_the_pku_standard():
    seg = Segmenter.load()
    assert seg.name == DEFAULT_MODEL == "multi-fast" and seg.standard == "pku" and seg.pos_tags is not None
    assert {"multi", "multi-fast", "pku-fast"} <= set(Segmenter.available())
    for name in ("pku", "ctb6", "weibo", "sxu", "udc", "zx", "wtb", "mixed"):  # standards by name: the default's file
        loaded = Segmenter.load(name)
        assert loaded.standard == name and loaded.name == DEFAULT_MODEL
    assert Segmenter.load("multi:ctb6").name == "multi"


def test_every_shipped_model_is_at_most_20_mb():
    sizes = {d.name: sum(f.stat().st_size for f in d.iterdir()) for d in MODELS_DIR.iterdir() if d.is_dir()}
    assert {"multi", "multi-fast", "pku-fast"} <= set(sizes)
    assert all(size <= 20_000_000 for size in sizes.values()), sizes


def test_accuracy_floor_on_the_first_300_sentences(model, data_dir):
    name, model = model
    path, f1_floor, oov_floor = FLOORS[name]
    gold = read_corpus(data_dir / path, "seg")[:300]
    words = read_word_list(data_dir / "pku" / "pku_training_words.utf8") if oov_floor is not None else None
    s = score([g.words for g in gold], model.cut_batch([g.text for g in gold]), words)
    assert s.f1 >= f1_floor
    if oov_floor is not None:
        assert s.oov_recall >= oov_floor


@pytest.mark.parametrize("name", sorted(PFR_DEV_SLICE_FLOORS))
def test_pos_regression_on_a_slice_of_the_pfr_development_split(name, data_dir):
    seg = Segmenter.load(name)  # joint segmentation + POS models, in the PKU standard
    dev = split_dev(read_corpus(data_dir / "pku" / "pfr199801_pos.utf8"))[1][:300]
    tokens = seg.tokenize_batch([s.text for s in dev], pos=True)
    joint = score_tagged([list(zip(s.words, s.pos)) for s in dev], [[(t.text, t.pos) for t in row] for row in tokens])
    words = score([s.words for s in dev], [[t.text for t in row] for row in tokens])
    assert words.f1 >= PFR_DEV_SLICE_FLOORS[name][0]
    assert joint.f1 >= PFR_DEV_SLICE_FLOORS[name][1]


@pytest.mark.parametrize("name", ["multi", "multi-fast"])
def test_the_mixed_standard_is_a_compromise_between_the_standards(name, data_dir):
    """`mixed` (the mean of the standards' embeddings) segments the web novel (ZX) closer to its
    gold than the PKU standard does, and PFR's text closer than the CTB6 standard does: neither
    corpus's standard, nearer each than a standard of another corpus (measured 2026-11-28 on these
    slices, multi / multi-fast: ZX 93.83 / 93.71 against 88.14 / 87.94 in `pku`; PFR 91.72 / 91.25
    against 88.06 / 88.28 in `ctb6`; the shipped (averaged) multi: ZX 93.73 against 88.18, PFR 91.97
    against 88.08; the shipped multi-fast (dictionary features): ZX 92.98 against 88.32, PFR 92.39
    against 88.16)."""
    seg = Segmenter.load(name)
    assert seg.standards[-1] == "mixed"
    zx = read_corpus(data_dir / "zx" / "dev.txt", "seg")[:300]
    pfr = split_dev(read_corpus(data_dir / "pku" / "pfr199801_seg.utf8", "seg"))[1][:300]

    def f1(gold, standard):
        return score([g.words for g in gold], seg.cut_batch([g.text for g in gold], standard=standard)).f1

    assert f1(zx, "mixed") > f1(zx, "pku") + 0.03
    assert f1(pfr, "mixed") > f1(pfr, "ctb6") + 0.02


GOLDEN = {
    "我爱北京天安门。": ["我", "爱", "北京", "天安门", "。"],
    "今天是2026年11月22日。": ["今天", "是", "2026年", "11月", "22日", "。"],
    "结婚的和尚未结婚的都来了": ["结婚", "的", "和", "尚未", "结婚", "的", "都", "来", "了"],
    "中共中央总书记、国家主席江泽民发表新年讲话": [
        "中共中央", "总书记", "、", "国家", "主席", "江", "泽民", "发表", "新年", "讲话"],
    "访问www.example.com的人增长了１２．５％": ["访问", "www.example.com", "的", "人", "增长", "了", "１２．５％"],
}


@pytest.mark.parametrize("name", PKU_STANDARD)
def test_golden_segmentations_of_the_pku_standard(name):
    assert Segmenter.load(name).cut_batch(list(GOLDEN)) == list(GOLDEN.values())


def test_standards_differ_where_they_should():
    # PKU splits a person's family and given names; CTB keeps a name whole
    text = "国家主席江泽民发表新年讲话"
    assert "江泽民" not in Segmenter.load("pku").cut(text)
    assert "江泽民" in Segmenter.load("ctb6").cut(text)


def test_one_call_per_line_gives_the_batch_output_on_the_whole_pku_test(data_dir):
    """The per-call path (a few rows: the scalar decoder) and the batch path (the NumPy decoder over
    batches of 128 pieces) are one pipeline: the default model cuts every line of the PKU test the
    same way both ways."""
    seg = Segmenter.load(threads=1)
    lines = (data_dir / "pku" / "pku_test.utf8").read_text(encoding="utf-8").splitlines()
    assert len(lines) > 1900
    assert [seg.cut(line) for line in lines] == seg.cut_batch(lines)


@pytest.mark.parametrize("name", ["multi-fast", "multi", "pku-fast"])
def test_every_shipped_model_names_the_recipe_step_that_made_it(name):
    """meta.json points at a recipe of the repository and one of its steps, so the model can be
    rebuilt from the repository (`segmenter train --config PATH --step STEP`)."""
    from segmenter import artifact, recipe

    repo = Path(__file__).resolve().parents[2]
    made_by = artifact.read_meta(repo / "models" / name)["recipe"]
    book = recipe.read_recipe(repo / made_by["path"])
    assert made_by["step"] in recipe.step_names(book)
    assert f"`{made_by['path']}`" in (repo / "models" / name / "README.md").read_text(encoding="utf-8")
