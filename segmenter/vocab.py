"""Character (unit) and unit-bigram vocabularies, JSON in and out."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from segmenter.compiled import KERNEL as _native  # None without the compiled extension
from segmenter.text import ENG, NUM, URL, Units, normalise

PAD = "<PAD>"
UNK = "<UNK>"
BOS = "<S>"
EOS = "</S>"
_SEP = "\x1f"  # joins the two keys of a bigram; never a unit key itself (it is whitespace)
_RESERVED = (PAD, UNK)
_SYMBOLS = (NUM, ENG, URL)

# Every key as one integer, so that a whole batch is looked up with NumPy instead of a dict
# call per unit: a character is its code point, a multi-character key one of the numbers
# just above Unicode; a bigram is (first << 21) | second.
_CODE_BITS = 21
_KEY_CODES = {k: 0x110000 + i for i, k in enumerate((*_RESERVED, *_SYMBOLS, BOS, EOS))}


def bigram_key(a: str, b: str) -> str:
    return a + _SEP + b


def _key_code(key: str) -> int:
    return ord(key) if len(key) == 1 else _KEY_CODES[key]


def _bigram_codes(bigrams: list[str]) -> np.ndarray:
    """The code of every bigram key, read from one string (it runs at every load, over every bigram
    of the vocabulary)."""
    lengths = np.fromiter(map(len, bigrams), dtype=np.int64, count=len(bigrams))
    chars = np.frombuffer("".join(bigrams).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    starts = np.cumsum(lengths) - lengths
    codes = chars[starts] << _CODE_BITS | chars[starts + lengths - 1] if len(bigrams) else np.zeros(0, np.int64)
    for i in np.flatnonzero(lengths != 3).tolist():  # a class symbol or <S>/</S> on one side
        a, _, b = bigrams[i].partition(_SEP)
        codes[i] = _key_code(a) << _CODE_BITS | _key_code(b)
    return codes


class BigramText(Sequence[str]):
    """The bigram keys of a vocabulary file held as its one string (`Vocab.to_json`'s
    "bigram_text": keys joined by a space, bigrams by a tab) instead of a Python string per
    bigram: a list is made only when an entry is asked for (training, saving), never to segment."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._n = text.count("\t") + 1 if text else 0
        self._list: list[str] | None = None

    def _items(self) -> list[str]:
        if self._list is None:
            self._list = [b.replace(" ", _SEP) for b in self.text.split("\t")] if self.text else []
        return self._list

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        return self._items()[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BigramText):
            return self.text == other.text
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def codes(self, skip: int) -> np.ndarray:
        """`_bigram_codes` of the entries after the first `skip`, read from the string itself."""
        chars = np.frombuffer(self.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        tabs = np.flatnonzero(chars == 9)
        starts = np.concatenate([[0], tabs + 1])[skip:]
        ends = np.concatenate([tabs, [len(chars)]])[skip:]
        if not len(starts):
            return np.zeros(0, np.int64)
        codes = chars[starts] << _CODE_BITS | chars[ends - 1]
        for i in np.flatnonzero(ends - starts != 3).tolist():  # a class symbol or <S>/</S> on one side
            a, _, b = self.text[starts[i]:ends[i]].partition(" ")
            codes[i] = _key_code(a) << _CODE_BITS | _key_code(b)
        return codes


class _IntMap:
    """int64 keys (≥ 0) to int64 ids, looked up for a whole array at once: open addressing with
    linear probing, at most half full, so a lookup takes one or two vectorised probes (cheaper
    than a binary search of a sorted table for every bigram of a batch)."""

    _MUL = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    SEARCH_MAX = 256  # up to this many keys, `get` searches the sorted keys

    def __init__(self, keys: np.ndarray, ids: np.ndarray) -> None:
        # keys sorted (as `_sorted_table` gives them) are kept for short lookups (`get`)
        self._sorted = (keys, ids) if len(keys) and bool((np.diff(keys) > 0).all()) else None
        bits = max(4, (2 * len(keys)).bit_length())
        size = 1 << bits
        self._shift = np.uint64(64 - bits)
        # (key, id) side by side, one cache line for both (`_native.intmap_get`); -1: an empty slot
        self._pairs = np.empty((size, 2), dtype=np.int64)
        self._keys, self._ids = self._pairs[:, 0], self._pairs[:, 1]
        self._keys[:], self._ids[:] = -1, 1
        home = self._home(keys)
        # Linear probing, built in one pass: taken in order of home slot, each key goes to the first
        # slot at or after its home that no earlier key took, i.e. slot_i = i + max_{j <= i}(home_j - j)
        # (a running maximum); every slot from a key's home to its own is then taken, which is what
        # a lookup needs. The few keys pushed past the table's end wrap round, one probe at a time.
        order = np.argsort(home, kind="stable")
        rank = np.arange(len(keys))
        slot = np.maximum.accumulate(home[order] - rank) + rank if len(keys) else rank
        inside = slot < size
        self._keys[slot[inside]] = keys[order[inside]]
        self._ids[slot[inside]] = ids[order[inside]]
        self._probes = int((slot - home[order]).max()) + 1 if len(keys) else 0
        for k in order[~inside].tolist():  # wrapped: probe on from slot 0
            s, probes = 0, size - int(home[k]) + 1
            while self._keys[s] != -1:
                s, probes = s + 1, probes + 1
            self._keys[s], self._ids[s] = keys[k], ids[k]
            self._probes = max(self._probes, probes)

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * self._MUL) >> self._shift).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """Id of every key, 1 (`<UNK>`) for keys not in the map. A short array (one sentence) is
        looked up by binary search in the sorted keys: a few array operations instead of a few per
        probe distance. Where the package's C kernel is built, the probing runs there, key by key."""
        if _native is not None:
            out = np.empty(len(keys), dtype=np.int64)
            _native.intmap_get(self._pairs, int(self._shift), np.ascontiguousarray(keys, dtype=np.int64), out)
            return out
        if len(keys) <= self.SEARCH_MAX and self._sorted is not None:
            table, ids = self._sorted
            at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
            return np.where(table[at] == keys, ids[at], 1)
        out = np.ones(len(keys), dtype=np.int64)
        home = self._home(keys)
        pending = np.arange(len(keys))
        for probe in range(self._probes):  # a key is never further than the longest insertion
            slot = (home[pending] + probe) & (len(self._keys) - 1)
            found = self._keys[slot]
            hit = found == keys[pending]
            out[pending[hit]] = self._ids[slot[hit]]
            pending = pending[~hit & (found != -1)]
            if not len(pending):
                break
        return out


_HASH_MUL = np.uint64(0x100000001B3)  # FNV-1a's prime: n-gram keys as one 64-bit hash per position
_HASH_SEED = np.uint64(0xCBF29CE484222325)


def ngram_keys(codes: np.ndarray, longest: int) -> Iterator[np.ndarray]:
    """For n = 2..longest, (len(codes) - n + 1,) int64: a hash of every run of `n` consecutive key
    codes (FNV-1a over the codes, each from the one of n - 1, top bit cleared), the same function for
    dictionary words and for text. Runs of one length share a key with a chance of about one in
    2**63 per pair."""
    c = codes.astype(np.uint64)
    h = (_HASH_SEED ^ c) * _HASH_MUL  # n = 1
    for n in range(2, longest + 1):
        m = len(codes) - n + 1
        h = (h[:max(m, 0)] ^ c[n - 1:]) * _HASH_MUL
        yield (h >> np.uint64(1)).astype(np.int64)


class WordDict:
    """The words (2 to `longest` characters) of each standard's training text, behind the model's
    dictionary features (`ModelConfig.word_features`): at every unit, whether a word of the standard's
    list of each length starts there, and whether one ends there. A word is kept only if every
    character of it is non-ASCII after normalisation, so each is one unit in any text; `words[k]`
    holds standard `k`'s words joined by a space (as `vocab.json` stores them), or `UNION` for the
    words of every other entry (the mixed standard's: stored once, not twice).

    A standard's lookup tables are built the first time it is asked for (a process that segments in
    one standard holds one standard's): a bit per hash value modulo 2**23 that lets most runs of text
    out with one read, and the sorted keys of each length for the runs left."""

    _BITS = 23
    UNION = "*"

    def __init__(self, words: Sequence[str], longest: int) -> None:
        if longest < 2:
            raise ValueError(f"dictionary words are at least 2 characters long: longest {longest}")
        self.words = list(words)
        self.longest = longest
        self._tables: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._maps: dict[int, _IntMap] = {}  # a standard's words as a hash table (the C lookups)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordDict) and (self.longest, self.words) == (other.longest, other.words)

    __hash__ = None  # type: ignore[assignment]

    def same_words(self, standards: Sequence[str], other: WordDict, other_standards: Sequence[str],
                   names: Sequence[str]) -> bool:
        """Whether the standards `names` read the same words here (whose entries are those of
        `standards`; none for a one-standard model) and in `other` (`other_standards`)."""
        def entry(words: WordDict, of: Sequence[str], name: str) -> str:
            return words.words[of.index(name) if of else 0]
        return self.longest == other.longest and all(
            entry(self, standards, n) == entry(other, other_standards, n) for n in names)

    def _table(self, standard: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(bit set, sorted keys, their word lengths) of standard `standard`'s words: the words of
        every length in one table, so that a text's runs of every length are looked up at once."""
        found = self._tables.get(standard)
        if found is None:
            text = self.words[standard]
            texts = [t for t in self.words if t != self.UNION] if text == self.UNION else [text]
            of_texts = [self._word_keys(t) for t in texts]
            keys, first = np.unique(np.concatenate([k for k, _ in of_texts]), return_index=True)  # one sort
            lengths = np.concatenate([n for _, n in of_texts])[first]
            bits = np.zeros(1 << (self._BITS - 3), dtype=np.uint8)
            low = keys & ((1 << self._BITS) - 1)
            np.bitwise_or.at(bits, low >> 3, (1 << (low & 7)).astype(np.uint8))
            found = self._tables[standard] = (bits, keys, lengths)
        return found

    def _word_keys(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The `ngram_keys` hash of every word of 2..longest characters in `text` (words joined by a
        space), and each word's length: all words of one length hashed at once, column by column (a
        table is built when a standard is first used, so this is part of a cold start's first call)."""
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        spaces = np.flatnonzero(codes == ord(" "))
        starts = np.concatenate([[0], spaces + 1])
        lengths = np.concatenate([spaces, [len(codes)]]) - starts
        keys, of_n = [], []
        for n in range(2, self.longest + 1):
            first = starts[lengths == n]
            h = (_HASH_SEED ^ codes[first]) * _HASH_MUL
            for j in range(1, n):
                h = (h ^ codes[first + j]) * _HASH_MUL
            keys.append((h >> np.uint64(1)).astype(np.int64))
            of_n.append(np.full(len(first), n, dtype=np.int8))
        return np.concatenate(keys), np.concatenate(of_n)

    @property
    def width(self) -> int:
        """Features per unit: starts, then ends, of a word of 2..longest units."""
        return 2 * (self.longest - 1)

    def features(self, codes: np.ndarray, standard: int = 0, gaps: np.ndarray | None = None) -> np.ndarray:
        """(len(codes), width) uint8 of the key codes of a flat run of units (e.g. `Encoded`'s
        layout, where the `<S>`/`</S>` codes match no word): column `n - 2` is 1 where a word of
        `n` units of standard `standard` starts, column `longest - 1 + n - 2` where one ends. `gaps`
        (bool, one per code): the units that whitespace separates from the one before; no word runs
        across such a gap. The runs of every length are looked up together (one bit-set read, one
        binary search: a short text's features cost a few array operations, not a few per length)."""
        out = np.zeros((len(codes), self.width), dtype=np.uint8)
        bits, table, table_n = self._table(standard)
        if not len(table):
            return out
        if _native is not None:  # the same lookups in C, position by position (tests/segmenter/test_native.py)
            words = self._maps.get(standard)
            if words is None:  # key -> word length, for one or two probes a lookup
                words = self._maps[standard] = _IntMap(table, table_n.astype(np.int64))
            _native.word_features(np.ascontiguousarray(codes, dtype=np.int64), self.longest, bits, words._pairs,
                                  int(words._shift), gaps, out)
            return out
        runs = list(ngram_keys(codes, self.longest))
        keys = np.concatenate(runs)  # every run of 2, then of 3, ... units
        n = np.repeat(np.arange(2, self.longest + 1), [len(r) for r in runs])
        first = np.concatenate([np.arange(len(r)) for r in runs])  # the unit each run starts at
        cut = keys & ((1 << self._BITS) - 1)
        maybe = np.flatnonzero((bits[cut >> 3] >> (cut & 7).astype(np.uint8)) & 1)  # the rest are no word
        at = np.minimum(np.searchsorted(table, keys[maybe]), len(table) - 1)
        hit = maybe[(table[at] == keys[maybe]) & (table_n[at] == n[maybe])]
        start, n = first[hit], n[hit]
        if gaps is not None:  # a word from start to start + n - 1 with no gap after start
            seen = np.cumsum(gaps)
            keep = seen[start + n - 1] == seen[start]
            start, n = start[keep], n[keep]
        out[start, n - 2] = 1
        out[start + n - 1, self.longest - 1 + n - 2] = 1
        return out

    @staticmethod
    def collect(sentences: Iterable[Sequence[str]], longest: int) -> str:
        """The distinct dictionary words (see the class) among gold word sequences, sorted, joined by
        a space."""
        found = {w for words in sentences for w in map(normalise, words)
                 if 2 <= len(w) <= longest and all(ord(ch) > 127 and not ch.isspace() for ch in w)}
        return " ".join(sorted(found))


def _sorted_table(codes: list[int] | np.ndarray, first_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes sorted, and the id of each (entry `i` of `codes` has id `first_id + i`)."""
    arr = np.asarray(codes, dtype=np.int64)
    order = np.argsort(arr, kind="stable")
    if len(arr) and (np.diff(arr[order]) == 0).any():
        raise ValueError("vocabulary has duplicate keys")
    return arr[order], order.astype(np.int64) + first_id


@dataclass(frozen=True)
class Encoded:
    """Unit and bigram ids of many texts in one flat layout: text `k` occupies
    `[offsets[k], offsets[k] + n_k + 2)` as `<S>, units..., </S>`, so its unit `i` is at
    `offsets[k] + 1 + i` in `chars` and has left bigram `offsets[k] + i` and right bigram
    `offsets[k] + i + 1` in `bigrams` (the bigram of positions j and j+1 is at j)."""

    chars: np.ndarray  # (total,) int64
    bigrams: np.ndarray  # (total,) int64
    offsets: np.ndarray  # (texts,) int64
    features: np.ndarray | None = None  # (total, WordDict.width) uint8, for a model with dictionary features


@dataclass
class Vocab:
    """Index 0 is padding and 1 the unknown entry in both tables. `words`: the dictionary of a model
    with dictionary features (not part of equality: it does not change any id)."""

    chars: list[str]
    bigrams: Sequence[str]  # a list, or the `BigramText` of a loaded vocabulary
    words: WordDict | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        n = len(_RESERVED)  # <PAD> and <UNK> are never looked up
        char_codes, bigram_codes = self._codes()
        codes, ids = _sorted_table(char_codes, n)
        # code -> id for every code point: 2.2 MB (int16) for vocabularies under 32k units
        self._char_ids = np.ones(max(_KEY_CODES.values()) + 1,
                                 dtype=np.int16 if len(self.chars) < 2**15 else np.int32)
        self._char_ids[codes] = ids
        self._bigram_ids = _IntMap(*_sorted_table(bigram_codes, n))

    def _codes(self) -> tuple[list[int], np.ndarray]:
        """The key code of every unit and every bigram after the reserved entries, in id order."""
        n = len(_RESERVED)
        bigram_codes = (self.bigrams.codes(n) if isinstance(self.bigrams, BigramText)
                        else _bigram_codes(list(self.bigrams[n:])))
        return [_key_code(c) for c in self.chars[n:]], bigram_codes

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], min_char: int = 2, min_bigram: int = 2) -> Vocab:
        """From unit-key sequences: keys and bigrams seen at least `min_*` times.

        Rarer ones map to `<UNK>` in training too, so the unknown entry is learned.
        """
        cc: Counter[str] = Counter()
        bc: Counter[str] = Counter()
        for keys in sentences:
            cc.update(keys)
            padded = [BOS, *keys, EOS]
            bc.update(bigram_key(a, b) for a, b in zip(padded, padded[1:]))
        chars = [*_RESERVED, *_SYMBOLS]
        chars += sorted(k for k, n in cc.items() if n >= min_char and k not in chars)
        bigrams = [*_RESERVED]
        bigrams += sorted(k for k, n in bc.items() if n >= min_bigram)
        return cls(chars, bigrams)

    def encode(self, units: Units) -> tuple[list[int], list[int]]:
        """(unit ids, bigram ids) of one text; bigram id `j` is of keys `j-1, j` with `<S>`/`</S>`
        at the ends, so there are `len(units) + 1` of them: unit `i` has left bigram `i`, right `i+1`."""
        enc = self.encode_many([units])
        n = len(units)
        return enc.chars[1:n + 1].tolist(), enc.bigrams[:n + 1].tolist()

    def encode_many(self, texts: Sequence[Units], standard: int = 0, words: WordDict | None = None) -> Encoded:
        """Ids of the units of many texts at once (see `Encoded` for the layout), and with a
        dictionary (`words`, default the vocabulary's own) its features in standard `standard`."""
        joined = [u.key_chars for u in texts]
        if len(texts) == 1:  # one text (a call of `cut`): no running sum
            lengths, offsets = np.array([len(texts[0]) + 2]), np.zeros(1, dtype=np.int64)
        else:
            lengths = np.fromiter((len(u) + 2 for u in texts), dtype=np.int64, count=len(texts))
            offsets = np.zeros(len(texts), dtype=np.int64)
            np.cumsum(lengths[:-1], out=offsets[1:])
        # One string for the batch, two placeholder characters between texts for </S> and <S>.
        codes = np.frombuffer(("\0" + "\0\0".join(joined) + "\0").encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = codes.astype(np.int64) if len(texts) else np.zeros(0, dtype=np.int64)
        for k, u in enumerate(texts):
            for i, key in u.symbols:  # a class symbol (<NUM>...) stands in key_chars as "\0"
                codes[offsets[k] + 1 + i] = _KEY_CODES[key]
        codes[offsets] = _KEY_CODES[BOS]
        codes[offsets + lengths - 1] = _KEY_CODES[EOS]
        if _native is not None:  # the same ids in one pass of C (tests/segmenter/test_native.py)
            chars, bigrams = np.empty_like(codes), np.empty_like(codes)
            table = self._bigram_ids
            _native.encode_ids(codes, self._char_ids, self._char_ids.itemsize, table._pairs, int(table._shift), chars,
                               bigrams)
        else:
            chars = self._char_ids[codes].astype(np.int64)
            pair = np.zeros_like(codes)
            pair[:-1] = codes[:-1] << _CODE_BITS | codes[1:]
            bigrams = self._bigram_ids.get(pair)
        words = words if words is not None else self.words
        features = None
        if words is not None:
            gaps = None  # whitespace ends a word: no dictionary word runs across it
            for k, u in enumerate(texts):
                if True in u.gap_before[1:]:
                    if gaps is None:
                        gaps = np.zeros(len(codes), dtype=bool)
                    gaps[offsets[k] + 1 + np.flatnonzero(u.gap_before[1:]) + 1] = True
            features = words.features(codes, standard, gaps)
        return Encoded(chars, bigrams, offsets, features)

    def translation(self, other: Vocab) -> tuple[np.ndarray, np.ndarray]:
        """(char ids, bigram ids): for each id of this vocabulary, the id of the same key in
        `other` (`<UNK>` where `other` lacks it; padding stays 0): ids encoded here become `other`'s
        with one lookup, as `other.encode` would give for every key this vocabulary knows."""
        reserved = np.arange(len(_RESERVED), dtype=np.int64)
        char_codes, bigram_codes = self._codes()
        chars = np.concatenate([reserved, other._char_ids[char_codes].astype(np.int64)])
        bigrams = np.concatenate([reserved, other._bigram_ids.get(bigram_codes)])
        return chars, bigrams

    def covers(self, other: Vocab) -> bool:
        """Whether every key of `other` is a key here (then `translation(other)` loses nothing)."""
        n = len(_RESERVED)
        chars, bigrams = other.translation(self)
        return bool((chars[n:] > 1).all() and (bigrams[n:] > 1).all())

    def to_json(self) -> dict[str, Any]:
        """{"chars": [...], "bigram_text": "a b\tc d..."}: the bigrams as one string, a space between
        their two keys and a tab between bigrams (whitespace is never a key), which JSON stores
        without the quotes, comma and escaped "\u001f" that each bigram of a list of joined strings
        needs."""
        words = {} if self.words is None else {"words": self.words.words, "word_longest": self.words.longest}
        if isinstance(self.bigrams, BigramText):
            return {"chars": self.chars, "bigram_text": self.bigrams.text, **words}
        pairs = [b.replace(_SEP, " ") for b in self.bigrams]
        return {"chars": self.chars, "bigram_text": "\t".join(pairs), **words}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Vocab:
        bigrams: Sequence[str]
        if "bigram_text" in d:  # written by to_json
            bigrams = BigramText(d["bigram_text"])
        else:  # the list form of earlier model files
            bigrams = list(d["bigrams"])
        words = WordDict(d["words"], d["word_longest"]) if "words" in d else None
        return cls(list(d["chars"]), bigrams, words)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Vocab:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
