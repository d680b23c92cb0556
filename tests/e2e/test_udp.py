"""udp send / udp listen / udp chat against real peers: nc, ncat, socat and
scapy-crafted datagrams, on 127.0.0.1 and ::1, and multicast and broadcast
inside network namespaces the tests create."""
import os
import pty
import select
import signal
import socket
import subprocess
import time

import pytest

from conftest import (Netns, ROOT, SOCKIT, TIMEOUT, free_port, need_root, need_tool,
                      one_line_error, run, run_offline_dns)
from udp_helpers import Proc, udp_socket

BOUND = "10s"  # every listener's own idle bound, so nothing can hang


def listener(*args, **kw):
    return Proc("udp", "listen", *args, "-w", BOUND, **kw).wait_listening()


# --- receiving from real senders ------------------------------------------

def test_listen_receives_from_nc():
    need_tool("nc")
    with listener("127.0.0.1:0", "-c", "2") as l:
        subprocess.run(["nc", "-u", "-q0", "127.0.0.1", str(l.port)],
                       input=b"hello\n", timeout=TIMEOUT, check=True)
        subprocess.run(["nc", "-u", "-q0", "127.0.0.1", str(l.port)],
                       input=b"tab\there\r\n", timeout=TIMEOUT, check=True)
        status, out, err = l.finish()
    assert status == 0, err
    lines = out.splitlines()
    assert len(lines) == 2, out
    assert lines[0].startswith("[127.0.0.1:") and lines[0].endswith("] hello"), lines
    assert lines[1].endswith("] tab\\there"), lines


def test_listen_receives_binary_from_socat_and_ncat():
    need_tool("socat")
    need_tool("ncat")
    with listener("127.0.0.1:0", "-c", "2", "-v") as l:
        subprocess.run(["socat", "-u", "-", f"UDP-SENDTO:127.0.0.1:{l.port}"],
                       input=b"\x00\xff\xfeA\x1b", timeout=TIMEOUT, check=True)
        subprocess.run(["ncat", "-u", "--send-only", "127.0.0.1", str(l.port)],
                       input=b"from ncat", timeout=TIMEOUT, check=True)
        status, out, err = l.finish()
    assert status == 0, err
    lines = out.splitlines()
    assert " < [127.0.0.1:" in lines[0] and lines[0].endswith("] 5 bytes: \\0\\xff\\xfeA\\x1b"), lines
    assert lines[1].endswith("] 9 bytes: from ncat"), lines
    # -v: a microsecond timestamp first
    stamp = lines[0].split(" ")[0]
    assert len(stamp) == 15 and stamp[8] == "." and stamp[9:].isdigit(), stamp


def test_listen_scapy_empty_max_and_non_utf8_datagrams(tmp_path):
    need_root()
    from scapy.all import IP, UDP, Raw, conf, send, L3RawSocket
    conf.L3socket = L3RawSocket  # scapy's packet socket cannot send to 127.0.0.1
    out_file = tmp_path / "payloads"
    with listener("127.0.0.1:0", "-c", "3", "-o", out_file, "-v") as l:
        for load in (b"", b"\xc3\x28\xa0\xa1", b"z" * 65507):
            send(IP(dst="127.0.0.1") / UDP(sport=40001, dport=l.port) / Raw(load), verbose=0)
        status, out, err = l.finish()
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].endswith("[127.0.0.1:40001] 0 bytes: "), lines[0]
    assert lines[1].endswith("4 bytes: \\xc3(\\xa0\\xa1"), lines[1]
    assert "65507 bytes: zzz" in lines[2]
    assert out_file.read_bytes() == b"\xc3\x28\xa0\xa1" + b"z" * 65507


def test_listen_hex_and_ipv6():
    with listener("[::1]:0", "-c", "1", "--hex") as l:
        assert l.addr == "[::1]"
        s = udp_socket(socket.AF_INET6, ("::1", 0))
        s.sendto(b"Hello\x00", ("::1", l.port))
        status, out, err = l.finish()
    assert status == 0, err
    assert out.startswith(f"[[::1]:{s.getsockname()[1]}] 6 bytes\n"), out
    assert "00000000  48 65 6c 6c 6f 00" in out and "|Hello.|" in out, out


def test_listen_all_interfaces_takes_ipv4_and_ipv6():
    with listener(":0", "-c", "2") as l:
        assert l.addr == "[::]"
        udp_socket().sendto(b"four", ("127.0.0.1", l.port))
        udp_socket(socket.AF_INET6, ("::1", 0)).sendto(b"six", ("::1", l.port))
        status, out, err = l.finish()
    assert status == 0, err
    lines = sorted(out.splitlines())
    assert lines[0].startswith("[127.0.0.1:") and lines[0].endswith("four"), lines
    assert lines[1].startswith("[[::1]:") and lines[1].endswith("six"), lines


def test_listen_json_any_bytes():
    import json
    with listener("127.0.0.1:0", "-c", "2", "--json", "--echo") as l:
        s = udp_socket()
        s.sendto(b"caf\xc3\xa9 \xff\"\n", ("127.0.0.1", l.port))
        s.sendto(b"\x00\x01", ("127.0.0.1", l.port))
        status, out, err = l.finish()
    assert status == 0, err
    first, second = [json.loads(x) for x in out.splitlines()]
    assert first["dir"] == "in" and first["peer"] == f"127.0.0.1:{s.getsockname()[1]}"
    assert first["size"] == first["len"] == 9
    assert first["data"] == "caf\u00e9 \u00ff\"\n"
    assert second["data"] == "\u0000\u0001" and second["time"].endswith("Z")
    assert s.recv(100) == b"caf\xc3\xa9 \xff\"\n"  # --echo answered both
    assert s.recv(100) == b"\x00\x01"


def test_send_json_hex_replies():
    import json
    with listener("127.0.0.1:0", "-c", "1", "--reply", "hex:00ff") as l:
        p = run("udp", "send", f"127.0.0.1:{l.port}", "q", "--wait-reply", "5s", "--json", "--hex")
        l.finish()
    assert p.returncode == 0, p.stderr
    reply = json.loads(p.stdout)
    assert reply["hex"] == "00ff" and reply["peer"] == f"127.0.0.1:{l.port}" and reply["size"] == 2


def test_truncation_reported_with_true_size():
    with listener("127.0.0.1:0", "-c", "1", "--max-size", "1024") as l:
        udp_socket().sendto(b"y" * 2000, ("127.0.0.1", l.port))
        status, out, err = l.finish()
    assert status == 0
    assert "of 2000 bytes cut to 1024 (raise --max-size)" in err, err
    assert "(cut to 1024)" in out and out.count("y") == 1024, out[:80]


def test_echo_to_socat_client():
    need_tool("socat")
    with listener("127.0.0.1:0", "--echo", "-c", "1") as l:
        p = subprocess.run(["socat", "-t", "5", "-", f"UDP:127.0.0.1:{l.port}"],
                           input=b"echo me\n", capture_output=True, timeout=TIMEOUT)
        status, out, err = l.finish()
    assert status == 0, err
    assert p.stdout == b"echo me\n"


def test_rules_every_match_kind(tmp_path):
    rules = tmp_path / "proto.rules"
    rules.write_text(
        "# every kind\n"
        "exact PING => PONG\\n\n"
        "prefix GET\\x20 => got a GET\n"
        "contains needle => found it in {{len}} bytes\n"
        "regex ^SET ([a-z]+)=([0-9]+)$ => OK {{1}} is {{2}}\n"
        "hex 01 03 00 00 00 02 => hex:01 03 04 00 2a 00 2b\n"
        "exact QUIET =>\n")
    with listener("127.0.0.1:0", "--rules", rules, "--reply", "#{{counter}} from {{peer}}",
                  "-c", "7") as l:
        s = udp_socket()
        me = f"127.0.0.1:{s.getsockname()[1]}"
        cases = [(b"PING\n", b"PONG\n"), (b"GET /x", b"got a GET"),
                 (b"hay needle hay", b"found it in 14 bytes"),
                 (b"SET speed=42\n", b"OK speed is 42"),
                 (bytes.fromhex("010300000002"), bytes.fromhex("010304002a002b")),
                 (b"what?", f"#6 from {me}".encode())]
        for msg, want in cases:
            s.sendto(msg, ("127.0.0.1", l.port))
            assert s.recvfrom(65536)[0] == want, msg
        # QUIET matches a rule whose reply is empty: nothing comes back, and
        # the listener's count still ends it.
        s.sendto(b"QUIET", ("127.0.0.1", l.port))
        status, out, err = l.finish()
    assert status == 0, err
    s.setblocking(False)
    with pytest.raises(BlockingIOError):
        s.recv(10)


def test_reply_with_nc_client_and_append_crc():
    need_tool("nc")
    with listener("127.0.0.1:0", "--reply", "ok", "--append", "crc16-modbus", "-c", "1") as l:
        p = subprocess.run(["nc", "-u", "-w1", "127.0.0.1", str(l.port)], input=b"x\n",
                           capture_output=True, timeout=TIMEOUT)
        l.finish()
    # CRC-16/MODBUS of "ok", low byte first
    crc = 0xFFFF
    for b in b"ok":
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    assert p.stdout == b"ok" + bytes([crc & 0xFF, crc >> 8])


def test_output_file_appends_and_stats_on_sigusr1(tmp_path):
    out_file = tmp_path / "raw"
    out_file.write_bytes(b"old|")
    with listener("127.0.0.1:0", "-o", out_file, "--stats") as l:
        s = udp_socket()
        for i in range(3):
            s.sendto(b"abc", ("127.0.0.1", l.port))
        s.sendto(b"sync", ("127.0.0.1", l.port))
        # SIGUSR1 prints the table and the run goes on; the datagrams are
        # counted before the signal is handled only if they were read, so
        # wait for the file to show them.
        deadline = time.monotonic() + TIMEOUT
        while out_file.read_bytes() != b"old|abcabcabcsync":
            assert time.monotonic() < deadline, out_file.read_bytes()
            time.sleep(0.02)
        l.p.send_signal(signal.SIGUSR1)
        assert l.read_err_line().startswith("stats (SIGUSR1):")
        status, out, err = l.stop()
    assert status == 0, err
    assert out == ""
    assert "stats (exit):" in err
    row = [x for x in err.splitlines() if x.startswith("1 ")][-1].split()
    assert row[1] == f"127.0.0.1:{s.getsockname()[1]}" and row[2:4] == ["13", "4"], row


# --- sending to real receivers --------------------------------------------

def _send_until_socat_got(got, rx, *send_args):
    """socat binds at some point after it starts: resend until it has
    received (with a fixed --source port every try looks the same)."""
    deadline = time.monotonic() + TIMEOUT
    try:
        while not (got.exists() and got.read_bytes()):
            run("udp", "send", *send_args, check=0)
            assert time.monotonic() < deadline, "socat never received"
            try:
                rx.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
        rx.wait(timeout=TIMEOUT)
    finally:
        if rx.poll() is None:
            rx.kill()
            rx.wait(timeout=TIMEOUT)


def test_send_to_socat_sees_bytes_and_source_port(tmp_path):
    need_tool("socat")
    port = free_port(socket.SOCK_DGRAM)
    src = free_port(socket.SOCK_DGRAM)
    got, peer = tmp_path / "got", tmp_path / "peer"
    rx = subprocess.Popen(["socat", "-u", f"UDP-RECVFROM:{port},bind=127.0.0.1",
                           f"SYSTEM:echo $SOCAT_PEERPORT > {peer}; cat > {got}"])
    _send_until_socat_got(got, rx, f"127.0.0.1:{port}", "a\\x00b\\n", "--source",
                          f"127.0.0.1:{src}")
    assert got.read_bytes() == b"a\x00b\n"
    assert peer.read_text().strip() == str(src)


def test_send_ipv6_to_socat(tmp_path):
    need_tool("socat")
    port = free_port(socket.SOCK_DGRAM)
    got = tmp_path / "got"
    rx = subprocess.Popen(["socat", "-u", f"UDP6-RECVFROM:{port},bind=[::1]", f"CREATE:{got}"])
    _send_until_socat_got(got, rx, f"[::1]:{port}", "six\\r\\n", "--source", "[::1]:0")
    assert got.read_bytes() == b"six\r\n"


def test_send_stdin_lines_whole_file_repeat_to_nc(tmp_path):
    with listener("127.0.0.1:0", "-c", "7", "--hex") as l:
        dest = f"127.0.0.1:{l.port}"
        run("udp", "send", dest, input="one\ntwo\r\n\n", check=0)          # 3 datagrams
        run("udp", "send", dest, "--whole", input="x\ny\n", check=0)         # 1
        f = tmp_path / "payload"
        f.write_bytes(b"\x01\x02")
        run("udp", "send", dest, "--file", f, check=0)                       # 1
        run("udp", "send", dest, "--hex-input", "41 42", "--repeat", "2",
            "--interval", "10ms", check=0)                                    # 2
        status, out, err = l.finish()
    assert status == 0, err
    heads = [x.split("] ")[1] for x in out.splitlines() if x.startswith("[")]
    assert heads == ["3 bytes", "3 bytes", "0 bytes", "4 bytes", "2 bytes", "2 bytes", "2 bytes"], out
    assert "|x.y.|" in out and "01 02" in out and "|AB|" in out


def test_send_to_nc_listener_with_append():
    need_tool("nc")
    port = free_port(socket.SOCK_DGRAM)
    nc = subprocess.Popen(["nc", "-ul", "127.0.0.1", str(port)], stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + TIMEOUT
        fd = nc.stdout.fileno()
        got = b""
        while len(got) < 13:
            run("udp", "send", f"127.0.0.1:{port}", "123456789", "--append", "crc32", check=0)
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                got += os.read(fd, 100)
            assert time.monotonic() < deadline
    finally:
        nc.kill()
        nc.wait(timeout=TIMEOUT)
    assert got[:13] == b"123456789\xcb\xf4\x39\x26"


def test_wait_reply_against_socat_echo():
    need_tool("socat")
    port = free_port(socket.SOCK_DGRAM)
    echo = subprocess.Popen(["socat", f"UDP-RECVFROM:{port},bind=127.0.0.1,fork", "PIPE"])
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            p = run("udp", "send", f"127.0.0.1:{port}", "marco", "--wait-reply", "300ms")
            if p.returncode == 0 or time.monotonic() > deadline:
                break
    finally:
        echo.kill()
        echo.wait(timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"[127.0.0.1:{port}] marco\n"


def test_wait_reply_none_exits_1():
    port = free_port(socket.SOCK_DGRAM)
    p = run("udp", "send", f"127.0.0.1:{port}", "anyone?", "--wait-reply", "200ms")
    one_line_error(p, 1, "no reply from 127.0.0.1:")


def test_file_size_limits_per_family(tmp_path):
    ok4 = tmp_path / "ok4"
    ok4.write_bytes(b"q" * 65507)
    big4 = tmp_path / "big4"
    big4.write_bytes(b"q" * 65508)
    big6 = tmp_path / "big6"
    big6.write_bytes(b"q" * 65528)
    s = udp_socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    run("udp", "send", f"127.0.0.1:{s.getsockname()[1]}", "--file", ok4, check=0)
    assert len(s.recv(70000)) == 65507
    one_line_error(run("udp", "send", "127.0.0.1:9", "--file", big4), 2,
                   "65508 bytes: datagram too large (IPv4 carries at most 65507 bytes)")
    one_line_error(run("udp", "send", "[::1]:9", "--file", big6), 2,
                   "65528 bytes: datagram too large (IPv6 carries at most 65527 bytes)")
    s6 = udp_socket(socket.AF_INET6, ("::1", 0))
    s6.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    big6.write_bytes(b"q" * 65527)
    run("udp", "send", f"[::1]:{s6.getsockname()[1]}", "--file", big6, check=0)
    assert len(s6.recv(70000)) == 65527


# --- udp chat ----------------------------------------------------------------

def test_two_chats_through_pipes():
    with Proc("udp", "chat", "--local", "127.0.0.1:0", "-w", BOUND, "--stats",
              stdin=subprocess.PIPE) as a:
        a.wait_listening()
        with Proc("udp", "chat", f"127.0.0.1:{a.port}", "-w", BOUND,
                  stdin=subprocess.PIPE) as b:
            b.wait_listening()
            b.p.stdin.write(b"hello from b\n")
            b.p.stdin.flush()
            line = a.read_line()
            assert line == f"[1 127.0.0.1:{b.port}] hello from b\n", line
            # a was given no peer: it answers the last sender
            a.p.stdin.write(b"hi b\n")
            a.p.stdin.flush()
            assert b.read_line() == f"[1 127.0.0.1:{a.port}] hi b\n"
            b.p.stdin.close()
            status_b, _, err_b = b.stop()
        a.p.stdin.close()
        status_a, _, err_a = a.stop()
    assert status_a == 0 and status_b == 0, (err_a, err_b)
    assert f"127.0.0.1:{b.port}" in err_a and "stats (exit)" in err_a


def test_chat_quit_after_stdin_ends_and_sends_to_socat():
    need_tool("socat")
    s = udp_socket()
    p = run("udp", "chat", f"127.0.0.1:{s.getsockname()[1]}", "--quit-after", "0", "--hex-input",
            input="68 69\n", check=0)
    assert s.recvfrom(10)[0] == b"hi"
    assert "listening on 0.0.0.0:" in p.stderr


def _pty_chat(*args):
    """udp chat with a terminal for stdin and stdout."""
    master, slave = pty.openpty()
    p = subprocess.Popen([os.environ.get("SOCKIT", str(ROOT / "build" / "sockit")),
                          "udp", "chat", *args, "-w", BOUND],
                         stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    return p, master


class PtyReader:
    """Everything the program wrote to its terminal, searched in order."""

    def __init__(self, master):
        self.master, self.buf, self.pos = master, b"", 0

    def expect(self, needle, timeout=TIMEOUT):
        want = needle.encode()
        deadline = time.monotonic() + timeout
        while want not in self.buf[self.pos:]:
            left = deadline - time.monotonic()
            assert left > 0, (needle, self.buf[self.pos:])
            r, _, _ = select.select([self.master], [], [], left)
            if r:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    chunk = b""
                assert chunk, (needle, self.buf[self.pos:])
                self.buf += chunk
        start = self.buf.index(want, self.pos)
        self.pos = start + len(want)
        return self.buf[start:].decode("utf-8", "replace")


def test_chat_console_on_a_terminal():
    s1 = udp_socket()
    s2 = udp_socket()
    p, m = _pty_chat("--local", "127.0.0.1:0")
    t = PtyReader(m)
    try:
        text = t.expect("listening on 127.0.0.1:")
        t.expect("/quit")
        port = int(text.split("listening on 127.0.0.1:")[1].split()[0])
        s1.sendto(b"from one", ("127.0.0.1", port))
        t.expect(f"[1 127.0.0.1:{s1.getsockname()[1]}] from one")
        s2.sendto(b"from two", ("127.0.0.1", port))
        t.expect(f"[2 127.0.0.1:{s2.getsockname()[1]}] from two")
        # Typed text goes to the last sender, with C escapes applied.
        os.write(m, b"back\\tto two\n")
        assert s2.recvfrom(100)[0] == b"back\tto two"
        os.write(m, b"/to 1\n")
        t.expect("sending to 1 127.0.0.1:")
        os.write(m, b"//slash\n")
        assert s1.recvfrom(100)[0] == b"/slash"
        os.write(m, b"/peers\n")
        t.expect("total 2 peers")
        os.write(m, b"/hex on\n")
        t.expect("hex on")
        os.write(m, b"41 42\n")
        assert s1.recvfrom(100)[0] == b"AB"
        s1.sendto(b"Z", ("127.0.0.1", port))
        t.expect("|Z|")
        os.write(m, b"/all\n")
        t.expect("sending to all 2 peers")
        os.write(m, b"43\n")
        assert s1.recvfrom(100)[0] == b"C" and s2.recvfrom(100)[0] == b"C"
        os.write(m, b"/frob\n")
        t.expect("/frob (try /help)")
        os.write(m, b"/quit\n")
        assert p.wait(timeout=TIMEOUT) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=TIMEOUT)
        os.close(m)


def test_chat_ipv6_echo_rules():
    with Proc("udp", "chat", "--local", "[::1]:0", "--reply", "pong {{len}}", "-w", BOUND) as c:
        c.wait_listening()
        s = udp_socket(socket.AF_INET6, ("::1", 0))
        s.sendto(b"ping", ("::1", c.port))
        assert s.recvfrom(100)[0] == b"pong 4"
        assert c.read_line() == f"[1 [::1]:{s.getsockname()[1]}] ping\n"
        c.stop()


# --- multicast and broadcast in namespaces ------------------------------------

def test_multicast_join_ipv4_on_lo_in_netns():
    need_root()
    with Netns("mcst", host_ip="198.18.31.1", ns_ip="198.18.31.2") as ns:
        for args in (("link", "set", "lo", "multicast", "on"),
                     ("route", "add", "224.0.0.0/4", "dev", "lo")):
            ns.run("ip", *args, check=True)
        with listener(":0", "--join", "239.1.2.3", "-i", "lo", "-c", "1", netns=ns.name) as l:
            assert l.addr == "0.0.0.0"
            p = ns.run(os.environ.get("SOCKIT", str(ROOT / "build" / "sockit")), "udp", "send",
                       f"239.1.2.3:{l.port}", "to the group", "--multicast-if", "127.0.0.1",
                       "--ttl", "1", text=True)
            assert p.returncode == 0, p.stderr
            status, out, err = l.finish()
        assert status == 0, err
        assert out.endswith("] to the group\n"), out


def test_multicast_ipv6_over_a_veth_into_netns():
    need_root()
    with Netns("mc6", host_ip="198.18.32.1", ns_ip="198.18.32.2") as ns:
        # Link-local addresses without duplicate detection, so the host side
        # has an IPv6 source at once: set accept_dad=0 and bring both ends
        # down and up again.
        subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{ns.host_if}.accept_dad=0"], check=True)
        ns.run("sysctl", "-qw", f"net.ipv6.conf.{ns.ns_if}.accept_dad=0", check=True)
        for cmd in (["ip", "link", "set", ns.host_if, "down"], ["ip", "link", "set", ns.host_if, "up"]):
            subprocess.run(cmd, check=True)
        for state in ("down", "up"):
            ns.run("ip", "link", "set", ns.ns_if, state, check=True)
        with listener(":0", "--join", "ff15::1234", "-i", ns.ns_if, "-c", "1", netns=ns.name) as l:
            maddr = ns.run("ip", "-6", "maddr", "show", "dev", ns.ns_if, text=True).stdout
            assert "ff15::1234" in maddr, maddr
            run("udp", "send", f"[ff15::1234]:{l.port}", "six to the group",
                "--multicast-if", ns.host_if, check=0)
            status, out, err = l.finish()
        assert status == 0, err
        assert out.startswith("[[fe80::") and out.endswith("] six to the group\n"), out


def test_source_specific_multicast_on_lo_in_netns():
    need_root()
    with Netns("ssm", host_ip="198.18.34.1", ns_ip="198.18.34.2") as ns:
        for args in (("link", "set", "lo", "multicast", "on"),
                     ("route", "add", "224.0.0.0/4", "dev", "lo")):
            ns.run("ip", *args, check=True)
        with listener(":0", "--join", "232.1.1.1", "--source-filter", "127.0.0.1", "-i", "lo",
                      "-c", "1", netns=ns.name) as l:
            sockit = os.environ.get("SOCKIT", str(ROOT / "build" / "sockit"))
            # The datagram from 127.0.0.2 comes first on lo and must be
            # filtered out; the one from 127.0.0.1 is the one shown.
            for src, text in (("127.0.0.2", "filtered"), ("127.0.0.1", "wanted")):
                p = ns.run(sockit, "udp", "send", f"232.1.1.1:{l.port}", text, "--source",
                           f"{src}:0", "--multicast-if", "127.0.0.1", text=True)
                assert p.returncode == 0, p.stderr
            status, out, err = l.finish()
        assert status == 0, err
        assert out.startswith("[127.0.0.1:") and out.endswith("] wanted\n"), out


def test_ttl_seen_by_tcpdump():
    need_root()
    need_tool("tcpdump")
    s = udp_socket()
    port = s.getsockname()[1]
    td = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "-v", "-c", "1", "-l",
                           f"udp and dst port {port}"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # tcpdump says "listening on lo" once its capture is open.
        line = b""
        deadline = time.monotonic() + TIMEOUT
        while b"listening on" not in line:
            assert time.monotonic() < deadline and td.poll() is None, line
            line = td.stderr.readline()
        run("udp", "send", f"127.0.0.1:{port}", "hop", "--ttl", "7", check=0)
        out, _ = td.communicate(timeout=TIMEOUT)
    finally:
        if td.poll() is None:
            td.kill()
            td.wait(timeout=TIMEOUT)
    assert b"ttl 7," in out, out
    assert s.recv(10) == b"hop"


def test_send_stats_and_timestamps():
    with listener("127.0.0.1:0", "-c", "2", "-T", "--echo") as l:
        p = run("udp", "send", f"127.0.0.1:{l.port}", "tick", "--repeat", "2",
                "--wait-reply", "5s", "--stats")
        status, out, err = l.finish()
    assert p.returncode == 0, p.stderr
    assert "stats (exit):" in p.stderr
    row = [x for x in p.stderr.splitlines() if x.startswith("1 ")][0].split()
    assert row[1] == f"127.0.0.1:{l.port}" and row[2:6] == ["8", "2", "8", "2"], row
    for line in out.splitlines():
        stamp, rest = line.split(" ", 1)
        assert len(stamp) == 15 and stamp[8] == "." and rest.endswith("] tick"), line


def test_broadcast_into_netns_needs_the_flag():
    need_root()
    with Netns("bcst", host_ip="198.18.33.1", ns_ip="198.18.33.2") as ns:
        with listener(":0", "-4", "-c", "1", netns=ns.name) as l:
            dest = f"198.18.33.255:{l.port}"
            one_line_error(run("udp", "send", dest, "all?"), 1,
                           "permission denied (a broadcast address needs --broadcast)")
            run("udp", "send", dest, "all!", "--broadcast", "--source", "198.18.33.1:0", check=0)
            status, out, err = l.finish()
        assert status == 0, err
        assert out == "[198.18.33.1:" + out.split(":")[1].split("]")[0] + "] all!\n", out


# --- bad input -----------------------------------------------------------------

@pytest.mark.parametrize("args,status,needle", [
    (["udp", "send", "127.0.0.1:9", "--hex-input", "4g"], 2, "TEXT: bad hex at offset 1"),
    (["udp", "send", "127.0.0.1:9", "bad\\q"], 2, "TEXT: bad escape at offset 3"),
    (["udp", "send", "127.0.0.1:0", "x"], 2, "port 0 is not a destination"),
    (["udp", "send"], 2, "missing HOST:PORT"),
    (["udp", "send", "127.0.0.1:9", "x", "--file", "/etc/hostname"], 2, "give one of TEXT, --file and --whole"),
    (["udp", "send", "127.0.0.1:9", "x", "--ttl", "0"], 2, "--ttl 0: out of range 1-255"),
    (["udp", "send", "127.0.0.1:9", "x", "--repeat", "x"], 2, "--repeat 'x': not a number"),
    (["udp", "send", "127.0.0.1:9", "x", "--wait-reply", "soon"], 2, "--wait-reply 'soon': bad duration"),
    (["udp", "send", "127.0.0.1:9", "x", "--append", "\\z"], 2, "--append: append text at offset 0"),
    (["udp", "send", "127.0.0.1:9", "x", "--multicast-if", "nosuchif0"], 2, "--multicast-if nosuchif0"),
    (["udp", "send", "127.0.0.1:9", "--file", "/nonexistent/f"], 1, "--file /nonexistent/f: No such file"),
    (["udp", "send", "127.0.0.1:9", "--file", "/"], 1, "--file /: Is a directory"),
    (["udp", "listen", ":0", "--rules", "/"], 2, "--rules /: Is a directory"),
    (["udp", "listen"], 2, "missing [ADDR]:PORT"),
    (["udp", "listen", "unix:/tmp/x"], 2, "UDP needs [ADDR]:PORT"),
    (["udp", "listen", ":0", "--join", "10.0.0.1"], 2, "--join 10.0.0.1: not a multicast group"),
    (["udp", "listen", ":0", "--join", "nonsense"], 2, "--join nonsense: not an IP address"),
    (["udp", "listen", ":0", "-6", "--join", "239.1.1.1"], 2, "an IPv4 group on an IPv6 socket"),
    (["udp", "listen", ":0", "--echo", "--reply", "x"], 2, "choose one"),
    (["udp", "listen", ":0", "--source-filter", "127.0.0.1"], 2, "--source-filter is for --join"),
    (["udp", "listen", ":0", "--max-size", "70000"], 2, "--max-size 70000: out of range"),
    (["udp", "listen", ":0", "--rules", "/nonexistent/r"], 2, "--rules /nonexistent/r"),
    (["udp", "listen", ":0", "--reply", "{{nope}}"], 2, "--reply: unknown macro {{nope}}"),
    (["udp", "chat"], 2, "give HOST:PORT, --local [ADDR]:PORT, or both"),
    (["udp", "chat", "--local", "127.0.0.1:0", "[::1]:9"], 2, "is IPv4 but [::1]:9 is IPv6"),
])
def test_bad_input(args, status, needle):
    one_line_error(run(*args), status, needle)


def test_unknown_destination_fails_with_status_1():
    one_line_error(run_offline_dns("udp", "send", "nohost-here.invalid:9", "x"), 1,
                   "nohost-here.invalid")


def test_bad_rules_file_names_the_line(tmp_path):
    r = tmp_path / "bad.rules"
    r.write_text("exact a => b\nregex ([a-z] => x\n")
    one_line_error(run("udp", "listen", ":0", "--rules", r), 2, "line 2: regex '([a-z]'")


def test_port_in_use():
    s = udp_socket()
    port = s.getsockname()[1]
    one_line_error(run("udp", "listen", f"127.0.0.1:{port}"), 1,
                   f"bind 127.0.0.1:{port}: address already in use")
    one_line_error(run("udp", "chat", "--local", f"127.0.0.1:{port}", "127.0.0.1:9"), 1,
                   "address already in use")


def test_oversize_stdin_line():
    p = run("udp", "send", "127.0.0.1:9", input="x" * 65508 + "\n")
    one_line_error(p, 2, "stdin line 1: over 65507 bytes: datagram too large")
    # A longer line is not reported as 65508 bytes (where the reader cut it).
    p = run("udp", "send", "127.0.0.1:9", input="x" * 200000 + "\n")
    one_line_error(p, 2, "stdin line 1: over 65507 bytes: datagram too large")
    p = run("udp", "send", "127.0.0.1:9", "--append", "xy", input="x" * 65506 + "\n")
    one_line_error(p, 2, "stdin line 1: 65508 bytes: datagram too large")


@pytest.mark.parametrize("cmd", [["udp", "listen", "127.0.0.1:0"],
                                 ["udp", "chat", "--local", "127.0.0.1:0"]])
def test_stdout_that_fails_stops_with_the_reason(cmd):
    # Datagrams printed to a full disk were lost while the listener ran on
    # (exit 0, or 'write error' without a reason at the end).
    need_tool("nc")
    with open("/dev/full", "wb") as full:
        p = subprocess.Popen([SOCKIT, *cmd, "-w", BOUND], stdin=subprocess.DEVNULL,
                             stdout=full, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stderr.readline()
        port = int(line.rsplit(":", 1)[1])
        subprocess.run(["nc", "-u", "-q0", "127.0.0.1", str(port)], input=b"lost?\n",
                       timeout=TIMEOUT, check=True)
        err = p.stderr.read()
        assert p.wait(timeout=TIMEOUT) == 1
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    name = " ".join(cmd[:2])
    assert err == f"sockit: {name}: stdout: no space left on device\n", err


def test_interval_is_between_datagrams_not_after_the_last():
    # One datagram with --interval 1h took an hour to exit: the wait came
    # after every datagram, the last one too.
    s = udp_socket()
    port = s.getsockname()[1]
    p = run("udp", "send", f"127.0.0.1:{port}", "tick", "--repeat", "2", "--interval", "1s",
            timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    s.settimeout(TIMEOUT)
    assert [s.recv(100), s.recv(100)] == [b"tick", b"tick"]
    p = run("udp", "send", f"127.0.0.1:{port}", "once", "--interval", "1h", timeout=TIMEOUT)
    assert p.returncode == 0 and s.recv(100) == b"once"
    s.close()


def test_repeat_applies_to_every_stdin_line():
    # Lines that came in one read were handed over even while the sender
    # had paused stdin for the repeats of the line before, so that line's
    # remaining copies were replaced: 'a\nb\n' with --repeat 2 sent a b b.
    s = udp_socket()
    port = s.getsockname()[1]
    p = run("udp", "send", f"127.0.0.1:{port}", "--repeat", "2", "--interval", "10ms",
            input="a\nb\n", timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    s.settimeout(TIMEOUT)
    assert [s.recv(100) for _ in range(4)] == [b"a", b"a", b"b", b"b"]
    s.close()
