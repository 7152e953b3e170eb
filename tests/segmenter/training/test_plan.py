"""`segmenter.training.plan`: a run's options checked together, once, into a typed `RunPlan`;
each refusal names the options that conflict."""

from __future__ import annotations

import pytest

from segmenter import Segmenter
from segmenter.config import MIXED, TrainConfig
from segmenter.corpus import Sentence, split_dev
from segmenter.training.checkpoint import CHECKPOINT, Record, write_checkpoint
from segmenter.training.data import Corpus
from segmenter.training.loop import prepare, train
from segmenter.training.plan import plan_run
from tests.conftest import TINY_MODEL

SENTS = [Sentence(["我", "爱", "北京"]), Sentence(["天安门", "很", "大"]), Sentence(["今天", "天气", "好"])]


def corpus(name: str = "a") -> Corpus:
    return Corpus(name, SENTS, SENTS[:1])


def cfg(**kw) -> TrainConfig:
    return TrainConfig(min_char_count=1, min_bigram_count=1, **kw)


def test_a_new_plan_is_typed_and_fills_in_the_standards(tmp_path):
    plan = plan_run([corpus("a"), corpus("b")], tmp_path, TINY_MODEL, cfg())
    assert plan.multi and plan.config.standards == ("a", "b") and plan.config.standard_dim == 8
    assert plan.config.hidden == TINY_MODEL["hidden"] and plan.vocab.words is None
    assert plan.teacher is None and plan.start is None and plan.checkpoint is None and plan.keep == ()
    single = plan_run([corpus()], tmp_path, dict(TINY_MODEL, word_features=3), cfg())
    assert not single.multi and single.vocab.words is not None and single.config.word_features == 3


@pytest.mark.parametrize(("corpora", "options", "config", "message"), [
    ([], {}, {}, "no training corpus"),
    ([MIXED], {}, {}, "no corpus may be named 'mixed'"),
    (["a"], {}, {"distill_alpha": 0.5}, "--distill-alpha needs --teacher"),
    (["a"], {}, {"own_vocab": True}, "--own-vocab needs --teacher"),
    (["a"], {"pos": True}, {}, r"pos \(--pos\) without an init model"),
    (["a", "b"], {"word_features": 3}, {"mixed_share": 0.2}, "do not go with dictionary features"),
    (["a", "b"], {}, {"mixed_only": True}, "--mixed-only trains the mixed standard of a trained model"),
    (["a"], {}, {"mixed_share": 0.2}, "a mixed standard is trained beside several standards"),
])
def test_each_conflict_of_options_is_a_clear_error(tmp_path, corpora, options, config, message):
    with pytest.raises(ValueError, match=message):
        plan_run([corpus(n) for n in corpora], tmp_path, dict(TINY_MODEL, **options), cfg(**config))


def test_an_init_model_refuses_what_contradicts_it(tmp_path, tiny_model_dir):
    with pytest.raises(ValueError, match="it does not tag parts of speech; --pos contradicts it"):
        plan_run([corpus()], tmp_path, {"pos": True}, cfg(), init=tiny_model_dir)
    with pytest.raises(ValueError, match="it has hidden 16; --hidden contradicts it"):
        plan_run([corpus()], tmp_path, {"hidden": 32}, cfg(), init=tiny_model_dir)
    plan = plan_run([corpus()], tmp_path, {"hidden": 16, "dropout": 0.1}, cfg(), init=tiny_model_dir)
    assert plan.config.hidden == 16 and plan.config.dropout == 0.1 and plan.start is not None


def test_a_teacher_with_other_labels_than_the_student_is_refused(tmp_path, tiny_model_dir, tiny_pos_model_dir):
    with pytest.raises(ValueError, match="the teacher's labels differ from the student's"):
        plan_run([corpus()], tmp_path, {}, cfg(distill_alpha=0.5), init=tiny_pos_model_dir, teacher=tiny_model_dir)


def test_a_fine_tuning_plan_keeps_the_standards_it_does_not_train(tmp_path, tiny_multi_models_dir):
    plan = plan_run([corpus("chars")], tmp_path, {}, cfg(), init=tiny_multi_models_dir / "multi")
    assert plan.config.standards == ("pku", "chars") and plan.keep == (0,) and plan.mixed_of == (0, 1)
    kept = plan_run([corpus("chars")], tmp_path, {}, cfg(keep_alpha=0.0), init=tiny_multi_models_dir / "multi")
    assert kept.keep == ()


def test_a_checkpoint_is_resumed_with_its_mixed_options_only(tmp_path):
    corpora = [corpus("a"), corpus("b")]
    run, _ = prepare(plan_run(corpora, tmp_path, TINY_MODEL, cfg()))
    write_checkpoint(tmp_path / CHECKPOINT, run.model, run.opt, Record(epoch=1), cfg(), run.plan.vocab,
                     run.plan.config)
    resumed = plan_run(corpora, tmp_path, TINY_MODEL, cfg(), resume=True)
    assert resumed.checkpoint is not None and resumed.config == run.plan.config
    with pytest.raises(ValueError, match="was trained with --mixed-share 0.0 and --mixed-only False"):
        plan_run(corpora, tmp_path, TINY_MODEL, cfg(mixed_share=0.3), resume=True)


def test_a_checkpoint_resumes_only_with_the_mixed_options_it_was_trained_with(tiny_multi_models_dir, tmp_path,
                                                                             data_dir, monkeypatch):
    from pathlib import Path

    from segmenter.config import TrainConfig
    from segmenter.corpus import Sentence, read_corpus
    from segmenter.training.checkpoint import CHECKPOINT
    from segmenter.training.data import Corpus

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


def test_a_head_without_distributions_is_refused_before_training_where_a_run_asks_it_for_them(tmp_path,
                                                                                           tiny_model_dir):
    crf = dict(TINY_MODEL, head="crf")
    with pytest.raises(ValueError, match="the crf head does not learn from a teacher's distributions"):
        plan_run([corpus()], tmp_path / "s", crf, cfg(distill_alpha=0.5), teacher=tiny_model_dir)
    assert plan_run([corpus()], tmp_path / "s", crf, cfg(), teacher=tiny_model_dir).teacher is not None  # vocabulary
    multi = tmp_path / "multi"
    train([corpus("a"), corpus("b")], multi, crf, cfg(epochs=1), progress=False)
    with pytest.raises(ValueError, match="a teacher with the crf head has no label distributions"):
        plan_run([corpus("a"), corpus("b")], tmp_path / "s", TINY_MODEL, cfg(distill_alpha=0.5), teacher=multi)
    # fine-tuning one standard keeps the other by its distributions (the default --keep-alpha 1)
    with pytest.raises(ValueError, match="crf head cannot keep the standards .*: give --keep-alpha 0"):
        plan_run([corpus("a")], tmp_path / "f", {}, cfg(), init=multi)
    assert plan_run([corpus("a")], tmp_path / "f", {}, cfg(keep_alpha=0.0), init=multi).keep == ()
