"""The state of a running app: its settings, metrics, models and their batchers, the names a
request may give."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

from segmenter import Segmenter

from .batching import Batcher
from .metrics import Metrics
from .settings import Settings


@dataclass
class AppState:
    settings: Settings
    metrics: Metrics
    models: dict[str, Segmenter] = field(default_factory=dict)  # by model directory name: one per file
    batchers: dict[str, Batcher] = field(default_factory=dict)  # likewise
    # Every name a request may give: the configured names and every standard of a loaded model,
    # each -> (model directory name, standard or None for the model's own default).
    names: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    ready: bool = False
    # large request bodies are parsed and validated here, one at a time, off the event loop
    parser: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="parse"))

    @cached_property
    def request_limits(self) -> dict[str, int]:
        """The limits `schemas.read_texts_request` checks a body against, from the settings (once)."""
        s = self.settings
        return {"texts": s.max_texts, "user_words": s.max_user_words,
                # every separator of a largest valid request: in its texts and user words, and between its items
                "separators": s.max_request_chars + s.max_user_words * (s.max_user_word_chars + 1) + s.max_texts + 64}

    def add_name(self, name: str, model: str, standard: str | None) -> None:
        self.names.setdefault(name, (model, standard))
