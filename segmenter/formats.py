"""The output formats of `segmenter segment`: one renderer per format, registered by name in
`FORMATS` (the CLI's `--format` choices and help come from it).

A renderer turns one input line and its analyses into that line's output text: one line for
`plain` and `jsonl`, a block ending in a blank line for `conll` and `conllu`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from segmenter.pipeline import Analysis, concat_tokens

if TYPE_CHECKING:
    from segmenter.stream import Line

# A line's segmentation: (offset in the line, analysis) of each of its windows, in order; one
# window for any line up to `stream.LONG_LINE` characters, none for a line that was skipped.
Parts = list[tuple[int, Analysis]]
# (line, its parts, whether words carry their part of speech) -> the line's output text
Render = Callable[["Line", Parts, bool], str]


class OutputFormat(str, Enum):
    """Output formats: one line per input line (`plain`, `jsonl`) or one block per line (`conll`)."""

    PLAIN = "plain"  # words separated by one space (`word/POS` with parts of speech)
    JSONL = "jsonl"  # {"text": ..., "tokens": [{"text", "start", "end"[, "pos"]}]}
    CONLL = "conll"  # "index<TAB>word<TAB>start<TAB>end[<TAB>POS]" per token, a blank line after each line
    # CoNLL-U (universaldependencies.org/format): a "# text = ..." comment, then 10 columns per
    # token: ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC, "_" where unknown; the part of
    # speech (PKU tag) is XPOS; MISC holds the offsets and SpaceAfter=No where no space follows.
    CONLLU = "conllu"


@dataclass(frozen=True)
class Format:
    """A registered output format: its name, what `--format` help says of it, its renderer."""

    name: str
    help: str
    render: Render


def plain(line: Line, segs: Parts, pos: bool) -> str:
    """Words separated by one space (`word/POS` with parts of speech)."""
    if pos:
        return " ".join(w if p is None else f"{w}/{p}" for _, a in segs for w, p in zip(a.words(), a.word_pos())) + "\n"
    return " ".join(w for _, a in segs for w in a.words()) + "\n"


def jsonl(line: Line, segs: Parts, pos: bool) -> str:
    """{"text", "tokens"} (`pipeline.token_json` each); an undecodable line skipped: {"line", "error"}."""
    obj: dict[str, Any] = {"text": line.text, "tokens": [t.to_json() for t in concat_tokens(segs, pos)]}
    if line.error is not None:
        obj = {"line": line.number, "error": line.error}
    return json.dumps(obj, ensure_ascii=False) + "\n"


def conll(line: Line, segs: Parts, pos: bool) -> str:
    """"index<TAB>word<TAB>start<TAB>end[<TAB>POS]" per token, then a blank line."""
    out = [f"{i}\t{t.text}\t{t.start}\t{t.end}{'' if t.pos is None else chr(9) + t.pos}\n"
           for i, t in enumerate(concat_tokens(segs, pos), 1)]
    out.append("\n")
    return "".join(out)


def conllu(line: Line, segs: Parts, pos: bool) -> str:
    """CoNLL-U: a "# text = ..." comment, 10 columns per token (see `OutputFormat.CONLLU`), a blank line."""
    text = line.text or ""
    out = [f"# text = {' '.join(text.split())}\n"]
    for i, t in enumerate(concat_tokens(segs, pos), 1):
        after = t.end < len(text) and text[t.end].isspace()
        misc = f"TokenRange={t.start}:{t.end}" + ("" if after else "|SpaceAfter=No")
        out.append(f"{i}\t{_conllu(t.text)}\t_\t_\t{t.pos or '_'}\t_\t_\t_\t_\t{misc}\n")
    out.append("\n")
    return "".join(out)


def _conllu(form: str) -> str:
    """A CoNLL-U FORM: no tabs or newlines (a word never holds whitespace, but be safe)."""
    return form.replace("\t", " ").replace("\n", " ")


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format(OutputFormat.PLAIN.value, "words", plain),
    Format(OutputFormat.JSONL.value, "tokens with offsets", jsonl),
    Format(OutputFormat.CONLL.value, "(index, word, start, end[, POS])", conll),
    Format(OutputFormat.CONLLU.value, "(CoNLL-U, 10 columns, POS as XPOS)", conllu),
)}


def renderer(fmt: OutputFormat | str) -> Render:
    """The renderer of the format `fmt` (an `OutputFormat` or its name)."""
    return FORMATS[OutputFormat(fmt).value].render


def formats_help() -> str:
    """What `--format` help says: each registered format and what it writes."""
    return "; ".join(f"{f.name} {f.help}" for f in FORMATS.values())
