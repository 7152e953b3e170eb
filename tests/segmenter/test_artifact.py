import json
import shutil

import pytest

from segmenter import Segmenter, artifact
from segmenter.errors import ModelLoadError

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
