"""Service settings from the environment: the SEGMENTER_ prefix, lists in two spellings, defaults,
and errors that name the variable to fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from segmenter_api import serve
from segmenter_api.serve import SettingsError, load_settings
from segmenter_api.settings import Settings

from segmenter import DEFAULT_MODEL, MODELS_DIR, Precision, Segmenter, SegmenterError

SECRET = "s3cret-key-value"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No SEGMENTER_ variable from the outside, and a working directory without a .env file;
    whatever a test (or `serve.run`) writes into the environment is undone afterwards."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.upper().startswith("SEGMENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield
    os.environ.clear()
    os.environ.update(saved)


def settings_error(**env: str) -> str:
    for name, value in env.items():
        os.environ[f"SEGMENTER_{name.upper()}"] = value
    with pytest.raises(SettingsError) as info:
        load_settings()
    return str(info.value)


# ------------------------------------------------------------------ defaults


def test_the_defaults_serve_every_shipped_model_locally_without_a_key():
    s = load_settings()
    assert s.models is None  # every model in models_dir
    assert s.models_dir == MODELS_DIR and s.models_dir.is_dir()
    assert s.default_model == DEFAULT_MODEL and DEFAULT_MODEL in Segmenter.available(MODELS_DIR)
    assert s.host == "127.0.0.1"  # not reachable from other machines unless asked
    assert s.api_key is None and s.cors_origins == []
    assert s.precision is Precision.AUTO and s.log_format == "text"
    assert s.workers == 1 and 1 <= s.port <= 65535


# ------------------------------------------------------------------ reading the environment


def test_variables_with_the_prefix_are_read_and_typed(monkeypatch, tmp_path):
    monkeypatch.setenv("SEGMENTER_PORT", "9001")
    monkeypatch.setenv("SEGMENTER_BATCH_MAX_WAIT_MS", "0.5")
    monkeypatch.setenv("SEGMENTER_PRECISION", "bf16")
    monkeypatch.setenv("SEGMENTER_LOG_FORMAT", "json")
    monkeypatch.setenv("SEGMENTER_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("SEGMENTER_USER_DICT", "dict.txt")
    monkeypatch.setenv("PORT", "1234")  # no prefix: not ours
    s = load_settings()
    assert s.port == 9001
    assert s.batch_max_wait_ms == 0.5
    assert s.precision is Precision.BF16
    assert s.log_format == "json"
    assert s.models_dir == tmp_path
    assert s.user_dict == Path("dict.txt")


def test_threads_is_segmenter_threads_and_the_former_torch_threads_is_still_read(monkeypatch, tmp_path):
    assert load_settings().threads == 0 and "torch_threads" not in Settings.model_fields
    monkeypatch.setenv("SEGMENTER_TORCH_THREADS", "3")  # the former name: existing deployments keep working
    assert load_settings().threads == 3
    monkeypatch.setenv("SEGMENTER_THREADS", "2")  # the name wins over the former one
    assert load_settings().threads == 2
    monkeypatch.delenv("SEGMENTER_TORCH_THREADS")
    assert load_settings().threads == 2
    monkeypatch.delenv("SEGMENTER_THREADS")
    monkeypatch.setenv("THREADS", "5")  # no prefix: not ours
    monkeypatch.setenv("TORCH_THREADS", "5")
    assert load_settings().threads == 0
    assert Settings(_env_file=None, threads=4).threads == 4  # by its name, as every setting
    assert Settings(_env_file=None, torch_threads=4).threads == 4  # and by its former name, not ignored
    monkeypatch.setenv("SEGMENTER_THREADS", "2")
    assert Settings(_env_file=None, torch_threads=4).threads == 4  # over the environment, as every argument
    assert Settings(_env_file=None, threads=3, torch_threads=4).threads == 3
    monkeypatch.delenv("SEGMENTER_THREADS")
    (tmp_path / ".env").write_text("SEGMENTER_TORCH_THREADS=6\n", encoding="utf-8")  # an existing .env file
    assert load_settings().threads == 6


def test_a_bad_thread_count_names_the_variable():
    message = settings_error(threads="-1")
    assert message.startswith("invalid service settings: SEGMENTER_THREADS: ")
    assert "greater than or equal to 0" in message
    del os.environ["SEGMENTER_THREADS"]
    assert "SEGMENTER_THREADS: " in settings_error(torch_threads="many")


def test_the_environment_overrides_a_dotenv_file_and_arguments_override_both(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("SEGMENTER_PORT=9001\nSEGMENTER_WORKERS=3\n", "utf-8")
    s = load_settings()
    assert (s.port, s.workers) == (9001, 3)
    monkeypatch.setenv("SEGMENTER_PORT", "9002")
    assert load_settings().port == 9002
    assert Settings(port=9003).port == 9003
    assert Settings(_env_file=None).workers == 1  # the file is not read when told not to


def test_a_bad_value_in_a_dotenv_file_names_its_variable(tmp_path):
    (tmp_path / ".env").write_text("SEGMENTER_WORKERS=many\n", "utf-8")
    with pytest.raises(SettingsError, match="SEGMENTER_WORKERS: .*'many'"):
        load_settings()


LISTS = ['["multi", "pku-fast"]', '  ["multi","pku-fast"]  ', "multi,pku-fast", " multi , pku-fast ,",
         "multi,,pku-fast"]


@pytest.mark.parametrize("value", LISTS)
def test_model_lists_are_json_or_comma_separated(monkeypatch, value):
    monkeypatch.setenv("SEGMENTER_MODELS", value)
    monkeypatch.setenv("SEGMENTER_DEFAULT_MODEL", "multi")
    assert load_settings().models == ["multi", "pku-fast"]


@pytest.mark.parametrize("value", [v.replace("multi", "https://a.example").replace("pku-fast", "http://b.example:8080")
                                   for v in LISTS])
def test_cors_origins_are_json_or_comma_separated(monkeypatch, value):
    monkeypatch.setenv("SEGMENTER_CORS_ORIGINS", value)
    assert load_settings().cors_origins == ["https://a.example", "http://b.example:8080"]


def test_lists_given_as_python_lists_are_taken_as_they_are():
    s = Settings(_env_file=None, models=["pku-fast"], default_model="pku-fast", cors_origins=["https://a.example"])
    assert s.models == ["pku-fast"] and s.cors_origins == ["https://a.example"]
    assert Settings(_env_file=None, cors_origins="https://a.example").cors_origins == ["https://a.example"]


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("name, value", [
    ("port", "0"), ("port", "eighty"), ("port", "65536"), ("workers", "0"), ("precision", "fp16"),
    ("log_format", "xml"), ("max_body_bytes", "10"), ("request_timeout_s", "0"), ("batch_max_wait_ms", "-1"),
    ("max_texts", "1.5"), ("queue_size", ""),
])
def test_a_bad_value_is_a_settings_error_naming_the_variable_and_the_value(name, value):
    message = settings_error(**{name: value})
    assert f"SEGMENTER_{name.upper()}: " in message
    assert repr(value) in message
    assert message.count("SEGMENTER_") == 1  # only the culprit


def test_every_bad_value_is_reported_at_once():
    message = settings_error(port="eighty", workers="0", log_format="xml")
    for name in ("SEGMENTER_PORT", "SEGMENTER_WORKERS", "SEGMENTER_LOG_FORMAT"):
        assert name in message


def test_a_settings_error_is_a_segmenter_error():
    assert issubclass(SettingsError, SegmenterError)  # what the CLI turns into exit status 2


@pytest.mark.parametrize("name, value", [("models", '["multi", 1]'), ("models", '["multi"'), ("models", "[multi]"),
                                         ("cors_origins", '["https://a.example", 2]'), ("cors_origins", "[")])
def test_a_bad_list_names_its_variable(name, value):
    message = settings_error(**{name: value})
    assert f"SEGMENTER_{name.upper()}: " in message


def test_a_list_that_is_not_json_says_how_to_write_one():
    assert 'write ["a", "b"] or a,b' in settings_error(cors_origins='["https://a.example",')


@pytest.mark.parametrize("key", ["", "   ", "\t"])
def test_an_empty_api_key_is_an_error_not_an_open_door(key):
    message = settings_error(api_key=key)
    assert "SEGMENTER_API_KEY" in message and "empty" in message


def test_an_api_key_is_taken_and_kept_out_of_reprs(monkeypatch):
    monkeypatch.setenv("SEGMENTER_API_KEY", SECRET)
    s = load_settings()
    assert s.api_key is not None and s.api_key.get_secret_value() == SECRET
    assert SECRET not in repr(s) and SECRET not in str(s) and SECRET not in str(s.model_dump())


@pytest.mark.parametrize("env", [{"models_dir": "/no/such/dir"}, {"models": "a,b", "default_model": "c"}],
                         ids=["models_dir", "default_model"])
def test_an_error_about_another_setting_never_shows_the_api_key(env):
    os.environ["SEGMENTER_API_KEY"] = SECRET
    assert SECRET not in settings_error(**env)


def test_models_dir_must_be_a_directory(tmp_path):
    message = settings_error(models_dir=str(tmp_path / "missing"))
    assert "models_dir" in message and str(tmp_path / "missing") in message
    (tmp_path / "file").write_text("", "utf-8")
    assert "is not a directory" in settings_error(models_dir=str(tmp_path / "file"))


def test_the_default_model_must_be_among_the_models_listed():
    message = settings_error(models="pku-fast,multi-fast", default_model="multi")
    assert "default_model 'multi'" in message and "pku-fast" in message
    os.environ["SEGMENTER_DEFAULT_MODEL"] = "pku-fast"
    assert load_settings().models == ["pku-fast", "multi-fast"]


# ------------------------------------------------------------------ `segmenter serve`


@pytest.fixture
def uvicorn_calls(monkeypatch):
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(serve.uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    return calls


def test_serve_model_becomes_the_default_and_the_only_model(uvicorn_calls):
    os.environ["SEGMENTER_PORT"] = "9005"
    serve.run(model="pku-fast")
    assert os.environ["SEGMENTER_DEFAULT_MODEL"] == "pku-fast"
    s = load_settings()  # what every worker reads
    assert s.default_model == "pku-fast" and s.models == ["pku-fast"] and s.workers == 1
    (app, kw), = uvicorn_calls
    assert kw["port"] == 9005 and kw["host"] == "127.0.0.1" and kw["workers"] == 1


def test_serve_model_keeps_a_model_list_that_is_set(uvicorn_calls):
    os.environ["SEGMENTER_MODELS"] = "pku-fast,multi"
    serve.run(model="multi", port=9006)
    assert load_settings().models == ["pku-fast", "multi"]
    assert uvicorn_calls[0][1]["port"] == 9006


def test_serve_stops_on_bad_settings_before_starting_a_server(uvicorn_calls):
    os.environ["SEGMENTER_WORKERS"] = "0"
    with pytest.raises(SettingsError, match="SEGMENTER_WORKERS"):
        serve.run()
    assert uvicorn_calls == []
