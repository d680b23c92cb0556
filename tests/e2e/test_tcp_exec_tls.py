"""tcp listen --exec / --sh-exec over TLS: the program gets pipes and
sockit relays them through the TLS connection.  Clients: ncat --ssl,
openssl s_client, and Python's ssl (OpenSSL) where a test needs to hold
the connection in a given state.  The CA is made by the test."""
import os
import re
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import TIMEOUT, make_ca, need_tool, one_line_error, run
from tcp_helpers import sockit_listen


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    need_tool("openssl")
    return make_ca(tmp_path_factory.mktemp("pki"))


def tls_exec(pki, *args):
    ca, cert, key = pki
    return sockit_listen("-k", "127.0.0.1:0", "--tls", "--cert", cert, "--key", key, *args)


def ncat_ssl(ca, port, data, timeout=TIMEOUT):
    return subprocess.run(["ncat", "--ssl", "--ssl-trustfile", ca, "localhost", str(port)],
                          input=data, capture_output=True, timeout=timeout)


def ssl_connect(ca, port):
    ctx = ssl.create_default_context(cafile=ca)
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def children(pid):
    kids = []
    for t in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{t}/children") as f:
            kids += f.read().split()
    return kids


def test_ncat_half_close_reaches_the_program_with_peer_environment(pki):
    need_tool("ncat")
    ca = pki[0]
    srv, port = tls_exec(pki, "--sh-exec", 'echo "$SOCKIT_PEER_ADDR $SOCKIT_PEER_PORT"; tr a-z A-Z')
    with srv:
        # tr answers only at end of input: ncat's EOF must reach its stdin.
        c = ncat_ssl(ca, port, b"shout\n")
        assert c.returncode == 0, c
        m = re.fullmatch(rb"127\.0\.0\.1 (\d+)\nSHOUT\n", c.stdout)
        assert m, c.stdout
        srv.wait_line(rf"\[1 127\.0\.0\.1:{m.group(1).decode()}\] disconnected: "
                      r"program exited with status 0 \(rx 6 B, tx \d+ B")


def test_program_exit_closes_the_connection_for_s_client(pki):
    ca = pki[0]
    srv, port = tls_exec(pki, "--sh-exec", 'read l; echo "got $l"; exit 3')
    with srv:
        # -quiet implies -ign_eof: s_client ends only when the server
        # closes, which it must do when the program exits.
        p = subprocess.Popen(["openssl", "s_client", "-quiet", "-CAfile", ca,
                              "-connect", f"localhost:{port}"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        try:
            p.stdin.write(b"xyz\n")
            p.stdin.flush()
            out, err = p.communicate(timeout=TIMEOUT)  # stdin stays open until now
        finally:
            p.kill()
        assert out == b"got xyz\n", (out, err)
        srv.wait_line(r"disconnected: program exited with status 3")


def test_many_clients_at_once_each_get_their_own_bytes(pki):
    need_tool("ncat")
    ca = pki[0]
    srv, port = tls_exec(pki, "--exec", "/bin/cat")
    with srv:
        datas = [os.urandom(200_000 + i) for i in range(6)]
        results = [None] * len(datas)

        def one(i):
            results[i] = ncat_ssl(ca, port, datas[i])

        ts = [threading.Thread(target=one, args=(i,)) for i in range(len(datas))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(TIMEOUT)
        for d, r in zip(datas, results):
            assert r is not None and r.returncode == 0, r
            assert r.stdout == d
        srv.wait_count(r"disconnected: program exited with status 0", len(datas))


def test_s_client_several_at_once(pki):
    ca = pki[0]
    srv, port = tls_exec(pki, "--sh-exec", 'while read l; do echo "[$l]"; done')
    with srv:
        ps = [subprocess.Popen(["openssl", "s_client", "-quiet", "-CAfile", ca,
                                "-connect", f"localhost:{port}"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL) for _ in range(3)]
        try:
            for i, p in enumerate(ps):
                p.stdin.write(f"client {i}\n".encode())
                p.stdin.flush()
            for i, p in enumerate(ps):
                assert p.stdout.readline() == f"[client {i}]\n".encode()
            srv.wait_line(r"connected \(3 clients\)")
        finally:
            for p in ps:
                p.kill()
                p.wait(TIMEOUT)
        # Clients gone: their programs are stopped, none is left behind.
        srv.wait_count(r"disconnected", 3)
        deadline = time.monotonic() + TIMEOUT
        while children(srv.p.pid):
            assert time.monotonic() < deadline, children(srv.p.pid)
            time.sleep(0.05)


def test_a_program_that_does_not_read_stops_the_client(pki):
    """Backpressure toward the program: the client cannot push more than
    the buffers along the way, however much it tries."""
    ca = pki[0]
    srv, port = tls_exec(pki, "--max-buffer", "64K", "--idle-timeout", "3s",
                         "--sh-exec", "exec sleep 60")
    with srv:
        s = ssl_connect(ca, port)
        s.settimeout(2)
        sent, chunk = 0, b"z" * 65536
        try:
            while sent < 64 << 20:
                sent += s.send(chunk)
        except (socket.timeout, ssl.SSLWantWriteError):
            pass
        # Loopback socket buffers take a few MiB; without backpressure all
        # 64 MiB would go (into the server's memory).
        assert sent < 32 << 20, sent
        s.close()
        # A paused client is not read, so its leaving is not seen either:
        # --idle-timeout is what ends such a session, and the program with it.
        srv.wait_line(r"disconnected: idle for 3000 ms")
        deadline = time.monotonic() + TIMEOUT
        while children(srv.p.pid):  # sleep 60 was told to stop
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_a_client_that_does_not_read_stops_the_program(pki):
    """Backpressure toward the client: the program's output waits in its
    pipe, not in the server's memory."""
    ca = pki[0]
    total = 30_000_000
    srv, port = tls_exec(pki, "--max-buffer", "256K", "--sh-exec",
                         f"head -c {total} /dev/zero")
    with srv:
        base = rss_kb(srv.p.pid)
        s = ssl_connect(ca, port)
        got = len(s.recv(1))
        time.sleep(1)  # room for the program to write, if nothing held it back
        grown = rss_kb(srv.p.pid) - base
        assert grown < 20_000, f"server grew {grown} kB with a client not reading"
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            got += len(b)
        assert got == total
        s.close()
        srv.wait_line(r"disconnected: program exited with status 0")


def test_tls_exec_still_refused_off_loopback_without_allow(pki):
    ca, cert, key = pki
    one_line_error(run("tcp", "listen", "-k", ":0", "--tls", "--cert", cert, "--key", key,
                       "--exec", "/bin/cat"), 2, "--exec on a non-loopback address")


def test_kicked_or_idle_program_is_stopped():
    """Plain --exec too: a client dropped by --idle-timeout takes its
    program with it (before, the program ran on with the socket)."""
    srv, port = sockit_listen("-k", "127.0.0.1:0", "--idle-timeout", "300ms",
                              "--exec", "/bin/sleep 60")
    with srv:
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        srv.wait_line(r"disconnected: idle for 300 ms")
        deadline = time.monotonic() + TIMEOUT
        while children(srv.p.pid):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        s.settimeout(TIMEOUT)
        assert s.recv(10) == b""
        s.close()
