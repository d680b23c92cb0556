"""sockit http serve against clients that would hold it: a request head
must arrive within its own deadline, one address gets a bounded number of
connections, and running out of descriptors is a 503 with Retry-After,
never a 403 for a file that exists."""
import resource
import socket
import subprocess
import time

import pytest

from conftest import SOCKIT
from http_peers import Serve


def read_all(s, limit=10):
    s.settimeout(limit)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def get(port, path=b"/file.txt", source="127.0.0.1"):
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    out = read_all(s)
    s.close()
    return out


@pytest.fixture
def root(tmp_path):
    (tmp_path / "file.txt").write_bytes(b"hello, world\n")
    return tmp_path


@pytest.fixture
def many_fds():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 4096)
    assert want >= 2600, f"the test needs 2,600 descriptors, the hard limit is {hard}"
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_trickled_head_is_cut_at_its_deadline(root):
    with Serve(root, "--header-timeout", "1s", "--idle-timeout", "60s") as s:
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        t0 = time.monotonic()
        out = b""
        c.settimeout(0.2)
        for byte in b"GET /file.txt HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"a" * 200:
            try:
                c.send(bytes([byte]))
            except OSError:
                break
            try:
                out += c.recv(1000)
                break  # an answer, or the end
            except socket.timeout:
                pass
            if time.monotonic() - t0 > 15:
                break
        out += read_all(c)
        c.close()
        assert out.startswith(b"HTTP/1.1 408 Request Timeout"), out[:80]
        assert time.monotonic() - t0 < 15
        line = s.log_lines(1)[0]
        assert line.endswith(" 408 20"), line


def test_a_silent_connection_is_cut_at_the_header_deadline(root):
    with Serve(root, "--header-timeout", "500ms", "--idle-timeout", "60s", "-q") as s:
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        t0 = time.monotonic()
        assert read_all(c).startswith(b"HTTP/1.1 408")
        assert time.monotonic() - t0 < 8
        c.close()


def test_connections_per_address_are_capped(root):
    with Serve(root, "--max-per-addr", "3", "-q") as s:
        held = [socket.create_connection(("127.0.0.1", s.port), timeout=10) for _ in range(3)]
        for c in held:
            c.sendall(b"GET /file.txt HTTP/1.1\r\nHost: a\r\n\r\n")
            assert c.recv(65536).startswith(b"HTTP/1.1 200 OK")
        out = get(s.port)
        assert out.startswith(b"HTTP/1.1 503 Service Unavailable"), out[:80]
        assert b"Retry-After: " in out
        assert get(s.port, source="127.0.0.2").startswith(b"HTTP/1.1 200 OK")
        held.pop().close()
        for _ in range(100):  # the server sees the close on its next turn
            out = get(s.port)
            if out.startswith(b"HTTP/1.1 200"):
                break
        assert out.startswith(b"HTTP/1.1 200 OK")
        for c in held:
            c.close()


def test_1200_trickling_clients_do_not_stop_a_normal_one(root, many_fds):
    with Serve(root, "--header-timeout", "60s", "-q") as s:
        slow = []
        try:
            for i in range(1200):
                src = f"127.0.1.{1 + i // 100}"
                c = socket.create_connection(("127.0.0.1", s.port), timeout=10,
                                             source_address=(src, 0))
                c.sendall(b"GET /file.txt HTTP/1.1\r\nHost: a\r\nX: ")
                slow.append(c)
            for c in slow[::50]:
                c.sendall(b"a")
            out = get(s.port)
            assert out.startswith(b"HTTP/1.1 200 OK") and out.endswith(b"hello, world\n")
            # They were held, not dropped: one finishing its head is served.
            slow[-1].sendall(b"b\r\nConnection: close\r\n\r\n")
            assert read_all(slow[-1]).startswith(b"HTTP/1.1 200 OK")
        finally:
            for c in slow:
                c.close()


def test_out_of_descriptors_is_503_never_403(root):
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (32, 32))
    p = subprocess.Popen([SOCKIT, "http", "serve", str(root), "--bind", "127.0.0.1:0", "-q"],
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, preexec_fn=limit)
    try:
        line = p.stderr.readline().decode()
        port = int(line.rsplit(":", 1)[1])
        clients = [socket.create_connection(("127.0.0.1", port), timeout=10)
                   for _ in range(40)]
        statuses = []
        for c in clients:
            c.sendall(b"GET /file.txt HTTP/1.1\r\nHost: a\r\n\r\n")
        for c in clients:
            out = c.recv(65536)
            statuses.append(out.split(b" ", 2)[1] if out else b"closed")
            if out.startswith(b"HTTP/1.1 503"):
                assert b"Retry-After: " in out
        assert b"403" not in statuses, statuses
        assert b"200" in statuses and b"503" in statuses, statuses
        assert set(statuses) <= {b"200", b"503"}, statuses
        for c in clients:
            c.close()
        # Descriptors come back: so does service.
        for _ in range(100):
            out = get(port)
            if out.startswith(b"HTTP/1.1 200"):
                break
        assert out.startswith(b"HTTP/1.1 200 OK")
    finally:
        p.terminate()
        p.wait(timeout=5)
        err = p.stderr.read().decode()
    assert "out of file descriptors" in err, err
