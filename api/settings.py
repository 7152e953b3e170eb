"""All service settings, from environment variables (prefix `SEGMENTER_`) or a `.env` file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from segmenter import DEFAULT_MODEL, MODELS_DIR, Precision


class Settings(BaseSettings):
    """Validated once at start-up; a bad value stops the server with a clear message."""

    # populate_by_name: `Settings(threads=2)` as for every other field, beside the environment's names
    model_config = SettingsConfigDict(env_prefix="SEGMENTER_", env_file=".env", extra="ignore", populate_by_name=True)

    models_dir: Path = Field(MODELS_DIR, description="folder holding the model directories")
    default_model: str = Field(DEFAULT_MODEL, description="model used when a request names none")
    models: Annotated[list[str] | None, NoDecode] = Field(
        None, description="models to load, a JSON list or a comma list (default: every model in models_dir)")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)

    max_chars_per_text: int = Field(20_000, ge=1, description="longest text accepted, in characters")
    max_texts: int = Field(256, ge=1, description="most texts in one request")
    max_request_chars: int = Field(100_000, ge=1, description="most characters in one request, all texts together "
                                   "(more: 413): the largest /v1/tag answer (~7 MB) then takes ~2 s on multi-fast "
                                   "and ~100 MB of memory (BENCHMARKS.md: Request limits)")
    max_body_bytes: int = Field(4_000_000, ge=1024, description="largest request body, in bytes")
    max_user_words: int = Field(1000, ge=0, description="most user words in one request")
    max_user_word_chars: int = Field(32, ge=1, description="longest user word, in characters")
    user_dict: Path | None = Field(None, description="user dictionary file loaded into every model at start-up")

    batch_max_texts: int = Field(64, ge=1, description="most texts coalesced into one model batch")
    batch_max_wait_ms: float = Field(2.0, ge=0.0, description="longest wait for more requests to fill a batch")
    queue_size: int = Field(2048, ge=1, description="most requests waiting for a model before 503")
    max_queued_chars: int = Field(2_000_000, ge=1, description="most characters waiting for a model before 503 "
                                  "(a request over it alone is taken only into an empty queue)")
    max_batch_chars: int = Field(1_000, ge=1, description="most characters in one model call: longer requests are "
                                 "cut into several, with other requests' texts in between (larger: more throughput "
                                 "for bulk requests, longer waits for short ones behind them; BENCHMARKS.md)")
    request_timeout_s: float = Field(30.0, gt=0, description="a request not answered by then gets 504")
    shutdown_timeout_s: float = Field(6.0, ge=0, description="on SIGTERM, queued work still unfinished after this "
                                      "gets 503 and the process exits (below the 10 s `docker stop` gives before "
                                      "it kills)")
    max_header_bytes: int = Field(65_536, ge=1024, description="largest request line plus headers (uvicorn's h11 "
                                  "parser refuses more)")
    body_timeout_s: float = Field(10.0, gt=0, description="a request body not complete this many seconds after "
                                  "the app starts reading it (it stopped arriving, or trickles in) gets 408")
    keep_alive_s: float = Field(5.0, gt=0, description="idle keep-alive connections are closed after this")
    threads: int = Field(0, ge=0, description="inference threads per worker, ONNX Runtime's or torch's "
                         "(0: cores / workers); SEGMENTER_TORCH_THREADS, its former name, is still read",
                         validation_alias=AliasChoices("SEGMENTER_THREADS", "SEGMENTER_TORCH_THREADS"))
    switch_interval_ms: float = Field(5.0, gt=0, le=100, description="how long a Python thread (a large answer "
                                      "being serialised) may hold the interpreter before the event loop gets a "
                                      "turn (sys.setswitchinterval)")
    precision: Precision = Field(Precision.AUTO, description="inference number format: auto (int8 on the native "
                                 "kernel where it runs the model, fp32 elsewhere), int8, fp32 (the reference) or "
                                 "bf16 (torch)")

    api_key: SecretStr | None = Field(None, description="when set, /v1/* needs 'Authorization: Bearer <key>'")
    cors_origins: Annotated[list[str], NoDecode] = Field([], description="origins allowed to call from a browser "
                                                        "(a JSON list or a comma list; none by default)")
    gzip_min_bytes: int = Field(4096, ge=0, description="answers at least this large are gzip-compressed when "
                                "the client accepts it")
    log_format: Literal["text", "json"] = Field("text", description="'json': one JSON object per log line")

    @model_validator(mode="before")
    @classmethod
    def _former_names(cls, data: Any) -> Any:
        """`Settings(torch_threads=N)`, the field's former name, is still `threads`, over the
        environment as every argument (not dropped as an unknown keyword, which would silently
        serve with the default thread count); `threads=` wins over it."""
        if isinstance(data, dict) and "torch_threads" in data:
            data = {k: v for k, v in data.items() if k not in ("SEGMENTER_THREADS", "SEGMENTER_TORCH_THREADS")}
            former = data.pop("torch_threads")
            data.setdefault("threads", former)
        return data

    @field_validator("models", "cors_origins", mode="before")
    @classmethod
    def _list(cls, v: Any) -> Any:
        """A JSON list (`["multi-fast", "multi"]`) or a comma list (`multi-fast,multi`)."""
        if isinstance(v, str):
            v = v.strip()
            if v.startswith("["):
                try:
                    return json.loads(v)
                except ValueError as e:
                    raise ValueError(f"not a JSON list ({e}); write [\"a\", \"b\"] or a,b") from None
            return [item.strip() for item in v.split(",") if item.strip()]
        return v

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if not self.models_dir.is_dir():
            raise ValueError(f"models_dir {self.models_dir} is not a directory")
        if self.api_key is not None and not self.api_key.get_secret_value().strip():
            raise ValueError("api_key (SEGMENTER_API_KEY) is empty: set a non-empty key, or unset it "
                             "to serve without one")
        if self.models is not None and self.default_model not in self.models:
            raise ValueError(f"default_model {self.default_model!r} is not among models {self.models}")
        return self
