"""`segmenter.onnx_proto`: the protobuf bytes written without the `onnx` package, read back by `onnx`."""

import numpy as np


def test_onnx_proto_writes_what_onnx_reads():
    """Every field `onnx_proto` writes, read back by the `onnx` package itself."""
    import onnx
    from onnx import helper, numpy_helper

    from segmenter import onnx_proto as proto

    attrs = {"i": -3, "f": 0.25, "s": "Tanh", "ints": [1, -1, 2**40], "strings": ["Sigmoid", "Tanh"]}
    n = onnx.NodeProto.FromString(proto.node("LSTM", ["x", "", "w"], ["y"], domain="com.example", **attrs))
    assert (n.op_type, list(n.input), list(n.output), n.domain) == ("LSTM", ["x", "", "w"], ["y"], "com.example")
    got = {a.name: helper.get_attribute_value(a) for a in n.attribute}
    assert got == {**attrs, "s": b"Tanh", "strings": [b"Sigmoid", b"Tanh"]}
    for value in (np.arange(-3, 3, dtype=np.int64).reshape(2, 3), np.float32([[1.5, -2]]), np.int8([-128, 127]),
                  np.float16([0.1, 3]), np.array(7, dtype=np.int64)):
        t = onnx.TensorProto.FromString(proto.tensor("t", value))
        np.testing.assert_array_equal(numpy_helper.to_array(t), value)
        assert numpy_helper.to_array(t).dtype == value.dtype
    ext = onnx.TensorProto.FromString(proto.external_tensor("big", np.float32, (3, 4)))
    assert (list(ext.dims), ext.data_location, ext.external_data[0].value) == ([3, 4], onnx.TensorProto.EXTERNAL, "big")
    v = onnx.ValueInfoProto.FromString(proto.value_info("x", proto.FLOAT, ["b", 5]))
    dims = v.type.tensor_type.shape.dim
    assert (v.type.tensor_type.elem_type, dims[0].dim_param, dims[1].dim_value) == (onnx.TensorProto.FLOAT, "b", 5)
