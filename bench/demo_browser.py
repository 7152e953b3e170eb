"""The demo page in a real browser: starts `segmenter serve`, loads shareable links
(`/?text=...&standard=...`) in headless Chromium (Debian's `chromium` package) and checks that the
words the page rendered are `Segmenter.cut`'s, with each character's label when asked for; with
`--screenshot PATH`, saves a PNG of the first link (the README's picture).

    apt-get install -y chromium
    python bench/demo_browser.py --screenshot bench/demo.png
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import start_server

from segmenter import DEFAULT_MODEL, Segmenter

# (query of the link, what the page must show)
LINKS = [
    {"text": "国家主席江泽民发表新年讲话，研究生命的起源。", "standard": "ctb6", "pos": "1", "chars": "1"},
    {"text": "他在2026年用iPhone访问了www.example.com。", "standard": "pku", "pos": "1"},
    {"text": "结婚的和尚未结婚的都来了", "word": "和尚未"},
]


class Rendered(HTMLParser):
    """The words (`.word` elements of #result) of a dumped page, their characters and labels."""

    def __init__(self) -> None:
        super().__init__()
        self.state = ""
        self.words: list[dict[str, str]] = []
        self.labels: list[list[str]] = []
        self._in_label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "body":
            self.state = a.get("data-state", "")
        if "word" in classes and "data-index" in a:
            self.words.append(a)
            self.labels.append([])
        self._in_label = "l" in classes

    def handle_data(self, data: str) -> None:
        if self._in_label and self.labels:
            self.labels[-1].append(data)
            self._in_label = False


def chromium(*args: str) -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise SystemExit("no chromium: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                              f"--user-data-dir={profile}", "--virtual-time-budget=20000", *args],
                             capture_output=True, text=True, timeout=120)
    return out.stdout


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.add_argument("--screenshot", type=Path, help="save a PNG of the first link here")
    p.add_argument("--size", default="1000,480", help="the screenshot's width,height in pixels")
    args = p.parse_args()
    seg = Segmenter.load(args.model)
    server = start_server(args.port, args.model, {})
    failures = 0
    try:
        for query in LINKS:
            url = f"http://127.0.0.1:{args.port}/?{urlencode(query)}"
            t0 = time.perf_counter()
            page = Rendered()
            page.feed(chromium("--dump-dom", url))
            seconds = time.perf_counter() - t0
            words = [w["data-text"] for w in page.words]
            expected = seg.tokenize(query["text"], pos="pos" in query, standard=query.get("standard"),
                                    user_words=[query["word"]] if "word" in query else [])
            problems = []
            if page.state != "done":
                problems.append(f"page state {page.state!r}")
            if words != [t.text for t in expected]:
                problems.append(f"words {words} != {[t.text for t in expected]}")
            if [(int(w["data-start"]), int(w["data-end"])) for w in page.words] != [(t.start, t.end) for t in expected]:
                problems.append("offsets differ")
            if "pos" in query and [w.get("data-pos") for w in page.words] != [t.pos for t in expected]:
                problems.append("parts of speech differ")
            if "chars" in query:
                tags = seg.tag(query["text"], standard=query.get("standard"))  # the whole text, as /v1/tag
                want = [[c.label for c in tags if t.start <= c.offset < t.end] for t in expected]
                if page.labels != want:
                    problems.append(f"character labels {page.labels} != {want}")
            failures += bool(problems)
            print(f"{'FAIL' if problems else 'ok  '} {len(words)} words in {seconds:.1f} s  {url}")
            for problem in problems:
                print("     ", problem)
        if args.screenshot:
            url = f"http://127.0.0.1:{args.port}/?{urlencode(LINKS[0])}"
            args.screenshot.parent.mkdir(parents=True, exist_ok=True)
            chromium(f"--screenshot={args.screenshot.resolve()}", f"--window-size={args.size}", url)
            print(f"screenshot {args.screenshot} ({args.screenshot.stat().st_size // 1024} KiB)")
    finally:
        server.terminate()
        server.wait(10)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
