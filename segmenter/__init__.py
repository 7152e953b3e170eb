"""segmenter: Chinese word segmentation with a character-level bidirectional RNN tagger."""

from segmenter.segmenter import CharTag, Segmenter, Token

__version__ = "0.1.0"
__all__ = ["CharTag", "Segmenter", "Token", "__version__"]
