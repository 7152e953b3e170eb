"""jieba 0.42.1's interface, backed by a `Segmenter`: `import segmenter.compat.jieba as jieba` is the migration.

    import segmenter.compat.jieba as jieba
    jieba.lcut("我爱北京天安门")            # ['我', '爱', '北京', '天安门']
    for word in jieba.cut(text): ...        # a generator, as jieba's
    jieba.lcut_for_search(text)             # every word of cut, and the shorter words inside each
    jieba.lcut(text, cut_all=True)          # full mode: every dictionary word of the text
    jieba.tokenize(text, mode="search")     # (word, start, end) tuples
    jieba.load_userdict("user.txt")         # jieba's format: word [freq] [tag]
    import segmenter.compat.jieba.posseg as pseg; pseg.lcut(text)   # word/flag pairs (PKU tags)
    import segmenter.compat.jieba.analyse; jieba.analyse.extract_tags(text, topK=5)

Like jieba, the module-level verbs use one default tokenizer (`dt`), which loads the default
model on first use (`Tokenizer(model="ctb6")` makes an independent one). Words come from the
neural model in its standard (PKU by default), not from jieba's dictionary; `HMM` is accepted
and ignored.

The *dictionary* of search and full mode is the model's: the words of every standard's training
corpus (2 to 4 characters, `vocab.WordDict`; seven standards from coarse CTB6/MSR-like to fine
PKU), with the user dictionary's words. Search mode gives each word of `cut` and, before it, the
dictionary words nested in it, shortest first, as jieba's gives the 2- and 3-character words of
its dictionary inside each word. Full mode gives every dictionary word of the text and every word
of `cut`, in jieba's order. User dictionaries are read by jieba's rule (`_parse_userdict_line`).
README, "Coming from jieba", says what each function does here.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, NamedTuple

from segmenter.errors import CorpusError, InvalidInputError
from segmenter.lexicon import Entry, parse_entry
from segmenter.pipeline import Analysis
from segmenter.segmenter import Segmenter
from segmenter.text import normalise

__version__ = "0.42.1"  # the jieba version whose interface this reproduces

__all__ = ["DEFAULT_DICT", "Tokenizer", "add_word", "calc", "cut", "cut_for_search", "del_word", "disable_parallel",
           "dt", "enable_paddle", "enable_parallel", "get_DAG", "get_FREQ", "get_dict_file", "initialize", "lcut",
           "lcut_for_search", "load_userdict", "posseg", "setLogLevel", "set_dictionary", "suggest_freq", "tokenize",
           "user_word_tag_tab"]

DEFAULT_DICT = None  # jieba's name for "the default dictionary": here, the model's own

# jieba's user dictionary line: the word (it may hold spaces), an optional integer frequency, an
# optional lower-case tag, each after one space (jieba 0.42.1, `re_userdict`).
_USERDICT_LINE = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")


def _parse_userdict_line(line: str) -> tuple[str, int | None, str | None] | None:
    """(word, freq, tag) of one user dictionary line by jieba's rule (the line stripped, a BOM
    removed first); None for a blank line."""
    line = line.lstrip("\ufeff").strip()
    if not line:
        return None
    match = _USERDICT_LINE.match(line)
    assert match is not None  # `.+?` matches any non-empty line
    word, freq, tag = match.groups()
    return word, int(freq) if freq is not None else None, tag.strip() if tag is not None else None


class _Token(NamedTuple):
    text: str
    start: int
    end: int
    pos: str | None


class Tokenizer:
    """jieba.Tokenizer over one `Segmenter` (loaded on first use). `dictionary`: a file in jieba's
    dictionary format (`word [freq] [tag]` a line), loaded as the user dictionary (jieba replaces
    its main dictionary with it; the model needs none); `model`: the model to load (a name or a
    directory, `Segmenter.load`; default the default model)."""

    def __init__(self, dictionary: str | Path | None = DEFAULT_DICT, *, model: str | Path | None = None,
                 **load_options: Any) -> None:
        self.dictionary = None if dictionary is None else str(Path(dictionary).absolute())
        self._model = model
        self._options = load_options
        self._seg: Segmenter | None = None
        self._lock = threading.RLock()
        self._dict_words: tuple[frozenset[str], int] | None = None
        # (the lexicon's snapshot it was made from, the model's words with the user words, longest)
        self._with_user: tuple[object, frozenset[str], int] | None = None
        self._dict_entries: list[str] = []  # the words the `dictionary` file added
        self._user_freq: dict[str, int] = {}
        self.user_word_tag_tab: dict[str, str] = {}
        self.FREQ: Mapping[str, int] = _Freq(self)
        self.workers: int | None = None  # `enable_parallel`: cut multi-line text over this many threads

    def __repr__(self) -> str:
        return f"<Tokenizer dictionary={self.dictionary!r} model={self._model!r}>"

    @property
    def segmenter(self) -> Segmenter:
        with self._lock:
            if self._seg is None:
                self._seg = Segmenter.load(self._model, **self._options)
                if self.dictionary is not None:
                    self._load_dictionary(self.dictionary)
            return self._seg

    @property
    def initialized(self) -> bool:
        return self._seg is not None

    def initialize(self, dictionary: str | Path | None = None) -> None:
        """Load the model now (jieba builds its prefix dictionary here); with `dictionary`, as
        `set_dictionary`."""
        if dictionary:
            self.set_dictionary(dictionary)
        _ = self.segmenter

    def check_initialized(self) -> None:
        self.initialize()

    def set_dictionary(self, dictionary_path: str | Path) -> None:
        """Use the file as the user dictionary (jieba's format), in place of the one a previous
        `set_dictionary` loaded (jieba swaps its main dictionary here; the model has none)."""
        path = Path(dictionary_path).absolute()
        if not path.is_file():
            raise InvalidInputError(f"jieba: file does not exist: {path}")
        with self._lock:
            self.dictionary = str(path)
            if self._seg is not None:
                self._load_dictionary(self.dictionary)

    def _load_dictionary(self, path: str) -> None:
        self.segmenter.lexicon.remove_many([w for w in self._dict_entries if self._forget(w)])
        self._dict_entries = self.load_userdict(path)

    def get_dict_file(self) -> IO[bytes]:
        """The dictionary as a binary file of `word freq` lines: the file `set_dictionary` named,
        else the model's dictionary words (frequency 1: the model stores none)."""
        if self.dictionary is not None:
            return open(self.dictionary, "rb")
        words, _ = self._dictionary()
        return io.BytesIO("".join(f"{w} 1\n" for w in sorted(words)).encode("utf-8"))

    # ----------------------------------------------------------------- segmentation
    def _tokens(self, text: str, pos: bool = False) -> list[_Token]:
        """The model's words of `text` with the whitespace between them as tokens of their own (as
        jieba keeps it). Text of several lines is cut line by line, as jieba never reads across a
        line break: one batch, or over `workers` threads after `enable_parallel`, with the same words."""
        seg = self.segmenter
        workers = self.workers
        if "\n" not in text:
            return _with_spaces(text, seg.tokenize(text, pos=pos))
        lines = text.splitlines(keepends=True)
        if not workers or workers < 2:
            done = [seg.tokenize_batch(lines, pos=pos)]
        else:
            size = max(1, min(seg.batch_size, -(-len(lines) // workers)))
            chunks = [lines[i:i + size] for i in range(0, len(lines), size)]
            with ThreadPoolExecutor(workers, thread_name_prefix="jieba-parallel") as pool:
                done = list(pool.map(lambda chunk: seg.tokenize_batch(chunk, pos=pos), chunks))
        out: list[_Token] = []
        at = 0
        for line, toks in zip(lines, (t for batch in done for t in batch)):
            out += [_Token(t.text, t.start + at, t.end + at, t.pos) for t in _with_spaces(line, toks)]
            at += len(line)
        return out

    def cut(self, sentence: str | bytes, cut_all: bool = False, HMM: bool = True,
            use_paddle: bool = False) -> Iterator[str]:
        """The words of `sentence`, as a generator (whitespace runs come out as words, as in
        jieba); `cut_all=True`: full mode, every dictionary word of the text (see the module doc)."""
        yield from self.lcut(sentence, cut_all, HMM)

    def lcut(self, sentence: str | bytes, cut_all: bool = False, HMM: bool = True) -> list[str]:
        """`cut` as a list (the list is what is built; `cut` yields from it)."""
        text = _text(sentence)
        if cut_all:
            return [text[s:e] for s, e in self._full(text)]
        if "\n" not in text:  # one line: the words as strings, no token objects
            seg = self._seg if self._seg is not None else self.segmenter  # loaded: no lock to take
            return _words_with_spaces(text, seg.analyse([text], pos=False)[0])
        return [t.text for t in self._tokens(text)]

    def cut_for_search(self, sentence: str | bytes, HMM: bool = True) -> Iterator[str]:
        """Search mode: every word of `cut`, each after the dictionary words nested in it."""
        yield from (w for w, _, _ in self._search(_text(sentence)))

    def lcut_for_search(self, sentence: str | bytes, HMM: bool = True) -> list[str]:
        return list(self.cut_for_search(sentence, HMM))

    def tokenize(self, unicode_sentence: str, mode: str = "default",
                 HMM: bool = True) -> Iterator[tuple[str, int, int]]:
        """(word, start, end) of every word, whitespace included, as jieba's `tokenize`; any
        `mode` but "default" is search mode, as in jieba."""
        if not isinstance(unicode_sentence, str):
            raise InvalidInputError("jieba: the input parameter should be unicode (a str)")
        if mode == "default":
            yield from ((t.text, t.start, t.end) for t in self._tokens(unicode_sentence))
        else:
            yield from self._search(unicode_sentence)

    _lcut = lcut
    _lcut_for_search = lcut_for_search

    def _search(self, text: str) -> Iterator[tuple[str, int, int]]:
        words, longest = self._dictionary()
        norm = normalise(text)
        for t in self._tokens(text):
            n = t.end - t.start
            for length in range(2, min(n - 1, longest) + 1):  # the nested words, shortest first
                for s in range(t.start, t.end - length + 1):
                    if norm[s:s + length] in words:
                        yield text[s:s + length], s, s + length
            yield t.text, t.start, t.end

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        """{start: [inclusive end of every dictionary word or `cut` word starting there]}, as
        jieba's (a position where none starts lists itself)."""
        return {k: ends for k, ends in enumerate(self._dag(_text(sentence), self._tokens(_text(sentence))))}

    def _dag(self, text: str, tokens: list[_Token]) -> list[list[int]]:
        words, longest = self._dictionary()
        norm = normalise(text)
        dag: list[set[int]] = [{k} for k in range(len(text))]
        for t in tokens:
            if t.text.isspace():
                continue
            dag[t.start].add(t.end - 1)
            for s in range(t.start, t.end):
                for length in range(2, min(longest, len(text) - s) + 1):
                    if norm[s:s + length] in words:  # dictionary words hold no whitespace
                        dag[s].add(s + length - 1)
        # jieba lists the position itself only where no longer word starts
        return [sorted(e for e in ends if e > k) or [k] for k, ends in enumerate(dag)]

    def calc(self, sentence: str, DAG: Mapping[int, list[int]], route: dict[int, tuple[float, int]]) -> None:
        """Fill `route` as jieba's `calc` does (route[k][1]: the inclusive end of the word chosen at
        k), with the model's words (`cut`) as the path; the scores are 0 (the model has no word
        probabilities)."""
        text = _text(sentence)
        route[len(text)] = (0.0, 0)
        for t in self._tokens(text):
            for k in range(t.start, t.end):
                route[k] = (0.0, t.end - 1)

    def _full(self, text: str) -> Iterator[tuple[int, int]]:
        """Spans of full mode: jieba's walk over the DAG (a word of one character only where no
        longer word covered it), whitespace runs as words."""
        tokens = self._tokens(text)
        dag = self._dag(text, tokens)
        covered = -1
        for t in tokens:
            if t.text.isspace():
                yield t.start, t.end
                covered = t.end - 1
                continue
            for k in range(t.start, t.end):
                ends = dag[k]
                if len(ends) == 1 and k > covered:
                    yield k, ends[0] + 1
                    covered = ends[0]
                else:
                    for j in ends:
                        if j > k:
                            yield k, j + 1
                            covered = max(covered, j)

    def _dictionary(self) -> tuple[frozenset[str], int]:
        """(the model's dictionary words with the user words, the longest word's length)."""
        seg = self.segmenter
        with self._lock:
            if self._dict_words is None:
                wd = seg.vocab.words
                model = frozenset() if wd is None else frozenset(
                    w for text in wd.words if text != wd.UNION for w in text.split(" ") if w)
                self._dict_words = (model, wd.longest if wd is not None else 0)
            model, longest = self._dict_words
        snapshot = seg.lexicon.snapshot
        cached = self._with_user
        if cached is not None and cached[0] is snapshot:  # no user word added or removed since
            return cached[1], cached[2]
        user = [e.key for e in seg.lexicon if len(e.parts) == 1]
        words = model | {normalise(w) for w in user} if user else model
        result = (words, max(longest, *map(len, user)) if user else longest)
        self._with_user = (snapshot, *result)
        return result

    # ----------------------------------------------------------------- the user dictionary
    def load_userdict(self, f: str | Path | IO[Any]) -> list[str]:
        """Add the words of a user dictionary in jieba's format (`word [freq] [tag]` a line, the
        word may hold spaces): a path or an open file (text or bytes), UTF-8, a leading BOM
        removed. Returns the words added (jieba returns None)."""
        name = str(f) if isinstance(f, (str, Path)) else str(getattr(f, "name", "<file>"))
        if isinstance(f, (str, Path)):
            with open(f, "rb") as fh:
                data: str | bytes = fh.read()
        else:
            data = f.read()
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise InvalidInputError(f"dictionary file {name} must be utf-8") from None
        words: list[str] = []
        pending: list[Entry] = []  # added to the lexicon together: its structure is rebuilt once
        lexicon = self.segmenter.lexicon
        for no, line in enumerate(text.splitlines(), 1):
            parsed = _parse_userdict_line(line)
            if parsed is None:
                continue
            word, freq, tag = parsed
            try:
                if freq is not None and int(freq) == 0:  # a removal: what came before goes in first
                    lexicon.update(pending)
                    pending = []
                    self.del_word(word)
                else:
                    entry = self._note(word, freq, tag)
                    if entry is not None:
                        pending.append(entry)
            except InvalidInputError as e:
                lexicon.update(pending)  # the lines before it stay added
                raise CorpusError(name, no, str(e)) from e
            words.append(word)
        lexicon.update(pending)
        return words

    def add_word(self, word: str, freq: int | str | None = None, tag: str | None = None) -> None:
        """Make `word` one token (with `tag` as its part of speech); `freq=0` removes it, as in
        jieba. A word with whitespace is kept (`get_FREQ`) but never matches, as in jieba."""
        word = _text(word)
        if freq is not None and int(freq) == 0:
            self.del_word(word)
            return
        entry = self._note(word, freq, tag)
        if entry is not None:
            self.segmenter.lexicon.update([entry])

    def _note(self, word: str, freq: int | str | None, tag: str | None) -> Entry | None:
        """Record a user word's frequency and tag; its lexicon entry, or None for a word with
        whitespace (kept for `get_FREQ`, never matched)."""
        with self._lock:
            self._user_freq[word] = int(freq) if freq is not None else self._user_freq.get(word, 1)
            if tag:
                self.user_word_tag_tab[word] = tag
        if any(c.isspace() for c in word):
            return None
        return parse_entry(word, tag or None, max_chars=self.segmenter.lexicon.max_chars)

    def del_word(self, word: str) -> None:
        """Forget a user word (no effect if it is not one); jieba's `add_word(word, 0)`."""
        if self._forget(word):
            self.segmenter.remove_word(word)

    def _forget(self, word: str) -> bool:
        """Drop a user word's frequency and tag; whether it may be in the lexicon."""
        with self._lock:
            self._user_freq[word] = 0
            self.user_word_tag_tab.pop(word, None)
        return bool(word.strip()) and not any(c.isspace() for c in word)

    def suggest_freq(self, segment: str | Iterable[str], tune: bool = False) -> int:
        """jieba's way to force a word to be kept whole (`segment` a str) or split into parts (a
        tuple of them). With `tune=True` it takes effect: a user word, or a forced split (a user
        entry with a space between the parts), which the decoder obeys. Returns the frequency
        jieba would store: at least 1 for a word, 0 for a split."""
        if isinstance(segment, (str, bytes)):
            word = _text(segment)
            freq = max(self.FREQ.get(word, 1), 1)
            if tune:
                self.add_word(word, freq)
            return freq
        parts = [_text(p) for p in segment]
        if tune:
            word = "".join(parts)
            with self._lock:
                self._user_freq[word] = 0
            self.segmenter.lexicon.add(" ".join(parts))
        return 0


class _Freq(Mapping[str, int]):
    """jieba's `FREQ` read from the model: a user word's frequency (0 once deleted), else 1 for a
    word of the model's dictionary (it stores no counts)."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tok = tokenizer

    def __getitem__(self, word: str) -> int:
        user = self._tok._user_freq
        if word in user:
            return user[word]
        if normalise(word) in self._tok._dictionary()[0]:
            return 1
        raise KeyError(word)

    def __iter__(self) -> Iterator[str]:
        user = self._tok._user_freq
        return iter([*user, *(w for w in self._tok._dictionary()[0] if w not in user)])

    def __len__(self) -> int:
        return sum(1 for _ in self)


_WHITESPACE = re.compile(r"\s")  # what `text.to_units` reads as whitespace (never inside a unit)


def _words_with_spaces(text: str, analysis: Analysis) -> list[str]:
    """`_with_spaces` of an analysis's words, as strings only (`cut` of one line)."""
    if _WHITESPACE.search(text) is None:  # no gap between the words: they are the whole text
        return analysis.words()
    out: list[str] = []
    at = 0
    for s, e in zip(analysis.starts, analysis.ends):
        if s > at:
            out.append(text[at:s])
        out.append(text[s:e])
        at = e
    if at < len(text):
        out.append(text[at:])
    return out


def _with_spaces(text: str, tokens: list[Any]) -> list[_Token]:
    """The tokens with the whitespace between them as tokens of their own (jieba keeps it)."""
    out: list[_Token] = []
    at = 0
    for t in tokens:
        if t.start > at:
            out.append(_Token(text[at:t.start], at, t.start, "x"))
        out.append(_Token(t.text, t.start, t.end, getattr(t, "pos", None)))
        at = t.end
    if at < len(text):
        out.append(_Token(text[at:], at, len(text), "x"))
    return out


def _text(sentence: str | bytes) -> str:
    if isinstance(sentence, bytes):
        try:
            return sentence.decode("utf-8")
        except UnicodeDecodeError:
            return sentence.decode("gbk", "replace")
    if not isinstance(sentence, str):
        raise InvalidInputError(f"jieba: a sentence must be str or bytes, got {type(sentence).__name__}")
    return sentence


dt = Tokenizer()  # jieba's default tokenizer: loads the default model on first use
cut = dt.cut
lcut = dt.lcut
cut_for_search = dt.cut_for_search
lcut_for_search = dt.lcut_for_search
tokenize = dt.tokenize
load_userdict = dt.load_userdict
add_word = dt.add_word
del_word = dt.del_word
suggest_freq = dt.suggest_freq
initialize = dt.initialize
set_dictionary = dt.set_dictionary
get_dict_file = dt.get_dict_file
get_DAG = dt.get_DAG
calc = dt.calc
user_word_tag_tab = dt.user_word_tag_tab


def get_FREQ(k: str, d: int | None = None) -> int | None:
    """The frequency of word `k` (`Tokenizer.FREQ`), `d` when it is not a word."""
    return dt.FREQ.get(k, d)


def enable_parallel(processnum: int | None = None) -> None:
    """Cut multi-line text line by line over `processnum` threads (default: the usable cores);
    jieba uses processes, the model's runtime releases the GIL so threads run side by side. The
    output is the same as without it (text is always cut line by line). Applies to the default
    tokenizer, as in jieba."""
    from segmenter.process import usable_cores

    n = usable_cores() if processnum is None else int(processnum)
    if n < 1:
        raise InvalidInputError(f"processnum must be a positive integer, got {processnum!r}")
    dt.workers = n


def disable_parallel() -> None:
    """Back to cutting on the calling thread."""
    dt.workers = None


def enable_paddle() -> None:
    """jieba's paddle mode (a neural tagger) has no counterpart to switch on: the model is already
    a neural tagger, and `use_paddle=True` is accepted and ignored by the verbs. Does nothing."""


def setLogLevel(level: int) -> None:
    """Sets the level of the library's logger (`logging.getLogger("segmenter")`)."""
    import logging

    logging.getLogger("segmenter").setLevel(level)


from segmenter.compat.jieba import posseg  # noqa: E402  (jieba.posseg, reachable as an attribute)
