"""The package's compiled extension (`segmenter/_native.c`: the native runtime's kernel and the C
forms of pipeline steps), or None where it was not built (an install without a C compiler): the
one import of it, for every module with a C form of a step. Each keeps it as its own `_native`."""

from __future__ import annotations

from types import ModuleType

KERNEL: ModuleType | None
try:
    from segmenter import _native as KERNEL  # type: ignore[attr-defined,no-redef]
except ImportError:  # the NumPy and Python forms of the steps remain
    KERNEL = None
