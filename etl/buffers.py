"""A string column's raw Arrow buffers, for checks that look at all of its bytes in one pass.

Running a kernel value by value costs per value; looking at the column's bytes as numpy arrays, or as
one long value for a single regex pass, is many times cheaper when the answer is usually "nothing to do".
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def string_buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (int64, ``len(values) + 1`` of them) and the UTF-8 bytes of a string array, without copying
    the bytes. The offsets index into the bytes returned (an array sliced from a larger one starts at 0)."""
    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], offset_type)[values.offset : values.offset + len(values) + 1]
    offsets = offsets.astype(np.int64)
    data_buffer = values.buffers()[2]
    if data_buffer is None or offsets[-1] == offsets[0]:
        return offsets - offsets[0], np.empty(0, np.uint8)
    data = np.frombuffer(data_buffer, np.uint8)[offsets[0] : offsets[-1]]
    return offsets - offsets[0], data


_LARGE_BINARY = pa.large_binary()


def as_one_value(values: pa.Array, value_type: pa.DataType = _LARGE_BINARY) -> pa.Array:
    """All of a string array's bytes as one value of ``value_type`` (large_binary or large_string), without
    copying: one regex pass then looks at the whole column. Concatenated UTF-8 values are valid UTF-8."""
    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], offset_type)[values.offset : values.offset + len(values) + 1]
    start, size = int(offsets[0]), int(offsets[-1] - offsets[0])
    bounds = pa.py_buffer(np.array([0, size], np.int64).tobytes())
    data = values.buffers()[2]
    data = data.slice(start, size) if data is not None else pa.py_buffer(b"")
    return pa.Array.from_buffers(value_type, 1, [None, bounds, data])
