"""Multi-standard models: corpus sampling, the standard input, names that select a standard."""

import json

import numpy as np
import pytest
import torch

from segmenter import Segmenter
from segmenter.cli import main
from segmenter.config import ModelConfig
from segmenter.errors import InvalidInputError, ModelLoadError
from segmenter.heads import softmax_loss
from segmenter.model import BiRNNTagger
from segmenter.segmenter import resolve
from segmenter.training.data import epoch_order, epoch_quotas
from tests.conftest import TINY_MODEL

TEXTS = ["中国人民银行今天发布了新的货币政策。", "他们在北京参加国际会议。"]


def test_quotas_favour_small_corpora_by_alpha():
    sizes = [10_000, 100]
    assert epoch_quotas(sizes, 1.0) == sizes
    q = epoch_quotas(sizes, 0.5)
    assert sum(q) == pytest.approx(sum(sizes), abs=2)
    assert q[1] > 100 * 5  # the small corpus is drawn many times over
    assert q[0] < 10_000


def test_epoch_order_sees_every_example_before_repeating_and_is_deterministic():
    groups = [list(range(0, 10)), list(range(10, 13))]
    quotas = [4, 5]
    e1, e2, e3 = (epoch_order(groups, quotas, 7, e) for e in (1, 2, 3))
    assert e1 == epoch_order(groups, quotas, 7, 1)
    big = [i for e in (e1, e2) for i in e if i < 10]
    assert sorted(big) == sorted(set(big)) and len(big) == 8  # no repeat within the first pass of 10
    small = [i for e in (e1, e2, e3) for i in e if i >= 10]
    assert len(small) == 15 and all(small[3 * k:3 * k + 3] for k in range(5))
    for k in range(5):  # every cycle of 3 covers the whole group once
        assert sorted(small[3 * k:3 * k + 3]) == [10, 11, 12]


def test_loss_of_a_row_without_parts_of_speech_sums_over_them():
    scores = torch.randn(1, 3, 8)  # 2 parts of speech x BMES
    tags = torch.tensor([[0, 2, 3]])  # B E S
    joint = torch.tensor([False])
    logp = scores.log_softmax(-1).reshape(1, 3, 2, 4).logsumexp(2)
    expected = -(logp[0, 0, 0] + logp[0, 1, 2] + logp[0, 2, 3]) / 3
    assert softmax_loss(scores, tags, joint).item() == pytest.approx(expected.item(), rel=1e-5)
    as_joint = softmax_loss(scores, tags, torch.tensor([True]))  # the same ids read as joint labels differ
    assert as_joint.item() != pytest.approx(expected.item(), rel=1e-3)


def test_distillation_loss_is_zero_gap_when_student_equals_teacher():
    scores = torch.randn(2, 5, 4)
    tags = torch.randint(0, 4, (2, 5))
    joint = torch.tensor([True, True])
    gold = softmax_loss(scores, tags, joint)
    same = softmax_loss(scores, tags, joint, scores.clone(), alpha=1.0, temperature=2.0)
    assert same.item() == pytest.approx(0, abs=1e-5)
    other = torch.randn(2, 5, 4)
    mixed = softmax_loss(scores, tags, joint, other, alpha=0.5, temperature=2.0)
    assert mixed.item() > 0.5 * gold.item()


def test_the_standard_input_changes_the_segmentation(tiny_multi_models_dir):
    seg = Segmenter.load("multi", models_dir=tiny_multi_models_dir)
    assert seg.standards == ("pku", "chars") and seg.standard == "pku"
    pku = seg.cut_batch(TEXTS, standard="pku")
    chars = seg.cut_batch(TEXTS, standard="chars")
    assert all(len(w) == 1 for words in chars for w in words)  # the standard of single characters
    assert any(len(w) > 1 for words in pku for w in words)
    for text, a, b in zip(TEXTS, pku, chars):  # never a character changed, dropped or added
        assert "".join(a) == "".join(b) == text
    assert seg.tokenize(TEXTS[0], pos=True, standard="chars")[0].pos is not None  # POS in every standard


def test_names_select_a_standard_the_same_way(tiny_multi_models_dir):
    root = tiny_multi_models_dir
    ref = Segmenter.load("multi", models_dir=root).cut_batch(TEXTS, standard="chars")
    assert resolve("chars", root) == (root / "multi", "chars")
    assert resolve("multi:chars", root) == (root / "multi", "chars")
    assert resolve("multi", root) == (root / "multi", None)
    for seg in (Segmenter.load("chars", models_dir=root), Segmenter.load("multi:chars", models_dir=root),
                Segmenter.load("multi", models_dir=root, standard="chars")):
        assert seg.standard == "chars"
        assert seg.cut_batch(TEXTS) == ref


def test_unknown_standard_lists_the_known_ones(tiny_multi_models_dir, tiny_model_dir):
    seg = Segmenter.load("multi", models_dir=tiny_multi_models_dir)
    with pytest.raises(InvalidInputError, match="no standard 'msr'.*pku, chars"):
        seg.cut(TEXTS[0], standard="msr")
    with pytest.raises(InvalidInputError, match="no standard 'msr'"):
        Segmenter.load("multi:msr", models_dir=tiny_multi_models_dir)
    with pytest.raises(InvalidInputError, match="no standard 'ctb6'"):
        Segmenter.load(tiny_model_dir).cut(TEXTS[0], standard="ctb6")


def test_a_bare_name_never_reads_the_working_directory(tiny_multi_models_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tiny_multi_models_dir)  # ./multi exists here, but the models dir is elsewhere
    with pytest.raises(ModelLoadError, match="no model 'multi'"):
        Segmenter.load("multi", models_dir=tmp_path)
    assert Segmenter.load("./multi").standards == ("pku", "chars")


def test_standards_that_do_not_match_the_weights_fail_to_load(tiny_multi_models_dir, tmp_path):
    import shutil

    from segmenter import artifact

    copy = tmp_path / "m"
    shutil.copytree(tiny_multi_models_dir / "multi", copy)
    config = json.loads((copy / "config.json").read_text())
    config["standards"] = ["pku", "chars", "extra"]
    (copy / "config.json").write_text(json.dumps(config))
    meta = artifact.read_meta(copy)
    meta["sha256"]["config.json"] = artifact.sha256_file(copy / "config.json")
    artifact.write_meta(copy, meta)
    with pytest.raises(ModelLoadError, match="weights do not fit"):
        Segmenter.load(copy)


def test_a_multi_standard_network_needs_the_standard():
    model = BiRNNTagger(ModelConfig(n_units=10, n_bigrams=10, hidden=4, char_dim=4, bigram_dim=2,
                                    standards=("a", "b"), standard_dim=2))
    with pytest.raises(ValueError, match="standard of every row"):
        model(torch.ones(1, 3, dtype=torch.long), torch.ones(1, 4, dtype=torch.long), torch.tensor([3]))
    with pytest.raises(ValueError, match="standard names and standard_dim"):
        ModelConfig(n_units=10, n_bigrams=10, standards=("a",), standard_dim=0)


def test_cli_standard_by_name_and_by_flag(tiny_multi_models_dir, tmp_path, capsys, monkeypatch):
    src = tmp_path / "in.txt"
    src.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    ref = Segmenter.load("multi", models_dir=tiny_multi_models_dir).cut_batch(TEXTS, standard="chars")
    model = str(tiny_multi_models_dir / "multi")
    assert main(["segment", str(src), "--model", model, "--standard", "chars", "-q"]) == 0
    assert capsys.readouterr().out.splitlines() == [" ".join(w) for w in ref]
    assert main(["segment", str(src), "--model", model, "--standard", "msr", "-q"]) == 2
    err = capsys.readouterr().err
    assert "no standard 'msr'" in err and "pku, chars" in err


def test_train_rejects_bad_corpus_arguments(tmp_path, capsys):
    good = tmp_path / "a.txt"
    good.write_text("我 爱 北京\n今天 天气 好\n", encoding="utf-8")
    out = str(tmp_path / "m")
    assert main(["train", "--train", f"a={good}", "--train", str(good), "--out", out]) == 2
    assert "NAME=PATH" in capsys.readouterr().err
    assert main(["train", "--train", f"a={tmp_path / 'missing.txt'}", "--out", out]) == 2
    assert "missing.txt" in capsys.readouterr().err
    assert main(["train", "--train", f"a={good}", "--dev", f"b={good}", "--out", out]) == 2
    assert "no --train corpus" in capsys.readouterr().err

    for bad, why in ((["--mixed-share", "1.5"], "below 1"), (["--mixed-share", "0.2"], "several standards"),
                     (["--train", f"b={good}", "--mixed-only"], "--init"),
                     (["--train", f"b={good}", "--mixed-only", "--mixed-share", "0.2"], "no --mixed-share"),
                     (["--train", f"mixed={good}"], "no corpus may be named")):
        assert main(["train", "--train", f"a={good}", "--out", out, *bad]) == 2
        assert why in capsys.readouterr().err


def test_a_mixed_standard_starts_from_the_mean_and_learns_what_the_standards_share(tiny_multi_models_dir,
                                                                                 tmp_path, data_dir):
    """`mixed_share` adds a standard `mixed` read by that share of the pieces (with their own
    labels). Started from a model without it (`init`), it begins as the mean of the other
    standards' embeddings and every other weight is the model's; trained on, it segments between
    the two tiny standards that disagree on purpose (PFR words and single characters), and each
    dev set's score in it is logged and recorded."""
    from segmenter import artifact
    from segmenter.config import MIXED, TrainConfig
    from segmenter.corpus import Sentence, read_corpus, split_dev
    from segmenter.training.data import Corpus
    from segmenter.training.loop import train
    from segmenter.training.start import load_init

    base = tiny_multi_models_dir / "multi"
    art = artifact.load(base)
    cfg = ModelConfig(**{**art.config.to_json(), "standards": (*art.config.standards, MIXED)})
    model = BiRNNTagger(cfg)
    load_init(model, art.vocab, art, str(base))
    table = model.std_emb.weight.detach().numpy()
    assert table[:2] == pytest.approx(art.state["std_emb.weight"])
    assert table[2] == pytest.approx(art.state["std_emb.weight"].mean(0))
    assert model.out.weight.detach().numpy() == pytest.approx(art.state["out.weight"])

    sents = read_corpus(data_dir / "pku" / "pfr199801_pos.utf8")[:500]
    pku_train, pku_dev = split_dev(sents[:250])
    chars_train, chars_dev = split_dev([Sentence(list(s.text)) for s in sents[250:]])
    out = tmp_path / "mixed"
    train([Corpus("pku", pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)], out,
          dict(TINY_MODEL, labels=art.config.labels, standard_dim=4),
          TrainConfig(epochs=3, lr=1e-2, seed=3, min_char_count=1, mixed_share=0.5), progress=False, init=base)
    seg = Segmenter.load(out)
    assert seg.standards == ("pku", "chars", MIXED) and seg.standard == "pku"
    texts = [s.text for s in pku_dev]
    n_words = {std: sum(len(seg.cut(t, standard=std)) for t in texts) for std in seg.standards}
    assert n_words["pku"] < n_words[MIXED] < n_words["chars"], n_words
    table = artifact.load(out).state["std_emb.weight"]
    assert table[2] != pytest.approx(table[:2].mean(0), abs=1e-3)  # the pieces that read it moved it
    meta = artifact.read_meta(out)
    assert set(meta["dev_mixed_by_standard"]) == {"pku", "chars"}
    rows = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert all(0 < r["dev_f1_mixed_mean"] < 1 for r in rows)
    with pytest.raises(ValueError, match="no corpus may be named"):
        train([Corpus(MIXED, pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)], tmp_path / "x",
              dict(TINY_MODEL), TrainConfig(epochs=1), progress=False)

    # fine-tuned without training it, a model keeps its mixed standard, as the mean of the others
    kept = tmp_path / "kept"
    train([Corpus("pku", pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)], kept,
          dict(TINY_MODEL, labels=art.config.labels, standard_dim=4),
          TrainConfig(epochs=1, lr=1e-2, seed=3, min_char_count=1), progress=False, init=out)
    table = artifact.load(kept).state["std_emb.weight"]
    assert Segmenter.load(kept).standards == ("pku", "chars", MIXED)
    assert table[2] == pytest.approx(table[:2].mean(0), abs=1e-3)

    # mixed_only: the mixed row alone learns, so the other standards segment exactly as before
    only = tmp_path / "only"
    train([Corpus("pku", pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)], only,
          dict(TINY_MODEL, labels=art.config.labels, standard_dim=4),
          TrainConfig(epochs=2, lr=1e-2, seed=3, min_char_count=1, mixed_only=True), progress=False, init=base)
    trained = artifact.load(only).state
    for name, weights in art.state.items():
        if name == "std_emb.weight":
            assert np.array_equal(trained[name][:2], weights)
            assert trained[name][2] != pytest.approx(weights.mean(0), abs=1e-3)
        else:
            assert np.array_equal(trained[name], weights), name
    assert artifact.read_meta(only)["dev_mixed_by_standard"]
    with pytest.raises(ValueError, match="init"):
        train([Corpus("pku", pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)], tmp_path / "y",
              dict(TINY_MODEL), TrainConfig(epochs=1, mixed_only=True), progress=False)


def test_a_checkpoint_resumes_only_with_the_mixed_options_it_was_trained_with(tiny_multi_models_dir, tmp_path,
                                                                             data_dir, monkeypatch):
    from pathlib import Path

    from segmenter.config import TrainConfig
    from segmenter.corpus import Sentence, read_corpus, split_dev
    from segmenter.training.checkpoint import CHECKPOINT
    from segmenter.training.data import Corpus
    from segmenter.training.loop import train

    sents = read_corpus(data_dir / "pku" / "pfr199801_pos.utf8")[:200]
    corpora = [Corpus("pku", *split_dev(sents[:100])), Corpus("chars", *split_dev(
        [Sentence(list(s.text)) for s in sents[100:]]))]
    options = dict(TINY_MODEL, labels=Segmenter.load(tiny_multi_models_dir / "multi").config.labels, standard_dim=4)
    out = tmp_path / "run"
    unlink = Path.unlink
    monkeypatch.setattr(Path, "unlink", lambda self, **kw: None if self.name == CHECKPOINT else unlink(self, **kw))
    train(corpora, out, options, TrainConfig(epochs=1, seed=3, min_char_count=1, mixed_share=0.5), progress=False)
    assert (out / CHECKPOINT).is_file()  # as a stopped run leaves it
    for other in (TrainConfig(epochs=2, seed=3, min_char_count=1),
                  TrainConfig(epochs=2, seed=3, min_char_count=1, mixed_only=True)):
        with pytest.raises(ValueError, match="resume it with the same"):
            train(corpora, out, options, other, progress=False, resume=True)
    summary = train(corpora, out, options, TrainConfig(epochs=2, seed=3, min_char_count=1, mixed_share=0.5),
                    progress=False, resume=True)
    assert summary["epochs_run"] == 2
    with pytest.raises(ValueError, match="--init"):  # --mixed-only --resume with no checkpoint to resume
        train(corpora, tmp_path / "none", options, TrainConfig(epochs=1, mixed_only=True), progress=False,
              resume=True)


def test_factored_loss_adds_the_part_of_speech_only_where_known():
    scores = torch.randn(2, 3, 4 + 3)  # BMES, then 3 parts of speech
    tags = torch.tensor([[4 * 2 + 0, 4 * 2 + 2, 4 * 1 + 3], [0, 2, 3]])  # B-p2 E-p2 S-p1; BMES only
    joint = torch.tensor([True, False])
    seg = scores[..., :4].log_softmax(-1)
    pos = scores[0, :, 4:].log_softmax(-1)
    want = -(seg[0, 0, 0] + seg[0, 1, 2] + seg[0, 2, 3] + seg[1, 0, 0] + seg[1, 1, 2] + seg[1, 2, 3]) / 6
    want = want - (pos[0, 2] + pos[1, 2] + pos[2, 1]) / 3
    assert softmax_loss(scores, tags, joint, factored=True).item() == pytest.approx(want.item(), rel=1e-5)
    # a joint-label teacher (3 POS x 4) distils into the factored heads through its marginals
    teacher = torch.randn(2, 3, 12)
    p = teacher.softmax(-1).reshape(2, 3, 3, 4)
    student = torch.cat([p.sum(2).log(), p.sum(3).log()], dim=-1)  # exactly the teacher's marginals
    only_kl = softmax_loss(student, tags, joint, teacher, alpha=1.0, temperature=1.0, factored=True)
    assert only_kl.item() == pytest.approx(0.0, abs=1e-5)


def test_a_factored_model_decodes_words_and_parts_of_speech(tmp_path):
    from segmenter.config import TrainConfig
    from segmenter.corpus import read_corpus, split_dev
    from segmenter.tags import joint_labels
    from segmenter.training.data import Corpus, pos_tag_set
    from segmenter.training.loop import train
    from tests.conftest import DATA, TINY_MODEL

    sents = read_corpus(DATA / "pku" / "pfr199801_pos.utf8")[:300]
    tr, dev = split_dev(sents)
    options = dict(TINY_MODEL, labels=joint_labels(pos_tag_set(tr)), factored=True)
    train([Corpus("pku", tr, dev)], tmp_path / "f", options, TrainConfig(epochs=3, lr=1e-2, seed=3, min_char_count=1),
          progress=False)
    seg = Segmenter.load(tmp_path / "f")
    assert seg.model.out.out_features == 4 + len(seg.pos_tags)
    toks = seg.tokenize(TEXTS[0], pos=True)
    assert "".join(t.text for t in toks) == TEXTS[0]
    assert all(t.pos in seg.pos_tags for t in toks)
    assert [t.text for t in toks] == seg.cut(TEXTS[0])  # the same words with and without parts of speech
    assert {c.label for c in seg.tag(TEXTS[0])} <= {"B", "M", "E", "S"}


def test_distillation_run_pulls_the_student_towards_the_teacher(tiny_multi_models_dir, tmp_path, data_dir,
                                                                monkeypatch):
    """A student trained on the teacher's distributions alone (alpha 1) agrees with the teacher
    more than one trained on the gold labels alone, on the teacher's own standards; with its own
    (smaller) vocabulary the student still distils from the teacher reading the teacher's ids."""
    from segmenter.config import TrainConfig
    from segmenter.corpus import Sentence, read_corpus, split_dev
    from segmenter.training.data import Corpus
    from segmenter.training.loop import train
    from segmenter.training.teacher import Teacher

    seen = []  # the bigram ids the teacher reads
    scores = Teacher.scores
    monkeypatch.setattr(Teacher, "scores", lambda self, c, b, *a: seen.append(b) or scores(self, c, b, *a))
    sents = read_corpus(data_dir / "pku" / "pfr199801_pos.utf8")[:500]
    pku_train, pku_dev = split_dev(sents[:250])
    chars_train, chars_dev = split_dev([Sentence(list(s.text)) for s in sents[250:]])
    corpora = [Corpus("pku", pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)]
    teacher_dir = tiny_multi_models_dir / "multi"
    options = dict(TINY_MODEL, standard_dim=4, factored=True)
    runs = {}
    for name, alpha, own in ((0.0, 0.0, False), (1.0, 1.0, False), ("own", 1.0, True)):
        out = tmp_path / f"a{name}"
        seen.clear()
        # "own": the student builds its own, smaller vocabulary and the teacher reads its own ids
        train(corpora, out, options, TrainConfig(epochs=5, lr=1e-2, seed=3, min_char_count=1, distill_alpha=alpha,
                                                 distill_temperature=2.0, own_vocab=own, min_bigram_count=3),
              teacher=teacher_dir, progress=False)
        runs[name] = Segmenter.load(out)
        assert bool(seen) == (alpha > 0)
    teacher = Segmenter.load(teacher_dir)
    n_own = len(runs["own"].vocab.bigrams)
    # with its own vocabulary the student reads fewer bigrams, but the teacher still reads all of its own
    assert n_own < len(teacher.vocab.bigrams)
    assert max(int(b.max()) for b in seen) >= n_own
    texts = [s.text for s in pku_dev]
    def labels(seg):
        return [c.label for row in seg.tag_batch(texts) for c in row]

    want = labels(teacher)
    agree = {a: sum(x == y for x, y in zip(labels(s), want)) / len(want) for a, s in runs.items()}
    assert runs[1.0].vocab.chars == teacher.vocab.chars  # the student reads the teacher's vocabulary
    assert agree[1.0] > agree[0.0], agree


def test_examples_carry_a_teachers_ids_when_its_vocabulary_differs():
    """Each piece's ids in the teacher's vocabulary are those the teacher gets for the same text,
    and `batches` pads them like the student's (a teacher reading the student's ids would see
    its rare bigrams as unknown)."""
    import random

    from segmenter.corpus import Sentence
    from segmenter.text import to_units
    from segmenter.training.data import batches, make_examples
    from segmenter.vocab import Vocab

    sents = [Sentence(["我们", "爱", "北京"]), Sentence(["北京", "很", "大"]), Sentence(["我们", "走"])]
    student = Vocab.build([to_units(s.text).keys for s in sents], 1, 2)
    teacher = Vocab.build([to_units(s.text).keys for s in sents], 1, 1)
    examples = make_examples(sents, student, 64, teacher_vocab=teacher)
    for sent, ex in zip(sents, examples):
        assert (ex.teacher_chars, ex.teacher_bigrams) == teacher.encode(to_units(sent.text))
        assert (ex.chars, ex.bigrams) == student.encode(to_units(sent.text))
        assert ex.bigrams != ex.teacher_bigrams  # the student's vocabulary lacks the rare bigrams
    (batch,) = batches(examples, 8, random.Random(0))
    assert batch.teacher_chars is not None and batch.teacher_bigrams is not None
    assert batch.teacher_bigrams.shape == batch.bigrams.shape and batch.teacher_chars.shape == batch.chars.shape
    for r, n in enumerate(batch.lengths.tolist()):
        row = next(ex for ex in examples if ex.chars == batch.chars[r, :n].tolist())
        assert batch.teacher_bigrams[r, :n + 1].tolist() == row.teacher_bigrams
        assert batch.teacher_bigrams[r, n + 1:].eq(0).all()
    (plain,) = batches(make_examples(sents, student, 64), 8, random.Random(0))
    assert plain.teacher_chars is None and plain.teacher_bigrams is None


def test_a_one_standard_student_learns_from_that_standard_of_a_multi_standard_teacher(tiny_multi_models_dir,
                                                                                      tmp_path, data_dir):
    from segmenter.config import TrainConfig
    from segmenter.corpus import Sentence, read_corpus, split_dev
    from segmenter.training.data import Corpus
    from segmenter.training.loop import train

    sents = [Sentence(list(s.text)) for s in read_corpus(data_dir / "pku" / "pfr199801_seg.utf8")[250:400]]
    tr, dev = split_dev(sents)
    train([Corpus("chars", tr, dev)], tmp_path / "s", dict(TINY_MODEL), TrainConfig(epochs=1, min_char_count=1,
          distill_alpha=0.5), teacher=tiny_multi_models_dir / "multi", progress=False)
    student = Segmenter.load(tmp_path / "s")
    assert student.standards == () and student.pos_tags is not None  # the teacher's labels
    with pytest.raises(ValueError, match="must know each of them"):
        train([Corpus("msr", tr, dev)], tmp_path / "t", dict(TINY_MODEL), TrainConfig(epochs=1, distill_alpha=0.5),
              teacher=tiny_multi_models_dir / "multi", progress=False)


def test_an_ensemble_teacher_gives_its_members_mean_distribution(tiny_multi_models_dir, tiny_pos_model_dir,
                                                                 tmp_path):
    from segmenter import artifact
    from segmenter.training.teacher import load_teacher

    a = tiny_multi_models_dir / "multi"
    art = artifact.load(a)
    torch.manual_seed(0)
    other = {k: torch.from_numpy(v) + 0.05 * torch.randn(v.shape) for k, v in art.state.items()}
    b = tmp_path / "b"  # the same network with other weights
    artifact.save(b, art.config, art.vocab, other, artifact.read_meta(a))
    single_a, single_b = load_teacher(a, ["chars", "pku"]), load_teacher(str(b), ["chars", "pku"])
    both = load_teacher([a, b], ["chars", "pku"])
    chars, bigrams = torch.randint(2, 50, (2, 7)), torch.randint(2, 50, (2, 8))
    lengths = torch.tensor([7, 4])
    std = torch.tensor([0, 1])  # the student's standards, mapped to each member's own
    pa = single_a.scores(chars, bigrams, lengths, std).softmax(-1)
    pb = single_b.scores(chars, bigrams, lengths, std).softmax(-1)
    assert not torch.allclose(pa, pb, atol=1e-3)
    assert torch.allclose(both.scores(chars, bigrams, lengths, std).exp(), (pa + pb) / 2, atol=1e-6)
    # a member that lists the standards in another order is asked for the same standard by name
    import dataclasses
    flipped = dict(art.state, **{"std_emb.weight": art.state["std_emb.weight"][::-1].copy()})
    c = tmp_path / "c"
    artifact.save(c, dataclasses.replace(art.config, standards=art.config.standards[::-1]), art.vocab,
                  {k: torch.from_numpy(v) for k, v in flipped.items()}, artifact.read_meta(a))
    with_c = load_teacher([a, c], ["chars", "pku"]).scores(chars, bigrams, lengths, std).exp()
    assert torch.allclose(with_c, pa, atol=1e-5)
    with pytest.raises(ValueError, match="share their labels"):
        load_teacher([a, tiny_pos_model_dir], ["pku"])


def test_an_ensemble_member_with_a_smaller_vocabulary_reads_the_ids_translated_into_its_own(
        tiny_multi_models_dir, tmp_path):
    """Members whose vocabularies differ (a wider network keeping only frequent bigrams) teach
    together: each reads the first member's ids as its own encoder would give them."""
    import dataclasses

    import numpy as np

    from segmenter import artifact
    from segmenter.text import to_units
    from segmenter.training.teacher import load_teacher
    from segmenter.vocab import Vocab

    a = tiny_multi_models_dir / "multi"
    art = artifact.load(a)
    keep = [0, 1, *range(3, len(art.vocab.bigrams), 2)]  # every other bigram dropped
    small = Vocab(list(art.vocab.chars), [art.vocab.bigrams[i] for i in keep])
    assert art.vocab.covers(small) and not small.covers(art.vocab)
    d = tmp_path / "d"  # the same weights over the smaller vocabulary
    state = dict(art.state, **{"bigram_emb.weight": art.state["bigram_emb.weight"][keep]})
    artifact.save(d, dataclasses.replace(art.config, n_bigrams=len(keep)), small,
                  {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}, artifact.read_meta(a))
    text = "我们在北京看到了很多新的变化"
    big_chars, big_bigrams = art.vocab.encode(to_units(text))
    small_bigrams = small.encode(to_units(text))[1]
    assert small_bigrams != big_bigrams and 1 in small_bigrams  # some bigrams unknown to the smaller one
    chars = torch.tensor([big_chars])
    std, lengths = torch.tensor([1]), torch.tensor([len(big_chars)])
    alone = load_teacher(a, ["chars", "pku"])
    pa = alone.scores(chars, torch.tensor([big_bigrams]), lengths, std).softmax(-1)
    # what the big network gives when the bigrams the smaller vocabulary lacks are unknown
    unknown = [1 if s == 1 else b for b, s in zip(big_bigrams, small_bigrams)]
    pd = alone.scores(chars, torch.tensor([unknown]), lengths, std).softmax(-1)
    assert not torch.allclose(pa, pd, atol=1e-4)
    both = load_teacher([a, d], ["chars", "pku"])
    assert both.vocab == art.vocab
    assert torch.allclose(both.scores(chars, torch.tensor([big_bigrams]), lengths, std).exp(), (pa + pd) / 2,
                          atol=1e-5)
    with pytest.raises(ValueError, match="largest vocabulary first"):
        load_teacher([d, a], ["chars", "pku"])


def test_segmenter_models_dir_is_where_the_cli_looks_up_names_and_the_library_takes_models_dir(
        tiny_multi_models_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SEGMENTER_MODELS_DIR", str(tiny_multi_models_dir))
    # the library reads no environment: names are looked up in `models_dir`, else the shipped models
    assert "multi-fast" in Segmenter.available() and Segmenter.load().path.name == "multi-fast"
    assert Segmenter.available(tiny_multi_models_dir) == ["multi"]
    seg = Segmenter.load("chars", models_dir=tiny_multi_models_dir)  # a standard of the tiny model there
    assert seg.standard == "chars" and seg.path == tiny_multi_models_dir / "multi"
    with pytest.raises(ModelLoadError, match="no model 'multi-fast'"):
        Segmenter.load("multi-fast", models_dir=tiny_multi_models_dir)
    # the CLI honours SEGMENTER_MODELS_DIR and passes it on
    src = tmp_path / "in.txt"
    src.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    assert main(["segment", str(src), "--model", "chars", "-q"]) == 0
    assert capsys.readouterr().out.splitlines() == [" ".join(w) for w in seg.cut_batch(TEXTS)]
    assert main(["segment", str(src), "--model", "multi-fast", "-q"]) == 2
    assert "no model 'multi-fast'" in capsys.readouterr().err
