"""http serve keeps hot files (open, their head built, small ones in
memory) once they are two seconds old; checked with curl that a cached
file is never served stale: rewritten in place with the same size,
truncated, replaced by a link out of the root, removed.  Ranges, HEAD and
304 are answered from the cache as from the file."""
import os
import subprocess
import time

import pytest

from conftest import need_tool
from http_peers import Serve, raw_request


def curl(*args):
    need_tool("curl")
    return subprocess.run(["curl", "-sS", *args], capture_output=True, timeout=20)


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "root"
    r.mkdir()
    (r / "small.txt").write_bytes(b"A" * 1000)
    (r / "big.bin").write_bytes(os.urandom(200 * 1024))
    (r / "gone.txt").write_bytes(b"here\n")
    (r / "swap.txt").write_bytes(b"inside\n")
    (tmp_path / "secret").write_bytes(b"outside\n")
    # Files changed within the last two seconds are not cached (a change
    # in the same clock tick could not be seen): let these settle.
    time.sleep(2.5)
    return r


def fetch_twice(s, path):
    """The second fetch of a path is the one answered from the cache."""
    a = curl(s.url(path)).stdout
    b = curl(s.url(path)).stdout
    assert a == b
    return b


def test_a_cached_file_changed_in_place_is_served_new(root):
    with Serve(root, "-q") as s:
        assert fetch_twice(s, "/small.txt") == b"A" * 1000
        etag = curl("-I", s.url("/small.txt")).stdout
        (root / "small.txt").write_bytes(b"B" * 1000)  # same size
        assert curl(s.url("/small.txt")).stdout == b"B" * 1000
        assert curl("-I", s.url("/small.txt")).stdout != etag

        big = (root / "big.bin").read_bytes()
        assert fetch_twice(s, "/big.bin") == big
        with open(root / "big.bin", "r+b") as f:
            f.truncate(150 * 1024)
        assert curl(s.url("/big.bin")).stdout == big[:150 * 1024]


def test_a_cached_file_replaced_or_removed(root):
    with Serve(root, "-q") as s:
        assert fetch_twice(s, "/swap.txt") == b"inside\n"
        os.unlink(root / "swap.txt")
        os.symlink(root.parent / "secret", root / "swap.txt")
        out = raw_request(s.port, b"GET /swap.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 403"), out
        assert b"outside" not in out

        assert fetch_twice(s, "/gone.txt") == b"here\n"
        os.unlink(root / "gone.txt")
        p = curl("-o", "/dev/null", "-w", "%{http_code}", s.url("/gone.txt"))
        assert p.stdout == b"404"


def test_ranges_head_and_304_from_the_cache(root):
    big = (root / "big.bin").read_bytes()
    with Serve(root, "-q") as s:
        for path, data in (("/small.txt", b"A" * 1000), ("/big.bin", big)):
            assert fetch_twice(s, path) == data
            assert curl("-r", "10-19", s.url(path)).stdout == data[10:20]
            head = raw_request(s.port, f"HEAD {path} HTTP/1.1\r\nHost: x\r\n"
                               "Connection: close\r\n\r\n".encode())
            assert head.startswith(b"HTTP/1.1 200 OK\r\n")
            assert f"Content-Length: {len(data)}\r\n".encode() in head
            assert head.endswith(b"\r\n\r\n")
            etag = [l for l in head.split(b"\r\n") if l.startswith(b"ETag: ")][0][6:]
            p = curl("-o", "/dev/null", "-w", "%{http_code}", "-H",
                     b"If-None-Match: " + etag, s.url(path))
            assert p.stdout == b"304"
        # Pipelined, kept alive and closed: each head says what it should.
        out = raw_request(s.port, b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                          b"GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert out.count(b"A" * 1000) == 2
        assert out.count(b"Connection: close\r\n") == 1
