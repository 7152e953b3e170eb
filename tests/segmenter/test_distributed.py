"""The Ray engine: a local Ray instance started by the test; the output must equal the
single-process output line for line."""

import io
import json
import sys

import pytest

from segmenter import Segmenter
from segmenter.distributed import segment_files_on_ray, tokens_for_batch
from segmenter.errors import SegmenterError
from segmenter.stream import Job, OutputFormat, segment_files

LINES = ["第一行。", "", "hello 世界", "今天是2026年11月22日，访问www.example.com的人增长了。", "最后一行"]


@pytest.fixture(scope="module")
def seg(tiny_model_dir):
    return Segmenter.load(tiny_model_dir)


def test_tokens_column_for_a_dict_a_dataframe_and_an_arrow_table(seg):
    import pandas as pd
    import pyarrow as pa

    expected = [[t.to_json() for t in toks] for toks in seg.tokenize_batch(LINES)]
    assert tokens_for_batch({"text": LINES, "id": list(range(5))}, seg)["tokens"] == expected
    df = tokens_for_batch(pd.DataFrame({"text": LINES}), seg)
    assert list(df["tokens"]) == expected
    table = tokens_for_batch(pa.table({"body": LINES}), seg, text_column="body")
    assert table.column("tokens").to_pylist() == expected


@pytest.fixture(scope="module")
def local_ray():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.parametrize("fmt", [OutputFormat.PLAIN, OutputFormat.JSONL])
def test_ray_output_equals_the_single_process_output(local_ray, seg, tiny_model_dir, tmp_path, fmt):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("\n".join(LINES * 30) + "\n", encoding="utf-8")
    (src / "sub" / "b.txt").write_text("\r\n".join(LINES) + "\r\n", encoding="utf-8")
    out = tmp_path / f"out-{fmt.value}"
    summary = segment_files_on_ray([str(src)], str(out), model=str(tiny_model_dir), fmt=fmt, concurrency=2)
    assert summary.files == 2 and summary.lines == 30 * len(LINES) + len(LINES)
    for rel in ("a.txt", "sub/b.txt"):
        local = io.BytesIO()
        segment_files(seg, Job(inputs=[str(src / rel)], fmt=fmt, progress=False), stdout=local)
        assert (out / rel).read_bytes() == local.getvalue()


def test_ray_carries_parts_of_speech_and_the_user_dictionary(local_ray, tiny_pos_model_dir, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("\n".join(LINES * 5) + "\n", encoding="utf-8")
    seg = Segmenter.load(tiny_pos_model_dir, user_words=["最后一行"])
    summary = segment_files_on_ray([str(src)], str(tmp_path / "out"), model=str(tiny_pos_model_dir),
                                   fmt=OutputFormat.JSONL, pos=True, user_words=["最后一行"])
    assert summary.lines == 5 * len(LINES)
    local = io.BytesIO()
    segment_files(seg, Job(inputs=[str(src)], fmt=OutputFormat.JSONL, pos=True, progress=False), stdout=local)
    assert (tmp_path / "out" / "in.txt").read_bytes() == local.getvalue()
    last = json.loads(local.getvalue().decode().splitlines()[4])["tokens"][0]
    assert last["text"] == "最后一行" and last["pos"] in seg.pos_tags


def test_without_ray_the_error_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(SegmenterError, match=r"the 'ray' extra \(ray is missing\): pip install 'segmenter-cws\[ray\]'"):
        segment_files_on_ray([str(tmp_path)], str(tmp_path / "out"), model="pku")
