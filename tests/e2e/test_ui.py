"""sockit ui, the full-screen network debugging assistant, driven under tmux
against real peers (nc -u, ncat) and checked byte for byte at the peer."""
import re
import select
import socket
import subprocess
import time

from conftest import SOCKIT, TIMEOUT, need_tool, run
from ui_term import Screen


def free_port(kind=socket.SOCK_DGRAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_exact(stream, n, timeout=TIMEOUT):
    """n bytes from a pipe, waiting at most timeout."""
    data, deadline = b"", time.monotonic() + timeout
    while len(data) < n:
        left = deadline - time.monotonic()
        r, _, _ = select.select([stream], [], [], max(left, 0))
        assert r, f"only {data!r} within {timeout}s"
        chunk = stream.read1(n - len(data)) if hasattr(stream, "read1") else stream.read(n - len(data))
        assert chunk, f"peer closed after {data!r}"
        data += chunk
    return data


def udp_sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(TIMEOUT)
    return s


def test_udp_text_and_hex_reach_nc_byte_exact():
    need_tool("nc")
    port = free_port()
    nc = subprocess.Popen(["nc", "-u", "-l", "127.0.0.1", str(port)],
                          stdout=subprocess.PIPE, stdin=subprocess.PIPE)
    try:
        with Screen("udp", f"127.0.0.1:{port}", "--local", "127.0.0.1:0") as ui:
            ui.udp_port()
            ui.send_box(r"hi\tthere\r\n\x00\xff")
            assert read_exact(nc.stdout, 12) == b"hi\tthere\r\n\x00\xff"
            ui.wait(r"> 127\.0\.0\.1:%d 12 B: hi\\tthere\\r\\n\\0\\xff" % port)
            ui.keys("C-x")
            ui.wait(r"Send hex>")
            ui.send_box("de ad be ef 00 01")
            assert read_exact(nc.stdout, 6) == bytes.fromhex("deadbeef0001")
            ui.wait(r"TX 2 msgs 18 B")
    finally:
        nc.kill()
        nc.wait()


def test_udp_receive_pane_shows_sender_length_text_and_hex():
    need_tool("nc")
    with Screen("udp", "--local", "127.0.0.1:0") as ui:
        port = ui.udp_port()
        peer = udp_sock()
        peer.sendto("héllo 中\x01".encode() + b"\xff", ("127.0.0.1", port))
        me = "127.0.0.1:%d" % peer.getsockname()[1]
        ui.wait(r"\d\d:\d\d:\d\d\.\d{3} < %s 12 B: héllo 中\\x01\\xff" % me)
        ui.wait(r"RX 1 msgs 12 B")
        ui.keys("C-v")
        ui.wait(r"< %s 12 B: 68 c3 a9 6c 6c 6f 20 e4 b8 ad 01 ff" % me)
        # The empty Remote answers whoever spoke last.
        ui.send_box("back")
        assert peer.recvfrom(100)[0] == b"back"
        # And nc, a real peer, reaches it too.
        subprocess.run(["nc", "-u", "-w1", "127.0.0.1", str(port)],
                       input=b"from nc", timeout=TIMEOUT, check=True)
        ui.wait(r"< 127\.0\.0\.1:\d+ 7 B: 66 72 6f 6d 20 6e 63")


def test_appended_crc16_modbus_equals_udp_send_append():
    peer = udp_sock()
    port = peer.getsockname()[1]
    run("udp", "send", "--append", "crc16-modbus", f"127.0.0.1:{port}",
        "123456789", check=0)
    expected = peer.recvfrom(100)[0]
    assert expected == b"123456789\x37\x4b"
    with Screen("udp", f"127.0.0.1:{port}", "--local", "127.0.0.1:0") as ui:
        ui.udp_port()
        ui.keys("C-a")
        ui.wait(r"Append crc16-modbus")
        ui.send_box("123456789")
        assert peer.recvfrom(100)[0] == expected
        # The other sums cycle in the same field.
        ui.keys("C-a")
        ui.wait(r"Append crc32")
        ui.send_box("123456789")
        assert peer.recvfrom(100)[0] == b"123456789\xcb\xf4\x39\x26"


def test_repeat_every_n_ms_for_a_count():
    peer = udp_sock()
    port = peer.getsockname()[1]
    with Screen("udp", f"127.0.0.1:{port}", "--every", "10ms", "--count", "5",
                "--append", "xor8") as ui:
        ui.udp_port()
        ui.send_box("ab")
        got = [peer.recvfrom(100)[0] for _ in range(5)]
        assert got == [b"ab\x03"] * 5
        ui.wait(r"sent 5 messages, every 10 ms")
        ui.wait(r"TX 5 msgs 15 B")
        peer.settimeout(0.2)
        try:
            extra = peer.recvfrom(100)
        except socket.timeout:
            extra = None
        assert extra is None


def ncat_listener():
    need_tool("ncat")
    port = free_port(socket.SOCK_STREAM)
    p = subprocess.Popen(["ncat", "-l", "127.0.0.1", str(port)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    deadline = time.monotonic() + TIMEOUT
    while True:  # until ncat listens
        with socket.socket() as s:
            if subprocess.run(["ss", "-Htln", f"sport = :{port}"],
                              capture_output=True, text=True,
                              timeout=TIMEOUT).stdout.strip():
                return p, port
        assert time.monotonic() < deadline, "ncat did not listen"
        time.sleep(0.02)


def test_tcp_client_against_ncat():
    nc, port = ncat_listener()
    try:
        with Screen("tcp", f"127.0.0.1:{port}") as ui:
            ui.wait(r"TCP client: connected 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:%d" % port)
            ui.send_box(r"GET / \x01\r\n")
            assert read_exact(nc.stdout, 9) == b"GET / \x01\r\n"
            ui.keys("C-x")
            ui.send_box("0x48,0x49")
            assert read_exact(nc.stdout, 2) == b"HI"
            nc.stdin.write("from ncat 中\n".encode())
            nc.stdin.flush()
            ui.wait(r"< 127\.0\.0\.1:%d 14 B: from ncat 中\\n" % port)
            nc.stdin.close()
            ui.wait(r"closed by the peer")
            ui.keys("C-x")
            ui.send_box("more")
            ui.wait(r"not connected: Ctrl-O connects to Remote")
    finally:
        nc.kill()
        nc.wait()


def test_switching_mode_and_addresses_inside():
    """Starts in UDP, goes to TCP client through the Mode field, with the
    Remote field edited in place."""
    nc, port = ncat_listener()
    try:
        with Screen("udp", "--local", "127.0.0.1:0") as ui:
            ui.udp_port()
            # Tab order: Mode Local Remote Input Append Every Count Send.
            # ncat takes one connection: Local (a TCP source) is cleared
            # before the mode changes.
            ui.keys("Tab", "Tab", "C-u", "Tab", "C-u", f"127.0.0.1:{port}")
            ui.keys("BTab", "BTab", "Space")
            ui.wait(r"Mode TCP client")
            ui.wait(r"TCP client: connected")
            ui.keys("BTab")  # back to Send
            ui.send_box("switched")
            assert read_exact(nc.stdout, 8) == b"switched"
    finally:
        nc.kill()
        nc.wait()


def test_bad_input_in_each_field_is_answered_in_the_status_line():
    with Screen("udp", "--local", "127.0.0.1:0") as ui:
        ui.udp_port()
        ui.keys("C-x")
        ui.send_box("48 65 6")
        ui.wait(r"send box: invalid hex input at column 7")
        ui.keys("C-x")
        ui.send_box(r"bad \q escape")
        ui.wait(r"send box: invalid escape sequence at column 5")
        ui.send_box("nobody")
        ui.wait(r"no one to send to: fill Remote, or wait for a datagram")
        ui.keys("Tab", "Tab", "Tab", "C-u", "not an address:::", "Enter")
        ui.wait(r"Remote: .*not an address")
        ui.keys("BTab", "C-u", "1.2.3.4.5:x", "Enter")
        ui.wait(r"Local: ")
        ui.keys("Tab", "Tab", "Tab", "Tab", "C-u", "abc")  # Every
        ui.keys("Tab", "Tab", "C-u", "x", "Enter")
        ui.wait(r"Every ms: 'abc' is not a number from 0 to 86400000")
        # Still running, and a good address brings it back.
        peer = udp_sock()
        ui.keys("BTab", "BTab", "C-u", "0")  # Every
        ui.keys("BTab", "BTab", "BTab", "BTab")  # Local
        ui.keys("C-u", "127.0.0.1:0", "Tab", "C-u",
                "127.0.0.1:%d" % peer.getsockname()[1], "Enter")
        ui.wait(r"UDP on 127\.0\.0\.1:\d+, sending to 127\.0\.0\.1:%d"
                % peer.getsockname()[1])
        ui.keys("Tab", "Tab", "Tab", "Tab", "Tab")  # Send
        ui.send_box("ok")
        assert peer.recvfrom(100)[0] == b"ok"


def test_resize_redraws_at_the_new_size():
    with Screen("udp", "--local", "127.0.0.1:0", width=110, height=30) as ui:
        ui.udp_port()
        ui.tmux("resize-window", "-t", "ui", "-x", "72", "-y", "16")
        deadline = time.monotonic() + TIMEOUT
        while True:
            lines = ui.text().splitlines()
            if len(lines) == 16 and "F1/^G help" in lines[-1] and "Send>" in lines[-4]:
                break
            assert time.monotonic() < deadline, "\n".join(lines)
            time.sleep(0.02)
        assert max(len(l) for l in lines) <= 72
        peer = udp_sock()
        peer.sendto(b"after resize", ("127.0.0.1", ui.udp_port()))
        ui.wait(r"12 B: after resize")


def test_a_flood_of_100000_datagrams_is_counted_exactly():
    """The flood comes in rounds small enough for the socket buffer; the
    screen keeps answering keys while it arrives, and the history keeps its
    bound (--history 1000), saying how many it dropped."""
    with Screen("udp", "--local", "127.0.0.1:0", "--history", "1000") as ui:
        port = ui.udp_port()
        peer = udp_sock()
        total, view = 0, ["text", "hex", "text\\+hex", "gbk"]
        for rnd in range(50):
            for i in range(2000):
                peer.sendto(b"x%d" % (i % 10), ("127.0.0.1", port))
            total += 2000
            if rnd % 10 == 0:
                ui.keys("C-v")
                ui.wait(r"View %s" % view[(rnd // 10 + 1) % 4])
            ui.wait(r"RX %d msgs" % total)
        ui.wait(r"RX 100000 msgs 200000 B")
        ui.wait(r"\(99000 old dropped\)")
        ui.keys("C-s")
        ui.wait(r"\[PAUSED\]")
        for _ in range(60):
            ui.keys("PPage")
        ui.wait(r"-- 99000 older messages dropped --")


COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?[34][0-7]m")  # not 39/49, the defaults


def test_colours_only_without_no_color():
    with Screen("udp", "--local", "127.0.0.1:0") as ui:
        ui.udp_port()
        assert COLOUR.search(ui.text(colours=True))
    with Screen("udp", "--local", "127.0.0.1:0", env={"NO_COLOR": "1"}) as ui:
        ui.udp_port()
        coloured = ui.text(colours=True)
        assert not COLOUR.search(coloured), coloured
        assert "\x1b[7m" in coloured  # the bars are reversed instead


def test_rules_answer_and_help_and_quit(tmp_path):
    rules = tmp_path / "rules"
    rules.write_text("prefix PING => PONG {{counter}}\n")
    with Screen("udp", "--local", "127.0.0.1:0", "--rules", rules,
                "--append", "\\r\\n") as ui:
        port = ui.udp_port()
        peer = udp_sock()
        peer.sendto(b"PING 1", ("127.0.0.1", port))
        assert peer.recvfrom(100)[0] == b"PONG 1\r\n"
        ui.wait(r"> 127\.0\.0\.1:\d+ 8 B: PONG 1\\r\\n")
        ui.keys("C-g")
        ui.wait(r"sockit ui: keys")
        ui.keys("x")
        ui.wait(r"Send>")
        ui.keys("C-q")
        ui.wait(r"EXIT=0")


def test_without_a_terminal_it_says_so():
    p = subprocess.run([SOCKIT, "ui"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 1
    assert p.stderr == "sockit: ui: needs a terminal on stdin and stdout\n"
    p = subprocess.run([SOCKIT, "ui", "udp", "nohost:"], capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert p.returncode == 2, p.stderr


def test_gbk_view_search_and_saved_log(tmp_path):
    import json
    with Screen("udp", "--local", "127.0.0.1:0", env={"HOME": str(tmp_path)}) as ui:
        port = ui.udp_port()
        peer = udp_sock()
        peer.sendto("中文 ok".encode("gbk") + b"\x81", ("127.0.0.1", port))
        peer.sendto(b"needle\x00here", ("127.0.0.1", port))
        peer.sendto(b"last", ("127.0.0.1", port))
        ui.wait(r"RX 3 msgs")
        for view in ("hex", "text\\+hex", "gbk"):
            ui.keys("C-v")
            ui.wait(r"View %s" % view)
        ui.wait(r"8 B: 中文 ok\\x81")
        ui.keys("C-v")
        ui.wait(r"View text")
        ui.keys("C-f", r"needle\0", "Enter")
        ui.wait(r"found at \d\d:\d\d:\d\d\.\d{3}")
        ui.wait(r"\[PAUSED\]")
        ui.keys("C-f", "Enter")
        ui.wait(r"search: 'needle\\0' is not in the older messages")
        log = tmp_path / "ui.ndjson"
        ui.keys("C-w", "C-u", str(log), "Enter")
        ui.wait(r"saved 3 messages to .*ui\.ndjson \(NDJSON\)")
        lines = [json.loads(l) for l in log.read_text().splitlines()]
        assert [bytes.fromhex(l["hex"]) for l in lines] == [
            "中文 ok".encode("gbk") + b"\x81", b"needle\x00here", b"last"]
        assert lines[0]["dir"] == "rx" and lines[0]["len"] == 8
        assert lines[0]["peer"] == "127.0.0.1:%d" % peer.getsockname()[1]
        text = tmp_path / "ui.log"
        ui.keys("C-w", "C-u", str(text), "Enter")
        ui.wait(r"saved 3 messages to .*ui\.log")
        assert text.read_text().splitlines()[1].endswith(r"< 127.0.0.1:%d 11 B: needle\0here"
                                                          % peer.getsockname()[1])
        ui.keys("C-w", "C-u", str(tmp_path / "no" / "such.log"), "Enter")
        ui.wait(r"save .*such\.log: No such file or directory")


def test_tcp_server_with_50_clients_sends_to_one_and_to_all():
    with Screen("server", "127.0.0.1:0", width=120, height=70) as ui:
        port = int(ui.wait(r"TCP server on 127\.0\.0\.1:(\d+)").group(1))
        clients = []
        try:
            for i in range(50):
                s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
                clients.append(s)
                ui.wait(r"Clients: %d\b" % (i + 1))
            ui.wait(r"TCP server on 127\.0\.0\.1:%d, 50 clients, sending to all" % port)
            # Every client is in the list, by id, with its address.
            screen = ui.text()
            for i, s in enumerate(clients):
                assert re.search(r"\b%d 127\.0\.0\.1:%d 0/0\b"
                                 % (i + 1, s.getsockname()[1]), screen), (i, screen)
            ui.send_box(r"to all\n")
            for s in clients:
                assert read_sock(s, 7) == b"to all\n"
            ui.wait(r"> all \(50 clients\) 7 B: to all\\n")
            ui.wait(r"TX 50 msgs 350 B")
            # To one: Remote names client 7.
            ui.keys("Tab", "Tab", "Tab", "C-u", "7", "Enter")
            ui.wait(r"sending to one client")
            ui.keys("Tab", "Tab", "Tab", "Tab", "Tab")
            ui.send_box("only 7")
            assert read_sock(clients[6], 6) == b"only 7"
            clients[5].sendall("from 6 中".encode())
            ui.wait(r"< 127\.0\.0\.1:%d 10 B: from 6 中" % clients[5].getsockname()[1])
            for i, s in enumerate(clients):
                if i != 6:
                    s.settimeout(0.05)
                    try:
                        extra = s.recv(100)
                    except socket.timeout:
                        extra = None
                    assert extra is None, (i, extra)
            clients[0].close()
            ui.wait(r"client 1 127\.0\.0\.1:\d+ left: closed by peer")
            ui.wait(r"Clients: 49\b")
            ui.keys("Tab", "Tab", "Tab", "C-u", "1", "Enter")
            ui.keys("Tab", "Tab", "Tab", "Tab", "Tab")
            ui.send_box("gone")
            ui.wait(r"no client 1 \(Remote names a client id, or all\)")
            ui.keys("Tab", "Tab", "Tab", "C-u", "seven", "Enter")
            ui.wait(r"Remote: 'seven': a server sends to a client id")
        finally:
            for s in clients:
                s.close()


def read_sock(s, n):
    data = b""
    s.settimeout(TIMEOUT)
    while len(data) < n:
        chunk = s.recv(n - len(data))
        assert chunk, data
        data += chunk
    return data


def test_tcp_server_against_nc_and_rules(tmp_path):
    need_tool("nc")
    with Screen("server", "127.0.0.1:0", "--reply", "ack {{counter}}\\n") as ui:
        port = int(ui.wait(r"TCP server on 127\.0\.0\.1:(\d+)").group(1))
        nc = subprocess.Popen(["nc", "127.0.0.1", str(port)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)
        try:
            ui.wait(r"Clients: 1\b")
            nc.stdin.write(b"hello\n")
            nc.stdin.flush()
            assert read_exact(nc.stdout, 6) == b"ack 1\n"
            ui.wait(r"< 127\.0\.0\.1:\d+ 6 B: hello\\n")
            ui.keys("C-x")
            ui.send_box("01 02 ff")
            assert read_exact(nc.stdout, 3) == b"\x01\x02\xff"
        finally:
            nc.kill()
            nc.wait()


def test_up_and_down_recall_what_was_sent():
    peer = udp_sock()
    port = peer.getsockname()[1]
    with Screen("udp", f"127.0.0.1:{port}") as ui:
        ui.udp_port()
        for text in ("one", "two", "three"):
            ui.send_box(text)
            assert peer.recvfrom(100)[0] == text.encode()
        ui.keys("C-u", "Up", "Up")
        ui.wait(r"Send> two\s*\n")
        ui.keys("Up", "Up", "Down")
        ui.wait(r"Send> two\s*\n")
        ui.keys("Enter")
        assert peer.recvfrom(100)[0] == b"two"
        ui.keys("Down", "Down")
        ui.wait(r"Send>\s*\n")


def test_echo_answers_with_the_message_and_append():
    with Screen("udp", "--local", "127.0.0.1:0", "--echo", "--append", "sum8") as ui:
        port = ui.udp_port()
        peer = udp_sock()
        peer.sendto(b"\x01\x02", ("127.0.0.1", port))
        assert peer.recvfrom(100)[0] == b"\x01\x02\x03"
        ui.wait(r"TX 1 msgs 3 B")
    p = subprocess.run([SOCKIT, "ui", "--echo", "--reply", "x"], capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert p.returncode == 2 and "--echo and --reply/--rules" in p.stderr, p
