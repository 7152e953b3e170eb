"""The runtime choice: which engine scores a model's batches (torch or ONNX Runtime), and the
checks that a runtime can run a model in a precision."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

import numpy as np

from segmenter import native, ort
from segmenter.config import ModelConfig, Precision, Runtime
from segmenter.errors import InvalidInputError

if TYPE_CHECKING:
    from segmenter.model import BiRNNTagger


def torch_available() -> bool:
    """Whether torch is installed (the training extra; inference does not need it)."""
    return importlib.util.find_spec("torch") is not None


class TorchScorer:
    """A `BiRNNTagger` behind the NumPy interface of `ort.OrtTagger`."""

    def __init__(self, module: BiRNNTagger) -> None:
        self.module = module

    def __call__(self, chars: np.ndarray, bigrams: np.ndarray, lengths: np.ndarray,
                 standards: np.ndarray | None = None, features: np.ndarray | None = None) -> np.ndarray:
        import torch

        with torch.inference_mode():
            std = None if standards is None else torch.from_numpy(standards)
            feats = None if features is None else torch.from_numpy(features)
            scores = self.module(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths),
                                 std, feats)
            return scores.float().numpy()  # type: ignore[no-any-return]


def resolve_precision(precision: Precision | str, runtime: Runtime | str, config: ModelConfig,
                      model_default: str | None = None) -> Precision:
    """`precision`, with AUTO made the model's own choice (`model_default`, its meta.json's
    "precision": "fp32" for the most accurate model `multi`, whose every last hundredth of F1 is
    its point), else INT8 where the native runtime runs a network of `config` (the kernel is built,
    the network is an LSTM, and `runtime` is "auto" or "native") and FP32 elsewhere. An unknown
    name is an `InvalidInputError` listing the precisions."""
    try:
        precision = Precision(precision)
    except ValueError:
        raise InvalidInputError(f"unknown precision {precision!r}; use one of "
                                f"{', '.join(p.value for p in Precision)}") from None
    if precision is not Precision.AUTO:
        return precision
    if model_default in {p.value for p in Precision} - {Precision.AUTO.value}:
        return Precision(model_default)
    native_runs = runtime in (Runtime.AUTO, Runtime.NATIVE, "auto", "native")
    return Precision.INT8 if native_runs and native.available() and native.supports(config) else Precision.FP32


def choose(runtime: Runtime | str, precision: Precision, config: ModelConfig, has_torch: bool) -> Runtime:
    """The runtime that runs a model of `config` in `precision` ("auto": the native kernel for int8
    (ONNX Runtime where it cannot), ONNX Runtime for fp32 where `ort.prefers_ort`; torch otherwise),
    or an `InvalidInputError` saying why the runtime asked for cannot (`precision` resolved: not
    AUTO). `has_torch`: the model is a torch module already, or torch is installed."""
    try:
        runtime = Runtime(runtime)
    except ValueError:
        raise InvalidInputError(f"unknown runtime {runtime!r}; use one of "
                                f"{', '.join(r.value for r in Runtime)}") from None
    if runtime is Runtime.AUTO:
        if precision is Precision.INT8 and native.available() and native.supports(config):
            return Runtime.NATIVE
        use_ort = precision is Precision.INT8 or (precision is Precision.FP32 and ort.prefers_ort(config, has_torch))
        runtime = Runtime.ONNXRUNTIME if use_ort or not has_torch else Runtime.TORCH
    if runtime is Runtime.NATIVE:
        if precision is not Precision.INT8:
            raise InvalidInputError(f"runtime 'native' runs precision 'int8', not {precision.value!r}")
        if not native.available():
            raise InvalidInputError("runtime 'native' needs the package's C kernel (segmenter._native), which this "
                                    "installation lacks: it was built without a C compiler")
        if not native.supports(config):
            raise InvalidInputError(f"runtime 'native' runs LSTM networks, not {config.cell.value}")
        return runtime
    if runtime is Runtime.TORCH and precision is Precision.INT8:
        raise InvalidInputError("precision 'int8' runs on the onnxruntime runtime only")
    if runtime is Runtime.TORCH:
        if not has_torch:
            raise InvalidInputError("runtime 'torch' (and precision 'bf16') need torch: "
                                    "pip install 'segmenter-cws[train]'")
        return runtime
    if precision is Precision.BF16:
        raise InvalidInputError("the onnxruntime runtime runs fp32 and int8; bf16 needs runtime='torch'")
    if not ort.available():
        raise InvalidInputError("runtime 'onnxruntime' needs the onnxruntime package")
    return runtime


def torch_scorer(module: BiRNNTagger, precision: Precision) -> TorchScorer:
    """The torch module in inference mode, in bfloat16 for `Precision.BF16`."""
    import torch

    # With `threads` > 1 batches run side by side: give torch one intra-op thread for the
    # process (`configure_process(threads=1)`, the program's call, not this constructor's).
    dtype = torch.bfloat16 if precision is Precision.BF16 else torch.float32
    return TorchScorer(module.eval().to(dtype))
