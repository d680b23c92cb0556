"""The edges of sockit http get a demanding user hits: -k says that the
certificate was not checked, an interrupted -o leaves no FILE.part, -L -i
shows every hop as curl does, and user:password@ URLs send Basic
authentication (nginx's auth_basic as the peer)."""
import base64
import os
import signal
import subprocess
import time

import pytest

from conftest import SOCKIT, make_ca, need_tool, one_line_error, run
from http_peers import Nginx, RawServer


@pytest.fixture(scope="module")
def www(tmp_path_factory):
    root = tmp_path_factory.mktemp("edges")
    (root / "f1").write_bytes(b"file one\n")
    (root / "locked").mkdir()
    (root / "locked" / "f").write_bytes(b"secret\n")
    return root


@pytest.fixture(scope="module")
def nginx(www, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("edges-nginx")
    users = tmp / "users"
    users.write_text("ann:{PLAIN}p@ss/w0rd\n")
    extra = f'location /locked/ {{ auth_basic "x"; auth_basic_user_file {users}; }}'
    with Nginx(str(tmp), str(www), extra_server=extra) as n:
        yield n


def test_insecure_says_the_certificate_was_not_checked(www, tmp_path_factory):
    pki = make_ca(tmp_path_factory.mktemp("edges-pki"), names=("DNS:localhost",))
    tmp = tmp_path_factory.mktemp("edges-tls")
    with Nginx(str(tmp), str(www), tls=(pki[1], pki[2])) as n:
        p = run("http", "get", "-k", n.url("/f1"), check=0)
        assert p.stdout == "file one\n"
        assert "certificate" in p.stderr and "not checked" in p.stderr, p.stderr
        assert p.stderr.count("\n") == 1
        p = run("http", "get", "--cafile", pki[0], n.url("/f1", host="localhost"), check=0)
        assert p.stderr == ""
    # Plain http has no certificate: nothing to say.
    with RawServer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") as srv:
        p = run("http", "get", "-k", srv.url(), check=0)
        assert p.stdout == "ok" and p.stderr == ""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_output_leaves_no_part_file(tmp_path, sig):
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
    with RawServer(head, b"x" * 5000, None) as srv:
        out = tmp_path / "f"
        p = subprocess.Popen([SOCKIT, "http", "get", "-q", "-o", str(out), srv.url()],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        part = tmp_path / "f.part"
        deadline = time.monotonic() + 10
        while not (part.exists() and part.stat().st_size == 5000):
            assert time.monotonic() < deadline, "no FILE.part with the first bytes"
            time.sleep(0.02)
        p.send_signal(sig)
        p.wait(timeout=10)
        assert p.returncode == -sig
        assert not part.exists() and not out.exists()


def curl_heads(*args):
    need_tool("curl")
    p = subprocess.run(["curl", "-sS", *args], capture_output=True, timeout=20)
    return p.stdout


def status_lines(out):
    return [line for line in out.split(b"\r\n") if line.startswith(b"HTTP/")]


def test_location_with_include_shows_every_hop(nginx):
    url = nginx.url("/chain")
    p = run("http", "get", "-L", "-i", url, input=b"", check=0)
    want = curl_heads("-L", "-i", url)
    assert status_lines(p.stdout) == status_lines(want) == [
        b"HTTP/1.1 302 Moved Temporarily", b"HTTP/1.1 301 Moved Permanently",
        b"HTTP/1.1 200 OK"]
    assert p.stdout.count(b"Location: ") == 2
    assert p.stdout.endswith(b"\r\n\r\nfile one\n")
    p = run("http", "get", "-L", "-I", url, input=b"", check=0)
    assert len(status_lines(p.stdout)) == 3


def test_userinfo_sends_basic_authentication(nginx):
    p = run("http", "get", nginx.url("/locked/f").replace("://", "://ann:p%40ss%2Fw0rd@"),
            input=b"", check=0)
    assert p.stdout == b"secret\n"
    p = run("http", "get", nginx.url("/locked/f").replace("://", "://ann:wrong@"))
    one_line_error(p, 1, "401")
    p = run("http", "get", nginx.url("/locked/f"))
    one_line_error(p, 1, "401")


def test_userinfo_on_the_wire_and_never_shown(tmp_path):
    with RawServer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") as srv:
        url = srv.url("/x").replace("://", "://me:s%3Acret@")
        p = run("http", "get", url, check=0)
        assert p.stdout == "ok"
        want = base64.b64encode(b"me:s:cret")
        assert b"\r\nAuthorization: Basic " + want + b"\r\n" in srv.requests[0]
        # A user-given Authorization header wins.
        p = run("http", "get", "-H", "Authorization: Bearer t", url, check=0)
        assert b"\r\nAuthorization: Bearer t\r\n" in srv.requests[1]
        assert b"Basic" not in srv.requests[1]
        # A user with no password is sent with an empty one, as curl does.
        run("http", "get", srv.url("/x").replace("://", "://solo@"), check=0)
        assert b"Authorization: Basic " + base64.b64encode(b"solo:") in srv.requests[2]
    with RawServer(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n") as srv:
        p = run("http", "get", srv.url("/x").replace("://", "://me:topsecret@"))
        one_line_error(p, 1, "404")
        assert "topsecret" not in p.stderr


def test_credentials_are_not_sent_to_another_origin():
    with RawServer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") as other:
        loc = other.url("/y").encode()
        with RawServer(b"HTTP/1.1 302 Found\r\nLocation: " + loc +
                       b"\r\nContent-Length: 0\r\n\r\n") as first:
            p = run("http", "get", "-L", first.url("/x").replace("://", "://me:pw@"), check=0)
            assert p.stdout == "ok"
            assert b"Authorization: Basic" in first.requests[0]
            assert b"Authorization" not in other.requests[0]
