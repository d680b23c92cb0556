"""A peer that speaks sockit's file transfer protocol (docs/PROTOCOL.md),
written from the document alone so that it can lie: wrong names, sizes,
hashes and lengths.  Used by test_file.py against the real receiver."""
import hashlib
import socket
import struct

HELLO, FILE, OFFER, START, DATA, END, VERDICT, BYE = 0x01, 0x10, 0x11, 0x12, 0x13, 0x14, 0x20, 0x7F
REASONS = {0: "ok", 1: "bad-name", 2: "symlink", 3: "exists", 4: "too-large", 5: "mismatch",
           6: "size", 7: "protocol", 8: "version", 9: "io", 10: "type", 11: "digest"}
SHA256, XXH128 = 1, 2


def frame(kind, payload=b"", length=None):
    return bytes([kind]) + struct.pack(">I", len(payload) if length is None else length) + payload


def hello(version=1, flags=0, digest=None):
    """Version 1's six bytes, or version 2's seven with the digest named."""
    tail = b"" if digest is None else bytes([digest])
    return frame(HELLO, b"SKXF" + bytes([version, flags]) + tail)


def file_hdr(name, size, kind=0, mode=0o644, mtime=0):
    if isinstance(name, str):
        name = name.encode()
    return frame(FILE, bytes([kind]) + struct.pack(">QIqH", size, mode, mtime, len(name)) + name)


def start(offset=0):
    return frame(START, struct.pack(">Q", offset))


def data(b):
    return frame(DATA, b)


def end(digest):
    return frame(END, digest)


class Peer:
    """One connection to a receiver, with a timeout on every wait."""

    def __init__(self, port, host="127.0.0.1", timeout=10):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def send(self, b):
        self.s.sendall(b)

    def read_exact(self, n):
        while len(self.buf) < n:
            got = self.s.recv(65536)
            if not got:
                raise EOFError("receiver closed")
            self.buf += got
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def frame(self):
        """The next frame as (type, payload)."""
        head = self.read_exact(5)
        kind, n = head[0], struct.unpack(">I", head[1:])[0]
        assert n <= 4200, n
        return kind, self.read_exact(n)

    def verdict(self):
        """Reads frames until a VERDICT: (status, reason name, text)."""
        kind, p = self.frame()
        assert kind == VERDICT, (kind, p)
        status, reason = p[0], struct.unpack(">H", p[1:3])[0]
        return status, REASONS.get(reason, reason), p[3:].decode(errors="replace")

    def handshake(self, flags=0, version=1, digest=None):
        self.send(hello(version, flags, digest))
        kind, p = self.frame()
        assert kind == HELLO and p[:4] == b"SKXF" and p[4] == version, (kind, p)
        assert p[6:] == (b"" if digest is None else bytes([digest])), p

    def offer(self):
        kind, p = self.frame()
        if kind == VERDICT:
            return None, (p[0], REASONS.get(struct.unpack(">H", p[1:3])[0]), p[3:].decode())
        assert kind == OFFER, (kind, p)
        return struct.unpack(">Q", p[:8])[0], p[8:]

    def send_file(self, name, content, flags=0):
        """A whole honest file; returns the verdict."""
        self.send(file_hdr(name, len(content)))
        off, _ = self.offer()
        assert off == 0
        self.send(start(0))
        for i in range(0, len(content), 1 << 20):
            self.send(data(content[i:i + (1 << 20)]))
        self.send(end(hashlib.sha256(content).digest()))
        return self.verdict()

    def close(self):
        self.s.close()

    def reset(self):
        """Closes with a TCP reset, as a killed process's kernel may."""
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.s.close()
