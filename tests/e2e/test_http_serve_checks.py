"""sockit http serve held to RFC 9112's request rules (raw sockets), to
Expect: 100-continue (curl), and to validators and conditional requests
(curl -z, -C -, --etag-compare, and raw If-Range)."""
import os
import socket
import subprocess
import time

import pytest

from conftest import need_tool
from http_peers import Serve, raw_request


def curl(*args, timeout=20):
    need_tool("curl")
    return subprocess.run(["curl", "-sS", *args], capture_output=True, timeout=timeout)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("checks")
    (root / "file.txt").write_bytes(b"hello, world\n")
    for ext in ("avif", "jxl", "opus", "ogg", "flac", "otf", "ttf", "webmanifest", "m4a",
                "mjs", "apng", "jsonld"):
        (root / f"x.{ext}").write_bytes(b"x")
    return root


@pytest.fixture(scope="module")
def server(tree):
    with Serve(tree, "-q") as s:
        yield s


def status_of(out):
    return out.split(b"\r\n", 1)[0]


@pytest.mark.parametrize("req,status", [
    (b"GET /file.txt HTTP/1.1\r\nConnection: close\r\n\r\n", b"HTTP/1.1 400"),
    (b"GET /file.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
     b"HTTP/1.1 400"),
    (b"GET /file.txt HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n", b"HTTP/1.1 400"),
    (b"GET /file.txt HTTP/1.1\r\nHost: a\r\nBad Name: x\r\nConnection: close\r\n\r\n",
     b"HTTP/1.1 400"),
    (b"GET /file.txt HTTP/1.1\r\nHost: a\r\nBad : x\r\nConnection: close\r\n\r\n",
     b"HTTP/1.1 400"),
    (b"GET /file.txt HTTP/1.1\r\nHost: a\r\nBad\t: x\r\nConnection: close\r\n\r\n",
     b"HTTP/1.1 400"),
    (b"GET /file.txt HTTP/2.0\r\nHost: a\r\nConnection: close\r\n\r\n", b"HTTP/1.1 505"),
    (b"GET /file.txt HTTP/3.1\r\nHost: a\r\nConnection: close\r\n\r\n", b"HTTP/1.1 505"),
    (b"GET /file.txt HTTP/1.2\r\nHost: a\r\nConnection: close\r\n\r\n", b"HTTP/1.1 200"),
    (b"GET /file.txt HTTP/1.9\r\nHost: a\r\nConnection: close\r\n\r\n", b"HTTP/1.1 200"),
    (b"GET /file.txt HTTP/1.0\r\n\r\n", b"HTTP/1.1 200"),
    (b"\r\nGET /file.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", b"HTTP/1.1 200"),
    (b"GET /file.txt/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", b"HTTP/1.1 404"),
    (b"GET /file.txt/. HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", b"HTTP/1.1 404"),
])
def test_request_rules(server, req, status):
    assert status_of(raw_request(server.port, req)).startswith(status)


def test_http_1_2_answers_as_1_1_and_keeps_alive(server):
    out = raw_request(server.port, b"GET /file.txt HTTP/1.2\r\nHost: a\r\n\r\n"
                      b"GET /file.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert out.count(b"HTTP/1.1 200 OK") == 2


def test_http_0_9_line_is_answered_at_once(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"GET /file.txt\r\n")
    t0 = time.monotonic()
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    assert time.monotonic() - t0 < 5
    assert status_of(out) == b"HTTP/1.1 505 HTTP Version Not Supported"


@pytest.mark.parametrize("length", [9000, 20000, 70000])
def test_long_url_is_414(server, length):
    out = raw_request(server.port, b"GET /" + b"a" * length +
                      b" HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", timeout=10)
    assert status_of(out) == b"HTTP/1.1 414 URI Too Long"


def test_long_header_is_still_431(server):
    out = raw_request(server.port, b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"a" * 70000 +
                      b"\r\n\r\n", timeout=10)
    assert status_of(out) == b"HTTP/1.1 431 Request Header Fields Too Large"


@pytest.mark.parametrize("ext,ctype", [
    ("avif", "image/avif"), ("jxl", "image/jxl"), ("opus", "audio/ogg"), ("ogg", "audio/ogg"),
    ("flac", "audio/flac"), ("otf", "font/otf"), ("ttf", "font/ttf"), ("m4a", "audio/mp4"),
    ("webmanifest", "application/manifest+json"), ("mjs", "text/javascript; charset=utf-8"),
    ("apng", "image/apng"), ("jsonld", "application/ld+json"),
])
def test_current_mime_types(server, ext, ctype):
    p = curl("-I", server.url(f"/x.{ext}"))
    assert f"Content-Type: {ctype}\r\n".encode() in p.stdout


def test_expect_100_continue_answered_at_once(server, tmp_path):
    body = tmp_path / "body"
    body.write_bytes(b"x" * 5000)
    # curl waits a whole second for "100 Continue" before sending anyway;
    # --expect100-timeout makes that wait obvious.
    t0 = time.monotonic()
    p = curl("-sS", "-o", "/dev/null", "-w", "%{http_code}", "--expect100-timeout", "8",
             "-T", str(body), server.url("/up"))
    assert time.monotonic() - t0 < 6
    assert p.stdout == b"405"
    t0 = time.monotonic()
    p = curl("-sS", "-w", "%{http_code}", "--expect100-timeout", "8", "-X", "GET",
             "-H", "Expect: 100-continue", "--data-binary", "@" + str(body),
             server.url("/file.txt"))
    assert time.monotonic() - t0 < 6
    assert p.stdout == b"hello, world\n200"


def test_expect_100_continue_raw(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"GET /file.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
              b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
    assert s.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
    s.sendall(b"abc")
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    assert out.startswith(b"HTTP/1.1 200 OK") and out.endswith(b"hello, world\n")


def header(out, name):
    for line in out.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        k, v = line.split(b":", 1)
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


def test_validators_and_304(server):
    out = raw_request(server.port, b"GET /file.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    etag, lm = header(out, b"ETag"), header(out, b"Last-Modified")
    assert etag.startswith(b'"') and etag.endswith(b'"') and lm.endswith(b"GMT")
    for cond in (b"If-None-Match: " + etag, b"If-None-Match: \"zz\", W/" + etag,
                 b"If-None-Match: *", b"If-Modified-Since: " + lm,
                 b"If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT"):
        out = raw_request(server.port, b"GET /file.txt HTTP/1.1\r\nHost: a\r\n" + cond +
                          b"\r\nConnection: close\r\n\r\n")
        assert status_of(out) == b"HTTP/1.1 304 Not Modified", cond
        assert out.endswith(b"\r\n\r\n") and header(out, b"ETag") == etag
    for cond in (b"If-None-Match: \"other\"", b"If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT",
                 b"If-None-Match: \"other\"\r\nIf-Modified-Since: " + lm,
                 b"If-Modified-Since: garbage"):
        out = raw_request(server.port, b"GET /file.txt HTTP/1.1\r\nHost: a\r\n" + cond +
                          b"\r\nConnection: close\r\n\r\n")
        assert status_of(out) == b"HTTP/1.1 200 OK", cond


def test_curl_time_condition_and_etag_compare(server, tree, tmp_path):
    p = curl("-z", str(tree / "file.txt"), "-w", "%{http_code}", server.url("/file.txt"))
    assert p.stdout == b"304"
    etag = tmp_path / "etag"
    p = curl("--etag-save", str(etag), "-o", "/dev/null", server.url("/file.txt"))
    assert p.returncode == 0 and etag.read_text().startswith('"')
    p = curl("--etag-compare", str(etag), "-w", "%{http_code}", server.url("/file.txt"))
    assert p.stdout == b"304"


def test_if_range(tmp_path):
    (tmp_path / "f").write_bytes(b"0123456789")
    with Serve(tmp_path, "-q") as s:
        out = raw_request(s.port, b"GET /f HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        etag, lm = header(out, b"ETag"), header(out, b"Last-Modified")
        for validator in (etag, lm):
            out = raw_request(s.port, b"GET /f HTTP/1.1\r\nHost: a\r\nRange: bytes=4-\r\n"
                              b"If-Range: " + validator + b"\r\nConnection: close\r\n\r\n")
            assert status_of(out) == b"HTTP/1.1 206 Partial Content"
            assert out.endswith(b"\r\n\r\n456789")
        # The file changes: the same If-Range is stale and gets all of it.
        st = os.stat(tmp_path / "f")
        (tmp_path / "f").write_bytes(b"abcdefghijkl")
        os.utime(tmp_path / "f", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
        for validator in (etag, lm, b"W/" + etag):
            out = raw_request(s.port, b"GET /f HTTP/1.1\r\nHost: a\r\nRange: bytes=4-\r\n"
                              b"If-Range: " + validator + b"\r\nConnection: close\r\n\r\n")
            assert status_of(out) == b"HTTP/1.1 200 OK", validator
            assert out.endswith(b"\r\n\r\nabcdefghijkl")


def test_curl_resume_of_a_changed_file_starts_over(tmp_path):
    # curl -C - sends no If-Range, so a Range it asks for is honoured;
    # with the validator curl saved (-z on the partial file) a changed
    # file is sent whole.
    root = tmp_path / "root"
    root.mkdir()
    (root / "f").write_bytes(b"A" * 1000)
    part = tmp_path / "part"
    part.write_bytes(b"A" * 400)
    with Serve(root, "-q") as s:
        p = curl("-C", "-", "-o", str(part), s.url("/f"))
        assert p.returncode == 0 and part.read_bytes() == b"A" * 1000
        out = raw_request(s.port, b"GET /f HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        etag = header(out, b"ETag").decode()
        p = curl("-C", "500", "-H", f"If-Range: {etag}", "-o", "-", s.url("/f"))
        assert p.stdout == b"A" * 500
        (root / "f").write_bytes(b"B" * 1000)
        st = os.stat(root / "f")
        os.utime(root / "f", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
        p = curl("-C", "500", "-H", f"If-Range: {etag}", "-w", "%{http_code}", "-o", "/dev/null",
                 s.url("/f"))
        assert p.stdout == b"200"
