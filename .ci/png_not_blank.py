#!/usr/bin/env python3
"""Exit 0 if a PNG screenshot shows content, 1 if it is blank (one colour, or almost).

Standard library only: a fresh CI machine has Python but not Pillow.
Usage: png_not_blank.py FILE [MIN_INKED_FRACTION]
"""
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG file")
    i, idat = 8, b""
    while i < len(data):
        n = struct.unpack(">I", data[i:i + 4])[0]
        kind, body = data[i + 4:i + 8], data[i + 8:i + 8 + n]
        i += 12 + n
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
    if depth != 8 or colour not in (0, 2, 6):
        sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {colour})")
    bpp = {0: 1, 2: 3, 6: 4}[colour]
    raw, stride = zlib.decompress(idat), w * bpp
    prev, k = bytearray(stride), 0
    for _ in range(h):
        f = raw[k]
        line = bytearray(raw[k + 1:k + 1 + stride])
        k += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            yield tuple(line[x:x + min(bpp, 3)])
        prev = line


def main():
    path = sys.argv[1]
    minimum = float(sys.argv[2]) if len(sys.argv) > 2 else 0.02
    counts = {}
    for p in pixels(path):
        counts[p] = counts.get(p, 0) + 1
    total = sum(counts.values())
    background = max(counts.values())
    inked = 1 - background / total
    print(f"{path}: {total} pixels, {len(counts)} colours, {inked:.1%} differ from the background")
    if len(counts) < 4 or inked < minimum:
        print("the screenshot is blank")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
