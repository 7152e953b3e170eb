"""Streaming segmentation of files: formats, order, encodings, undecodable lines, atomic
outputs, resume, several worker processes."""

import io
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmenter import Segmenter
from segmenter.errors import CorpusError
from segmenter.stream import Job, OnError, OutputFormat, segment_files

LINES = ["第一行。", "", "  ", "hello 世界", "今天是2026年11月22日，访问www.example.com的人增长了。", "最后一行"]


@pytest.fixture(scope="module")
def seg(tiny_model_dir):
    return Segmenter.load(tiny_model_dir)


def run(seg, tmp_path, data: bytes, **job) -> tuple[bytes, object]:
    src = tmp_path / "in.txt"
    src.write_bytes(data)
    out = io.BytesIO()
    summary = segment_files(seg, Job(inputs=[str(src)], progress=False, **job), stdout=out)
    return out.getvalue(), summary


def test_plain_keeps_every_line_in_order_with_crlf_and_no_final_newline(seg, tmp_path):
    data = "\r\n".join(LINES).encode()
    out, summary = run(seg, tmp_path, data)
    got = out.decode().split("\n")
    assert got[-1] == "" and len(got) - 1 == len(LINES)
    assert [g.replace(" ", "") for g in got[:-1]] == [line.replace(" ", "") for line in LINES]
    assert got[:-1] == [" ".join(seg.cut(line)) for line in LINES]
    assert summary.lines == len(LINES)


def test_jsonl_has_text_tokens_and_offsets(seg, tmp_path):
    out, _ = run(seg, tmp_path, "\n".join(LINES).encode(), fmt=OutputFormat.JSONL)
    rows = [json.loads(r) for r in out.decode().splitlines()]
    assert [r["text"] for r in rows] == LINES
    for r in rows:
        assert all(r["text"][t["start"]:t["end"]] == t["text"] for t in r["tokens"])


def test_conll_is_one_block_per_line(seg, tmp_path):
    out, _ = run(seg, tmp_path, "\n".join(LINES).encode(), fmt=OutputFormat.CONLL)
    blocks, block = [], []
    for row in out.decode().split("\n")[:-1]:  # a blank line ends each input line's block
        if row:
            block.append(row.split("\t"))
        else:
            blocks.append(block)
            block = []
    assert block == [] and len(blocks) == len(LINES)
    for line, rows in zip(LINES, blocks):
        assert [r[1] for r in rows] == seg.cut(line)
        assert [r[0] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
        assert all(line[int(r[2]):int(r[3])] == r[1] for r in rows)


def test_gb18030_input_with_encoding(seg, tmp_path):
    out, _ = run(seg, tmp_path, "\n".join(LINES).encode("gb18030"), encoding="gb18030")
    assert out.decode().splitlines() == [" ".join(seg.cut(line)) for line in LINES]


BAD = "好的\n".encode() + b"\xff\xfe bad\n" + "再见\n".encode()


def test_undecodable_line_fails_naming_file_and_line(seg, tmp_path):
    with pytest.raises(CorpusError, match=r"in\.txt:2: cannot be decoded as utf-8"):
        run(seg, tmp_path, BAD)


def test_undecodable_line_skipped_keeps_its_place(seg, tmp_path):
    out, summary = run(seg, tmp_path, BAD, on_error=OnError.SKIP)
    assert out.decode().split("\n")[1] == "" and len(out.decode().splitlines()) == 3
    assert summary.skipped == 1
    out, _ = run(seg, tmp_path, BAD, on_error=OnError.SKIP, fmt=OutputFormat.JSONL)
    row = json.loads(out.decode().splitlines()[1])
    assert row["line"] == 2 and "cannot be decoded" in row["error"]


def test_undecodable_line_replaced(seg, tmp_path):
    out, summary = run(seg, tmp_path, BAD, on_error=OnError.REPLACE)
    assert "\ufffd" in out.decode().splitlines()[1] and summary.replaced == 1


def test_directory_tree_is_mirrored_and_resume_skips_complete_outputs(seg, tmp_path):
    src = tmp_path / "src"
    (src / "a").mkdir(parents=True)
    (src / "a" / "one.txt").write_text("我爱北京。\n", encoding="utf-8")
    (src / "two.txt").write_text("天安门。\n", encoding="utf-8")
    (src / "skip.md").write_text("不要\n", encoding="utf-8")
    out = tmp_path / "out"
    summary = segment_files(seg, Job(inputs=[str(src)], output=str(out), pattern="*.txt", progress=False))
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == ["a/one.txt", "two.txt"]
    assert (out / "two.txt").read_text(encoding="utf-8") == " ".join(seg.cut("天安门。")) + "\n"
    assert len(summary.written) == 2
    (out / "two.txt").unlink()
    again = segment_files(seg, Job(inputs=[str(src)], output=str(out), pattern="*.txt", resume=True, progress=False))
    assert again.resumed == [str(out / "a" / "one.txt")] and again.written == [str(out / "two.txt")]


def test_an_interrupted_run_leaves_no_output_that_looks_complete(seg, tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes("好的\n".encode() * 600 + b"\xff\n")  # fails after two chunks were written
    target = tmp_path / "out.txt"
    with pytest.raises(CorpusError):
        segment_files(seg, Job(inputs=[str(src)], output=str(target), progress=False))
    assert not target.exists()
    assert list(tmp_path.glob(".out.txt.tmp-*")) == []


def test_two_workers_give_the_single_process_output(seg, tmp_path, tiny_model_dir):
    data = "\n".join(LINES * 120).encode()
    one, _ = run(seg, tmp_path, data, chunk_lines=50)
    two, _ = run(seg, tmp_path, data, chunk_lines=50, workers=2)
    assert two == one


def test_cli_missing_input_and_bad_line_exit_2(tiny_model_dir, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(BAD)
    for args, phrase in (([str(tmp_path / "missing.txt")], b"no such file"), ([str(bad)], b"bad.txt:2")):
        proc = subprocess.run([sys.executable, "-m", "segmenter.cli", "segment", "--model", str(tiny_model_dir),
                               *args], capture_output=True, timeout=120)
        assert proc.returncode == 2 and phrase in proc.stderr, proc.stderr


@pytest.fixture(scope="module")
def pos_seg(tiny_pos_model_dir):
    return Segmenter.load(tiny_pos_model_dir, user_words=["最后一行"])


def test_pos_output_in_every_format(pos_seg, tmp_path):
    data = "\n".join(LINES).encode()
    plain, _ = run(pos_seg, tmp_path, data, pos=True)
    rows = plain.decode().split("\n")[:-1]
    assert len(rows) == len(LINES)
    assert rows[-1].startswith("最后一行/")  # the user word, whole, with a tag
    assert all("/" in w for w in rows[0].split())
    jsonl, _ = run(pos_seg, tmp_path, data, pos=True, fmt=OutputFormat.JSONL)
    objs = [json.loads(x) for x in jsonl.decode().splitlines()]
    assert all(t["pos"] in pos_seg.pos_tags for o in objs for t in o["tokens"])
    conll, _ = run(pos_seg, tmp_path, data, pos=True, fmt=OutputFormat.CONLL)
    first = conll.decode().split("\n\n")[0].splitlines()
    assert all(len(row.split("\t")) == 5 for row in first)
    without, _ = run(pos_seg, tmp_path, data, fmt=OutputFormat.JSONL)
    assert all("pos" not in t for x in without.decode().splitlines() for t in json.loads(x)["tokens"])


def test_workers_carry_the_user_dictionary_and_pos(pos_seg, tmp_path):
    data = "\n".join(LINES * 60).encode()
    one, _ = run(pos_seg, tmp_path, data, chunk_lines=40, pos=True)
    two, _ = run(pos_seg, tmp_path, data, chunk_lines=40, pos=True, workers=2)
    assert two == one
    assert one.decode().count("最后一行/") == 60


def test_cli_user_dictionary_and_pos_errors_exit_2(tiny_model_dir, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("研究生命起源\n", "utf-8")
    good = tmp_path / "good.txt"
    good.write_text("# domain terms\n生命起源 n\n", "utf-8")
    proc = subprocess.run([sys.executable, "-m", "segmenter.cli", "segment", "-q", "--model", "pku-fast",
                           "--user-dict", str(good), str(src)], capture_output=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.decode().split() == ["研究", "生命起源"], proc.stderr
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok\n\xff\xfe\n")
    for args, phrase in ((["--user-dict", str(bad)], b"bad.txt:2: not valid UTF-8"),
                         (["--user-word", " "], b"whitespace only"),
                         (["--pos"], b"no part-of-speech tagger")):
        proc = subprocess.run([sys.executable, "-m", "segmenter.cli", "segment", "--model", str(tiny_model_dir),
                               *args, str(src)], capture_output=True, timeout=120)
        assert proc.returncode == 2 and phrase in proc.stderr, proc.stderr


def _cli(*argv):
    from segmenter.cli import main

    return main(["segment", *map(str, argv), "-q"])


def test_batch_cli_refuses_to_overwrite_its_inputs(tiny_model_dir, tmp_path, capsys):
    d = tmp_path / "d"
    d.mkdir()
    for name in ("a.txt", "b.txt"):
        (d / name).write_text("我爱北京\n", encoding="utf-8")
    assert _cli(d / "a.txt", d / "b.txt", "--output", d, "--model", tiny_model_dir) == 2
    assert "would overwrite the input" in capsys.readouterr().err
    assert _cli(d / "a.txt", "--output", f"{d}/", "--model", tiny_model_dir) == 2
    assert "would overwrite the input" in capsys.readouterr().err
    assert (d / "a.txt").read_text(encoding="utf-8") == "我爱北京\n"  # untouched


def test_batch_cli_refuses_two_inputs_with_one_output(tiny_model_dir, tmp_path, capsys):
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "a.txt").write_text(f"{sub}我爱北京\n", encoding="utf-8")
    assert _cli(tmp_path / "x" / "a.txt", tmp_path / "y" / "a.txt", "--output", tmp_path / "o",
                "--model", tiny_model_dir) == 2
    assert "would both be written to" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_stale_temporaries_are_removed_and_resume_skips_a_complete_single_output(tiny_model_dir, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("我爱北京\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    stale = tmp_path / ".out.txt.tmp-999999999"  # no such process
    stale.write_text("half", encoding="utf-8")
    assert _cli(src, "--output", out, "--model", tiny_model_dir) == 0
    assert not stale.exists()
    out.write_text("kept\n", encoding="utf-8")
    assert _cli(src, "--output", out, "--resume", "--model", tiny_model_dir) == 0
    assert out.read_text(encoding="utf-8") == "kept\n"


def test_a_huge_line_is_segmented_in_windows_without_losing_a_character(tiny_model_dir, tmp_path):
    import tracemalloc

    from segmenter.stream import LONG_LINE, windows

    text = ("今天天气很好，我们去公园散步。" * 20_000) + ("没有标点的长句" * 30_000)  # 510k characters
    spans = windows(text)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:])) and all(e - s <= LONG_LINE for s, e in spans)
    assert text[spans[0][1] - 1] == "。"  # cut after sentence-final punctuation where there is one
    src = tmp_path / "huge.txt"
    src.write_text("短句。\n" + text + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    tracemalloc.start()
    assert _cli(src, "--output", out, "--format", "jsonl", "--model", tiny_model_dir) == 0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 and rows[1]["text"] == text
    toks = rows[1]["tokens"]
    assert "".join(t["text"] for t in toks) == text
    assert all(text[t["start"]:t["end"]] == t["text"] for t in toks)
    assert peak < 600 * 2**20, f"{peak / 2**20:.0f} MiB of Python allocations for a 510k-character line"


def test_the_parent_of_worker_processes_checks_the_model_without_loading_it(seg, tmp_path, tiny_model_dir):
    import shutil

    from segmenter import artifact
    from segmenter.errors import InvalidInputError, ModelLoadError
    from segmenter.stream import WorkerModel

    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    config = json.loads((copy / "config.json").read_text())
    config["hidden"] += 1  # weights that do not fit (checksums consistent): only loading them tells
    (copy / "config.json").write_text(json.dumps(config))
    meta = artifact.read_meta(copy)
    meta["sha256"]["config.json"] = artifact.sha256_file(copy / "config.json")
    artifact.write_meta(copy, meta)
    found = WorkerModel.find(str(copy), user_words=["北京 大学"])
    assert found.path == str(copy.resolve()) and found.entries[0].parts == ("北京", "大学")
    with pytest.raises(ModelLoadError):
        Segmenter.load(copy)
    with pytest.raises(InvalidInputError, match="part-of-speech"):
        found.require_pos(True)
    with pytest.raises(InvalidInputError, match="empty"):
        WorkerModel.find(str(copy), user_words=[" "])
    src = tmp_path / "in.txt"
    src.write_text("\n".join(LINES), encoding="utf-8")
    two = io.BytesIO()
    segment_files(WorkerModel.of(seg), Job(inputs=[str(src)], workers=2, progress=False), stdout=two)
    one, _ = run(seg, tmp_path, "\n".join(LINES).encode())
    assert two.getvalue() == one


def test_an_unknown_standard_fails_before_any_worker_starts(tiny_multi_models_dir):
    from segmenter.errors import InvalidInputError
    from segmenter.stream import WorkerModel

    with pytest.raises(InvalidInputError, match="its standards: pku, chars"):
        WorkerModel.find("multi", models_dir=str(tiny_multi_models_dir), standard="msr")
    assert WorkerModel.find("chars", models_dir=str(tiny_multi_models_dir)).standard == "chars"


def test_a_model_the_workers_cannot_load_is_an_error_not_a_hang(tmp_path, tiny_model_dir):
    import shutil

    from segmenter import artifact

    bad = tmp_path / "bad"
    shutil.copytree(tiny_model_dir, bad)
    config = json.loads((bad / "config.json").read_text())
    config["hidden"] += 1  # consistent checksums, weights that do not fit: only loading finds it
    (bad / "config.json").write_text(json.dumps(config))
    meta = artifact.read_meta(bad)
    meta["sha256"]["config.json"] = artifact.sha256_file(bad / "config.json")
    artifact.write_meta(bad, meta)
    src = tmp_path / "in.txt"
    src.write_text("我爱北京\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "segmenter", "segment", "-q", "--model", str(bad), "--workers", "2",
                        str(src)], capture_output=True, text=True, timeout=180)
    assert r.returncode == 2 and "weights do not fit" in r.stderr


def test_worker_models_keep_the_checks_of_a_loaded_segmenter(tmp_path, tiny_model_dir, monkeypatch):
    import shutil

    from segmenter.errors import InvalidInputError
    from segmenter.stream import WorkerModel

    with pytest.raises(InvalidInputError, match="no standard 'ctb6'; its standards: pku"):  # one standard
        WorkerModel.find("pku-fast", standard="ctb6")
    assert WorkerModel.find("pku-fast", standard="pku").standard is None
    with pytest.raises(InvalidInputError, match="unnamed"):
        WorkerModel.find(str(tiny_model_dir), standard="pku")
    shutil.copytree(tiny_model_dir, tmp_path / "local")
    monkeypatch.chdir(tmp_path)
    found = WorkerModel.find("./local")  # a path stays a path for the workers, wherever they start
    assert found.path == str((tmp_path / "local").resolve())
    (tmp_path / "local" / "model.safetensors").write_bytes(b"x")
    from segmenter.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="SHA-256"):
        WorkerModel.find("./local")


def test_plain_output_with_parts_of_speech_writes_a_word_without_one_bare(pos_seg):
    from segmenter.stream import Line, format_lines

    [a] = pos_seg.analyse(["我爱北京"])
    a.pos = None  # as from a model without a tagger
    assert format_lines([Line(1, "我爱北京")], [[(0, a)]], OutputFormat.PLAIN, pos=True) == " ".join(a.words()) + "\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16", "utf-32"])
def test_utf16_and_utf32_are_decoded_before_lines_are_split(seg, tmp_path, encoding):
    lines = ["上海", "北京上上下下。", "", "最后"]  # 上 is U+4E0A: the bytes 0A 4E in UTF-16-LE
    assert b"\n" in "上".encode("utf-16-le")
    out, summary = run(seg, tmp_path, "\r\n".join(lines).encode(encoding), encoding=encoding)
    assert out.decode().split("\n")[:-1] == [" ".join(seg.cut(line)) for line in lines]
    assert summary.lines == len(lines)
    one, _ = run(seg, tmp_path, "上海\n".encode(encoding), encoding=encoding, fmt=OutputFormat.JSONL)
    assert [json.loads(r)["text"] for r in one.decode().splitlines()] == ["上海"]


def test_undecodable_utf16_is_reported_with_its_line(seg, tmp_path):
    data = "上海\n北京\n".encode("utf-16-le") + b"\x00\xdc" + "天津\n".encode("utf-16-le")  # a lone low surrogate
    with pytest.raises(CorpusError, match=r"in\.txt:3: cannot be decoded as utf-16-le"):
        run(seg, tmp_path, data, encoding="utf-16-le")
    out, summary = run(seg, tmp_path, data, encoding="utf-16-le", on_error=OnError.SKIP)
    assert out.decode().split("\n")[:-1] == ["上海", "北京", ""] and summary.skipped == 1
    out, summary = run(seg, tmp_path, data, encoding="utf-16-le", on_error=OnError.REPLACE, fmt=OutputFormat.JSONL)
    assert json.loads(out.decode().splitlines()[2])["text"] == "\ufffd天津" and summary.replaced == 1


def test_pipes_fifos_and_dev_fd_paths_are_read_as_streams(seg, tmp_path):
    import os
    import threading

    data = "\n".join(LINES).encode()
    expected = "".join(" ".join(seg.cut(line)) + "\n" for line in LINES).encode()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    threading.Thread(target=fifo.write_bytes, args=(data,), daemon=True).start()
    r, w = os.pipe()  # what the shell's <(cmd) gives: /dev/fd/N
    threading.Thread(target=lambda: (os.write(w, data), os.close(w)), daemon=True).start()
    out = io.BytesIO()
    summary = segment_files(seg, Job(inputs=[str(fifo), f"/dev/fd/{r}"], progress=False), stdout=out)
    os.close(r)
    assert out.getvalue() == expected * 2 and summary.files == 2


def test_outputs_that_are_not_regular_files_are_written_through_never_replaced(seg, tmp_path):
    import os
    import stat
    import threading

    src = tmp_path / "in.txt"
    src.write_text("\n".join(LINES), encoding="utf-8")
    expected = "".join(" ".join(seg.cut(line)) + "\n" for line in LINES)

    def segment(output):
        segment_files(seg, Job(inputs=[str(src)], output=str(output), progress=False))

    target = tmp_path / "target.txt"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    segment(link)  # a link to a regular file: the file is written, the link stays
    assert link.is_symlink() and target.read_text(encoding="utf-8") == expected
    null = tmp_path / "null"
    null.symlink_to(os.devnull)
    segment(null)  # as `-o /dev/stdout` or `-o /dev/null`: the device is written, never replaced
    assert null.is_symlink() and stat.S_ISCHR(os.stat(os.devnull).st_mode)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    segment(fifo)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and got == [expected]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "in.txt", "link.txt", "null", "target.txt"]


def test_a_link_to_an_input_is_not_an_output(seg, tmp_path):
    from segmenter.errors import InvalidInputError

    src = tmp_path / "in.txt"
    src.write_text("我爱北京\n", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(src)
    with pytest.raises(InvalidInputError, match="also an input"):
        segment_files(seg, Job(inputs=[str(src)], output=str(tmp_path / "link.txt"), progress=False))
    assert src.read_text(encoding="utf-8") == "我爱北京\n"


def test_a_directory_output_for_one_file_and_a_file_output_for_two_are_refused(tiny_model_dir, tmp_path, capsys):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    for f in (a, b):
        f.write_text("我爱北京\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert _cli(a, "--output", out_dir, "--model", tiny_model_dir) == 2
    assert "is a directory: give a file name, or" in capsys.readouterr().err
    taken = tmp_path / "taken.txt"
    taken.write_text("kept\n", encoding="utf-8")
    assert _cli(a, b, "--output", taken, "--model", tiny_model_dir) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert taken.read_text(encoding="utf-8") == "kept\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.txt", "b.txt", "out", "taken.txt"]  # no .tmp-PID
    assert _cli(a, "--output", f"{out_dir}/", "--model", tiny_model_dir) == 0  # DIR/ writes into it
    assert (out_dir / "a.txt").read_text(encoding="utf-8").replace(" ", "") == "我爱北京\n"


def test_standard_input_with_an_output_file_writes_the_file(seg, tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(LINES).encode())))
    out = io.BytesIO()
    summary = segment_files(seg, Job(inputs=[], output=str(target), progress=False), stdout=out)
    assert out.getvalue() == b"" and summary.written == [str(target)]
    assert target.read_text(encoding="utf-8") == "".join(" ".join(seg.cut(line)) + "\n" for line in LINES)


def test_a_glob_that_is_not_a_file_name_pattern_below_the_inputs_is_an_input_error(seg, tmp_path):
    from segmenter.errors import InvalidInputError

    (tmp_path / "sub").mkdir()
    for pattern in ("/etc/passwd", "", "../*", "a**"):
        with pytest.raises(InvalidInputError, match="--glob"):
            segment_files(seg, Job(inputs=[str(tmp_path / "sub")], pattern=pattern, progress=False),
                          stdout=io.BytesIO())


def test_an_output_that_cannot_be_written_leaves_no_temporary(seg, tmp_path):
    from segmenter.errors import SegmenterError

    src = tmp_path / "in.txt"
    src.write_text("我爱北京\n", encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(SegmenterError, match=r"file/out\.txt: cannot be written"):
        segment_files(seg, Job(inputs=[str(src)], output=str(blocker / "out.txt"), progress=False))
    with pytest.raises(SegmenterError, match="standard output: cannot be written .No space left on device"):
        with open("/dev/full", "wb", buffering=0) as full:
            segment_files(seg, Job(inputs=[str(src)], progress=False), stdout=full)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "in.txt"]


KINDS = ["regular", "symlink", "fifo", "pipe"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind_in=st.sampled_from(KINDS), kind_out=st.sampled_from(KINDS[:3]),
       encoding=st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32"]),
       lines=st.lists(st.text(alphabet=st.sampled_from("上海北京天安门。，a1 \u3000\u0a4e"), max_size=12), max_size=6))
def test_any_kind_of_input_and_output_file_keeps_every_line(seg, tmp_path_factory, kind_in, kind_out, encoding, lines):
    """Special files as inputs (a FIFO, a pipe's /dev/fd path, a symlink) and outputs (a FIFO, a
    symlink), in encodings whose newline is not the byte 0x0A: every line comes out, in order,
    segmented as `cut` does, and no special file is replaced by a regular one."""
    import os
    import stat
    import threading

    tmp = tmp_path_factory.mktemp("kinds")
    text = "\n".join(lines)
    data = text.encode(encoding)
    in_file = text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []  # the file's lines
    expected = "".join(" ".join(seg.cut(line)) + "\n" for line in in_file)
    close: list[int] = []
    if kind_in == "pipe":
        r, w = os.pipe()
        threading.Thread(target=lambda: (os.write(w, data), os.close(w)), daemon=True).start()
        source, close = f"/dev/fd/{r}", [r]
    else:
        real = tmp / "real.txt"
        if kind_in == "fifo":
            os.mkfifo(real)
            threading.Thread(target=real.write_bytes, args=(data,), daemon=True).start()
        else:
            real.write_bytes(data)
        source = str(real)
        if kind_in == "symlink":
            (tmp / "link.txt").symlink_to(real)
            source = str(tmp / "link.txt")
    out = tmp / "out.txt"
    got: list[bytes] = []
    reader = None
    if kind_out == "fifo":
        os.mkfifo(out)
        reader = threading.Thread(target=lambda: got.append(out.read_bytes()), daemon=True)
        reader.start()
    elif kind_out == "symlink":
        (tmp / "target.txt").write_text("old\n", encoding="utf-8")
        out.symlink_to(tmp / "target.txt")
    segment_files(seg, Job(inputs=[source], output=str(out), encoding=encoding, progress=False))
    for fd in close:
        os.close(fd)
    if reader is not None:
        reader.join(10)
        assert stat.S_ISFIFO(os.lstat(out).st_mode) and got == [expected.encode("utf-8")]
    else:
        assert out.read_text(encoding="utf-8") == expected
        assert out.is_symlink() == (kind_out == "symlink")


def test_a_failed_run_into_a_symlinked_output_leaves_its_target_as_it_was(seg, tmp_path):
    """Behind a link the target is replaced whole at the end, as a regular output is: a run that
    fails half-way leaves the old target (and the link), never half an output that `--resume`
    would then take for a finished one."""
    src = tmp_path / "bad.txt"
    src.write_bytes("我爱北京天安门\n".encode() * 3000 + b"\xff\xfe\n" + "明天见\n".encode())
    target = tmp_path / "real.txt"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with pytest.raises(CorpusError):
        segment_files(seg, Job(inputs=[str(src)], output=str(link), progress=False))
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt", "link.txt", "real.txt"]  # no temporary left
    src.write_text("我爱北京天安门\n明天见\n", encoding="utf-8")
    segment_files(seg, Job(inputs=[str(src)], output=str(link), progress=False))
    assert link.is_symlink() and target.read_text(encoding="utf-8").count("\n") == 2


def test_utf16_without_a_byte_order_mark_names_the_file_and_the_fix(seg, tmp_path):
    src = tmp_path / "nobom.txt"
    src.write_bytes("上海\n".encode("utf-16-le"))
    with pytest.raises(CorpusError, match=r"nobom.txt.*utf-16.*--encoding utf-16-le"):
        segment_files(seg, Job(inputs=[str(src)], encoding="utf-16", on_error=OnError.REPLACE, progress=False))
    out = io.BytesIO()
    segment_files(seg, Job(inputs=[str(src)], encoding="utf-16-le", progress=False), stdout=out)
    assert out.getvalue().decode().replace(" ", "") == "上海\n"
