"""A reader for the IDX format, in which MNIST and Fashion-MNIST are published.

An IDX file is a header and then the array's values, all big-endian (most significant byte
first):

- the magic number, 4 bytes: 0x00, 0x00, a type code (0x08 uint8, 0x09 int8, 0x0B int16,
  0x0C int32, 0x0D float32, 0x0E float64) and the number of dimensions d;
- d sizes, each a 4-byte unsigned integer (MNIST's training images: 60000, 28, 28);
- the values in C order (the last index changes fastest), as many as the sizes multiply to.

MNIST's image files are therefore 0x00000803 (uint8, 3 dimensions) and its label files
0x00000801 (uint8, 1 dimension). The files are published gzip-compressed; ``read_idx`` reads
either form.
"""

from __future__ import annotations

import gzip
import math
import os

import numpy as np

IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"


def read_idx(source: str | os.PathLike[str] | bytes) -> np.ndarray:
    """The array in an IDX file (a path, gzip-compressed or not, or the file's bytes).

    Raises ValueError naming the source when the magic number is not IDX's or the data is
    shorter or longer than the header's sizes say (a truncated or corrupt file).
    """
    if isinstance(source, bytes):
        data, name = source, "IDX data"
    else:
        with open(source, "rb") as file:
            data, name = file.read(), os.fspath(source)
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise ValueError(f"read_idx: {name} is not a complete gzip file: {error}") from error
    return parse_idx(data, name)


def parse_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """The array held by uncompressed IDX bytes, in native byte order (see the module's doc)."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise ValueError(f"read_idx: {name} does not start with an IDX magic number (0x00 0x00, "
                         f"a type code in {[hex(code) for code in IDX_TYPES]}, the number of "
                         f"dimensions); it starts with 0x{data[:4].hex()}")
    dtype, ndim = IDX_TYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"read_idx: {name} ends inside its header ({len(data)} bytes, the "
                         f"header of a {ndim}-dimensional array needs {header})")
    shape = tuple(int(size) for size in np.frombuffer(data, ">u4", count=ndim, offset=4))
    expected = math.prod(shape) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(f"read_idx: {name} holds {len(data) - header} bytes of values but its "
                         f"header promises shape {shape} of {dtype.name}, {expected} bytes: "
                         f"the file is truncated or corrupt")
    values = np.frombuffer(data, dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # a writable copy in this machine's order
