"""udp relay: raw two-way UDP with one peer, against nc -u / nc -ul and
ncat -u / ncat -ul, IPv4 and IPv6, and the lock onto the first sender."""
import os
import select
import socket
import subprocess
import time

import pytest

from conftest import SOCKIT, TIMEOUT, need_tool, one_line_error, run
from tcp_helpers import Proc

FAMILIES = [("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)]


def read_line(pipe, timeout=TIMEOUT):
    """One line from a process's stdout pipe, byte by byte (nothing read
    past it), failing after timeout."""
    fd, line = pipe.fileno(), b""
    deadline = time.monotonic() + timeout
    while not line.endswith(b"\n"):
        r, _, _ = select.select([fd], [], [], max(0, deadline - time.monotonic()))
        assert r, f"no line within {timeout}s (got {line!r})"
        c = os.read(fd, 1)
        assert c, f"end of output (got {line!r})"
        line += c
    return line


def udp_port(host):
    """A UDP port that was free a moment ago on host."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_udp_bound(port, proc):
    """Waits (ss, bounded) until proc's UDP port is bound."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the peer exited before binding"
        out = subprocess.run(["ss", "-Hlun", f"sport = :{port}"], capture_output=True,
                             text=True, timeout=5).stdout
        if f":{port} " in out:
            return
        time.sleep(0.02)
    raise AssertionError(f"nothing bound UDP port {port}")


def peer(argv):
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)


def stop(p):
    if p.poll() is None:
        p.kill()
    p.wait(timeout=TIMEOUT)
    for f in (p.stdin, p.stdout):
        if f:
            f.close()


def relay_listen(host, *args):
    """sockit udp relay -l on host, port 0; returns (proc, port)."""
    addr = f"[{host}]:0" if ":" in host else f"{host}:0"
    p = Proc([SOCKIT, "udp", "relay", "-l", *args, addr], stdin=subprocess.PIPE)
    port = int(p.wait_line(r"listening on .*:(\d+)$").group(1))
    return p, port


@pytest.mark.parametrize("host,fam", FAMILIES)
@pytest.mark.parametrize("tool", [["nc", "-u", "-l"], ["ncat", "-u", "-l"]])
def test_connect_to_a_udp_listener(host, fam, tool):
    """sockit udp relay HOST:PORT against nc -ul / ncat -ul: a line each
    way, unlabelled; the end of stdin with -q 0 ends it, status 0."""
    need_tool(tool[0])
    port = udp_port(host)
    srv = peer(tool + [host, str(port)])
    try:
        wait_udp_bound(port, srv)
        addr = f"[{host}]:{port}" if fam == socket.AF_INET6 else f"{host}:{port}"
        with Proc([SOCKIT, "udp", "relay", "-q", "0", addr], stdin=subprocess.PIPE) as c:
            c.p.stdin.write(b"hello from sockit\n")
            c.p.stdin.flush()
            assert read_line(srv.stdout) == b"hello from sockit\n"
            srv.stdin.write(b"hello back\n")
            srv.stdin.flush()
            assert read_line(c.p.stdout) == b"hello back\n"
            c.p.stdin.close()
            assert c.wait() == 0, c.stderr()
            assert c.stderr() == ""
    finally:
        stop(srv)


@pytest.mark.parametrize("host,fam", FAMILIES)
@pytest.mark.parametrize("tool", [["nc", "-u"], ["ncat", "-u"]])
def test_listen_locks_onto_the_first_sender(host, fam, tool):
    """sockit udp relay -l against nc -u / ncat -u: the first sender's
    datagrams come out raw and stdin goes back to it; a second sender
    (ncat -u --send-only, which has sent and exited) is not relayed."""
    need_tool(tool[0])
    need_tool("ncat")
    lp, port = relay_listen(host)
    a = peer(tool + [host, str(port)])
    with lp:
        try:
            a.stdin.write(b"first\n")
            a.stdin.flush()
            assert read_line(lp.p.stdout) == b"first\n"
            lp.p.stdin.write(b"to the first\n")
            lp.p.stdin.flush()
            assert read_line(a.stdout) == b"to the first\n"
            b = subprocess.run(["ncat", "-u", "--send-only", host, str(port)],
                               input=b"second sender\n", capture_output=True, timeout=TIMEOUT)
            assert b.returncode in (0, 1), b.stderr  # 1: refused, as it should be
            a.stdin.write(b"first again\n")
            a.stdin.flush()
            assert read_line(lp.p.stdout) == b"first again\n"
        finally:
            stop(a)


def test_listen_drops_a_second_sender_queued_before_the_lock():
    """Datagrams from another sender that arrived before the first one was
    read are dropped too, and the first sender's keep their order; an
    empty datagram from the peer ends the relay (as nc -u takes it)."""
    lp, port = relay_listen("127.0.0.1", "-v")
    with lp:
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        a.bind(("127.0.0.1", 0))
        # Sent back to back, before sockit can read any of them.
        a.sendto(b"A1\n", ("127.0.0.1", port))
        b.sendto(b"B1\n", ("127.0.0.1", port))
        a.sendto(b"A2\n", ("127.0.0.1", port))
        lp.wait_line(r"127\.0\.0\.1:%d: locked onto it" % a.getsockname()[1])
        b.sendto(b"B2\n", ("127.0.0.1", port))
        a.sendto(b"A3\n", ("127.0.0.1", port))
        a.sendto(b"", ("127.0.0.1", port))
        assert lp.wait() == 0, lp.stderr()
        assert lp.p.stdout.read() == b"A1\nA2\nA3\n"
        a.close()
        b.close()


def test_refused_by_the_peer():
    """ICMP port unreachable comes back as connection refused: status 1,
    one line (ncat -u says "Connection refused." and exits 1 too)."""
    port = udp_port("127.0.0.1")
    with Proc([SOCKIT, "udp", "relay", f"127.0.0.1:{port}"], stdin=subprocess.PIPE) as c:
        c.p.stdin.write(b"anyone?\n")
        c.p.stdin.flush()
        c.wait_line(r"connection refused")  # read back from the socket
        assert c.wait() == 1
        assert c.count(r"^sockit: udp relay: 127\.0\.0\.1:%d: .*connection refused" % port) == 1


@pytest.mark.parametrize("args,needle", [
    (["-l", "-s", "127.0.0.1", ":0"], "-s/-p set the local end without -l"),
    (["127.0.0.1:0"], "port 0 cannot be sent to"),
    (["unix:/tmp/x"], "UDP needs HOST:PORT"),
    (["-l"], "missing [ADDR]:PORT"),
])
def test_usage_errors(args, needle):
    one_line_error(run("udp", "relay", *args), 2, needle)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_source_address_and_port(host):
    """-s [ADDR]:PORT and -s ADDR -p PORT choose where datagrams come from."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    r = socket.socket(fam, socket.SOCK_DGRAM)
    r.bind((host, 0))
    r.settimeout(TIMEOUT)
    port = r.getsockname()[1]
    br = (lambda h: f"[{h}]" if ":" in h else h)(host)
    for args in (["-s", f"{br}:{udp_port(host)}"], ["-s", host, "-p", str(udp_port(host))]):
        want = int(args[-1].rsplit(":", 1)[-1])
        p = run("udp", "relay", "-q", "0", *args, f"{br}:{port}", input="x\n")
        assert p.returncode == 0, p.stderr
        data, src = r.recvfrom(100)
        assert data == b"x\n" and src[0] == host and src[1] == want
    r.close()


def test_source_of_the_other_family_is_refused():
    one_line_error(run("udp", "relay", "-s", "[::1]:0", "127.0.0.1:9"), 1,
                   "--source: ", "IPv6", "IPv4")
