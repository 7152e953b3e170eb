"""Documents that cannot drift: the README's Python examples run and print what they say, and no
text in the repository narrates its history by work session (a reader knows dates and versions)."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import tokenize
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"

# A block that needs a model trained first (`segmenter train`) is not run.
NEEDS_TRAINING = "./my-models/"


def python_blocks(markdown: str) -> list[tuple[int, str]]:
    """The ```python blocks of a Markdown text: (line number of the first code line, code)."""
    blocks, lines = [], markdown.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start = i + 1
            j = start
            while lines[j].strip() != "```":
                j += 1
            blocks.append((start + 1, "\n".join(lines[start:j]) + "\n"))
            i = j
        i += 1
    return blocks


def comments_by_line(code: str) -> dict[int, str]:
    """Each comment of `code` without its `#`, by line number (1-based)."""
    return {tok.start[0]: tok.string[1:].strip() for tok in tokenize.generate_tokens(io.StringIO(code).readline)
            if tok.type == tokenize.COMMENT}


def printed_result(stmt: ast.stmt, code_lines: list[str], comments: dict[int, str]) -> str | None:
    """The comment that shows what an expression statement gives: on its last line, or the comment
    lines right under it."""
    assert stmt.end_lineno is not None
    if stmt.end_lineno in comments:
        return comments[stmt.end_lineno]
    parts, n = [], stmt.end_lineno + 1
    while n <= len(code_lines) and code_lines[n - 1].lstrip().startswith("#"):
        parts.append(comments[n])
        n += 1
    return " ".join(parts) or None


def literal_in(comment: str) -> tuple[bool, Any]:
    """The Python literal a comment shows, possibly between words ("PKU: [...]", "[...] (multi: ...)"):
    from the first bracket to the furthest closing bracket that makes a literal. Ellipses ("[..., 'x']")
    abbreviate a value and are not a literal to compare."""
    opening = re.search(r"(?<![\w.])[\[({]", comment)  # not the parentheses of a call: "cut()"
    if opening is None:
        return False, None
    start = opening.start()
    for end in range(len(comment), start, -1):
        if comment[end - 1] not in "])}":
            continue
        text = comment[start:end]
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if "..." in text or not isinstance(value, list | tuple | dict | set):
            return False, None
        return True, value
    return False, None


REPR_OF_OBJECTS = re.compile(r"^\[?[A-Z]\w*\(")  # "[Token(text='我', ...), ...]", "CharTag(...)"


@pytest.fixture()
def placeholders(tmp_path, monkeypatch) -> dict[str, Any]:
    """The names and files the README's examples take as given, in an empty working directory."""
    import datasets
    import pandas as pd
    import pyarrow as pa
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel

    monkeypatch.chdir(tmp_path)
    (tmp_path / "lines.txt").write_text("第一句。\n第二句。\n", encoding="utf-8")
    (tmp_path / "terms.txt").write_text("石墨烯\n", encoding="utf-8")
    (tmp_path / "userdict.txt").write_text("云计算 5 n\n", encoding="utf-8")
    text = "张小凡在青云门拿起诛仙剑，鬼厉走了。我爱北京天安门。"
    return {"__name__": "readme",
            "text": text,
            "df": pd.DataFrame({"text": ["我爱北京天安门。", None]}),
            "table": pa.table({"text": ["我爱北京天安门。", None]}),
            "tokenizer": Tokenizer(WordLevel(unk_token="[UNK]")),
            "ds": datasets.Dataset.from_dict({"text": ["我爱北京天安门。", "今天天气很好"]})}


def test_the_readme_python_examples_run_and_print_what_they_say(placeholders):
    namespace = placeholders
    compared, ran = [], 0
    for first_line, code in python_blocks(README.read_text(encoding="utf-8")):
        if NEEDS_TRAINING in code:
            continue
        code_lines, comments = code.splitlines(), comments_by_line(code)
        for stmt in ast.parse(code).body:
            where = f"README.md:{first_line + stmt.lineno - 1}"
            ran += 1
            try:
                if isinstance(stmt, ast.Expr):
                    value = eval(compile(ast.Expression(stmt.value), where, "eval"), namespace)
                else:
                    exec(compile(ast.Module([stmt], []), where, "exec"), namespace)
                    continue
            except Exception as e:  # named with the example that raised it
                pytest.fail(f"{where}: {ast.unparse(stmt)} raised {e!r}")
            shown = printed_result(stmt, code_lines, comments)
            if shown is None:
                continue
            is_literal, expected = literal_in(shown)
            if is_literal:
                actual = list(value) if isinstance(expected, list) and isinstance(value, tuple) else value
                assert actual == expected, f"{where}: {ast.unparse(stmt)} gives {value!r}, README says {shown}"
                compared.append(where)
            elif REPR_OF_OBJECTS.match(shown):
                assert repr(value) == shown, f"{where}: {ast.unparse(stmt)} gives {value!r}, README says {shown}"
                compared.append(where)
    # the examples the README shows with their results: a parser that found none would pass anything
    assert ran >= 40 and len(compared) >= 12, (ran, compared)


ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
            "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth last previous earlier "
            "this that next same later").split()
NARRATION = re.compile(r"\b(?:" + "|".join(ORDINALS) + r"|\d+(?:st|nd|rd|th))[-\s]+sessions?(?:'s?)?\b"
                       r"|\bsessions?\s+(?:\d+|[ivx]+)\b|\bin (?:a|one) session\b|\bsession'?s end\b"
                       r"|\bsession of the day\b", re.IGNORECASE)


def test_the_narration_pattern_finds_what_it_is_for():
    for text in ("the ninth session", "Twelfth session (2026-11-28)", "the tenth session's weights",
                 "(seventh session)", "in earlier sessions' runs", "the 12th session", "the seventh-session multi",
                 "the ninth\nsession (2026-11-28)", "stopped at the session's end"):
        assert NARRATION.search(text), text
    for text in ("ort.InferenceSession(graph)", "@pytest.fixture(scope=\"session\")",
                 "its sessions run one thread each", "start_new_session=True", "an HTTP session"):
        assert not NARRATION.search(text), text


BINARY = {".safetensors", ".png", ".onnx", ".whl", ".gz", ".npy"}


def tracked_texts() -> list[tuple[str, str]]:
    """(name, text) of every text file git tracks, this file left out (it names what it looks for)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    out = []
    for name in files.decode().split("\0"):
        path = REPO / name
        if name in {"", "tests/test_docs.py"} or not path.is_file() or path.suffix in BINARY:
            continue
        try:
            out.append((name, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return out


def hits_of(pattern: re.Pattern[str]) -> list[str]:
    """Every match of `pattern` in the tracked text files, as `file:line: 'match'`."""
    hits = []
    for name, text in tracked_texts():
        for found in pattern.finditer(text):  # across line breaks too: "the ninth\nsession"
            line = text.count("\n", 0, found.start()) + 1
            hits.append(f"{name}:{line}: {found.group()!r}")
    return hits


# A folder of the machine a figure or a run was made on: the repository names paths relative to its
# root (`../shared/data/...`, `bench/...`) or placeholders (`$VENV`, `$TMPDIR`) instead.
MACHINE_PATH = re.compile(r"(?<![\w.$-])/(?:work|tmp|root)/[\w.-]+")  # not a container path (/home/app)


def test_no_file_names_a_path_of_this_machine():
    hits = hits_of(MACHINE_PATH)
    assert not hits, "use paths relative to the repository (../shared/data/..., ../runs/...):\n" + "\n".join(hits)


def test_no_file_narrates_by_session():
    hits = hits_of(NARRATION)
    assert not hits, "write dates or versions instead:\n" + "\n".join(hits)
