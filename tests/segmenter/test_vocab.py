"""Character and bigram vocabularies: building, lookups, the flat batch layout, JSON in and out."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter import artifact
from segmenter.config import ModelConfig
from segmenter.model import BiRNNTagger
from segmenter.text import ENG, NUM, URL, normalise, to_units
from segmenter.vocab import BOS, EOS, PAD, UNK, Vocab, WordDict, bigram_key
from tests.conftest import REPO

CORPUS = ["我爱北京", "我爱你", "北京欢迎你", "iPhone15发布了", "访问www.example.com看看", "增长8%"]


@pytest.fixture(scope="module")
def vocab() -> Vocab:
    return Vocab.build((to_units(t).keys for t in CORPUS), min_char=1, min_bigram=1)


def reference_ids(vocab: Vocab, keys: list[str]) -> tuple[list[int], list[int]]:
    """What `encode` must give, from plain dicts: the index of a key, 1 (<UNK>) when absent; the
    reserved entries at 0 and 1 are never looked up."""
    char_id = {k: i for i, k in enumerate(vocab.chars) if i >= 2}
    bigram_id = {k: i for i, k in enumerate(vocab.bigrams) if i >= 2}
    padded = [BOS, *keys, EOS]
    return ([char_id.get(k, 1) for k in keys],
            [bigram_id.get(bigram_key(a, b), 1) for a, b in zip(padded, padded[1:])])


# ------------------------------------------------------------------ building


def test_build_puts_reserved_entries_and_class_symbols_first_then_sorted_keys():
    v = Vocab.build([["乙", "甲", NUM], ["甲", ENG]], min_char=1, min_bigram=1)
    assert v.chars[:2] == [PAD, UNK] and v.bigrams[:2] == [PAD, UNK]
    assert v.chars[2:5] == [NUM, ENG, URL]  # always present, whether seen or not, and only once
    assert v.chars[5:] == ["乙", "甲"]  # sorted by code point: 乙 U+4E59 < 甲 U+7532
    assert v.chars.count(NUM) == 1
    assert v.bigrams[2:] == sorted(v.bigrams[2:])
    again = Vocab.build([["甲", ENG], ["乙", "甲", NUM]], min_char=1, min_bigram=1)  # the same data, reordered
    assert again.chars == v.chars and again.bigrams == v.bigrams


def test_build_counts_sentence_edges_as_bigrams_with_s_and_end_s():
    v = Vocab.build([["甲", "乙"]], min_char=1, min_bigram=1)
    assert set(v.bigrams[2:]) == {bigram_key(BOS, "甲"), bigram_key("甲", "乙"), bigram_key("乙", EOS)}
    assert BOS not in v.chars and EOS not in v.chars  # <S>/</S> are bigram halves, not units
    empty = Vocab.build([[]], min_char=1, min_bigram=1)
    assert empty.bigrams[2:] == [bigram_key(BOS, EOS)]


def test_build_keeps_only_keys_seen_often_enough():
    sents = [["甲", "乙"], ["甲", "乙"], ["甲", "丙"]]
    v = Vocab.build(sents)  # defaults: at least twice
    assert v.chars[5:] == ["乙", "甲"]  # 丙 once
    assert v.bigrams[2:] == [bigram_key(BOS, "甲"), bigram_key("乙", EOS), bigram_key("甲", "乙")]
    assert Vocab.build(sents, min_char=3).chars[5:] == ["甲"]
    assert Vocab.build(sents, min_char=1, min_bigram=3).bigrams[2:] == [bigram_key(BOS, "甲")]


def test_duplicate_keys_are_refused():
    with pytest.raises(ValueError, match="duplicate"):
        Vocab([PAD, UNK, "甲", "乙", "甲"], [PAD, UNK])
    with pytest.raises(ValueError, match="duplicate"):
        Vocab([PAD, UNK], [PAD, UNK, bigram_key("甲", "乙"), bigram_key("甲", "乙")])


# ------------------------------------------------------------------ lookups


def test_encode_gives_unit_ids_and_one_more_bigram_than_units(vocab):
    units = to_units("我爱北京")
    chars, bigrams = vocab.encode(units)
    assert chars == [vocab.chars.index(c) for c in "我爱北京"]
    assert len(bigrams) == len(units) + 1
    assert bigrams[0] == vocab.bigrams.index(bigram_key(BOS, "我"))  # unit 0's left bigram
    assert bigrams[1] == vocab.bigrams.index(bigram_key("我", "爱"))  # unit 0's right, unit 1's left
    assert bigrams[-1] == vocab.bigrams.index(bigram_key("京", EOS))


def test_unknown_units_and_bigrams_are_unk_and_nothing_is_padding(vocab):
    chars, bigrams = vocab.encode(to_units("我爱上海"))  # 上, 海 unseen; 爱上 unseen
    assert chars[:2] == [vocab.chars.index("我"), vocab.chars.index("爱")]
    assert chars[2:] == [1, 1]
    assert bigrams[2:] == [1, 1, 1]
    assert bigrams[1] == vocab.bigrams.index(bigram_key("我", "爱"))
    chars, bigrams = vocab.encode(to_units("龘龘"))
    assert chars == [1, 1] and bigrams == [1, 1, 1]
    assert 0 not in chars and 0 not in bigrams


def test_an_empty_text_has_no_units_and_only_the_s_end_s_bigram():
    v = Vocab.build([[]], min_char=1, min_bigram=1)
    assert v.encode(to_units("")) == ([], [v.bigrams.index(bigram_key(BOS, EOS))])
    assert v.encode(to_units("   ")) == ([], [v.bigrams.index(bigram_key(BOS, EOS))])


def test_class_symbols_are_looked_up_as_units_and_as_bigram_halves(vocab):
    units = to_units("iPhone15发布了")
    assert units.keys[0] == ENG
    chars, bigrams = vocab.encode(units)
    assert chars[0] == vocab.chars.index(ENG) == 3
    assert bigrams[0] == vocab.bigrams.index(bigram_key(BOS, ENG))
    assert bigrams[1] == vocab.bigrams.index(bigram_key(ENG, "发"))
    chars, bigrams = vocab.encode(to_units("增长8%"))
    assert chars[-1] == vocab.chars.index(NUM)
    assert bigrams[-2:] == [vocab.bigrams.index(bigram_key("长", NUM)), vocab.bigrams.index(bigram_key(NUM, EOS))]
    same = vocab.encode(to_units("访问www.example.com看看"))
    assert vocab.encode(to_units("访问 http://a.cn/x?y=1 看看")) == same  # any URL is the same symbol
    assert same[0][2] == vocab.chars.index(URL)
    assert same[1][2:4] == [vocab.bigrams.index(bigram_key("问", URL)), vocab.bigrams.index(bigram_key(URL, "看"))]


def test_a_bigram_of_two_class_symbols_is_found():
    v = Vocab.build([[ENG, NUM], [URL, NUM]], min_char=1, min_bigram=1)
    units = to_units("abc 123")
    assert units.keys == [ENG, NUM]
    assert v.encode(units)[1] == [v.bigrams.index(bigram_key(BOS, ENG)), v.bigrams.index(bigram_key(ENG, NUM)),
                                  v.bigrams.index(bigram_key(NUM, EOS))]
    assert v.encode(to_units("123 abc"))[1] == [1, 1, 1]  # <S><NUM>, <NUM><ENG>, <ENG></S>: never seen


def test_characters_beyond_the_basic_plane_and_full_width_forms():
    v = Vocab.build([list("𠮷野家"), ["A", "B"]], min_char=1, min_bigram=1)
    chars, bigrams = v.encode(to_units("𠮷野家"))
    assert chars == [v.chars.index(c) for c in "𠮷野家"]
    assert bigrams[:2] == [v.bigrams.index(bigram_key(BOS, "𠮷")), v.bigrams.index(bigram_key("𠮷", "野"))]
    # the model reads normalised keys: a full-width 𠮷 does not exist, but full-width ０ is a number
    assert v.encode(to_units("１２"))[0] == [v.chars.index(NUM)]


def test_a_large_vocabulary_keeps_ids_above_16_bits():
    chars = [PAD, UNK] + [chr(0x4E00 + i) for i in range(40_000)]
    v = Vocab(chars, [PAD, UNK])
    text = chars[-1] + chars[32_769] + chars[40_000 // 2] + chars[2]
    assert v.encode(to_units(text))[0] == [40_001, 32_769, 20_000, 2]


def test_every_bigram_of_a_large_table_finds_its_own_id():
    rng = np.random.default_rng(5)
    cjk = [chr(c) for c in range(0x4E00, 0x9FA5) if normalise(chr(c)) == chr(c)]  # no Traditional forms
    pool = [cjk[i] for i in rng.choice(len(cjk), size=300, replace=False)]
    pairs = sorted({bigram_key(pool[a], pool[b]) for a, b in rng.integers(0, len(pool), size=(20_000, 2))})
    v = Vocab([PAD, UNK, *pool], [PAD, UNK, *pairs])
    keys = [p.split("\x1f") for p in pairs[::7]]
    text = "".join(a + b for a, b in keys)
    _, bigrams = v.encode(to_units(text))
    assert bigrams[1::2] == [v.bigrams.index(bigram_key(a, b)) for a, b in keys]  # every in-pair bigram
    assert bigrams == reference_ids(v, list(text))[1]


# ------------------------------------------------------------------ the flat batch layout


def test_encode_many_layout_offsets_and_s_end_s_slots():
    keys = [["甲", "乙"], [], ["乙"]]
    v = Vocab([PAD, UNK, BOS, EOS, "甲", "乙"],  # <S>/</S> as units here, so their slots are visible
              [PAD, UNK, bigram_key(BOS, "甲"), bigram_key("甲", "乙"), bigram_key("乙", EOS),
               bigram_key(BOS, EOS), bigram_key(BOS, "乙")])
    enc = v.encode_many([to_units("甲乙"), to_units(""), to_units("乙")])
    assert enc.offsets.tolist() == [0, 4, 6]  # each text takes its units + 2 slots
    assert len(enc.chars) == len(enc.bigrams) == 9
    assert enc.chars.tolist() == [2, 4, 5, 3, 2, 3, 2, 5, 3]  # <S> 甲 乙 </S> | <S> </S> | <S> 乙 </S>
    for k, ks in enumerate(keys):
        o, n = enc.offsets[k], len(ks)
        assert enc.chars[o] == 2 and enc.chars[o + n + 1] == 3
        # unit i of text k is at o + 1 + i, its left bigram at o + i, its right one at o + i + 1
        want_chars, want_bigrams = reference_ids(v, ks)
        assert enc.chars[o + 1:o + n + 1].tolist() == want_chars
        assert enc.bigrams[o:o + n + 1].tolist() == want_bigrams
    assert enc.bigrams[3] == 1  # </S> of one text and <S> of the next are no bigram


def test_encode_many_of_nothing_is_empty(vocab):
    enc = vocab.encode_many([])
    assert enc.chars.shape == enc.bigrams.shape == enc.offsets.shape == (0,)


TEXTS = st.lists(st.text(alphabet=st.sampled_from("我爱北京你欢迎发布了 ab1２.%𠮷\0臺@x.cn"), max_size=20), max_size=6)


@settings(max_examples=120, deadline=None)
@given(corpus=TEXTS, texts=TEXTS)
def test_encode_many_agrees_with_a_plain_dict_lookup_text_by_text(corpus, texts):
    v = Vocab.build((to_units(t).keys for t in corpus), min_char=1, min_bigram=1)
    units = [to_units(t) for t in texts]
    enc = v.encode_many(units)
    assert enc.chars.dtype == enc.bigrams.dtype == enc.offsets.dtype == np.int64
    at = 0
    for k, u in enumerate(units):
        assert enc.offsets[k] == at
        want_chars, want_bigrams = reference_ids(v, u.keys)
        assert enc.chars[at + 1:at + len(u) + 1].tolist() == want_chars
        assert enc.bigrams[at:at + len(u) + 1].tolist() == want_bigrams
        assert v.encode(u) == (want_chars, want_bigrams)
        at += len(u) + 2
    assert len(enc.chars) == at


# ------------------------------------------------------------------ JSON in and out


def test_json_round_trip_keeps_every_key_and_every_id(vocab, tmp_path):
    again = Vocab.from_json(json.loads(json.dumps(vocab.to_json())))
    assert again.chars == vocab.chars and again.bigrams == vocab.bigrams
    path = tmp_path / "vocab.json"
    vocab.save(path)
    loaded = Vocab.load(path)
    assert loaded.chars == vocab.chars and loaded.bigrams == vocab.bigrams
    units = [to_units(t) for t in [*CORPUS, "我爱上海", "abc 123 我"]]
    a, b = vocab.encode_many(units), loaded.encode_many(units)
    assert a.chars.tolist() == b.chars.tolist() and a.bigrams.tolist() == b.bigrams.tolist()


def test_the_file_is_utf8_with_bigrams_as_one_tab_separated_string(vocab, tmp_path):
    path = tmp_path / "vocab.json"
    vocab.save(path)
    raw = path.read_bytes().decode("utf-8")
    assert "我" in raw and "\\u" not in raw  # characters as themselves, not escaped
    d = json.loads(raw)
    assert set(d) == {"chars", "bigram_text"}
    pairs = d["bigram_text"].split("\t")
    assert len(pairs) == len(vocab.bigrams)
    assert f"{BOS} 我" in pairs and "我 爱" in pairs and f"{ENG} 发" in pairs  # a space between the two keys


def test_the_list_form_of_earlier_model_files_still_loads(vocab):
    old = {"chars": vocab.chars, "bigrams": vocab.bigrams}
    again = Vocab.from_json(old)
    assert again.chars == vocab.chars and again.bigrams == vocab.bigrams
    assert again.encode(to_units("我爱北京")) == vocab.encode(to_units("我爱北京"))


def test_a_shipped_vocabulary_survives_a_rewrite(tmp_path):
    path = REPO / "models" / "pku-fast" / "vocab.json"
    shipped = Vocab.load(path)
    shipped.save(tmp_path / "vocab.json")
    again = Vocab.load(tmp_path / "vocab.json")
    assert again.chars == shipped.chars and again.bigrams == shipped.bigrams
    units = [to_units("中共中央总书记、国家主席江泽民发表1998年新年讲话。")]
    assert again.encode_many(units).bigrams.tolist() == shipped.encode_many(units).bigrams.tolist()
    assert 1 not in shipped.encode(units[0])[0]  # common characters are known


def test_a_vocabulary_with_only_reserved_bigrams_round_trips():
    v = Vocab([PAD, UNK, "甲"], [PAD, UNK])
    again = Vocab.from_json(json.loads(json.dumps(v.to_json())))
    assert again.chars == v.chars and again.bigrams == [PAD, UNK]
    assert again.encode(to_units("甲乙")) == ([2, 1], [1, 1, 1])


def test_a_model_directory_gives_back_the_same_vocabulary(vocab, tmp_path):
    config = ModelConfig(n_units=len(vocab.chars), n_bigrams=len(vocab.bigrams), char_dim=4, bigram_dim=2, hidden=3)
    artifact.save(tmp_path / "m", config, vocab, BiRNNTagger(config).state_dict(), {})
    loaded = artifact.load(tmp_path / "m").vocab
    assert loaded.chars == vocab.chars and loaded.bigrams == vocab.bigrams
    units = to_units("北京欢迎你iPhone")
    assert loaded.encode(units) == vocab.encode(units)


def test_a_loaded_vocabulary_keeps_its_bigrams_as_one_string_and_looks_them_up_the_same():
    from segmenter.vocab import BigramText

    built = Vocab.build([list("我爱北京天安门"), ["<NUM>", "年"], list("北京")], min_char=1, min_bigram=1)
    loaded = Vocab.from_json(json.loads(json.dumps(built.to_json())))
    assert isinstance(loaded.bigrams, BigramText)
    assert loaded.bigrams == built.bigrams and len(loaded.bigrams) == len(built.bigrams)
    units = [to_units("我爱北京2026年"), to_units("天安门")]
    a, b = built.encode_many(units), loaded.encode_many(units)
    assert np.array_equal(a.bigrams, b.bigrams) and np.array_equal(a.chars, b.chars)
    assert loaded.to_json() == built.to_json()


@pytest.mark.parametrize("n, bits_hint", [(0, 0), (1, 0), (7, 0), (5000, 0), (3000, 1)])
def test_int_map_finds_every_key_and_nothing_else(n, bits_hint):
    """The open-addressing table of the bigram ids: every key gives its id, any other key 1; keys
    whose homes crowd the end of the table (bits_hint) wrap round to its start."""
    from segmenter.vocab import _IntMap

    rng = np.random.default_rng(n)
    keys = np.unique(rng.integers(0, 2**62, size=n))
    if bits_hint:  # keys whose homes are the table's last slots
        probe = _IntMap(keys, np.arange(len(keys)))
        cand = rng.integers(0, 2**62, size=200_000)
        last = cand[probe._home(cand) >= len(probe._keys) - 4]
        keys = np.unique(np.concatenate([keys[:len(keys) - len(last)], last]))
    ids = rng.permutation(len(keys)) + 2
    table = _IntMap(keys, ids)
    table.SEARCH_MAX = 0  # the probing path (a sentence's few keys take the sorted search below)
    if bits_hint:  # some of them did wrap round to the first slots
        first = table._keys[:8][table._keys[:8] != -1]
        assert (table._home(first) >= len(table._keys) - 4).any()
    assert table.get(keys).tolist() == ids.tolist()
    others = np.setdiff1d(rng.integers(0, 2**62, size=1000), keys)
    assert (table.get(others) == 1).all()
    sorted_table = _IntMap(keys, ids)  # np.unique sorted the keys: both paths answer alike
    mixed = rng.permutation(np.concatenate([keys[:100], others[:100]]))
    searched = sorted_table.get(mixed)
    sorted_table.SEARCH_MAX = 0
    assert searched.tolist() == sorted_table.get(mixed).tolist()


def flags(words: WordDict, text: str, standard: int = 0) -> dict[str, list[str]]:
    """The features of `text` by name: "start2" lists the characters where a word of 2 starts..."""
    vocab = Vocab(["<PAD>", "<UNK>"], ["<PAD>", "<UNK>"], words)
    enc = vocab.encode_many([to_units(text)], standard)
    assert enc.features is not None
    f = enc.features[1:len(text) + 1]
    out = {}
    for n in range(2, words.longest + 1):
        out[f"start{n}"] = [text[i] for i in np.flatnonzero(f[:, n - 2])]
        out[f"end{n}"] = [text[i] for i in np.flatnonzero(f[:, words.longest - 1 + n - 2])]
    return out


def test_features_flag_where_a_dictionary_word_starts_and_ends():
    words = WordDict(["北京 天安门 北京天安门广场", "天安"], longest=4)
    assert words.width == 6
    got = flags(words, "我爱北京天安门。")
    assert got == {"start2": ["北"], "end2": ["京"], "start3": ["天"], "end3": ["门"], "start4": [], "end4": []}
    assert flags(words, "我爱北京天安门。", standard=1)["start2"] == ["天"]  # the other standard's words
    assert flags(words, "京北")["start2"] == []
    union = WordDict(["北京", "天安门", WordDict.UNION], longest=3)
    assert flags(union, "我爱北京天安门。", standard=2) == {  # the union of the other entries
        "start2": ["北"], "end2": ["京"], "start3": ["天"], "end3": ["门"]}


def test_features_never_match_across_texts_or_class_symbols():
    words = WordDict(["北京 京天"], longest=3)
    vocab = Vocab(["<PAD>", "<UNK>"], ["<PAD>", "<UNK>"], words)
    enc = vocab.encode_many([to_units("我北"), to_units("京天"), to_units("北2京")])
    assert enc.features is not None
    starts = enc.features[:, 0]
    # text 2 "京天" is a word; "北" + "京" across texts 1 and 2, and around the number, are not
    assert starts.tolist() == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def test_no_dictionary_word_runs_across_whitespace():
    words = WordDict(["中国 人民 中国人民 国人"], longest=4)
    joined = flags(words, "中国人民")
    assert joined["start4"] == ["中"] and joined["start2"] == ["中", "国", "人"]
    # "中国 人民": the words on each side stay, "国人" and "中国人民" across the space go
    vocab = Vocab(["<PAD>", "<UNK>"], ["<PAD>", "<UNK>"], words)
    enc = vocab.encode_many([to_units("中国 人民")])
    assert enc.features is not None
    assert enc.features[1:5, 0].tolist() == [1, 0, 1, 0] and enc.features[1:5, 2].tolist() == [0, 0, 0, 0]
    assert enc.features[1:5, 3].tolist() == [0, 1, 0, 1] and enc.features[1:5, 5].tolist() == [0, 0, 0, 0]


def test_collect_keeps_words_of_two_to_longest_non_ascii_characters_normalised():
    text = WordDict.collect([["北京", "天安门", "中华人民共和国", "A股", "我"], ["北京", "ＡＢ", "國家"]], 4)
    assert text.split(" ") == sorted(["北京", "天安门", "国家"])  # Traditional -> Simplified, as the model reads


def test_vocab_json_keeps_the_dictionary_and_equality_ignores_it():
    v = Vocab(["<PAD>", "<UNK>", "北"], ["<PAD>", "<UNK>"], WordDict(["北京", ""], 3))
    again = Vocab.from_json(v.to_json())
    assert again.words is not None and again.words.words == ["北京", ""] and again.words.longest == 3
    assert again == Vocab(["<PAD>", "<UNK>", "北"], ["<PAD>", "<UNK>"])
    assert Vocab.from_json(Vocab(["<PAD>", "<UNK>"], ["<PAD>", "<UNK>"]).to_json()).words is None


def test_dictionaries_compare_by_the_standards_a_student_trains():
    full = WordDict(["北京 天安门", "北京", WordDict.UNION], 3)  # with the mixed standard's entry
    seven = WordDict(["北京 天安门", "北京"], 3)
    assert full != seven and full == WordDict(["北京 天安门", "北京", WordDict.UNION], 3)
    assert full.same_words(["a", "b", "mixed"], seven, ["a", "b"], ["a", "b"])
    assert not full.same_words(["a", "b", "mixed"], seven, ["b", "a"], ["a"])  # its standard a reads other words
    assert not full.same_words(["a", "b", "mixed"], WordDict(["北京 天安门", "北京"], 4), ["a", "b"], ["a"])
    assert WordDict(["北京"], 3).same_words([], WordDict(["北京", "天安门"], 3), ["pku", "x"], ["pku"])
