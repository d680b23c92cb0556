"""sockit http get over https against nginx with a test CA: verification
on by default (trusted CA and right name pass; unknown CA and wrong name
fail), --cafile, --insecure."""
import hashlib

import pytest

from conftest import make_ca, one_line_error, run
from http_peers import Nginx


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("pki"), names=("DNS:localhost",))


@pytest.fixture(scope="module")
def tls_nginx(pki, tmp_path_factory):
    root = tmp_path_factory.mktemp("tlswww")
    (root / "f1").write_bytes(b"file one\n")
    (root / "big").write_bytes(bytes(range(256)) * 40000)
    tmp = tmp_path_factory.mktemp("tlsnginx")
    with Nginx(str(tmp), str(root), tls=(pki[1], pki[2])) as n:
        yield n


def test_verified_by_name_with_cafile(tls_nginx, pki):
    p = run("http", "get", "--cafile", pki[0], tls_nginx.url("/f1", host="localhost"), check=0)
    assert p.stdout == "file one\n"


def test_big_body_over_tls(tls_nginx, pki, tmp_path):
    out = tmp_path / "big"
    run("http", "get", "--cafile", pki[0], "-o", out, tls_nginx.url("/big", host="localhost"),
        check=0)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(
        bytes(range(256)) * 40000).hexdigest()


def test_wrong_name_fails(tls_nginx, pki, tmp_path):
    out = tmp_path / "x"
    p = run("http", "get", "--cafile", pki[0], "-o", out, tls_nginx.url("/f1"))
    one_line_error(p, 1, "127.0.0.1:%d" % tls_nginx.port)
    assert "certificate" in p.stderr or "mismatch" in p.stderr
    assert not out.exists() and not (tmp_path / "x.part").exists()


def test_unknown_ca_fails_by_default(tls_nginx):
    p = run("http", "get", tls_nginx.url("/f1", host="localhost"))
    one_line_error(p, 1)
    assert "certificate" in p.stderr or "verif" in p.stderr


def test_insecure_skips_verification(tls_nginx):
    p = run("http", "get", "--insecure", tls_nginx.url("/f1"), check=0)
    assert p.stdout == "file one\n"
    p = run("http", "get", "-k", "-i", tls_nginx.url("/f1", host="localhost"), input=b"",
            check=0)
    assert p.stdout.startswith(b"HTTP/1.1 200 OK\r\n")


def test_raw_over_tls_shows_plaintext(tls_nginx, pki):
    p = run("http", "get", "--raw", "--cafile", pki[0], tls_nginx.url("/f1", host="localhost"),
            input=b"", check=0)
    assert b"GET /f1 HTTP/1.1\r\nHost: localhost:%d\r\n" % tls_nginx.port in p.stdout
    assert b"--- response header (" in p.stdout and b"\nfile one\n" in p.stdout


def test_plain_http_to_a_tls_port_is_a_clear_error(tls_nginx):
    p = run("http", "get", tls_nginx.url("/f1").replace("https://", "http://"))
    one_line_error(p, 1)


def test_tls_usage_errors():
    one_line_error(run("http", "get", "--insecure", "--cafile", "x", "https://localhost/"), 2,
                   "--insecure")
    p = run("http", "get", "--cafile", "/nonexistent.pem", "https://localhost:1/")
    one_line_error(p, 1, "nonexistent")
