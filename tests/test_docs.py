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


# ---- the README's shell examples -------------------------------------------------------------

# First words of commands that need what a test run does not start: a server to answer (curl),
# a Docker daemon (tests/test_docker.py builds the image), or a fresh install (.ci/run is one).
NOT_RUN = ("curl", "docker", "python3.11 -m venv")


def shell_commands(markdown: str) -> list[tuple[int, str, str | None]]:
    """The commands of the ```sh blocks: (line, command with continuations joined, the output shown
    under a `$ command` line or None)."""
    out: list[tuple[int, str, str | None]] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```sh":
            i += 1
            continue
        i += 1
        while lines[i].strip() != "```":
            line, number = lines[i], i + 1
            i += 1
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            while line.endswith("\\"):
                line = line[:-1] + " " + lines[i].strip()
                i += 1
            shown = None
            if line.startswith("$ "):
                line, shown_lines = line[2:], []
                while lines[i].strip() not in ("```", "") and not lines[i].startswith("$ "):
                    shown_lines.append(lines[i])
                    i += 1
                shown = "\n".join(shown_lines)
            out.append((number, line, shown))
        i += 1
    return out


def test_the_shell_example_parser_reads_continuations_prompts_and_outputs():
    md = "```sh\n# note\n$ echo a | b\nout 1\nout 2\n\nx --y \\\n    --z 1   # why\n```\n"
    assert shell_commands(md) == [(3, "echo a | b", "out 1\nout 2"), (7, "x --y  --z 1   # why", None)]


def readme_cli_argv(command: str) -> list[str] | None:
    """The arguments after `segmenter` of a README command, or None when it is not a segmenter command."""
    import shlex

    words = shlex.split(command, comments=True)
    while words and "=" in words[0] and not words[0].startswith("-"):  # VAR=value segmenter ...
        words = words[1:]
    if not words or words[0] != "segmenter":
        return None
    for stop in (">", "|"):
        if stop in words:
            words = words[:words.index(stop)]
    return words[1:]


def test_every_segmenter_command_of_the_readme_parses_and_the_quick_ones_run(tmp_path):
    """Every `segmenter ...` line of the README is accepted by the CLI's parser as written (a renamed
    or removed flag fails here); the ones that run in seconds on the shipped models run, in a folder
    holding the files they name, and the `$ command` examples print exactly what the README shows."""
    import os
    import sys

    from segmenter.cli import build_parser

    raw = tmp_path / "my_raw_text"
    raw.mkdir()
    novel = "张小凡在青云门拿起诛仙剑。\n" * 6 + "鬼厉走了，张小凡留在青云门。\n" * 6
    (raw / "a.txt").write_text(novel, encoding="utf-8")
    (tmp_path / "words.txt").write_text("诛仙剑\n", encoding="utf-8")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    commands = shell_commands(README.read_text(encoding="utf-8"))
    parsed, ran = 0, 0
    for line, command, shown in commands:
        if command.startswith(NOT_RUN):
            continue
        argv = readme_cli_argv(command.split("|")[-1].strip() if shown is not None else command)
        assert argv is not None, f"README.md:{line}: a shell example this test does not know: {command}"
        try:
            build_parser().parse_args(argv)
        except SystemExit:
            pytest.fail(f"README.md:{line}: the CLI does not accept: {command}")
        parsed += 1
        if argv[0] in ("train", "serve") or any(a.startswith("./my-models") for a in argv):
            continue  # hours of training, a server, or the model the train line makes
        done = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"README.md:{line}: {command}\n{done.stderr}"
        if shown is not None:
            assert done.stdout.rstrip("\n") == shown, f"README.md:{line}: {command} printed {done.stdout!r}"
        ran += 1
    assert parsed >= 8 and ran >= 3, (parsed, ran)


# ---- references into BENCHMARKS.md -----------------------------------------------------------

SECTION_REF = re.compile(r'BENCHMARKS\.md(?::\s*|\s*\(\s*)"?([A-Z][^")\n]*?)"?\s*[),.;]')


def test_every_reference_to_a_benchmarks_section_names_one_that_exists():
    """`BENCHMARKS.md: Request limits` or `BENCHMARKS.md ("Adapt to your domain")` in code or docs
    points at a heading that exists (a renamed section breaks the reference here, not for a reader)."""
    headings = [line.lstrip("#").strip().lower() for line in (REPO / "BENCHMARKS.md").read_text(
        encoding="utf-8").splitlines() if line.startswith("#") and not line.startswith("# nproc")]
    refs, broken = 0, []
    for name, text in tracked_texts():
        for found in SECTION_REF.finditer(text):
            refs += 1
            wanted = found.group(1).strip().lower()
            if not any(wanted in h for h in headings):
                broken.append(f"{name}:{text.count(chr(10), 0, found.start()) + 1}: {found.group(1)!r}")
    assert refs >= 5, refs  # the pattern still finds the references
    assert not broken, "no such heading in BENCHMARKS.md:\n" + "\n".join(broken)
