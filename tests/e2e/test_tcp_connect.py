"""tcp connect against real peers: socat, nc, ncat, openssl s_server."""
import hashlib
import os
import re
import select
import subprocess
import time

import pytest

from conftest import (SOCKIT, TIMEOUT, free_port, make_ca, need_tool, one_line_error, run,
                      run_offline_dns)
from tcp_helpers import Proc, sockit_listen, wait_listening


def peer(make_argv, **kw):
    """Starts a peer tool listening on a free port (make_argv(port) gives
    its command line) and waits until it listens.  The machine is shared,
    so a port free a moment ago may be taken: then another port is tried.
    Returns the Proc, with .port set."""
    for attempt in range(3):
        port = free_port()
        p = Proc(make_argv(port), hard=True, **kw)
        try:
            wait_listening(port, proc=p.p)
        except AssertionError:
            p.stop()
            if attempt == 2:
                raise
            continue
        p.port = port
        return p


def test_half_close_gets_the_answer_after_eof():
    need_tool("socat")
    with peer(lambda port: ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr", "EXEC:tr a-z A-Z"]) as _peer:
        port = _peer.port
        p = run("tcp", "connect", f"127.0.0.1:{port}", input="abc", check=0)
        assert p.stdout == "ABC"


def test_ipv6_loopback_and_send():
    need_tool("socat")
    with peer(lambda port: ["socat", f"TCP6-LISTEN:{port},bind=[::1],reuseaddr", "EXEC:tr a-z A-Z"]) as _peer:
        port = _peer.port
        p = run("tcp", "connect", f"[::1]:{port}", "--send", r"hello\n", check=0)
        assert p.stdout == "HELLO\n"


def test_to_nc_listener_both_ways():
    need_tool("nc")
    # OpenBSD nc -l: answers with its stdin, prints what it receives.
    with peer(lambda port: ["nc", "-N", "-l", "127.0.0.1", str(port)],
              stdin=subprocess.PIPE) as n:
        port = n.port
        n.p.stdin.write(b"from nc\n")
        n.p.stdin.close()
        p = run("tcp", "connect", f"127.0.0.1:{port}", input="from sockit\n", check=0)
        assert p.stdout == "from nc\n"
        assert n.p.stdout.read() == b"from sockit\n"


def test_to_ncat_listener_with_crlf():
    need_tool("ncat")
    with peer(lambda port: ["ncat", "-l", "--recv-only", "127.0.0.1", str(port)]) as n:
        port = n.port
        run("tcp", "connect", "-C", f"127.0.0.1:{port}", input="a\nb\n", check=0)
        assert n.p.stdout.read() == b"a\r\nb\r\n"


def test_wait_reply_with_a_server_that_stays_open():
    need_tool("ncat")
    with peer(lambda port: ["ncat", "-lk", "127.0.0.1", str(port), "--sh-exec", "head -c 3; exec cat >/dev/null"]) as _peer:
        port = _peer.port
        p = run("tcp", "connect", f"127.0.0.1:{port}", "--send", "xyz",
                "--no-shutdown", "--wait-reply", "1s", check=0)
        assert p.stdout == "xyz"


def test_no_reply_is_a_failure():
    need_tool("ncat")
    with peer(lambda port: ["ncat", "-lk", "127.0.0.1", str(port), "--sh-exec", "exec cat >/dev/null"]) as _peer:
        port = _peer.port
        p = run("tcp", "connect", f"127.0.0.1:{port}", "--send", "x", "--no-shutdown",
                "--wait-reply", "300ms")
        one_line_error(p, 1, "no reply within 300 ms")
        p = run("tcp", "connect", f"127.0.0.1:{port}", "--send", "x", "--wait-reply", "5s")
        one_line_error(p, 1, "closed without a reply")


def test_quit_after_stdin_eof():
    need_tool("ncat")
    with peer(lambda port: ["ncat", "-lk", "127.0.0.1", str(port), "--sh-exec", "exec cat >/dev/null"]) as _peer:
        port = _peer.port
        p = run("tcp", "connect", "-q", "0", f"127.0.0.1:{port}", input="x", check=0)
        assert p.stdout == ""


def test_no_shutdown_keeps_the_server_waiting():
    need_tool("socat")
    with peer(lambda port: ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr", "EXEC:tr a-z A-Z"]) as _peer:
        port = _peer.port
        # tr answers only at EOF, which --no-shutdown never sends.
        p = run("tcp", "connect", "--no-shutdown", "-q", "300ms", f"127.0.0.1:{port}",
                input="abc", check=0)
        assert p.stdout == ""


def test_verbose_tags_and_hex():
    need_tool("socat")
    with peer(lambda port: ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr", "EXEC:cat"]) as _peer:
        port = _peer.port
        p = run("tcp", "connect", "-v", "--hex", f"127.0.0.1:{port}", "--send", r"hi\x00",
                check=0)
    assert p.stdout == ("00000000  68 69 00                                          |hi.|\n"
                        "00000003\n")
    assert re.search(r"^> \d\d:\d\d:\d\d\.\d{6} 127\.0\.0\.1:\d+ 3 bytes$", p.stderr, re.M)
    assert re.search(r"^< \d\d:\d\d:\d\d\.\d{6} 127\.0\.0\.1:\d+ 3 bytes$", p.stderr, re.M)
    assert "  hi\\0" in p.stderr
    assert re.search(r"connected to 127\.0\.0\.1:\d+ from 127\.0\.0\.1:\d+", p.stderr)


def test_unix_socket():
    need_tool("socat")
    path = f"/tmp/sockit-test-{os.getpid()}.sock"
    with Proc(["socat", f"UNIX-LISTEN:{path},unlink-early", "EXEC:tr a-z A-Z"]) as s:
        for _ in range(200):
            if os.path.exists(path):
                break
            s.p.wait(timeout=0.05) if s.p.poll() is not None else __import__("time").sleep(0.05)
        p = run("tcp", "connect", f"unix:{path}", "--send", "unix", check=0)
        assert p.stdout == "UNIX"


def test_big_transfer_both_ways_between_sockit(tmp_path):
    data = os.urandom(100 * 1024 * 1024)
    digest = hashlib.sha256(data).hexdigest()
    src = tmp_path / "src"
    src.write_bytes(data)
    # client -> server
    out = tmp_path / "out1"
    with open(out, "wb") as f:
        srv, port = sockit_listen("127.0.0.1:0", stdout=f)
        with srv:
            with open(src, "rb") as i:
                c = subprocess.run([SOCKIT, "tcp", "connect", f"127.0.0.1:{port}"], stdin=i,
                                   capture_output=True, timeout=120)
            assert c.returncode == 0, c.stderr
            assert srv.wait(120) == 0
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
    # server -> client
    with open(src, "rb") as i:
        srv, port = sockit_listen("[::1]:0", stdin=i, stdout=subprocess.DEVNULL)
        with srv:
            c = subprocess.run([SOCKIT, "tcp", "connect", f"[::1]:{port}"],
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
            assert c.returncode == 0, c.stderr
            assert srv.wait(120) == 0
    assert hashlib.sha256(c.stdout).hexdigest() == digest


def test_refused_is_one_line_and_status_1():
    port = free_port()
    one_line_error(run("tcp", "connect", f"127.0.0.1:{port}"), 1,
                   f"tcp connect: 127.0.0.1:{port}: connection refused")


def test_retry_tries_again_and_says_so():
    port = free_port()
    p = run("tcp", "connect", "-v", "--retry", "2", f"127.0.0.1:{port}")
    assert p.returncode == 1
    assert p.stderr.count(f"connecting to 127.0.0.1:{port}") == 3
    assert "retry 1 of 2 in 250 ms" in p.stderr and "retry 2 of 2 in 500 ms" in p.stderr


def test_every_address_is_tried():
    need_tool("socat")
    # localhost may resolve to ::1 and 127.0.0.1; only IPv4 listens.
    with peer(lambda port: ["socat", f"TCP4-LISTEN:{port},bind=127.0.0.1,reuseaddr",
                            "EXEC:cat"]) as _peer:
        port = _peer.port
        p = run("tcp", "connect", f"localhost:{port}", "--send", "ok", check=0)
        assert p.stdout == "ok"


def test_source_port():
    need_tool("socat")
    sport = free_port()
    with peer(lambda port: ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr",
               "SYSTEM:echo $SOCAT_PEERPORT"]) as _peer:
        port = _peer.port
        p = run("tcp", "connect", "-s", "127.0.0.1", "-p", str(sport), f"127.0.0.1:{port}",
                check=0, input="")
        assert p.stdout.strip() == str(sport)


@pytest.mark.parametrize("args, needle", [
    ((), "missing HOST:PORT"),
    (("127.0.0.1",), "invalid"),
    (("127.0.0.1:0",), "port 0"),
    (("127.0.0.1:99999",), "invalid port"),
    (("--retry", "x", "127.0.0.1:1"), "--retry 'x': not a number"),
    (("-w", "soon", "127.0.0.1:1"), "-w 'soon': bad duration"),
    (("--insecure", "127.0.0.1:1"), "need --tls"),
    (("--send", r"\q", "127.0.0.1:1"), "--send: invalid escape sequence at offset 0"),
    (("--wait-reply", "1s", "127.0.0.1:1"), "--wait-reply needs --send"),
    (("--hex-input", "--send", "zz", "127.0.0.1:1"), "invalid hex input"),
    (("unix:/x", "-p", "5"), "make no sense"),
    (("a:1", "b:2"), "unexpected argument 'b:2'"),
])
def test_bad_input_is_a_usage_error(args, needle):
    one_line_error(run("tcp", "connect", *args), 2, needle)


def test_unknown_host_fails_with_status_1():
    one_line_error(run_offline_dns("tcp", "connect", "no-such-host.invalid:80"), 1,
                   "no-such-host.invalid")


# ---- TLS ----

@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    need_tool("openssl")
    return make_ca(tmp_path_factory.mktemp("ca"))


def s_server(cert, key, *extra):
    """openssl s_server on port 0 (every address, IPv4 and IPv6): it
    prints "ACCEPT [::]:PORT" on stdout, so no port is picked in advance
    and none can be taken by someone else in between."""
    p = Proc(["openssl", "s_server", "-accept", "0", "-cert", cert, "-key", key,
              "-naccept", "1", *extra], stdin=subprocess.PIPE, hard=True)
    deadline = time.monotonic() + TIMEOUT
    fd, out = p.p.stdout.fileno(), b""
    while not (m := re.search(rb"^ACCEPT .*:(\d+)\r?\n", out, re.M)):
        left = deadline - time.monotonic()
        chunk = os.read(fd, 4096) if left > 0 and select.select([fd], [], [], left)[0] else b""
        if not chunk:
            p.stop()
            raise AssertionError(f"s_server printed no ACCEPT line: {out!r} {p.stderr()}")
        out += chunk
    p.port = int(m.group(1))
    return p


def test_tls_verified_against_s_server(ca):
    cafile, cert, key = ca
    with s_server(cert, key) as s:
        port = s.port
        s.p.stdin.write(b"from s_server\n")
        s.p.stdin.flush()
        p = run("tcp", "connect", "--tls", "--cafile", cafile, "-v", f"localhost:{port}",
                "--send", r"hello\n", "--no-shutdown", "--wait-reply", "1s", check=0)
        assert p.stdout == "from s_server\n"
        assert re.search(r"TLS TLSv1\.3 ", p.stderr)


def test_tls_wrong_name_fails_verification(ca):
    cafile, cert, key = ca
    with s_server(cert, key) as _peer:
        port = _peer.port
        p = run("tcp", "connect", "--tls", "--cafile", cafile, f"127.0.0.2:{port}",
                "--send", "x")
        one_line_error(p, 1, "IP address mismatch", "certificate verification failed")


def test_tls_sni_name_is_checked(ca):
    cafile, cert, key = ca
    with s_server(cert, key) as _peer:
        port = _peer.port
        # The name checked is the host; --sni only changes what is sent.
        p = run("tcp", "connect", "--tls", "--cafile", cafile, "--sni", "other.example",
                f"localhost:{port}", "--send", "x", "--wait-reply", "300ms")
        assert "verification failed" not in p.stderr


def test_tls_untrusted_by_default(ca):
    _, cert, key = ca
    with s_server(cert, key) as _peer:
        port = _peer.port
        p = run("tcp", "connect", "--tls", f"localhost:{port}", "--send", "x")
        one_line_error(p, 1, "unable to get local issuer certificate")


def test_tls_insecure_says_so(ca):
    _, cert, key = ca
    with s_server(cert, key) as s:
        port = s.port
        s.p.stdin.write(b"ok\n")
        s.p.stdin.flush()
        p = run("tcp", "connect", "--tls", "--insecure", f"localhost:{port}",
                "--send", "x", "--no-shutdown", "--wait-reply", "1s", check=0)
        assert "warning: --insecure" in p.stderr
        assert p.stdout == "ok\n"


def test_tls_alpn_with_s_server(ca):
    cafile, cert, key = ca
    with s_server(cert, key, "-alpn", "sockit/1") as _peer:
        port = _peer.port
        p = run("tcp", "connect", "-v", "--tls", "--cafile", cafile, "--alpn", "x/2,sockit/1",
                f"localhost:{port}", "--send", "x", "--wait-reply", "300ms")
        assert "alpn sockit/1" in p.stderr


def test_tls_against_ncat_ssl(ca):
    need_tool("ncat")
    cafile, cert, key = ca
    with peer(lambda port: ["ncat", "-l", "127.0.0.1", str(port), "--ssl", "--ssl-cert", cert,
               "--ssl-key", key, "--exec", "/bin/cat"]) as _peer:
        port = _peer.port
        p = run("tcp", "connect", "--tls", "--cafile", cafile, f"127.0.0.1:{port}",
                "--send", r"secret\n", "--no-shutdown", "--wait-reply", "2s", check=0)
        assert p.stdout == "secret\n"


def test_stats_and_append():
    need_tool("socat")
    with peer(lambda port: ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr", "EXEC:cat"]) as _peer:
        port = _peer.port
        p = run("tcp", "connect", "--stats", f"127.0.0.1:{port}", "--send", "123456789",
                "--append", "crc32", input=b"", check=0)
        assert p.stdout == b"123456789\xcb\xf4\x39\x26"
        assert re.search(rb"stats: .* rx 13 B tx 13 B in", p.stderr), p.stderr


def crc16_modbus(b):
    crc = 0xFFFF
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return bytes([crc & 0xFF, crc >> 8])


def test_hex_input_and_append_on_stdin_lines():
    """Without --send, --hex-input and --append make each stdin line one
    message: decoded, suffixed, line ending dropped (as udp send does)."""
    need_tool("socat")
    frames = [bytes.fromhex("010300000002"), bytes.fromhex("0a0b")]
    assert crc16_modbus(frames[0]) == bytes.fromhex("c40b")  # the Modbus example
    with peer(lambda port: ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr", "EXEC:cat"]) as _peer:
        p = run("tcp", "connect", f"127.0.0.1:{_peer.port}", "--hex-input", "--append",
                "crc16-modbus", input=b"01 03 00 00 00 02\r\n0x0a,0x0b", check=0)
        assert p.stdout == b"".join(f + crc16_modbus(f) for f in frames), p.stdout
    with peer(lambda port: ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr", "EXEC:cat"]) as _peer:
        p = run("tcp", "connect", f"127.0.0.1:{_peer.port}", "--append", r"\r\n",
                input=b"USER x\nQUIT", check=0)
        assert p.stdout == b"USER x\r\nQUIT\r\n"
    with peer(lambda port: ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr", "EXEC:cat"]) as _peer:
        p = run("tcp", "connect", f"127.0.0.1:{_peer.port}", "--hex-input",
                input="41 42\nzz\n")
        one_line_error(p, 2, "stdin line 2: bad hex at offset 0")


def test_zero_copy_file_to_socat_and_back(tmp_path):
    # stdin a regular file (sendfile), stdout a pipe (splice), peer socat.
    need_tool("socat")
    data = os.urandom(20 * 1024 * 1024)
    src = tmp_path / "src"
    src.write_bytes(data)
    with peer(lambda port: ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr",
                            "EXEC:cat"]) as _peer:
        with open(src, "rb") as f:
            c = subprocess.run([SOCKIT, "tcp", "connect", "--stats", f"127.0.0.1:{_peer.port}"],
                               stdin=f, capture_output=True, timeout=60)
    assert c.returncode == 0, c.stderr
    assert hashlib.sha256(c.stdout).digest() == hashlib.sha256(data).digest()
    assert b"rx 20.0 MiB tx 20.0 MiB" in c.stderr, c.stderr


def test_reader_going_away_ends_quietly(tmp_path):
    # `sockit tcp connect ... | head -c 10`: stdout's reader leaves early.
    src = tmp_path / "big"
    src.write_bytes(b"z" * (8 * 1024 * 1024))
    with open(src, "rb") as f:
        srv, port = sockit_listen("127.0.0.1:0", stdin=f, stdout=subprocess.DEVNULL)
    with srv:
        sh = subprocess.run(["sh", "-c", f'"{SOCKIT}" tcp connect 127.0.0.1:{port} '
                             '</dev/null | head -c 10'],
                            capture_output=True, timeout=30)
        assert sh.stdout == b"zzzzzzzzzz", sh
        assert sh.stderr == b"", sh.stderr


def test_verbose_refusal_is_said_once():
    # -v showed the attempt's failure, then the same line again as the result.
    port = free_port()
    p = run("tcp", "connect", "-v", f"127.0.0.1:{port}")
    assert p.returncode == 1
    assert p.stderr.splitlines() == [f"sockit: tcp connect: connecting to 127.0.0.1:{port}",
                                     f"sockit: tcp connect: 127.0.0.1:{port}: connection refused"]
