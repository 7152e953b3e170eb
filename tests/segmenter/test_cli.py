import json
import re
import subprocess
import sys

import pytest

from segmenter import Segmenter
from segmenter.cli import main
from segmenter.config import TrainConfig
from segmenter.corpus import Sentence
from segmenter.training.data import Corpus
from segmenter.training.loop import train
from tests.conftest import RESOURCES, TINY_MODEL
from tests.segmenter.conftest import (
    STANDARD_TEXTS,
)


@pytest.fixture
def small_gold(tmp_path, data_dir):
    lines = (data_dir / "pku" / "pku_test_gold.utf8").read_bytes().splitlines(keepends=True)[:60]
    p = tmp_path / "gold.utf8"
    p.write_bytes(b"".join(lines))  # CRLF kept, as in the original
    return p


def test_eval_json_with_jieba_baseline(tiny_model_dir, small_gold, data_dir, capsys):
    rc = main(["eval", "--model", str(tiny_model_dir), "--gold", str(small_gold),
               "--words", str(data_dir / "pku" / "pku_training_words.utf8"), "--baseline", "jieba", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    for r in (out, out["baseline"]):
        assert {"precision", "recall", "f1", "oov_recall", "iv_recall", "chars", "seconds"} <= set(r)
        assert 0.0 < r["f1"] <= 1.0 and 0.0 <= r["oov_recall"] <= 1.0
        assert r["chars"] == out["chars"]
    assert out["chars"] > 1000
    assert 0.75 < out["baseline"]["f1"] < 0.9  # jieba's default mode on PKU text scores about 0.82


def test_eval_table(tiny_model_dir, small_gold, capsys):
    assert main(["eval", "--model", str(tiny_model_dir), "--gold", str(small_gold)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["model", "P", "R", "F1"]
    assert out[1].startswith("tiny")


def test_missing_gold_file_exits_2_with_a_message(tiny_model_dir, tmp_path, capsys):
    assert main(["eval", "--model", str(tiny_model_dir), "--gold", str(tmp_path / "none.txt")]) == 2
    err = capsys.readouterr().err
    assert "none.txt" in err and "no such file" in err


def test_bad_corpus_line_in_train_exits_2_naming_file_and_line(tmp_path, capsys):
    rc = main(["train", "--train", str(RESOURCES / "bad_pfr.txt"), "--format", "pfr", "--out", str(tmp_path / "m")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "bad_pfr.txt:1" in err and "word/TAG" in err


def test_unknown_model_exits_2(capsys):
    assert main(["eval", "--model", "no-such-model", "--gold", str(RESOURCES / "tiny_seg.txt")]) == 2
    assert "no model 'no-such-model'" in capsys.readouterr().err


def test_train_cli_end_to_end(tmp_path, data_dir):
    out = tmp_path / "cli-model"
    corpus = tmp_path / "train.txt"
    corpus.write_text("\n".join((data_dir / "pku" / "pfr199801_seg.utf8").read_text(encoding="utf-8")
                                .splitlines()[:120]), encoding="utf-8")
    rc = main(["train", "--train", str(corpus), "--out", str(out), "--epochs", "1", "--hidden", "8",
               "--char-dim", "8", "--bigram-dim", "4", "--cell", "gru", "--layers", "2", "--quiet"])
    assert rc == 0
    meta = json.loads((out / "meta.json").read_text())
    assert meta["command"].startswith("segmenter train --train")
    assert meta["train_files"][str(corpus)]  # data hash recorded
    assert json.loads((out / "config.json").read_text())["cell"] == "gru"


def test_train_cli_distils_from_an_ensemble_of_teachers(tmp_path, tiny_model_dir):
    corpus = tmp_path / "train.txt"
    corpus.write_text("我 爱 北京 天安门 。\n今天 天气 很 好\n" * 30, encoding="utf-8")
    out = tmp_path / "student"
    rc = main(["train", "--train", str(corpus), "--out", str(out), "--epochs", "1", "--hidden", "4",
               "--teacher", str(tiny_model_dir), "--teacher", str(tiny_model_dir), "--distill-alpha", "0.5",
               "--quiet"])
    assert rc == 0
    assert json.loads((out / "meta.json").read_text())["teacher"] == [str(tiny_model_dir)] * 2
    missing = tmp_path / "no-model"
    assert main(["train", "--train", str(corpus), "--out", str(tmp_path / "s2"), "--teacher", str(tiny_model_dir),
                 "--teacher", str(missing), "--distill-alpha", "0.5", "--quiet"]) == 2
    # --own-vocab: the student's vocabulary from its own --min-bigram-count, not the teacher's
    own = tmp_path / "own"
    assert main(["train", "--train", str(corpus), "--out", str(own), "--epochs", "1", "--hidden", "4",
                 "--teacher", str(tiny_model_dir), "--distill-alpha", "0.5", "--own-vocab", "--min-char-count", "1",
                 "--min-bigram-count", "20", "--quiet"]) == 0
    assert json.loads((own / "meta.json").read_text())["train_config"]["own_vocab"] is True
    own_bigrams = json.loads((own / "vocab.json").read_text())["bigram_text"].split("\t")
    teacher_bigrams = json.loads((tiny_model_dir / "vocab.json").read_text())["bigram_text"].split("\t")
    assert len(own_bigrams) == 2 + 9 + 7  # <PAD>, <UNK> and the two sentences' bigrams (each seen 27 times in training)
    assert len(teacher_bigrams) > 100
    assert main(["train", "--train", str(corpus), "--out", str(tmp_path / "s3"), "--own-vocab", "--quiet"]) == 2


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_segment_command_keeps_every_line(tiny_model_dir, tmp_path, precision):
    src = "第一行。\n\n  \nhello 世界\n最后一行没有换行"
    proc = subprocess.run([sys.executable, "-m", "segmenter.cli", "segment", "--model", str(tiny_model_dir),
                           "--precision", precision], input=src.encode(), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().split("\n")
    assert lines[-1] == ""
    out = lines[:-1]
    assert len(out) == 5
    assert [line.replace(" ", "") for line in out] == [line.replace(" ", "") for line in src.split("\n")]


def test_segment_missing_file_exits_2(tiny_model_dir, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "segmenter.cli", "segment", "--model", str(tiny_model_dir),
                           str(tmp_path / "missing.txt")], capture_output=True, timeout=120)
    assert proc.returncode == 2
    assert b"missing.txt: no such file" in proc.stderr


def test_segment_threads_keep_the_output_and_bad_counts_exit_2(tiny_model_dir, tmp_path, data_dir):
    src = (data_dir / "pku" / "pku_test.utf8").read_bytes()[:60_000].rsplit(b"\n", 1)[0] + b"\n"

    def segment(*extra):
        return subprocess.run([sys.executable, "-m", "segmenter.cli", "segment", "--model", str(tiny_model_dir),
                               *extra], input=src, capture_output=True, timeout=120)

    one, two = segment("--threads", "1"), segment("--threads", "2")
    assert one.returncode == 0 and two.returncode == 0, two.stderr
    assert one.stdout == two.stdout and one.stdout.count(b"\n") == src.count(b"\n")
    bad = segment("--threads", "-1")
    assert bad.returncode == 2 and b"--threads" in bad.stderr


@pytest.mark.parametrize("command", ["eval", "segment", "serve"])
def test_help_names_the_default_model(command, capsys, monkeypatch):
    from segmenter.segmenter import DEFAULT_MODEL

    monkeypatch.setenv("COLUMNS", "1000")  # no line breaks (argparse would break "multi-fast" at the hyphen)
    with pytest.raises(SystemExit):
        main([command, "--help"])
    model_help = [line for line in capsys.readouterr().out.splitlines() if line.lstrip().startswith("--model ")]
    assert len(model_help) == 1, model_help
    assert re.search(rf"\(default: (SEGMENTER_DEFAULT_MODEL or )?{DEFAULT_MODEL}\b", model_help[0]), model_help


def test_python_dash_m_and_short_version():
    out = subprocess.run([sys.executable, "-m", "segmenter", "-V"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("segmenter ")


def test_conllu_output_has_ten_columns(tiny_model_dir, tmp_path, capsys):
    src = tmp_path / "in.txt"
    src.write_text("我爱 北京。\n\n", encoding="utf-8")
    assert main(["segment", str(src), "--model", str(tiny_model_dir), "--format", "conllu", "-q"]) == 0
    blocks = capsys.readouterr().out.split("\n\n")
    first = blocks[0].splitlines()
    assert first[0] == "# text = 我爱 北京。"
    rows = [r.split("\t") for r in first[1:]]
    assert all(len(r) == 10 for r in rows)
    assert "".join(r[1] for r in rows) == "我爱北京。"
    assert [r[0] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    ends = {r[9].split("|")[0]: r[9] for r in rows}
    assert not any("SpaceAfter=No" in v for k, v in ends.items() if k.endswith(":2"))  # a space follows 我爱
    assert blocks[1].startswith("# text = ")  # the empty line still has its block


def _segment_command(model_dir, *args):
    return [sys.executable, "-m", "segmenter", "segment", "-q", "--model", str(model_dir), *map(str, args)]


@pytest.fixture(scope="module")
def big_input(tmp_path_factory, data_dir):
    """About 2 MB of text: far more output than a pipe holds, so the writer meets a closed pipe."""
    p = tmp_path_factory.mktemp("big") / "big.txt"
    p.write_bytes((data_dir / "pku" / "pku_test.utf8").read_bytes() * 4)
    return p


@pytest.mark.parametrize("how", ["file", "stdin", "jsonl", "workers"])
def test_a_reader_who_leaves_ends_the_run_quietly_with_status_141(tiny_model_dir, big_input, how):
    args = {"file": [big_input], "stdin": [], "jsonl": [big_input, "--format", "jsonl"],
            "workers": [big_input, "--workers", "2"]}[how]
    with big_input.open("rb") as src:
        proc = subprocess.Popen(_segment_command(tiny_model_dir, *args), stdin=src, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        first = proc.stdout.readline()  # as `| head -1`
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=120) == 141, err
    assert first.strip() and err == b""


def _wait_for(predicate, seconds=120.0):
    import time

    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_is_one_line_exit_130_and_leaves_no_temporary(tiny_model_dir, tmp_path, workers):
    import os
    import signal
    import threading

    out = tmp_path / "out.txt"
    proc = subprocess.Popen(_segment_command(tiny_model_dir, "--workers", workers, "-o", out),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)  # its own process group, as a terminal's job

    def feed():  # standard input that never ends: the run is busy when Ctrl-C comes
        try:
            while True:
                proc.stdin.write("我爱北京天安门。\n".encode() * 1000)
        except OSError:
            pass

    threading.Thread(target=feed, daemon=True).start()
    _wait_for(lambda: list(tmp_path.glob(".out.txt.tmp-*")))  # the output is being written
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends: every process of the group
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 130
    assert err == b"segmenter: interrupted\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", ["eio", "glob", "full", "stdin-closed", "stdout-closed"])
def test_unreadable_input_and_unwritable_output_are_one_line_and_exit_2(tiny_model_dir, tmp_path, case):
    src = tmp_path / "in.txt"
    src.write_text("我爱北京\n", encoding="utf-8")
    command = {"eio": ["/proc/self/mem"], "glob": [tmp_path, "--glob", "/etc/passwd"], "full": [src],
               "stdin-closed": [], "stdout-closed": [src]}[case]
    redirect = {"full": ">/dev/full", "stdin-closed": "<&-", "stdout-closed": ">&-"}.get(case, "")
    proc = subprocess.run(["bash", "-c", f'"$@" {redirect}', "-", *_segment_command(tiny_model_dir, *command)],
                          capture_output=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    phrase = {"eio": b"/proc/self/mem: cannot be read (Input/output error)", "glob": b"--glob '/etc/passwd'",
              "full": b"standard output: cannot be written (No space left on device)",
              "stdin-closed": b"standard input is closed", "stdout-closed": b"standard output is closed"}[case]
    assert proc.stderr.startswith(b"segmenter: error: ") and phrase in proc.stderr
    assert proc.stderr.count(b"\n") == 1, proc.stderr


def test_train_without_torch_names_the_extra_to_install(tmp_path):
    corpus = tmp_path / "train.txt"
    corpus.write_text("我 爱 北京\n" * 20, encoding="utf-8")
    blocked = ("import sys; sys.modules['torch'] = None; from segmenter.cli import main; "
               f"sys.exit(main(['train', '--train', {str(corpus)!r}, '--out', {str(tmp_path / 'm')!r}]))")
    proc = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == ("segmenter: error: segmenter train needs the 'train' extra (torch is missing): "
                           "pip install 'segmenter-cws[train]'\n")
    assert not (tmp_path / "m").exists()


def test_cli_refuses_bad_word_feature_options(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("北京 天安门\n我 爱 北京\n" * 20, encoding="utf-8")
    out = str(tmp_path / "out")
    assert main(["train", "--train", f"a={good}", "--out", out, "--word-features", "1"]) == 2
    assert main(["train", "--train", f"a={good}", "--train", f"b={good}", "--out", out,
                 "--word-features", "3", "--mixed-share", "0.2"]) == 2
    wf = tmp_path / "wf"
    train([Corpus("a", [Sentence(["北京", "天安门"])] * 20, [Sentence(["北京"])])], wf,
          dict(TINY_MODEL, word_features=3), TrainConfig(epochs=1), progress=False)
    # a teacher with dictionary features teaches only a student that reads the same ones
    assert main(["train", "--train", f"a={good}", "--out", out, "--teacher", str(wf)]) == 2
    assert main(["train", "--train", f"a={good}", "--out", out, "--teacher", str(wf), "--word-features", "2"]) == 2


def test_cli_standard_by_name_and_by_flag(tiny_multi_models_dir, tmp_path, capsys, monkeypatch):
    src = tmp_path / "in.txt"
    src.write_text("\n".join(STANDARD_TEXTS) + "\n", encoding="utf-8")
    ref = Segmenter.load("multi", models_dir=tiny_multi_models_dir).cut_batch(STANDARD_TEXTS, standard="chars")
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
