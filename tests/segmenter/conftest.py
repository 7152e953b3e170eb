"""Fixtures and helpers shared by the test files of `segmenter`: tiny random networks and padded
batches, the texts of the tiny multi-standard model, Traditional sentences."""

import numpy as np
import torch

from segmenter.config import ModelConfig
from segmenter.model import BiRNNTagger

N_CHARS, N_BIGRAMS = 30, 40


JOINT = tuple(f"{b}-{p}" for p in ("n", "v", "p") for b in "BMES")  # 12 joint labels, 3 parts of speech


LENGTHS = [7, 3, 1, 5, 7]  # rows of different lengths: most of the batch is padding somewhere


def tiny(cell: str = "lstm", layers: int = 1, **options) -> ModelConfig:
    return ModelConfig(n_units=N_CHARS, n_bigrams=N_BIGRAMS, **{
        "char_dim": 6, "bigram_dim": 4, "hidden": 5, "cell": cell, "layers": layers, **options})


def random_model(config: ModelConfig, seed: int = 0) -> BiRNNTagger:
    torch.manual_seed(seed)
    model = BiRNNTagger(config).eval()
    with torch.no_grad():  # larger than the default init, so that the scores differ clearly between inputs
        for p in model.parameters():
            p.mul_(2.0)
    return model


def numpy_state(model: BiRNNTagger) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def padded_batch(lengths: list[int], seed: int = 1, width: int | None = None):
    """Random ids for rows of `lengths`, padded with 0 up to `width` (default: the longest row)."""
    rng = np.random.default_rng(seed)
    width = width or max(lengths)
    chars = np.zeros((len(lengths), width), dtype=np.int64)
    bigrams = np.zeros((len(lengths), width + 1), dtype=np.int64)
    for i, n in enumerate(lengths):
        chars[i, :n] = rng.integers(1, N_CHARS, n)
        bigrams[i, :n + 1] = rng.integers(1, N_BIGRAMS, n + 1)
    return chars, bigrams, np.array(lengths, dtype=np.int64)


def assert_real_positions_close(a: np.ndarray, b: np.ndarray, lengths) -> None:
    """Equal where a row has units; what a runtime leaves in the padding is nobody's business."""
    assert a.shape == b.shape
    for i, n in enumerate(lengths):
        np.testing.assert_allclose(a[i, :n], b[i, :n], atol=2e-5, rtol=1e-4)


# Hand-made Traditional sentences and their Simplified forms (same length, character by character).
PAIRS = [
    ("我們在臺灣大學讀書。", "我们在台湾大学读书。"),
    ("這個問題應該由政府來解決", "这个问题应该由政府来解决"),
    ("他說電腦網絡發展得很快", "他说电脑网络发展得很快"),
    ("經濟學家認為今年的經濟會繼續增長", "经济学家认为今年的经济会继续增长"),
    ("香港特別行政區成立於一九九七年", "香港特别行政区成立于一九九七年"),
]


CRF_CONFIG = ModelConfig(n_units=10, n_bigrams=10, char_dim=4, bigram_dim=2, hidden=3, head="crf")


STANDARD_TEXTS = ["中国人民银行今天发布了新的货币政策。", "他们在北京参加国际会议。"]
