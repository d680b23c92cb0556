"""sockit http get against nginx (files, HEAD, 404, redirects, keep-alive
on and off) and against scripted raw servers for what nginx never sends:
odd chunking with extensions and trailers, 1xx, close-delimited and short
bodies, malformed responses, stalls."""
import hashlib
import os
import re

import pytest

from conftest import run, one_line_error
from http_peers import Nginx, RawServer


def sha(b):
    return hashlib.sha256(b).hexdigest()


@pytest.fixture(scope="module")
def www(tmp_path_factory):
    root = tmp_path_factory.mktemp("www")
    (root / "empty").write_bytes(b"")
    (root / "one").write_bytes(b"x")
    (root / "f1").write_bytes(b"file one\n")
    (root / "dir").mkdir()
    big = os.urandom(100 * 1024 * 1024)
    (root / "big").write_bytes(big)
    return root, sha(big)


@pytest.fixture(scope="module", params=[65, 0], ids=["keepalive-on", "keepalive-off"])
def nginx(request, www, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nginx")
    with Nginx(str(tmp), str(www[0]), keepalive=request.param) as n:
        yield n


def test_small_files_to_stdout(nginx):
    for name, body in (("empty", b""), ("one", b"x"), ("f1", b"file one\n")):
        p = run("http", "get", nginx.url("/" + name), input=b"", check=0)
        assert p.stdout == body, name


def test_big_file_with_o_is_exact(nginx, www, tmp_path):
    out = tmp_path / "big"
    p = run("http", "get", nginx.url("/big"), "-o", out, input=b"", check=0, timeout=60)
    assert p.stderr == b""
    assert sha(out.read_bytes()) == www[1]
    assert not (tmp_path / "big.part").exists()


def test_empty_file_with_o(nginx, tmp_path):
    out = tmp_path / "e"
    run("http", "get", nginx.url("/empty"), "-o", out, check=0)
    assert out.read_bytes() == b""


def test_head(nginx):
    p = run("http", "get", "-I", nginx.url("/f1"), input=b"", check=0)
    assert p.stdout.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Length: 9\r\n" in p.stdout
    assert p.stdout.endswith(b"\r\n\r\n")


def test_include_headers_then_body(nginx):
    p = run("http", "get", "-i", nginx.url("/f1"), input=b"", check=0)
    head, body = p.stdout.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"Server: nginx" in head
    assert body == b"file one\n"


def test_404_fails_with_status(nginx):
    p = run("http", "get", nginx.url("/nope"))
    one_line_error(p, 1, "404 Not Found", "/nope")
    p = run("http", "get", "--fail-never", nginx.url("/nope"))
    assert p.returncode == 0 and "404" in p.stdout


def test_404_with_o_leaves_nothing(nginx, tmp_path):
    out = tmp_path / "x"
    p = run("http", "get", nginx.url("/nope"), "-o", out)
    one_line_error(p, 1, "404")
    assert not out.exists() and not (tmp_path / "x.part").exists()


@pytest.mark.parametrize("path", ["/r301", "/r302", "/r303", "/r307", "/r308", "/chain",
                                  "/dir/rel"])
def test_redirects_followed(nginx, path):
    p = run("http", "get", "-L", nginx.url(path), check=0)
    assert p.stdout == "file one\n"


def test_redirect_not_followed_without_L(nginx):
    p = run("http", "get", "-i", nginx.url("/r301"), check=0)
    assert p.stdout.startswith("HTTP/1.1 301")
    assert "Location: http://127.0.0.1:%d/f1" % nginx.port in p.stdout


def test_redirect_loop_is_an_error(nginx):
    p = run("http", "get", "-L", nginx.url("/loop1"))
    one_line_error(p, 1, "redirect loop", "/loop1")


def test_max_redirs(nginx):
    p = run("http", "get", "-L", "--max-redirs", "1", nginx.url("/chain"))
    one_line_error(p, 1, "too many redirects")
    p = run("http", "get", "-L", "--max-redirs", "2", nginx.url("/chain"), check=0)
    assert p.stdout == "file one\n"


def test_head_redirect_stays_head(nginx):
    # Every hop's head is shown, as curl -I -L does; the last is the HEAD
    # of the file the 303 led to.
    p = run("http", "get", "-I", "-L", nginx.url("/r303"), check=0)
    assert p.stdout.startswith("HTTP/1.1 303 See Other")
    last = p.stdout.rstrip("\n").split("\n\n")[-1]
    assert last.startswith("HTTP/1.1 200 OK")
    assert "Content-Length: 9" in last


def test_raw_shows_both_directions_split(nginx):
    p = run("http", "get", "--raw", nginx.url("/f1"), input=b"", check=0)
    out = p.stdout
    m = re.match(rb"--- request \((\d+) bytes\) ---\n", out)
    assert m
    req = out[m.end():m.end() + int(m.group(1))]
    assert req.startswith(b"GET /f1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % nginx.port)
    assert req.endswith(b"\r\n\r\n")
    rest = out[m.end() + int(m.group(1)):]
    m = re.match(rb"--- response header \((\d+) bytes\) ---\n", rest)
    assert m
    head = rest[m.end():m.end() + int(m.group(1))]
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")
    body = rest[m.end() + int(m.group(1)):]
    assert body.startswith(b"--- response body (as it crossed the socket) ---\nfile one\n")
    assert body.endswith(b"--- end (9 body bytes on the wire, 9 decoded) ---\n")


# ---- scripted servers ----

CHUNKED = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
           b"1;ext=yes\r\nH\r\n", b"a\r\nello, worl\r\n", b"3\r\nd!\n\r\n",
           b"0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n")


def test_chunked_with_extensions_and_trailers(tmp_path):
    with RawServer(*CHUNKED, close=False) as srv:
        p = run("http", "get", srv.url(), input=b"", check=0)
        assert p.stdout == b"Hello, world!\n"
        out = tmp_path / "c"
        run("http", "get", srv.url(), "-o", out, check=0)
        assert out.read_bytes() == b"Hello, world!\n"


def test_raw_shows_chunk_framing():
    with RawServer(*CHUNKED, close=False) as srv:
        p = run("http", "get", "--raw", srv.url(), input=b"", check=0)
        assert b"1;ext=yes\r\nH\r\n" in p.stdout
        assert b"X-Checksum: abc" in p.stdout
        assert b"14 decoded" in p.stdout


def test_interim_responses_are_skipped():
    with RawServer(b"HTTP/1.1 100 Continue\r\n\r\n",
                   b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n",
                   b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes", close=False) as srv:
        p = run("http", "get", "-i", srv.url(), input=b"", check=0)
        assert p.stdout.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"Link" not in p.stdout and p.stdout.endswith(b"\r\n\r\nyes")


def test_close_delimited_body():
    with RawServer(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", b"part one, ",
                   b"part two") as srv:
        p = run("http", "get", srv.url(), check=0)
        assert p.stdout == "part one, part two"


@pytest.mark.parametrize("pieces,needle", [
    ((b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", b"only this"), "9 of 100 bytes"),
    ((b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"10\r\nabc"), "chunked body cut short"),
    ((b"HTTP/1.1 200 OK\r\nContent-Le",), "closed in the head"),
    ((), "without a response"),
])
def test_short_response_is_an_error_and_lands_nothing(tmp_path, pieces, needle):
    with RawServer(*pieces) as srv:
        out = tmp_path / "f"
        p = run("http", "get", srv.url(), "-o", out)
        one_line_error(p, 1, needle)
        assert not out.exists() and not (tmp_path / "f.part").exists()
        # The reason once, not "...: closed before the end: closed before the end".
        reason = p.stderr.strip().rsplit(": ", 1)[1]
        assert p.stderr.count(reason) == 1, p.stderr


@pytest.mark.parametrize("wire", [
    b"HTTX/1.1 200 OK\r\n\r\n",
    b"HTTP/1.1 2000 OK\r\n\r\n",
    b"SSH-2.0-OpenSSH_9.2\r\n",
    b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
    b"\x00\xff\x16\x03\x01garbage",
])
def test_malformed_responses(wire):
    with RawServer(wire) as srv:
        p = run("http", "get", srv.url())
        one_line_error(p, 1, "127.0.0.1:%d" % srv.port)
        assert "malformed" in p.stderr or "at byte" in p.stderr
        assert p.stderr.count("malformed HTTP message") <= 1, p.stderr


def test_huge_header_is_refused():
    with RawServer(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n") as srv:
        p = run("http", "get", srv.url())
        one_line_error(p, 1, "64 KiB")


def test_stalled_server_times_out():
    with RawServer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", None) as srv:
        p = run("http", "get", "-w", "300ms", srv.url(), timeout=10)
        one_line_error(p, 1, "no data for 300 ms")


def test_request_headers():
    with RawServer(b"HTTP/1.1 204 No Content\r\n\r\n", close=False) as srv:
        run("http", "get", "-H", "X-Test: 1", "-H", "Accept: text/plain", "-H", "User-Agent:",
            srv.url("/p?q=%20x"), check=0)
        req = srv.requests[0].decode()
        lines = req.split("\r\n")
        assert lines[0] == "GET /p?q=%20x HTTP/1.1"
        assert "Host: 127.0.0.1:%d" % srv.port in lines
        assert "Accept: text/plain" in lines and "Accept: */*" not in lines
        assert "X-Test: 1" in lines
        assert not any(l.startswith("User-Agent") for l in lines)
        run("http", "get", srv.url(), check=0)
        assert "User-Agent: sockit/" in srv.requests[1].decode()


def test_connection_refused():
    from conftest import free_port
    port = free_port()
    p = run("http", "get", f"http://127.0.0.1:{port}/")
    one_line_error(p, 1, f"connect 127.0.0.1:{port}", "connection refused")


@pytest.mark.parametrize("url,needle", [
    ("ftp://h/", "scheme 'ftp'"),
    ("http://@127.0.0.1/", "empty user"),
    ("http://127.0.0.1:99999/", "port '99999'"),
    ("http://a b/", "byte 0x20"),
    ("http://[::1/", "']'"),
    ("http:///x", "no host"),
])
def test_bad_urls_are_usage_errors(url, needle):
    one_line_error(run("http", "get", url), 2, needle)


def test_usage_errors():
    one_line_error(run("http", "get"), 2, "needs a URL")
    one_line_error(run("http", "get", "-H", "bad header", "http://127.0.0.1/"), 2, "Name: value")
    one_line_error(run("http", "get", "-H", "X: a\nb", "http://127.0.0.1/"), 2, "line break")
    one_line_error(run("http", "get", "-w", "soon", "http://127.0.0.1/"), 2, "-w")
    one_line_error(run("http", "get", "--max-redirs", "-1", "http://127.0.0.1/"), 2)
    one_line_error(run("http", "get", "-I", "-o", "x", "http://127.0.0.1/"), 2, "-I")


def test_failed_transfer_keeps_the_old_file(tmp_path):
    out = tmp_path / "keep"
    out.write_bytes(b"old contents\n")
    with RawServer(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", b"short") as srv:
        p = run("http", "get", srv.url(), "-o", out)
        one_line_error(p, 1, "5 of 50 bytes")
    assert out.read_bytes() == b"old contents\n"
    assert not (tmp_path / "keep.part").exists()


def test_progress_bar_on_a_terminal(nginx, tmp_path):
    import shutil
    import subprocess
    if shutil.which("script") is None:
        pytest.skip("script(1) is not installed: no way to give sockit a terminal")
    from conftest import SOCKIT
    out = tmp_path / "big"
    p = subprocess.run(["script", "-qec", f"{SOCKIT} http get -o {out} {nginx.url('/big')}",
                        "/dev/null"], capture_output=True, timeout=60)
    assert p.returncode == 0
    assert b"100%" in p.stdout and b"100.0 MiB" in p.stdout
    assert out.stat().st_size == 100 * 1024 * 1024


def test_connect_timeout_against_a_silent_host():
    """A namespace whose firewall drops SYNs: -w bounds the connect."""
    from conftest import Netns
    with Netns("httpw", host_ip="198.18.80.1", ns_ip="198.18.80.2") as ns:
        r = ns.run("nft", "add table inet sockit_http; "
                   "add chain inet sockit_http in { type filter hook input priority 0; }; "
                   "add rule inet sockit_http in tcp dport 9 drop")
        assert r.returncode == 0, r.stderr
        p = run("http", "get", "-w", "400ms", "http://198.18.80.2:9/", timeout=10)
        one_line_error(p, 1, "connect 198.18.80.2:9")
        assert "timed out" in p.stderr or "timeout" in p.stderr
