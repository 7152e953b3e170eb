"""`Segmenter`: the one public entry point. Load a model, then `cut`, `tokenize`, `tag`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segmenter import artifact, heads, native, ort, pipeline, registry, runtimes
from segmenter.artifact import Weights
from segmenter.config import ModelConfig, Precision, Runtime
from segmenter.errors import InvalidInputError
from segmenter.lexicon import MAX_ENTRY_CHARS, Entry, Lexicon, read_user_dict
from segmenter.pipeline import Analysis, CharTag, Constraints, Scorer, Token
from segmenter.registry import DEFAULT_MODEL, MODELS_DIR, looks_like_path, resolve
from segmenter.tags import pos_of_labels
from segmenter.vocab import Vocab

# DEFAULT_MODEL, MODELS_DIR, looks_like_path and resolve live in `segmenter.registry`; imported
# from here too, as before.
__all__ = ["DEFAULT_MODEL", "MODELS_DIR", "Analysis", "CharTag", "Segmenter", "Token", "looks_like_path", "resolve"]


def default_threads() -> int:
    """The cores this process may use, at most 8: `Segmenter`'s default `threads`."""
    from segmenter.process import usable_cores

    return max(1, min(8, usable_cores()))


if TYPE_CHECKING:
    from segmenter.discover import Candidate
    from segmenter.model import BiRNNTagger


def require_pos(pos: bool, tagger: bool, name: str) -> None:
    """Parts of speech asked of a model without a tagger: an `InvalidInputError` naming it."""
    if pos and not tagger:
        raise InvalidInputError(f"model {name} has no part-of-speech tagger; "
                                "use a joint model such as the default 'multi-fast' or 'multi'")


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidInputError(f"text must be a str, got {type(text).__name__}")
    return text


def _unpickle(ref: str, models_dir: str | None, options: dict[str, Any],
              entries: list[tuple[tuple[str, ...], str | None]]) -> Segmenter:
    """The segmenter `Segmenter.__reduce__` describes (a model directory gone since: `ModelLoadError`)."""
    return Segmenter.load(ref, models_dir=models_dir, user_words=[Entry(tuple(p), pos) for p, pos in entries],
                          **options)


class Segmenter:
    """A loaded model with jieba's verbs. Holds no global state: instances are independent, and
    each has its own user dictionary (`lexicon`)."""

    def __init__(self, model: BiRNNTagger | Weights, vocab: Vocab, *, name: str = "",
                 meta: dict[str, Any] | None = None,
                 batch_size: int = 128, path: Path | None = None, precision: Precision | str = Precision.FP32,
                 user_words: Iterable[str | Entry] = (), max_user_word_chars: int = MAX_ENTRY_CHARS,
                 threads: int | None = None, runtime: Runtime | str = Runtime.AUTO,
                 standard: str | None = None) -> None:
        self._asked = {"threads": threads, "runtime": runtime}  # as given: what pickling carries
        threads = default_threads() if threads is None else threads
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
            raise InvalidInputError(f"threads must be a positive integer, got {threads!r}")
        self.threads = threads
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()
        self.precision = runtimes.resolve_precision(precision, runtime, model.config, (meta or {}).get("precision"))
        # The network: its arrays (`Weights`, what `load` reads: no torch needed) or a torch module
        # (training's evaluation); the other form is made when a runtime needs it.
        self._weights: Weights | None = model if isinstance(model, Weights) else None
        self._module: BiRNNTagger | None = None if isinstance(model, Weights) else model
        self.config: ModelConfig = model.config
        # the output layer, which decodes the scores (with its decoder's weights, e.g. CRF transitions)
        head = heads.head_of(self.config)
        self.head = head.bind(self.weights.state) if head.decoder_weights else head
        self.runtime, self._infer = self._runtime(runtime)
        # what scores a batch when no part of speech is wanted (the native kernel then skips them)
        self._infer_segmentation: Scorer = (self._infer.segmentation_scorer()
                                            if isinstance(self._infer, native.NativeTagger) else self._infer)
        self.vocab = vocab
        self.pos_tags = pos_of_labels(self.config.labels)  # None: a segmentation-only model
        self.name = name
        self.meta = meta or {}
        self.batch_size = batch_size
        self.path = path  # the model directory it was loaded from, if any
        self._ref: tuple[str, str | None] | None = None  # (name or absolute path, models folder): set by `load`
        if self.runtime in (Runtime.ONNXRUNTIME, Runtime.NATIVE) and self._module is None and path is not None:
            self._weights = None  # the runtime holds the network: no second copy in memory
        self.lexicon = Lexicon(user_words, max_chars=max_user_word_chars)
        # The standards a multi-standard model segments in (empty for a single-standard model),
        # and the one used when a call names none.
        self.standards: tuple[str, ...] = self.config.standards
        self.standard: str | None = self.meta.get("standard")
        if self.standards:
            self.standard = self.meta.get("default_standard") or self.standards[0]
        if standard is not None:
            self._standard_index(standard)
            self.standard = standard

    def check_standard(self, standard: str | None) -> None:
        """Raise `InvalidInputError` (naming the model's standards) unless `standard` is one of them."""
        self._standard_index(standard)

    def _standard_index(self, standard: str | None) -> int | None:
        """The model's index of `standard` (None: the segmenter's default); None for a
        single-standard model. An unknown standard is an `InvalidInputError` naming the known ones."""
        if standard is None:
            standard = self.standard
        if not isinstance(standard, str) and standard is not None:
            raise InvalidInputError(f"standard must be a str, got {type(standard).__name__}")
        if self.standards:
            if standard in self.standards:
                return self.standards.index(standard)
            known = ", ".join(self.standards)
        else:
            if standard is None or standard == self.standard:
                return None
            known = self.standard or "(unnamed)"
        raise InvalidInputError(f"model {self.name or '(unnamed)'} has no standard {standard!r}; "
                                f"its standards: {known}")

    @property
    def model(self) -> BiRNNTagger:
        """The network as a torch module (built from the weights on first use; needs torch)."""
        if self._module is None:
            import torch

            from segmenter.model import BiRNNTagger

            module = BiRNNTagger(self.config)
            module.load_state_dict({k: torch.from_numpy(v) for k, v in self.weights.state.items()})
            self._module = module.eval()
        return self._module

    @property
    def weights(self) -> Weights:
        """The network as NumPy arrays."""
        if self._weights is None:
            if self._module is not None:
                state = {k: v.detach().float().numpy() for k, v in self._module.state_dict().items()}
                self._weights = Weights(self.config, state)
            else:  # let go once the ONNX Runtime session held them: read again from the model files
                assert self.path is not None
                self._weights = artifact.load(self.path).weights
        return self._weights

    def _runtime(self, runtime: Runtime | str) -> tuple[Runtime, Scorer]:
        """The runtime actually used (`runtimes.choose`) and the callable that scores a batch (the
        torch module, or an ONNX Runtime session built from the weights)."""
        has_torch = self._module is not None or runtimes.torch_available()
        runtime = runtimes.choose(runtime, self.precision, self.config, has_torch)
        if runtime is Runtime.TORCH:
            return runtime, runtimes.torch_scorer(self.model, self.precision)
        if runtime is Runtime.NATIVE:
            return runtime, native.NativeTagger(self.config, self.weights.state, self.weights.int8_rows)
        return runtime, ort.OrtTagger(self.config, self.weights.state, int8=self.precision is Precision.INT8)

    # ----------------------------------------------------------------- loading
    @staticmethod
    def available(models_dir: str | Path | None = None) -> list[str]:
        """Names of the model directories under `models_dir` (default: the shipped `MODELS_DIR`)."""
        return registry.available(models_dir)

    @classmethod
    def load(cls, name_or_path: str | Path | None = None, *, models_dir: str | Path | None = None,
             batch_size: int = 128, precision: Precision | str = Precision.AUTO,
             user_words: Iterable[str | Entry] = (), user_dict: str | Path | None = None,
             max_user_word_chars: int = MAX_ENTRY_CHARS, threads: int | None = None,
             runtime: Runtime | str = Runtime.AUTO, standard: str | None = None) -> Segmenter:
        """Load a model by name (a folder of `models_dir`, default the shipped `MODELS_DIR`; a standard
        of a multi-standard model there, e.g. "ctb6"; or "MODEL:STANDARD"), or by directory path
        (`resolve`); with no argument, the default model (`DEFAULT_MODEL`). `standard` sets the segmentation
        standard calls use when they name none (default: the one the name selects, else the
        model's first). `precision` chooses the number format of inference (`Precision`): "auto"
        (int8 on the native runtime where it runs the model, as for the shipped models; fp32
        elsewhere), "int8", "fp32" (the reference) or "bf16".

        `user_words` and the entries of the file `user_dict` (see `lexicon.read_user_dict`) start
        the segmenter's user dictionary: a word containing whitespace is a forced split.

        `threads` (default: the usable cores, at most 8) > 1 runs that many model batches at once,
        each on one thread (a program that runs torch models so calls `configure_process(threads=1)`). A call of
        one batch (up to `batch_size` sentences) runs on the calling thread. `runtime` (`Runtime`):
        "native" (the package's C kernel, int8), "torch", "onnxruntime", or "auto" (native for
        int8; for float32, ONNX Runtime for small 1-layer networks such as `pku-fast`, where it
        measured faster with identical output, torch otherwise)."""
        try:
            precision = Precision(precision)
        except ValueError:
            raise InvalidInputError(f"unknown precision {precision!r}; use one of "
                                    f"{', '.join(p.value for p in Precision)}") from None
        if isinstance(user_words, str):
            raise InvalidInputError("user_words must be a list of words, not a single str")
        entries: list[str | Entry] = list(user_words)
        if user_dict is not None:
            entries = [*read_user_dict(user_dict, max_chars=max_user_word_chars), *entries]
        path, named_standard = resolve(name_or_path, models_dir)
        if standard is None:
            standard = named_standard
        art = artifact.load(path)
        seg = cls(art.weights, art.vocab, name=path.name, meta=art.meta, batch_size=batch_size, path=path,
                  precision=precision, user_words=entries, max_user_word_chars=max_user_word_chars,
                  threads=threads, runtime=runtime, standard=standard)
        seg._ref = registry.reference(name_or_path, path, models_dir)  # what `__reduce__` carries
        return seg

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickling carries the model's reference (its name and the models folder it came from, or
        its directory's absolute path), the standard, the options and this instance's user
        dictionary, not the network: unpickling loads the model again (`Segmenter.load`), so a
        process pool, a Spark UDF or `datasets.map` can take a segmenter. A model that was not
        loaded from a directory (e.g. a network being trained) cannot be pickled."""
        if self._ref is None:
            raise TypeError("only a Segmenter made by Segmenter.load can be pickled (this one has no model "
                            "directory to load again)")
        ref, models_dir = self._ref
        runtime = self._asked["runtime"]
        options = {"batch_size": self.batch_size, "precision": self.precision.value, "threads": self._asked["threads"],
                   "runtime": runtime.value if isinstance(runtime, Runtime) else runtime, "standard": self.standard,
                   "max_user_word_chars": self.lexicon.max_chars}
        entries = [(e.parts, e.pos) for e in self.lexicon]
        return _unpickle, (ref, models_dir, options, entries)

    def __repr__(self) -> str:
        c = self.config
        std = f", standards={list(self.standards)}, standard={self.standard!r}" if self.standards else ""
        pos = ", pos" if self.pos_tags else ""
        return (f"Segmenter(name={self.name!r}, {c.layers}-layer Bi{c.cell.value.upper()} {c.hidden}{pos}{std}, "
                f"runtime={self.runtime.value!r}, precision={self.precision.value!r})")

    def __call__(self, text: str, **kwargs: Any) -> list[str]:
        """`cut`: `seg("我爱北京")` is `seg.cut("我爱北京")`."""
        return self.cut(text, **kwargs)

    # ----------------------------------------------------------------- user dictionary
    def add_word(self, word: str, pos: str | None = None) -> None:
        """Make `word` come out as one token wherever it occurs (with `pos` as its part of
        speech, if given). A word with whitespace (`"中 将"`) forces that split instead."""
        self.lexicon.add(word, pos)

    def remove_word(self, word: str) -> bool:
        """Forget a user word or forced split; False if it was not in the dictionary."""
        return self.lexicon.remove(word)

    def load_user_dict(self, path: str | Path) -> int:
        """Add the entries of a user dictionary file; returns how many were read."""
        entries = read_user_dict(path, max_chars=self.lexicon.max_chars)
        self.lexicon.update(entries)
        return len(entries)

    # ----------------------------------------------------------------- verbs
    def cut(self, text: str, *, user_words: Sequence[str] = (), standard: str | None = None) -> list[str]:
        """The words of `text`, in order; whitespace is never part of a word. `standard`: the
        segmentation standard of a multi-standard model (default: the segmenter's `standard`)."""
        return self.cut_batch([text], user_words=user_words, standard=standard)[0]

    def tokenize(self, text: str, *, pos: bool = False, user_words: Sequence[str] = (),
                 standard: str | None = None) -> list[Token]:
        """The words of `text` with their start/end offsets (and part of speech, with `pos=True`)."""
        return self.tokenize_batch([text], pos=pos, user_words=user_words, standard=standard)[0]

    def tag(self, text: str, *, pos: bool = False, user_words: Sequence[str] = (),
            standard: str | None = None) -> list[CharTag]:
        """Every non-whitespace character with its BMES label and the label's probability."""
        return self.tag_batch([text], pos=pos, user_words=user_words, standard=standard)[0]

    def discover(self, texts: Iterable[str], *, min_count: int = 5, top: int | None = None,
                 standard: str | None = None, max_ngrams: int = 1_000_000) -> list[Candidate]:
        """Candidate domain words of raw, unsegmented `texts` (read once, in chunks, in bounded
        memory), best first: words the text's statistics support (frequency, cohesion, free
        neighbours) and the model does not already read as one word everywhere; at most `top`.
        `Candidate.dict_line()` is the user-dictionary line; `max_ngrams` bounds the counts held
        (about 400 bytes each). See `segmenter.discover`."""
        from segmenter.discover import DiscoverOptions, discover

        self.check_standard(standard)
        return discover(self, texts, DiscoverOptions(min_count=min_count, standard=standard, max_ngrams=max_ngrams),
                        top)

    def cut_batch(self, texts: Iterable[str], *, user_words: Sequence[str | Entry] = (),
                  standard: str | None = None) -> list[list[str]]:
        """`cut` for many texts at once, batched through the model. `user_words` apply to this
        call only, on top of the segmenter's dictionary."""
        return [a.words() for a in self.analyse(texts, user_words=user_words, standard=standard, pos=False)]

    def tokenize_batch(self, texts: Iterable[str], *, pos: bool = False,
                       user_words: Sequence[str | Entry] = (), standard: str | None = None) -> list[list[Token]]:
        """`tokenize` for many texts at once, batched through the model."""
        self.require_pos(pos)
        return [a.tokens(pos) for a in self.analyse(texts, user_words=user_words, standard=standard, pos=pos)]

    def tag_batch(self, texts: Iterable[str], *, pos: bool = False,
                  user_words: Sequence[str | Entry] = (), standard: str | None = None) -> list[list[CharTag]]:
        """`tag` for many texts at once. A multi-character unit (a number, a Latin word, a
        URL) carries one label, spread over its characters as one word's B/M/E would be."""
        self.require_pos(pos)
        return [a.char_tags(pos) for a in self.analyse(texts, user_words=user_words, standard=standard, probs=True,
                                                       pos=pos)]

    def analyse(self, texts: Iterable[str], *, user_words: Sequence[str | Entry] = (),
                standard: str | None = None, probs: bool = False, pos: bool = True) -> list[Analysis]:
        """The pipeline's `Analysis` of every text (what the verbs render: `words()`, `tokens()`,
        `char_tags()` with `probs=True`), for callers that render several ways or defer rendering;
        `pos=False` when no rendering will want parts of speech (they are not decoded)."""
        texts, lexicon = self._call_args(texts, user_words)
        std = self._standard_index(standard)
        scorer = self._infer if pos else self._infer_segmentation
        return pipeline.analyse(texts, vocab=self.vocab, scorer=scorer, pos_tags=self.pos_tags,
                                head=self.head, max_piece=self.config.max_piece,
                                batch_size=self.batch_size, lexicon=lexicon, standard=std, probs=probs,
                                map_batches=self._map_batches,
                                max_batch_units=pipeline.batch_units(self.config.hidden, self.config.layers),
                                pos=pos)

    # ----------------------------------------------------------------- helpers
    def _pool(self) -> ThreadPoolExecutor:
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix=f"segmenter-{self.name}")
            return self._executor

    def _map_batches(self, job: Callable[[int], None], starts: Sequence[int]) -> None:
        if self.threads > 1 and len(starts) > 1:
            # Batches side by side: the runtimes release the GIL, so they overlap on the cores.
            list(self._pool().map(job, starts))
        else:
            pipeline.serial(job, starts)

    def require_pos(self, pos: bool) -> None:
        require_pos(pos, self.pos_tags is not None, self.name or "(unnamed)")

    def _call_args(self, texts: Iterable[str], user_words: Sequence[str | Entry]) -> tuple[list[str], Constraints]:
        """Check the arguments of a batch verb: its texts as a list of str (any iterable is
        accepted), and the segmenter's dictionary with this call's words laid over it."""
        if isinstance(texts, str):
            raise InvalidInputError("texts must be an iterable of str, not a single str")
        if isinstance(user_words, str):
            raise InvalidInputError("user_words must be a list of words, not a single str")
        try:
            texts = list(texts)
        except TypeError:
            raise InvalidInputError(f"texts must be an iterable of str, got {type(texts).__name__}") from None
        for t in texts:
            _check_text(t)
        return texts, self.lexicon.overlay(user_words) if user_words else self.lexicon
