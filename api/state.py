"""The state of a running app: its settings, metrics, models and their batchers, the names a
request may give."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

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

    def add_name(self, name: str, model: str, standard: str | None) -> None:
        self.names.setdefault(name, (model, standard))
