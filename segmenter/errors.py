"""The library's error hierarchy: callers catch `SegmenterError` and map it to a message."""

from __future__ import annotations


class SegmenterError(Exception):
    """Base class of every error the library raises on purpose."""


class InvalidInputError(SegmenterError, ValueError):
    """The caller passed something the library cannot segment or read (wrong type, bad line)."""


class CorpusError(InvalidInputError):
    """A corpus file is missing or has a line that cannot be read; names the file and line."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class ModelLoadError(SegmenterError):
    """A model directory is missing, corrupt or of an incompatible format."""


def missing_extra(what: str, extra: str, e: ImportError) -> SegmenterError:
    """The error of `what` needing the optional dependencies `extra` (`e`: the failed import). The
    command works for an installed package and for a checkout (`pip install -e .`) alike."""
    return SegmenterError(f"{what} needs the {extra!r} extra ({e.name or e} is missing): "
                          f"pip install 'segmenter-cws[{extra}]'")
