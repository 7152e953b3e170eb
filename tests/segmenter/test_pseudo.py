"""`python -m segmenter.pseudo`: a standard's corpus extended with text a model labelled in it."""

import pytest

from segmenter import Segmenter
from segmenter.corpus import Sentence, pfr_line, read_corpus, split_dev
from segmenter.pseudo import main, write_corpus


def _files(tmp_path, data_dir, base_lines=60, other_lines=12):
    base = tmp_path / "base.pos"
    with (data_dir / "pku" / "pfr199801_pos.utf8").open(encoding="utf-8") as fh:
        base.write_text("".join(next(fh) for _ in range(base_lines)), encoding="utf-8")
    other = tmp_path / "other.txt"
    with (data_dir / "weibo" / "train.txt").open(encoding="utf-8") as fh:
        other.write_text("".join(next(fh) for _ in range(other_lines)), encoding="utf-8")
    return base, other


def test_base_training_part_then_the_models_labels_and_the_dev_part_untouched(tmp_path, data_dir):
    base, other = _files(tmp_path, data_dir)
    out_train, out_dev = tmp_path / "train.pos", tmp_path / "dev.pos"
    assert main([str(other), "--model", "multi-fast", "--standard", "ctb6", "--base", str(base),
                 "--out-train", str(out_train), "--out-dev", str(out_dev)]) == 0
    base_train, base_dev = split_dev(read_corpus(base))
    written = read_corpus(out_train)  # format detected as PFR from the first line
    assert written[:len(base_train)] == base_train
    assert read_corpus(out_dev) == base_dev
    labelled = written[len(base_train):]
    texts = [s.text for s in read_corpus(other)]
    assert [s.text for s in labelled] == texts  # every sentence, every character
    seg = Segmenter.load("multi-fast")
    assert [s.words for s in labelled] == seg.cut_batch(texts, standard="ctb6")
    assert [s.words for s in labelled] != seg.cut_batch(texts, standard="pku")  # the standard asked for
    assert [s.pos for s in labelled] == [[t.pos for t in toks]
                                         for toks in seg.tokenize_batch(texts, pos=True, standard="ctb6")]


def test_a_segmented_base_with_its_own_dev_file_is_all_training(tmp_path, data_dir):
    base = tmp_path / "base.txt"
    with (data_dir / "ctb6" / "train.txt").open(encoding="utf-8") as fh:
        base.write_text("".join(next(fh) for _ in range(30)), encoding="utf-8")
    _, other = _files(tmp_path, data_dir)
    out_train = tmp_path / "train.txt"
    assert main([str(other), "--model", "multi-fast", "--standard", "weibo", "--base", str(base),
                 "--out-train", str(out_train)]) == 0
    written = read_corpus(out_train)
    base_sents = read_corpus(base)
    assert written[:len(base_sents)] == base_sents and all(s.pos is None for s in written)
    texts = [s.text for s in read_corpus(other)]
    want = Segmenter.load("multi-fast").cut_batch(texts, standard="weibo")
    assert [s.words for s in written[len(base_sents):]] == want


def test_a_sentence_the_pfr_form_cannot_hold_is_left_out_if_labelled_and_an_error_if_gold(tmp_path):
    bracket = Sentence(["[", "海市"], ["w", "ns"])
    like_an_id = Sentence(["19980102-03-004-005", "人"], ["m", "n"])  # would be read as a sentence ID
    plain = Sentence(["中国", "人"], ["ns", "n"])
    assert pfr_line(bracket) is None and pfr_line(like_an_id) is None
    assert pfr_line(plain) == "中国/ns 人/n"
    out = tmp_path / "c.pos"
    assert write_corpus(out, [plain], [bracket, plain, like_an_id], pfr=True) == (1, 1, 2)
    assert read_corpus(out) == [plain, plain]
    with pytest.raises(ValueError, match="base corpus"):
        write_corpus(tmp_path / "d.pos", [plain, bracket], [], pfr=True)
    assert not (tmp_path / "d.pos").exists()  # written atomically: nothing on failure


def test_hold_out_keeps_a_files_dev_part_out_and_a_one_sentence_base_works(tmp_path, data_dir):
    base = tmp_path / "one.pos"
    with (data_dir / "pku" / "pfr199801_pos.utf8").open(encoding="utf-8") as fh:
        base.write_text(next(fh), encoding="utf-8")
    _, other = _files(tmp_path, data_dir, other_lines=20)
    out_train, out_dev = tmp_path / "t.pos", tmp_path / "d.pos"
    assert main([f"{tmp_path}/./{other.name}", "--hold-out", str(other), "--model", "multi-fast",
                 "--base", str(base), "--out-train", str(out_train), "--out-dev", str(out_dev)]) == 0
    assert read_corpus(out_dev) == read_corpus(base)  # the one sentence is the dev part
    texts = [s.text for s in split_dev(read_corpus(other))[0]]
    assert [s.text for s in read_corpus(out_train)] == texts  # 18 of 20: another spelling of the path


def test_bad_arguments_exit_2_with_a_message(tmp_path, data_dir, capsys):
    base, other = _files(tmp_path, data_dir)
    outs = ["--out-train", str(tmp_path / "t"), "--out-dev", str(tmp_path / "d")]
    assert main([str(other), "--model", "multi-fast", "--base", str(tmp_path / "missing.pos"), *outs]) == 2
    assert "missing.pos" in capsys.readouterr().err
    # a tagged base needs a model with a part-of-speech tagger
    assert main([str(other), "--model", "pku-fast", "--base", str(base), *outs]) == 2
    assert "part" in capsys.readouterr().err.lower()
    assert main([str(other), "--model", "multi-fast", "--standard", "msr", "--base", str(base), *outs]) == 2
    assert "msr" in capsys.readouterr().err
    assert main([str(other), "--hold-out", str(base), "--model", "multi-fast", "--base", str(base), *outs]) == 2
    assert "not read" in capsys.readouterr().err
    before = base.read_bytes()
    assert main([str(other), "--model", "multi-fast", "--base", str(base), "--out-train", str(base)]) == 2
    assert "also an input" in capsys.readouterr().err and base.read_bytes() == before
    assert main([str(other), "--model", "multi-fast", "--base", str(base), "--out-train", str(tmp_path / "x"),
                 "--out-dev", str(tmp_path / "x")]) == 2
    assert "same file" in capsys.readouterr().err
