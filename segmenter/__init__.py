"""segmenter: Chinese word segmentation with a character-level bidirectional RNN tagger.

The public surface: `Segmenter` and its results (`Token`, `CharTag`), model names (`resolve`,
`DEFAULT_MODEL`, `MODELS_DIR`), the user-dictionary type (`Lexicon`), the process set-up a
program owning the process calls (`configure_process`, `usable_cores`), and the errors.
Importing it loads no model, no torch and no web framework.
"""

from segmenter.config import Precision, Runtime
from segmenter.errors import CorpusError, InvalidInputError, ModelLoadError, SegmenterError
from segmenter.lexicon import Lexicon
from segmenter.process import configure_process, usable_cores
from segmenter.segmenter import DEFAULT_MODEL, MODELS_DIR, CharTag, Segmenter, Token, resolve

__version__ = "0.1.0"
__all__ = ["DEFAULT_MODEL", "MODELS_DIR", "CharTag", "CorpusError", "InvalidInputError", "Lexicon", "ModelLoadError",
           "Precision", "Runtime", "Segmenter", "SegmenterError", "Token", "__version__", "configure_process",
           "resolve", "usable_cores"]
