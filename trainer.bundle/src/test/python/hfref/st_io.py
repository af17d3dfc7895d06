"""Minimal safetensors reader and writer (numpy only), with bfloat16 encoding.

File layout (safetensors format): 8-byte little-endian unsigned header length N, then N bytes of
UTF-8 JSON, then the tensor data. The JSON maps each tensor name to
{"dtype": "F32"|"BF16"|"F16", "shape": [...], "data_offsets": [begin, end]} (offsets relative to the
start of the data section) and holds "__metadata__": {"format": "pt"} as torch's save_file writes
it. The header is padded with spaces to a multiple of 8 bytes, as the safetensors library does.

This module exists so that the fixtures do not depend on the safetensors package (which cannot
encode bfloat16 from numpy without ml_dtypes); selfcheck.py reads our files back with the real
package where it is installed.
"""

import json
import struct

import numpy as np

_ITEMSIZE = {"F32": 4, "BF16": 2, "F16": 2, "F64": 8}


def bf16_bits(x):
    """float -> bfloat16 bit patterns (uint16), round to nearest even, as torch's .to(bfloat16).

    The input goes through float32 first (what a checkpoint saved from float32 weights holds).
    NaN is not expected in fixtures and is rejected.
    """
    f = np.asarray(x, dtype=np.float32)
    if np.isnan(f).any():
        raise ValueError("bf16_bits: NaN in input")
    u = f.view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def bf16_to_f64(bits):
    """bfloat16 bit patterns (uint16) -> float64 (exact: bf16 is a prefix of float32)."""
    u = np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16
    return u.view(np.float32).astype(np.float64)


def round_to(x, dtype):
    """The float64 value a tensor of `dtype` holds after saving x (float64) in that dtype."""
    if dtype == "F32":
        return np.asarray(x, dtype=np.float32).astype(np.float64)
    if dtype == "F16":
        return np.asarray(x, dtype=np.float32).astype(np.float16).astype(np.float64)
    if dtype == "BF16":
        return bf16_to_f64(bf16_bits(x))
    raise ValueError(f"round_to: unsupported dtype {dtype}")


def encode(x, dtype):
    """Little-endian bytes of x stored as `dtype`."""
    if dtype == "F32":
        return np.ascontiguousarray(x, dtype="<f4").tobytes()
    if dtype == "F16":
        return np.ascontiguousarray(np.asarray(x, dtype=np.float32).astype("<f2")).tobytes()
    if dtype == "BF16":
        return np.ascontiguousarray(bf16_bits(x).astype("<u2")).tobytes()
    raise ValueError(f"encode: unsupported dtype {dtype}")


def write(path, tensors, dtype):
    """Writes {name: float64 array} to `path`, every tensor stored as `dtype`.

    Data are laid out in name order, header keys sorted (the safetensors library orders equal-dtype
    tensors by name too). Returns the total number of tensor data bytes.
    """
    names = sorted(tensors)
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name in names:
        blob = encode(tensors[name], dtype)
        header[name] = {
            "dtype": dtype,
            "shape": list(np.shape(tensors[name])),
            "data_offsets": [offset, offset + len(blob)],
        }
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    return offset


def read(path):
    """Reads a safetensors file -> ({name: float64 array}, {name: dtype string}, metadata dict)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} runs past the end of the file ({len(raw)} bytes)")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    out, dtypes = {}, {}
    for name, info in header.items():
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _ITEMSIZE:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {dtype}")
        count = int(np.prod(shape)) if shape else 1
        if end - begin != count * _ITEMSIZE[dtype] or end > len(data):
            raise ValueError(f"{path}: tensor {name} {dtype}{shape} has data_offsets [{begin}, {end}] "
                             f"that do not fit its size or the file")
        chunk = data[begin:end]
        if dtype == "BF16":
            arr = bf16_to_f64(np.frombuffer(chunk, dtype="<u2"))
        else:
            arr = np.frombuffer(chunk, dtype={"F32": "<f4", "F16": "<f2", "F64": "<f8"}[dtype]).astype(np.float64)
        out[name] = arr.reshape(shape)
        dtypes[name] = dtype
    return out, dtypes, metadata
