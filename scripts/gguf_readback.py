#!/usr/bin/env python3
"""Print what llama.cpp's gguf-py (`pip install gguf`) reads from a GGUF file, as JSON.

TernGGUFTests runs this on files written by Tern's GGUFWriter and compares the result with what
the test wrote, so the writer is checked by an independent reader.

Usage: python3 scripts/gguf_readback.py FILE.gguf [--no-data]

Output (one JSON object):
  version, alignment, data_offset (absolute, as gguf-py computes it)
  metadata: [[key, value], ...] in file order, where a value is
      [TYPE, text]                   for scalars: integers in decimal, FLOAT32/FLOAT64 as the
                                     lowercase hex of their IEEE bits, BOOL as "true"/"false"
      ["STRING", text]
      ["ARRAY", ELEMENT_TYPE, [values...]]   (arrays of arrays nest)
  tensors: [{name, shape (ne0 first), type (ggml name), data_offset (absolute), n_bytes,
             data_hex (omitted with --no-data)}]
"""
import json
import sys

import numpy as np
from gguf import GGUFReader, GGUFValueType


def decode(parts, index, raw_type):
    """Decodes one value from gguf-py's flat list of field parts; returns (value, next index).

    gguf-py flattens an array into [element type, count, element parts...] (recursively), so
    nested arrays are rebuilt here rather than read with ReaderField.contents().
    """
    value_type = GGUFValueType(int(raw_type))
    if value_type == GGUFValueType.STRING:
        return ["STRING", bytes(parts[index + 1]).decode("utf-8")], index + 2
    if value_type == GGUFValueType.ARRAY:
        element_type = int(parts[index][0])
        count = int(parts[index + 1][0])
        index += 2
        items = []
        for _ in range(count):
            item, index = decode(parts, index, element_type)
            items.append(item)
        return ["ARRAY", GGUFValueType(element_type).name, items], index
    scalar = parts[index]
    if value_type == GGUFValueType.FLOAT32:
        text = "%08x" % int(scalar.view(np.uint32)[0])
    elif value_type == GGUFValueType.FLOAT64:
        text = "%016x" % int(scalar.view(np.uint64)[0])
    elif value_type == GGUFValueType.BOOL:
        text = "true" if bool(scalar[0]) else "false"
    else:
        text = str(int(scalar[0]))
    return [value_type.name, text], index + 1


def main():
    path = sys.argv[1]
    with_data = "--no-data" not in sys.argv[2:]
    reader = GGUFReader(path)
    fields = list(reader.fields.values())
    # The first three fields are gguf-py's own view of the header: version, tensor and kv counts.
    version = int(fields[0].parts[0][0])
    metadata = []
    for field in fields[3:]:
        # A key/value field's parts: key length, key bytes, value type, then the value's parts.
        value, _ = decode(field.parts, 3, field.parts[2][0])
        metadata.append([field.name, value])
    tensors = []
    for tensor in reader.tensors:
        entry = {
            "name": tensor.name,
            "shape": [int(d) for d in tensor.shape],
            "type": tensor.tensor_type.name,
            "data_offset": int(tensor.data_offset),
            "n_bytes": int(tensor.n_bytes),
        }
        if with_data:
            entry["data_hex"] = tensor.data.tobytes().hex()
        tensors.append(entry)
    json.dump({
        "version": version,
        "alignment": int(reader.alignment),
        "data_offset": int(reader.data_offset),
        "metadata": metadata,
        "tensors": tensors,
    }, sys.stdout)


if __name__ == "__main__":
    main()
