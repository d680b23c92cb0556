#!/usr/bin/python3
"""Writes a pcap of N Ethernet frames (default 1,000,000): a rotating mix of
TCP (SYN with options, data with ACK), UDP, ICMP echo and ARP, addresses and
ports varying, checksums correct.  Bounded by N; no network I/O."""
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip(src, dst, proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                    src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4(src, dst, proto, seg):
    ph = src + dst + struct.pack("!BBH", 0, proto, len(seg))
    return csum(ph + seg)


def frame(i):
    src = bytes([198, 18, (i >> 8) & 255, i & 255])
    dst = bytes([198, 18, 255, (i * 7) & 255])
    eth = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01"
    sport, dport = 1024 + i % 60000, 5000 + i % 7
    kind = i % 5
    if kind == 0:
        opts = b"\x02\x04\x05\xb4\x04\x02\x08\x0a" + struct.pack("!II", i, 0) + b"\x01\x03\x03\x07"
        t = struct.pack("!HHIIBBHHH", sport, dport, i, 0, (40 // 4) << 4, 0x02, 64240, 0, 0) + opts
    elif kind == 1:
        data = b"x" * (i % 200)
        t = struct.pack("!HHIIBBHHH", sport, dport, i, i * 3, 5 << 4, 0x18, 502, 0, 0) + data
    if kind in (0, 1):
        t = t[:16] + struct.pack("!H", l4(src, dst, 6, t)) + t[18:]
        return eth + b"\x08\x00" + ip(src, dst, 6, t, i & 0xffff)
    if kind == 2:
        data = b"q" * (i % 64)
        u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
        u = u[:6] + struct.pack("!H", l4(src, dst, 17, u) or 0xffff) + u[8:]
        return eth + b"\x08\x00" + ip(src, dst, 17, u, i & 0xffff)
    if kind == 3:
        c = struct.pack("!BBHHH", 8, 0, 0, i & 0xffff, (i >> 4) & 0xffff) + b"p" * 56
        c = c[:2] + struct.pack("!H", csum(c)) + c[4:]
        return eth + b"\x08\x00" + ip(src, dst, 1, c, i & 0xffff)
    a = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, b"\x02\0\0\0\0\x01", src,
                    b"\0" * 6, dst)
    return b"\xff" * 6 + b"\x02\0\0\0\0\x01\x08\x06" + a + b"\0" * 18


def main():
    path, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    # 1,000 distinct frames cycled with fresh timestamps: the decoders see
    # the same mix as with fresh frames, the generator stays fast.
    frames = [frame(i) for i in range(1000)]
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for i in range(n):
            b = frames[i % 1000]
            f.write(struct.pack("<IIII", 1700000000 + i // 100000, i % 1000000, len(b), len(b)))
            f.write(b)


if __name__ == "__main__":
    main()
