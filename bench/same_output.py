"""Record every output the product gives for a fixed set of inputs, or check that a tree gives
the same bytes as a recording: the library's verbs, the jieba shim, every CLI format and the
REST API. A refactoring that claims "no behaviour change" runs `--save` on the old tree and
`--check` on the new one.

    python bench/same_output.py --data ../shared/data --save /somewhere/outputs   # old tree
    python bench/same_output.py --data ../shared/data --check /somewhere/outputs  # new tree

Run from the repository root in an environment where the tree is installed (editable). Exit
status 0 when every output is byte-identical, 1 otherwise (the differing names are printed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `api` is not an installed package

TRICKY = [
    "", " ", "\t", "　", "我爱北京天安门。", "Hello, world! 3.14 和 ５０％ 的人", "2026年12月6日上午10:30",
    "😀😀 表情 👍🏻 ZWJ 👨‍👩‍👧", "繁體中文的句子，還有「引號」。", "a" * 300, "中" * 450,
    "e-mail: a.b@example.com, https://example.com/x?y=1", "研究生命的起源", "结婚的和尚未结婚的",
    "\u200b零宽\u200d字符\ufeff", "１２３ＡＢＣ全角", "ⅰⅱⅲ ① ②", "他说：“好！”——然后走了……",
]


def lines(data: Path, n: int) -> list[str]:
    with open(data / "pku" / "pku_test.utf8", encoding="utf-8") as f:
        text = [line.rstrip("\r\n") for _, line in zip(range(n), f)]
    return text + TRICKY


def dump(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=repr).encode("utf-8")


def library(texts: list[str]) -> Iterator[tuple[str, bytes]]:
    from segmenter import Segmenter

    for name in Segmenter.available():
        seg = Segmenter.load(name, threads=1)
        standards = [None, *getattr(seg, "standards", ())[1:]] if name == "multi-fast" else [None]
        for standard in standards:
            key = f"lib/{name}/{standard or 'default'}"
            words = seg.cut_batch(texts, standard=standard) if standard else seg.cut_batch(texts)
            yield f"{key}/cut_batch", dump(words)
        if name == "multi":
            continue  # the slow model: one batch is enough
        yield f"lib/{name}/cut_each", dump([seg.cut(t) for t in texts])
        yield f"lib/{name}/tokenize", dump([[tuple(x) for x in seg.tokenize(t)] for t in texts[:60]])
        yield f"lib/{name}/tag", dump([seg.tag(t) for t in texts[:30]])
        yield f"lib/{name}/user_words", dump(seg.cut_batch(texts[:60], user_words=["天安门广场", "起源", "中 将"]))
        if getattr(seg, "has_pos", False) or name.startswith("multi"):
            yield f"lib/{name}/tokenize_pos", dump([[tuple(x) for x in seg.tokenize(t, pos=True)] for t in texts[:60]])
            yield f"lib/{name}/tag_pos", dump([seg.tag(t, pos=True) for t in texts[:20]])


def jieba_shim(texts: list[str]) -> Iterator[tuple[str, bytes]]:
    import segmenter.compat.jieba as jieba
    import segmenter.compat.jieba.analyse as analyse
    import segmenter.compat.jieba.posseg as pseg

    some = texts[:40]
    yield "jieba/lcut", dump([jieba.lcut(t) for t in some])
    yield "jieba/cut_all", dump([list(jieba.cut(t, cut_all=True)) for t in some])
    yield "jieba/cut_for_search", dump([jieba.lcut_for_search(t) for t in some])
    yield "jieba/tokenize_search", dump([list(jieba.tokenize(t, mode="search")) for t in some if t])
    yield "jieba/posseg", dump([[str(p) for p in pseg.cut(t)] for t in some])
    doc = "".join(texts[:200])
    yield "jieba/extract_tags", dump(analyse.extract_tags(doc, topK=30, withWeight=True))
    yield "jieba/textrank", dump(analyse.textrank(doc, topK=30, withWeight=True))


def cli(texts: list[str]) -> Iterator[tuple[str, bytes]]:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.txt"
        src.write_text("\n".join(texts) + "\n", encoding="utf-8")
        runs: dict[str, list[str]] = {}
        for fmt in ("plain", "jsonl", "conll", "conllu"):
            runs[f"cli/{fmt}"] = ["--format", fmt]
            runs[f"cli/{fmt}/pos"] = ["--format", fmt, "--pos"]
        runs["cli/plain/pku-fast"] = ["--model", "pku-fast"]
        runs["cli/plain/weibo"] = ["--standard", "weibo"]
        runs["cli/plain/user_word"] = ["--user-word", "天安门广场", "--user-word", "中 将"]
        for key, extra in runs.items():
            out = subprocess.run([sys.executable, "-m", "segmenter", "segment", str(src), "-q", *extra],
                                 capture_output=True, cwd=REPO)
            yield key, out.stdout + b"\0" + str(out.returncode).encode()
        for key, argv in {"cli/err/missing": ["segment", str(Path(tmp) / "nope.txt")],
                          "cli/err/model": ["segment", str(src), "--model", "nope"]}.items():
            out = subprocess.run([sys.executable, "-m", "segmenter", *argv], capture_output=True, cwd=REPO)
            said = out.stderr.replace(tmp.encode(), b"TMP").replace(str(REPO).encode(), b"REPO")  # not the checkout's
            yield key, said + b"\0" + str(out.returncode).encode()


def rest(texts: list[str]) -> Iterator[tuple[str, bytes]]:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    some = [t for t in texts[:50]]
    requests: dict[str, tuple[str, str, Any]] = {
        "segment/text": ("post", "/v1/segment", {"text": texts[0]}),
        "segment/texts": ("post", "/v1/segment", {"texts": some}),
        "segment/pos": ("post", "/v1/segment", {"texts": some[:10], "pos": True}),
        "segment/utf16": ("post", "/v1/segment", {"texts": TRICKY, "offsets": "utf16"}),
        "segment/standard": ("post", "/v1/segment", {"texts": some[:10], "model": "multi-fast:weibo"}),
        "segment/user_words": ("post", "/v1/segment", {"texts": some[:10], "user_words": ["天安门广场", "中 将"]}),
        "segment/pku-fast": ("post", "/v1/segment", {"texts": some[:10], "model": "pku-fast"}),
        "tag/text": ("post", "/v1/tag", {"text": texts[1]}),
        "tag/pos": ("post", "/v1/tag", {"texts": some[:5], "pos": True}),
        "models": ("get", "/v1/models", None),
        "err/both": ("post", "/v1/segment", {"text": "a", "texts": ["b"]}),
        "err/model": ("post", "/v1/segment", {"text": "a", "model": "nope"}),
        "err/extra": ("post", "/v1/segment", {"text": "a", "nope": 1}),
        "err/type": ("post", "/v1/segment", {"text": 3}),
        "err/route": ("get", "/v1/nope", None),
        "err/method": ("get", "/v1/segment", None),
    }
    os.environ.pop("SEGMENTER_API_KEY", None)
    with TestClient(create_app(Settings(models=["multi-fast", "pku-fast"]))) as client:
        for key, (method, path, body) in requests.items():
            r = client.request(method.upper(), path, json=body)
            yield f"rest/{key}", str(r.status_code).encode() + b"\0" + r.content


def record(data: Path, n: int) -> dict[str, str]:
    texts = lines(data, n)
    parts: list[Callable[[list[str]], Iterator[tuple[str, bytes]]]] = [library, jieba_shim, cli, rest]
    out: dict[str, str] = {}
    for part in parts:
        for key, blob in part(texts):
            out[key] = hashlib.sha256(blob).hexdigest()
            print(f"{key}: {len(blob)} bytes", file=sys.stderr)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--lines", type=int, default=400, help="lines of the PKU test input (default: 400)")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--save", type=Path, help="write the recording to this file")
    what.add_argument("--check", type=Path, help="compare with this recording")
    args = ap.parse_args()
    got = record(args.data, args.lines)
    if args.save:
        args.save.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        print(f"{len(got)} outputs recorded in {args.save}")
        return 0
    want = json.loads(args.check.read_text())
    differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
    for k in differ:
        print(f"DIFFERS: {k}" + ("" if k in got else " (missing)") + ("" if k in want else " (new)"))
    print(f"{len(got) - len(set(differ) & got.keys())} of {len(want)} outputs identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
