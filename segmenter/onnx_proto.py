"""The few ONNX protobuf messages an inference graph needs, written as bytes without the `onnx`
package.

`onnx` is needed to *build* a graph with its helpers, but importing it costs about 0.8 s on
Python 3.11 (its `ml_dtypes` extension): more than the whole cold-start budget of the library.
ONNX Runtime reads the serialised `ModelProto`, so `onnx_graph.build` writes those bytes with this
module instead. Field numbers are those of `onnx/onnx.proto3` (ONNX 1.16); the test suite parses
the output with `onnx` itself and runs its checker on it (`tests/segmenter/test_onnx_proto.py`,
`tests/segmenter/test_onnx_graph.py`).

Protobuf wire format: every field is a key `(number << 3) | wire type` as a varint, then a varint
(type 0), a 32-bit little-endian value (type 5) or a length-prefixed byte string (type 2:
strings, bytes, nested messages, packed repeated numbers).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

# TensorProto.DataType
FLOAT, UINT8, INT8, INT32, INT64, BOOL, FLOAT16 = 1, 2, 3, 6, 7, 9, 10
_DTYPES = {np.dtype(np.float32): FLOAT, np.dtype(np.uint8): UINT8, np.dtype(np.int8): INT8,
           np.dtype(np.int32): INT32, np.dtype(np.int64): INT64, np.dtype(np.bool_): BOOL,
           np.dtype(np.float16): FLOAT16}
# AttributeProto.AttributeType
_ATTR_FLOAT, _ATTR_INT, _ATTR_STRING, _ATTR_INTS, _ATTR_STRINGS = 1, 2, 3, 7, 8
EXTERNAL = 1  # TensorProto.DataLocation


def tensor_type(dtype: np.dtype | type) -> int:
    """The ONNX element type of a NumPy dtype (those the graphs here use)."""
    return _DTYPES[np.dtype(dtype)]


def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64  # negative int64: ten bytes, two's complement
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _int(number: int, value: int) -> bytes:
    return _key(number, 0) + _varint(value)


def _bytes(number: int, value: bytes) -> bytes:
    return _key(number, 2) + _varint(len(value)) + value


def _str(number: int, value: str) -> bytes:
    return _bytes(number, value.encode("utf-8"))


def _packed(number: int, values: Iterable[int]) -> bytes:
    return _bytes(number, b"".join(_varint(int(v)) for v in values))


def tensor(name: str, value: np.ndarray) -> bytes:
    """A TensorProto holding `value` as raw little-endian bytes."""
    value = np.ascontiguousarray(value)
    raw = value.astype(value.dtype.newbyteorder("<"), copy=False).tobytes()
    return (_packed(1, value.shape) + _int(2, tensor_type(value.dtype)) + _str(8, name) + _bytes(9, raw))


def external_tensor(name: str, dtype: np.dtype | type, shape: Sequence[int]) -> bytes:
    """A TensorProto whose data lives outside the model (`location` = its name): the session is
    given the array itself (`SessionOptions.add_external_initializers`)."""
    entry = _str(1, "location") + _str(2, name)
    return (_packed(1, shape) + _int(2, tensor_type(dtype)) + _str(8, name) + _bytes(13, entry)
            + _int(14, EXTERNAL))


def attribute(name: str, value: int | float | str | Sequence[int] | Sequence[str]) -> bytes:
    """An AttributeProto: an int, a float, a string, or a list of ints or of strings."""
    head = _str(1, name)
    if isinstance(value, bool | int):
        return head + _int(3, int(value)) + _int(20, _ATTR_INT)
    if isinstance(value, float):
        return head + _key(2, 5) + np.float32(value).astype("<f4").tobytes() + _int(20, _ATTR_FLOAT)
    if isinstance(value, str):
        return head + _bytes(4, value.encode("utf-8")) + _int(20, _ATTR_STRING)
    items = list(value)
    if items and all(isinstance(v, str) for v in items):
        return head + b"".join(_bytes(9, str(v).encode("utf-8")) for v in items) + _int(20, _ATTR_STRINGS)
    return head + _packed(8, (v for v in items if isinstance(v, int))) + _int(20, _ATTR_INTS)


def node(op_type: str, inputs: Sequence[str], outputs: Sequence[str], domain: str = "",
         **attrs: int | float | str | Sequence[int] | Sequence[str]) -> bytes:
    """A NodeProto (attributes in keyword order)."""
    out = b"".join(_str(1, i) for i in inputs) + b"".join(_str(2, o) for o in outputs) + _str(4, op_type)
    out += b"".join(_bytes(5, attribute(k, v)) for k, v in attrs.items())
    return out + (_str(7, domain) if domain else b"")


def value_info(name: str, elem_type: int, shape: Sequence[int | str]) -> bytes:
    """A ValueInfoProto of a tensor: dimensions are sizes or symbolic names."""
    dims = b"".join(_bytes(1, _int(1, d) if isinstance(d, int) else _str(2, d)) for d in shape)
    tensor_type_ = _int(1, elem_type) + _bytes(2, dims)
    return _str(1, name) + _bytes(2, _bytes(1, tensor_type_))


def model(nodes: Sequence[bytes], name: str, inputs: Sequence[bytes], outputs: Sequence[bytes],
          initializers: Sequence[bytes], opsets: Sequence[tuple[str, int]], ir_version: int,
          producer: str) -> bytes:
    """A serialised ModelProto of one graph."""
    graph = (b"".join(_bytes(1, n) for n in nodes) + _str(2, name)
             + b"".join(_bytes(5, t) for t in initializers)
             + b"".join(_bytes(11, v) for v in inputs) + b"".join(_bytes(12, v) for v in outputs))
    opset = b"".join(_bytes(8, (_str(1, d) if d else b"") + _int(2, v)) for d, v in opsets)
    return _int(1, ir_version) + _str(2, producer) + _bytes(7, graph) + opset
