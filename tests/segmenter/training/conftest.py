"""Fixtures shared by the test files of `segmenter.training`."""

import pytest

# an untagged corpus in a convention of its own: the names of a novel kept whole
NOVEL = ["张小凡 站 在 青云门 前", "陆雪琪 看 着 张小凡", "青云门 的 弟子 都 认识 陆雪琪",
         "张小凡 和 陆雪琪 走 出 青云门", "田不易 是 张小凡 的 师父"]


@pytest.fixture()
def novel(tmp_path):
    path = tmp_path / "novel.txt"
    path.write_text("\n".join(NOVEL * 8) + "\n", encoding="utf-8")
    return path
