import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file, save_file

from segmenter import Segmenter, artifact
from segmenter.config import TrainConfig
from segmenter.corpus import Sentence
from segmenter.errors import ModelLoadError
from segmenter.training.data import Corpus
from segmenter.training.loop import train
from tests.conftest import TINY_MODEL

SAMPLE = ["中共中央总书记、国家主席江泽民发表新年讲话。", "１９９８年，中国经济增长８％。", ""]


def test_save_then_load_gives_identical_output(tiny_model_dir, tmp_path):
    seg = Segmenter.load(tiny_model_dir)
    copy = tmp_path / "copy"
    artifact.save(copy, seg.config, seg.vocab, seg.model.state_dict(), {"note": "re-saved"})
    again = Segmenter.load(copy)
    assert again.cut_batch(SAMPLE) == seg.cut_batch(SAMPLE)
    assert [t.prob for t in again.tag(SAMPLE[0])] == [t.prob for t in seg.tag(SAMPLE[0])]
    assert artifact.read_meta(copy)["note"] == "re-saved"


def test_model_directory_holds_only_plain_files(tiny_model_dir):
    names = {p.name for p in tiny_model_dir.iterdir()}
    assert {"config.json", "vocab.json", "model.safetensors", "meta.json"} <= names
    assert not any(n.endswith((".pt", ".pkl", ".bin")) for n in names)  # checkpoint removed after training
    meta = json.loads((tiny_model_dir / "meta.json").read_text())
    assert meta["format_version"] == artifact.FORMAT_VERSION
    assert set(meta["sha256"]) == {"config.json", "vocab.json", "model.safetensors"}


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    dst = tmp_path / "m"
    shutil.copytree(tiny_model_dir, dst)
    return dst


def test_corrupt_weights_are_refused(model_copy):
    w = model_copy / "model.safetensors"
    data = bytearray(w.read_bytes())
    data[-10] ^= 0xFF
    w.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="SHA-256 does not match"):
        Segmenter.load(model_copy)


def test_incompatible_format_version_is_refused(model_copy):
    meta = json.loads((model_copy / "meta.json").read_text())
    meta["format_version"] = 99
    (model_copy / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="format version 99"):
        Segmenter.load(model_copy)


def test_missing_file_is_named(model_copy):
    (model_copy / "vocab.json").unlink()
    with pytest.raises(ModelLoadError, match="vocab.json is missing"):
        Segmenter.load(model_copy)


def test_unknown_model_name_lists_the_available_ones(tmp_path, model_copy):
    with pytest.raises(ModelLoadError, match=r"no model 'nope'.*: m\)"):
        Segmenter.load("nope", models_dir=model_copy.parent)
    assert Segmenter.load("m", models_dir=model_copy.parent).name == "m"


def test_embedding_tables_are_stored_as_int8_rows_with_a_scale(tiny_model_dir):
    raw = load_file(str(tiny_model_dir / "model.safetensors"))
    for k in artifact.INT8_TABLES:
        assert raw[k].dtype == np.int8 and raw[k + artifact.SCALE].dtype == np.float16
        assert raw[k + artifact.SCALE].shape == (raw[k].shape[0],)
    assert all(v.dtype == np.float16 for k, v in raw.items() if not k.startswith(("char_emb", "bigram_emb")))
    art = artifact.load(tiny_model_dir)
    assert set(art.state) == set(artifact.expected_shapes(art.config))  # the scales are folded in
    assert all(v.dtype == np.float32 for v in art.state.values())


def test_quantise_rows_error_is_at_most_half_a_step():
    rng = np.random.default_rng(0)
    table = rng.normal(0, 0.3, (50, 16)).astype(np.float32)
    table[0] = 0.0  # padding row
    table[1, 3] = 5.0  # one outlier: only its own row gets coarser
    q, scale = artifact.quantise_rows(table)
    assert q.dtype == np.int8 and scale[0] == 0 and not q[0].any()
    back = q.astype(np.float32) * scale.astype(np.float32)[:, None]
    step = scale.astype(np.float32)[:, None]
    assert (np.abs(back - table) <= step / 2 + 1e-3 * np.abs(table)).all()  # + the float16 scale's rounding
    assert np.abs(q).max(axis=1)[1:].min() >= 126  # every row uses its whole range
    assert step[2, 0] < step[1, 0] / 5


def _replace_weights(model_dir, tensors, **meta_changes):
    """Write `tensors` as the model's weights, with their SHA-256 (and `meta_changes`) in meta.json."""
    save_file(tensors, str(model_dir / "model.safetensors"))
    meta = json.loads((model_dir / "meta.json").read_text())
    meta["sha256"]["model.safetensors"] = artifact.sha256_file(model_dir / "model.safetensors")
    (model_dir / "meta.json").write_text(json.dumps({**meta, **meta_changes}))


def test_a_format_1_model_all_float16_still_loads(tiny_model_dir, model_copy):
    art = artifact.load(tiny_model_dir)
    _replace_weights(model_copy, {k: v.astype(np.float16) for k, v in art.state.items()}, format_version=1)
    old, new = Segmenter.load(model_copy), Segmenter.load(tiny_model_dir)
    assert old.cut_batch(SAMPLE) == new.cut_batch(SAMPLE)


def test_an_int8_table_without_its_scale_is_refused(model_copy):
    raw = load_file(str(model_copy / "model.safetensors"))
    del raw["char_emb.weight" + artifact.SCALE]
    _replace_weights(model_copy, raw)
    with pytest.raises(ModelLoadError, match="char_emb.weight_scale"):
        Segmenter.load(model_copy)


def test_average_is_the_mean_of_every_weight_and_keeps_no_scores(tiny_model_dir):
    a = artifact.load(tiny_model_dir)
    rng = np.random.default_rng(1)
    b = artifact.Artifact(a.config, a.vocab, {k: v + rng.normal(0, 0.1, v.shape).astype(np.float32)
                                              for k, v in a.state.items()}, {})
    soup = artifact.average([a, b], ["a", "b"])
    for k, v in a.state.items():
        np.testing.assert_allclose(soup.state[k], (v + b.state[k]) / 2, rtol=1e-6, atol=1e-6)
        assert not np.allclose(soup.state[k], v)
    assert soup.meta["averaged_from"] == ["a", "b"]
    assert "dev" in a.meta and not set(artifact.SCORES) & set(soup.meta)  # a's scores are not the soup's


def test_an_averaged_network_saves_and_segments_like_its_sources(tiny_model_dir, tmp_path):
    seg = Segmenter.load(tiny_model_dir)
    a = artifact.load(tiny_model_dir)
    soup = artifact.average([a, a], ["a", "a"])  # the mean of one network twice is that network
    artifact.save(tmp_path / "soup", soup.config, soup.vocab,
                  {k: torch.from_numpy(v) for k, v in soup.state.items()}, soup.meta)
    again = Segmenter.load(tmp_path / "soup")
    assert again.cut_batch(SAMPLE) == seg.cut_batch(SAMPLE)
    assert artifact.read_meta(tmp_path / "soup")["averaged_from"] == ["a", "a"]


def test_networks_of_other_shapes_or_vocabularies_are_not_averaged(tiny_model_dir, tiny_pos_model_dir):
    a, other = artifact.load(tiny_model_dir), artifact.load(tiny_pos_model_dir)
    with pytest.raises(ValueError, match="pos is not the network of tiny"):
        artifact.average([a, other], ["tiny", "pos"])
    with pytest.raises(ValueError, match="one source name per model"):
        artifact.average([a], [])


def _replace_config(model_dir, config):
    """Write `config` (any JSON value) as the model's config.json, with its SHA-256 in meta.json."""
    (model_dir / "config.json").write_text(json.dumps(config))
    meta = json.loads((model_dir / "meta.json").read_text())
    meta["sha256"]["config.json"] = artifact.sha256_file(model_dir / "config.json")
    (model_dir / "meta.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("meta", [[], None, "text", 3])
def test_a_meta_json_that_is_not_an_object_is_refused(model_copy, meta):
    from segmenter.stream import WorkerModel

    (model_copy / "meta.json").write_text(json.dumps(meta))
    for load in (Segmenter.load, lambda p: WorkerModel.find(str(p))):
        with pytest.raises(ModelLoadError, match="meta.json holds a JSON .*, not an object"):
            load(model_copy)


@pytest.mark.parametrize("config", [[], None, "lstm"])
def test_a_config_that_is_not_an_object_is_refused(model_copy, config):
    from segmenter.stream import WorkerModel

    _replace_config(model_copy, config)
    for load in (Segmenter.load, lambda p: WorkerModel.find(str(p))):
        with pytest.raises(ModelLoadError, match="config is a JSON object"):
            load(model_copy)


@pytest.mark.parametrize("labels", [["B", "M", "E", "E"], ["B", "M", "E", ""], ["B", "M", "E", "X"]])
def test_a_label_set_that_is_not_bmes_is_refused(model_copy, labels):
    config = json.loads((model_copy / "config.json").read_text())
    _replace_config(model_copy, {**config, "labels": labels})
    with pytest.raises(ModelLoadError, match="incompatible model files"):
        Segmenter.load(model_copy)


@pytest.mark.parametrize("key, value", [("bidirectional", False), ("standard_input", "tokens")])
def test_a_model_of_a_removed_network_variant_is_refused_naming_it(model_copy, key, value):
    config = json.loads((model_copy / "config.json").read_text())
    _replace_config(model_copy, {**config, key: value})
    with pytest.raises(ModelLoadError, match=f"{key}: {json.dumps(value)} is not supported any more"):
        Segmenter.load(model_copy)
    _replace_config(model_copy, {**config, "bidirectional": True, "standard_input": "embedding"})
    assert Segmenter.load(model_copy).config == artifact.read_config(model_copy)  # the keys of shipped models load
    assert "bidirectional" not in artifact.read_config(model_copy).to_json()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", ["out.bias", "char_emb.weight_scale"])
def test_weights_that_are_not_finite_are_refused_naming_the_tensor(model_copy, bad, name):
    raw = load_file(str(model_copy / "model.safetensors"))
    raw[name][1] = bad
    _replace_weights(model_copy, raw)
    tensor = name.removesuffix(artifact.SCALE)  # a bad scale makes its table's rows not finite
    with pytest.raises(ModelLoadError, match=rf"not finite .* in {tensor}$"):
        Segmenter.load(model_copy)


def test_a_model_whose_dictionaries_do_not_match_its_config_fails_to_load(tmp_path):
    import json
    import shutil

    from segmenter import artifact
    from segmenter.errors import ModelLoadError

    out = tmp_path / "wf"
    sents = [Sentence(["北京", "天安门"]), Sentence(["我", "爱", "北京"])] * 10
    train([Corpus("a", sents, sents[:2])], out, dict(TINY_MODEL, word_features=3), TrainConfig(epochs=1),
          progress=False)
    assert Segmenter.load(out).cut("我爱北京") == Segmenter.load(out, runtime="onnxruntime").cut("我爱北京")
    for change in ({"word_longest": 4}, {"words": ["北京", "天安门"]}, {"words": None}):
        bad = tmp_path / "bad"
        shutil.rmtree(bad, ignore_errors=True)
        shutil.copytree(out, bad)
        vocab = json.loads((bad / "vocab.json").read_text(encoding="utf-8"))
        vocab.update(change)
        if vocab["words"] is None:
            del vocab["words"], vocab["word_longest"]
        (bad / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        meta = artifact.read_meta(bad)
        meta["sha256"]["vocab.json"] = artifact.sha256_file(bad / "vocab.json")
        artifact.write_meta(bad, meta)
        with pytest.raises(ModelLoadError, match="dictionaries"):
            Segmenter.load(bad)


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
