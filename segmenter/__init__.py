"""segmenter: Chinese word segmentation with a character-level bidirectional RNN tagger.

The public surface: `Segmenter` and its results (`Analysis`, the pipeline's result every door
renders, and its renderings `Token`, `CharTag`), model names (`resolve`, `DEFAULT_MODEL`,
`MODELS_DIR`), the column helpers for pandas, Arrow and `datasets` (`cut_column`,
`tokenize_column`, `tokens_for_batch`), the user-dictionary types (`Lexicon`, `Entry`,
`parse_entry`), the process set-up a program owning the process calls (`configure_process`,
`freeze_heap`, `usable_cores`), and the errors.
Importing it loads no model, no torch and no web framework.
"""

from segmenter.columns import cut_column, tokenize_column, tokens_for_batch
from segmenter.config import Precision, Runtime
from segmenter.errors import CorpusError, InvalidInputError, ModelLoadError, SegmenterError
from segmenter.lexicon import Entry, Lexicon, parse_entry
from segmenter.pipeline import Analysis, CharTag, Token
from segmenter.process import configure_process, freeze_heap, usable_cores
from segmenter.registry import DEFAULT_MODEL, MODELS_DIR, resolve
from segmenter.segmenter import Segmenter

__version__ = "0.1.0"
__all__ = ["DEFAULT_MODEL", "MODELS_DIR", "Analysis", "CharTag", "CorpusError", "Entry", "InvalidInputError",
           "Lexicon", "ModelLoadError", "Precision", "Runtime", "Segmenter", "SegmenterError", "Token", "__version__",
           "configure_process", "cut_column", "freeze_heap", "parse_entry", "resolve", "tokenize_column",
           "tokens_for_batch", "usable_cores"]
