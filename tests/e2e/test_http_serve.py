"""sockit http serve checked with curl and wget: files, HEAD, ranges,
listings, keep-alive, the log, and every traversal form refused."""
import hashlib
import os
import subprocess

import pytest

from conftest import run, one_line_error, need_tool
from http_peers import Serve, raw_request


def curl(*args, timeout=20):
    need_tool("curl")
    return subprocess.run(["curl", "-sS", *args], capture_output=True, timeout=timeout)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    base = tmp_path_factory.mktemp("serve")
    root = base / "root"
    root.mkdir()
    (root / "hello.txt").write_bytes(b"hello, world\n")
    (root / "data.bin").write_bytes(os.urandom(3 * 1024 * 1024 + 7))
    (root / "page.html").write_bytes(b"<p>hi</p>")
    (root / "empty").write_bytes(b"")
    (root / "a dir").mkdir()
    (root / "a dir" / "x&y <z>.txt").write_bytes(b"odd name\n")
    (root / "site").mkdir()
    (root / "site" / "index.html").write_bytes(b"<h1>index</h1>")
    (base / "secret").write_bytes(b"outside\n")
    os.symlink(base / "secret", root / "link-out")
    os.symlink("/etc/passwd", root / "link-abs")
    os.symlink("hello.txt", root / "link-in")
    os.symlink(base, root / "dirlink-out")
    return root


@pytest.fixture(scope="module")
def server(tree):
    with Serve(tree) as s:
        yield s


def test_file_and_headers(server):
    p = curl("-i", server.url("/hello.txt"))
    head, body = p.stdout.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"Content-Type: text/plain; charset=utf-8" in head
    assert b"Content-Length: 13" in head and b"Accept-Ranges: bytes" in head
    assert body == b"hello, world\n"


def test_big_file_with_curl_and_wget(server, tree, tmp_path):
    want = hashlib.sha256((tree / "data.bin").read_bytes()).hexdigest()
    p = curl("-o", str(tmp_path / "c"), server.url("/data.bin"))
    assert p.returncode == 0
    assert hashlib.sha256((tmp_path / "c").read_bytes()).hexdigest() == want
    need_tool("wget")
    p = subprocess.run(["wget", "-q", "-O", str(tmp_path / "w"), server.url("/data.bin")],
                       capture_output=True, timeout=20)
    assert p.returncode == 0
    assert hashlib.sha256((tmp_path / "w").read_bytes()).hexdigest() == want


def test_wget_continue_uses_a_range(server, tree, tmp_path):
    need_tool("wget")
    data = (tree / "data.bin").read_bytes()
    out = tmp_path / "data.bin"
    out.write_bytes(data[:1000000])
    p = subprocess.run(["wget", "-q", "-c", "-O", str(out), server.url("/data.bin")],
                       capture_output=True, timeout=20)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == data


def test_head(server):
    p = curl("-I", server.url("/page.html"))
    assert p.stdout.startswith(b"HTTP/1.1 200 OK")
    assert b"Content-Type: text/html; charset=utf-8" in p.stdout
    assert b"Content-Length: 9" in p.stdout


def test_empty_file(server):
    p = curl("-i", server.url("/empty"))
    assert b"Content-Length: 0" in p.stdout and p.stdout.endswith(b"\r\n\r\n")


@pytest.mark.parametrize("rng,status,body,crange", [
    ("0-4", 206, b"hello", b"bytes 0-4/13"),
    ("7-", 206, b"world\n", b"bytes 7-12/13"),
    ("-3", 206, b"ld\n", b"bytes 10-12/13"),
    ("5-500", 206, b", world\n", b"bytes 5-12/13"),
    ("13-", 416, None, b"bytes */13"),
    ("0-1,3-4", 200, b"hello, world\n", None),
])
def test_ranges(server, rng, status, body, crange):
    p = curl("-i", "-r", rng, server.url("/hello.txt"))
    head, got = p.stdout.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 %d" % status), head
    if body is not None:
        assert got == body
    if crange:
        assert b"Content-Range: " + crange in head


def test_listing(server):
    p = curl(server.url("/"))
    html = p.stdout.decode()
    for href in ("./hello.txt", "./a%20dir/", "./site/", "./link-in"):
        assert f'href="{href}"' in html, href
    p = curl(server.url("/a%20dir/"))
    html = p.stdout.decode()
    assert "x&amp;y &lt;z&gt;.txt" in html and "./x%26y%20%3Cz%3E.txt" in html
    p = curl(server.url("/a%20dir/x%26y%20%3Cz%3E.txt"))
    assert p.stdout == b"odd name\n"


def test_directory_without_slash_redirects(server):
    p = curl("-i", server.url("/a%20dir?x=1"))
    assert p.stdout.startswith(b"HTTP/1.1 301")
    assert b"Location: /a%20dir/?x=1\r\n" in p.stdout
    p = curl("-L", server.url("/site"))
    assert p.stdout == b"<h1>index</h1>"


@pytest.mark.parametrize("path", [
    "/../secret", "/%2e%2e/secret", "/%2E%2E/secret", "/.%2e/secret", "/a%20dir/../../secret",
    "/..%2fsecret", "/a%20dir%2f..%2f..%2fsecret", "/..%5csecret", "/%00",
])
def test_traversal_with_curl_is_forbidden(server, path):
    p = curl("--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", server.url(path))
    assert p.stdout == b"403", path


@pytest.mark.parametrize("path", ["/link-out", "/link-abs", "/dirlink-out/secret"])
def test_symlinks_out_are_refused(server, path):
    p = curl("-o", "/dev/null", "-w", "%{http_code}", server.url(path))
    assert p.stdout in (b"403", b"404"), path


def test_symlink_inside_is_followed(server):
    assert curl(server.url("/link-in")).stdout == b"hello, world\n"


@pytest.mark.parametrize("request_line,status", [
    (b"GET ../secret HTTP/1.1", b"400"),
    (b"GET /etc/passwd HTTP/1.1", b"404"),
    (b"GET //etc/passwd HTTP/1.1", b"404"),
    (b"GET http://x/../secret HTTP/1.1", b"403"),
    (b"GET http://x/%2e%2e/secret HTTP/1.1", b"403"),
    (b"GET http://x/hello.txt HTTP/1.1", b"200"),
    (b"GET http://us@x/hello.txt HTTP/1.1", b"400"),
    (b"POST /hello.txt HTTP/1.1", b"405"),
    (b"BREW / HTTP/1.1", b"400"),
])
def test_raw_requests(server, request_line, status):
    out = raw_request(server.port, request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 " + status), out[:80]


def test_garbage_gets_400_and_close(server):
    out = raw_request(server.port, b"\x16\x03\x01\x00garbage\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400")
    assert b"Connection: close" in out


def test_keepalive_and_pipelining(server):
    p = curl("-w", "%{num_connects}\n", "-o", "/dev/null", "-o", "/dev/null",
             server.url("/hello.txt"), server.url("/page.html"))
    assert p.stdout.split() == [b"1", b"0"]
    out = raw_request(server.port, b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"HEAD /page.html HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.count(b"HTTP/1.1 200 OK") == 3
    assert b"\r\n\r\nhello, world\nHTTP/1.1 200 OK" in out


def test_one_log_line_per_request(tree):
    with Serve(tree) as s:
        curl(s.url("/hello.txt"))
        curl(s.url("/nope"))
        lines = s.log_lines(2)
        assert lines[0].startswith("127.0.0.1:") and lines[0].endswith(
            '"GET /hello.txt HTTP/1.1" 200 13')
        assert lines[1].endswith('"GET /nope HTTP/1.1" 404 14')


def test_sockit_get_against_sockit_serve(server, tree, tmp_path):
    out = tmp_path / "d"
    run("http", "get", server.url("/data.bin"), "-o", out, check=0)
    assert out.read_bytes() == (tree / "data.bin").read_bytes()


def test_serve_errors(tmp_path):
    one_line_error(run("http", "serve", str(tmp_path / "nope"), "--bind", "127.0.0.1:0"), 1,
                   "nope")
    one_line_error(run("http", "serve", "--bind", "nonsense:port:x"), 2, "--bind")
    one_line_error(run("http", "serve", "a", "b"), 2, "unexpected argument 'b'")


def test_many_concurrent_keepalive_clients(server):
    import socket
    import threading
    results = []

    def client():
        try:
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            got = b""
            for i in range(3):
                last = i == 2
                s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n" +
                          (b"Connection: close\r\n" if last else b"") + b"\r\n")
                want = (i + 1) * 13
                while got.count(b"hello, world\n") < i + 1:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            s.close()
            results.append(got.count(b"HTTP/1.1 200 OK") == 3 and
                           got.count(b"hello, world\n") == 3 and want == 39)
        except OSError:
            results.append(False)

    threads = [threading.Thread(target=client) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert results.count(True) == 100


def test_idle_keepalive_connection_is_closed(tree):
    import socket
    import time
    with Serve(tree, "--idle-timeout", "300ms", "-q") as s:
        c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        t0 = time.monotonic()
        assert c.recv(100) == b""
        assert time.monotonic() - t0 < 4
        c.close()


def test_requests_in_pieces_and_split_pipelines(tree):
    """Bytes that wait for the rest of their request are kept per
    connection between reads: a head sent a few bytes at a time, then two
    pipelined requests with the second cut in the middle of a header, all
    answered on one connection, which the idle timer closes after."""
    import socket
    import time
    with Serve(tree, "--idle-timeout", "500ms", "-q") as s:
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        head = b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: pieces\r\n\r\n"
        for i in range(0, len(head), 7):
            c.sendall(head[i:i + 7])
            time.sleep(0.02)
        c.sendall(b"GET /page.html HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHo")
        time.sleep(0.1)
        c.sendall(b"st: x\r\n\r\n")
        out = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            out += chunk
        c.close()
    assert out.count(b"HTTP/1.1 200 OK") == 3
    assert out.count(b"\r\n\r\nhello, world\n") == 2
    assert b"\r\n\r\n<p>hi</p>HTTP/1.1 200 OK" in out


def test_ipv6_bind(tree):
    import subprocess as sp
    p = sp.Popen([__import__("conftest").SOCKIT, "http", "serve", str(tree), "--bind", "[::1]:0"],
                 stderr=sp.PIPE, stdout=sp.DEVNULL)
    try:
        line = p.stderr.readline().decode()
        assert line.startswith("listening on [::1]:"), line
        port = int(line.rsplit(":", 1)[1])
        out = curl("-g", f"http://[::1]:{port}/hello.txt")
        assert out.stdout == b"hello, world\n"
    finally:
        p.terminate()
        p.wait(timeout=5)


def test_response_cut_short_is_logged_with_the_bytes_sent(tmp_path):
    # A client that goes away mid-body left no log line at all.
    import socket
    import struct
    (tmp_path / "big").write_bytes(b"\0" * 40_000_000)
    with Serve(tmp_path) as s:
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        c.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.recv(65536)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        line = s.log_lines(1)[0]
        head, sent = line.rsplit(" ", 1)
        assert head.endswith('"GET /big HTTP/1.1" 200'), line
        assert 0 < int(sent) < 40_000_000, line
