"""The output-format registry (`segmenter.formats`) and the one token-JSON function."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from segmenter.cli import build_parser
from segmenter.formats import FORMATS, OutputFormat, formats_help, renderer
from segmenter.pipeline import Analysis, Token, token_json
from segmenter.stream import Line, format_lines

TEXT = "我爱 北京。"


def analysis(text: str = TEXT) -> Analysis:
    """我 爱 北京 。 with parts of speech (given as a user dictionary's), built by hand: no model."""
    return Analysis(text=text, units=None, tags=np.zeros(5, dtype=np.int64), probs=None, pos=None,  # type: ignore[arg-type]
                    pos_tags=None, user_pos={0: "r", 1: "v", 3: "ns", 4: "w"},
                    starts=[0, 1, 3, 5], ends=[1, 2, 5, 6], lasts=[0, 1, 3, 4])


EXPECTED = {
    ("plain", False): "我 爱 北京 。\n",
    ("plain", True): "我/r 爱/v 北京/ns 。/w\n",
    ("jsonl", False): json.dumps({"text": TEXT, "tokens": [
        {"text": "我", "start": 0, "end": 1}, {"text": "爱", "start": 1, "end": 2},
        {"text": "北京", "start": 3, "end": 5}, {"text": "。", "start": 5, "end": 6}]}, ensure_ascii=False) + "\n",
    ("jsonl", True): json.dumps({"text": TEXT, "tokens": [
        {"text": "我", "start": 0, "end": 1, "pos": "r"}, {"text": "爱", "start": 1, "end": 2, "pos": "v"},
        {"text": "北京", "start": 3, "end": 5, "pos": "ns"}, {"text": "。", "start": 5, "end": 6, "pos": "w"}]},
        ensure_ascii=False) + "\n",
    ("conll", False): "1\t我\t0\t1\n2\t爱\t1\t2\n3\t北京\t3\t5\n4\t。\t5\t6\n\n",
    ("conll", True): "1\t我\t0\t1\tr\n2\t爱\t1\t2\tv\n3\t北京\t3\t5\tns\n4\t。\t5\t6\tw\n\n",
    ("conllu", False): ("# text = 我爱 北京。\n"
                        "1\t我\t_\t_\t_\t_\t_\t_\t_\tTokenRange=0:1|SpaceAfter=No\n"
                        "2\t爱\t_\t_\t_\t_\t_\t_\t_\tTokenRange=1:2\n"
                        "3\t北京\t_\t_\t_\t_\t_\t_\t_\tTokenRange=3:5|SpaceAfter=No\n"
                        "4\t。\t_\t_\t_\t_\t_\t_\t_\tTokenRange=5:6|SpaceAfter=No\n\n"),
    ("conllu", True): ("# text = 我爱 北京。\n"
                       "1\t我\t_\t_\tr\t_\t_\t_\t_\tTokenRange=0:1|SpaceAfter=No\n"
                       "2\t爱\t_\t_\tv\t_\t_\t_\t_\tTokenRange=1:2\n"
                       "3\t北京\t_\t_\tns\t_\t_\t_\t_\tTokenRange=3:5|SpaceAfter=No\n"
                       "4\t。\t_\t_\tw\t_\t_\t_\t_\tTokenRange=5:6|SpaceAfter=No\n\n"),
}


def test_every_format_is_registered_once_with_its_renderer():
    assert list(FORMATS) == [f.value for f in OutputFormat] == ["plain", "jsonl", "conll", "conllu"]
    assert all(name == f.name for name, f in FORMATS.items())
    assert {fmt for fmt, _ in EXPECTED} == set(FORMATS)  # the test below covers every registered format


def test_the_cli_format_choices_and_help_come_from_the_registry():
    segment = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["segment"]
    option = next(a for a in segment._actions if "--format" in a.option_strings)
    assert option.choices == list(FORMATS) and option.default == "plain"
    assert option.help == formats_help() == ("plain words; jsonl tokens with offsets; conll (index, word, start, "
                                             "end[, POS]); conllu (CoNLL-U, 10 columns, POS as XPOS)")


@pytest.mark.parametrize(("fmt", "pos"), sorted(EXPECTED))
def test_each_registered_format_renders_a_known_line(fmt, pos):
    line, parts = Line(1, TEXT), [(0, analysis())]
    assert FORMATS[fmt].render(line, parts, pos) == EXPECTED[fmt, pos]
    assert renderer(OutputFormat(fmt)) is renderer(fmt) is FORMATS[fmt].render
    # a chunk of lines is its lines' renderings in order; windows of one line are one line
    assert format_lines([line, line], [parts, parts], OutputFormat(fmt), pos) == EXPECTED[fmt, pos] * 2
    halves = [(0, analysis(TEXT[:3])), (3, analysis(TEXT[3:]))]
    halves[0][1].starts, halves[0][1].ends, halves[0][1].lasts = [0, 1], [1, 2], [0, 1]
    halves[1][1].starts, halves[1][1].ends, halves[1][1].lasts = [0, 2], [2, 3], [3, 4]
    assert FORMATS[fmt].render(line, halves, pos) == EXPECTED[fmt, pos]


def test_a_skipped_line_keeps_its_place():
    skipped = Line(7, None, "cannot be decoded")
    assert FORMATS["jsonl"].render(skipped, [], False) == '{"line": 7, "error": "cannot be decoded"}\n'
    assert FORMATS["plain"].render(skipped, [], True) == "\n"
    assert FORMATS["conll"].render(skipped, [], False) == "\n"
    assert FORMATS["conllu"].render(skipped, [], False) == "# text = \n\n"


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="'xml'"):
        renderer("xml")


def test_one_token_json_shape_for_every_door():
    assert token_json("北京", 3, 5) == {"text": "北京", "start": 3, "end": 5}
    assert list(token_json("北京", 3, 5, "ns")) == ["text", "start", "end", "pos"]
    assert "pos" not in token_json("北京", 3, 5, None)  # no part of speech: no key, not a null
    assert Token("北京", 3, 5, "ns").to_json() == token_json("北京", 3, 5, "ns")
    a = analysis()
    for pos in (False, True):
        assert a.token_json(pos) == [t.to_json() for t in a.tokens(pos)]
        assert a.token_json(pos) == [token_json(t.text, t.start, t.end, t.pos) for t in a.tokens(pos)]
    assert json.loads(EXPECTED["jsonl", True])["tokens"] == a.token_json(True)
