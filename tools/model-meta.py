#!/usr/bin/env python3
"""Sets or removes metadata entries of an .ocrm model file in place (models/FORMAT.md), weights
untouched: e.g. a model's own rereading threshold, which `ocr recognize` reads from it.

    tools/model-meta.py MODEL extra.reread_below=0        set (or add) an entry
    tools/model-meta.py MODEL --remove extra.reread_below  remove one
    tools/model-meta.py MODEL                               list the entries

The file is rewritten through MODEL.tmp.<pid> and renamed over MODEL, as `ocr` saves models."""
import os
import struct
import sys
import zlib

MAGIC = b"OCRM\r\n\x1a\n"


def read(path):
    data = open(path, "rb").read()
    if data[:8] != MAGIC:
        sys.exit(f"{path}: not an .ocrm model (bad magic)")
    version, lo, hi = struct.unpack_from("<III", data, 8)
    size = lo | hi << 32
    payload = data[20:20 + size]
    if version != 1 or len(payload) != size or len(data) != 24 + size:
        sys.exit(f"{path}: unsupported version or truncated file")
    if struct.unpack_from("<I", data, 20 + size)[0] != zlib.crc32(payload):
        sys.exit(f"{path}: checksum mismatch (corrupt file)")
    pos = 0

    def string():
        nonlocal pos
        (n,) = struct.unpack_from("<I", payload, pos)
        s = payload[pos + 4:pos + 4 + n].decode("utf-8")
        pos += 4 + n
        return s

    (m,) = struct.unpack_from("<I", payload, 0)
    pos = 4
    meta = [(string(), string()) for _ in range(m)]
    return meta, payload[pos:]


def write(path, meta, tensors):
    def string(s):
        b = s.encode("utf-8")
        return struct.pack("<I", len(b)) + b
    payload = struct.pack("<I", len(meta)) + b"".join(string(k) + string(v) for k, v in meta) + tensors
    out = MAGIC + struct.pack("<III", 1, len(payload) & 0xFFFFFFFF, len(payload) >> 32) + payload
    out += struct.pack("<I", zlib.crc32(payload))
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(out)
    os.replace(tmp, path)


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return
    path, rest = args[0], args[1:]
    meta, tensors = read(path)
    if not rest:
        for k, v in meta:
            print(f"{k}={v if len(v) < 120 else v[:117] + '...'}")
        return
    if rest[0] == "--remove":
        keys = set(rest[1:])
        meta = [(k, v) for k, v in meta if k not in keys]
    else:
        for item in rest:
            if "=" not in item:
                sys.exit(f"expected KEY=VALUE, got '{item}'")
            key, value = item.split("=", 1)
            if not key.startswith("extra."):
                sys.exit(f"only extra.* entries may be set here, not '{key}'")
            meta = [(k, v) for k, v in meta if k != key] + [(key, value)]
    write(path, meta, tensors)


if __name__ == "__main__":
    main()
