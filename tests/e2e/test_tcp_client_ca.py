"""tcp listen --tls --client-ca FILE: clients must show a certificate
signed by a CA in FILE.  ncat has no server-side equivalent (its
--ssl-verify has no effect in listen mode), so openssl s_client is the
client, with a certificate from the test's CA, without one, and with a
self-signed one."""
import os
import select
import subprocess
import time

import pytest

from conftest import TIMEOUT, make_ca, need_tool, one_line_error, run
from tcp_helpers import sockit_listen


def ossl(*a):
    subprocess.run(["openssl", *a], check=True, capture_output=True, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    need_tool("openssl")
    d = str(tmp_path_factory.mktemp("pki"))
    ca, cert, key = make_ca(d)
    cakey = os.path.join(d, "ca.key")
    ck, csr, cc = (os.path.join(d, n) for n in ("alice.key", "alice.csr", "alice.pem"))
    ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", ck, "-out", csr, "-subj", "/CN=alice")
    ossl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", cakey, "-CAcreateserial",
         "-out", cc, "-days", "2")
    mk, mc = os.path.join(d, "mallory.key"), os.path.join(d, "mallory.pem")
    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", mk, "-out", mc, "-days", "2", "-subj", "/CN=mallory")
    return dict(ca=ca, cert=cert, key=key, alice=(cc, ck), mallory=(mc, mk))


def s_client(pki, port, pair=None):
    argv = ["openssl", "s_client", "-quiet", "-CAfile", pki["ca"],
            "-connect", f"localhost:{port}"]
    if pair:
        argv += ["-cert", pair[0], "-key", pair[1]]
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        p.stdin.write(b"hello\n")
        p.stdin.flush()
        # The server closes after its answer (--sh-exec below exits), or
        # at once when the handshake fails.
        out, err = p.communicate(timeout=TIMEOUT)
    finally:
        p.kill()
    return p.returncode, out, err


def test_client_certificate_required_and_checked(pki):
    srv, port = sockit_listen("-k", "127.0.0.1:0", "--tls", "--cert", pki["cert"],
                              "--key", pki["key"], "--client-ca", pki["ca"],
                              "--sh-exec", 'read l; echo "I Know $l"')
    with srv:
        rc, out, _ = s_client(pki, port, pki["alice"])
        assert out == b"I Know hello\n"
        srv.wait_line(r"\] client certificate /CN=alice$")
        rc, out, err = s_client(pki, port)
        assert out == b"" and b"certificate required" in err, err
        srv.wait_line(r"disconnected: handshake: peer did not return a certificate")
        rc, out, err = s_client(pki, port, pki["mallory"])
        assert out == b"", out
        srv.wait_line(r"disconnected: self-signed certificate: certificate verification failed")
        assert srv.count(r"client certificate") == 1


def test_client_ca_file_errors(pki):
    one_line_error(run("tcp", "listen", "127.0.0.1:0", "--client-ca", pki["ca"]), 2,
                   "need --tls")
    one_line_error(run("tcp", "listen", "--tls", "127.0.0.1:0", "--client-ca", "/nonexistent.pem"),
                   1, "--client-ca /nonexistent.pem: no such file or directory")


def read_exactly(f, n):
    """n bytes from pipe f, waiting at most TIMEOUT for them."""
    deadline, got = time.monotonic() + TIMEOUT, b""
    while len(got) < n:
        left = deadline - time.monotonic()
        assert left > 0 and select.select([f], [], [], left)[0], got
        chunk = os.read(f.fileno(), n - len(got))
        assert chunk, got
        got += chunk
    return got


def test_one_client_mode_logs_the_certificate(pki):
    srv, port = sockit_listen("127.0.0.1:0", "--tls", "--cert", pki["cert"], "--key", pki["key"],
                              "--client-ca", pki["ca"], stdin=subprocess.PIPE)
    with srv:
        cl = subprocess.Popen(["openssl", "s_client", "-quiet", "-CAfile", pki["ca"],
                               "-connect", f"localhost:{port}", "-cert", pki["alice"][0],
                               "-key", pki["alice"][1]],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
        try:
            cl.stdin.write(b"hello\n")
            cl.stdin.flush()
            srv.p.stdin.write(b"I Know\n")
            srv.p.stdin.flush()
            # The server's stdin ends only once the client's line is in: a
            # client that sees the server finish first may leave unsent.
            assert read_exactly(srv.p.stdout, 6) == b"hello\n"
            srv.p.stdin.close()
            out, _ = cl.communicate(timeout=TIMEOUT)
        finally:
            cl.kill()
        assert out == b"I Know\n"
        srv.wait_line(r"certificate /CN=alice$")
        assert srv.wait() == 0
