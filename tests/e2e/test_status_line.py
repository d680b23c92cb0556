"""The status line on a terminal: progress and counters redrawn in place on
stderr, erased around every line of output so that the two never share a
row, erased at the end; absent when stderr is not a terminal.  sockit runs
under a pseudo-terminal (Python's pty) and the test replays what it wrote
the way a terminal would ('\\r' back to column 0, ESC [K clears the rest of
the row)."""
import json
import os
import pty
import re
import select
import socket
import subprocess

from conftest import SOCKIT, TIMEOUT, run

ERASE = "\x1b[K"


def on_terminal(*args, stdout_too=True, until=None, stdin=subprocess.DEVNULL):
    """Runs sockit with stderr (and stdout) on a pseudo-terminal; returns
    (status, everything written).  until(text) may end the run early by
    returning True, after which sockit gets SIGINT."""
    master, slave = pty.openpty()
    p = subprocess.Popen([SOCKIT, *map(str, args)], stdin=stdin, stderr=slave,
                         stdout=slave if stdout_too else subprocess.DEVNULL)
    os.close(slave)
    out = b""
    interrupted = False
    while True:
        if until and not interrupted and until(out.decode(errors="replace")):
            p.send_signal(2)
            interrupted = True
        r, _, _ = select.select([master], [], [], TIMEOUT)
        assert r, "sockit wrote nothing for %ss: %r" % (TIMEOUT, out)
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=TIMEOUT), out.decode(errors="replace")


def screen(text):
    """The rows a terminal shows after text: '\\r' returns to column 0 and
    overwrites, ESC [K clears to the end of the row, '\\n' starts a row (the
    pty turned it into '\\r\\n')."""
    rows, row, col = [], [], 0
    i = 0
    while i < len(text):
        if text.startswith(ERASE, i):
            del row[col:]
            i += len(ERASE)
            continue
        c = text[i]
        i += 1
        if c == "\r":
            col = 0
        elif c == "\n":
            rows.append("".join(row))
            row, col = [], 0
        else:
            row[col:col + 1] = [c]
            col += 1
    if row:
        rows.append("".join(row))
    return rows


def test_screen_replay_is_a_terminal():
    assert screen("abc\rx" + ERASE + "\r\nnext\r\n") == ["x", "next"]
    assert screen("status\r" + ERASE + "line\r\n") == ["line"]


def test_scan_progress_is_redrawn_and_never_shares_a_row_with_results():
    with socket.create_server(("127.0.0.1", 0)) as srv:
        port = srv.getsockname()[1]
        status, out = on_terminal("scan", "127.0.0.1", "-p", f"1-1500,{port}",
                                  "--rate", "3000", "--json")
    assert status == 0, out
    # The bar was drawn: probes done of all, the rate, the ETA, open so far.
    assert re.search(r"\d+% \[[#.]{10}\] \d+/1501 .*probes/s  ETA \d+:\d\d  open \d", out), out
    rows = screen(out)
    results = [json.loads(r) for r in rows if r.startswith("{")]
    assert [r["port"] for r in results] == [port], rows
    # Every row is a result or a summary: no bar left anywhere.
    for r in rows:
        assert r.startswith("{") or r.startswith("sockit: scan: ") or not r.strip(), rows


def test_scan_progress_is_absent_when_stderr_is_not_a_terminal():
    p = run("scan", "127.0.0.1", "-p", "1-200", check=None)
    assert "probes/s" not in p.stderr and "\r" not in p.stderr, p.stderr


def test_scan_quiet_draws_no_bar():
    status, out = on_terminal("scan", "127.0.0.1", "-p", "1-300", "-q")
    assert "probes/s" not in out, out


def test_udp_stats_line_is_live_and_erased_around_each_datagram_line():
    sent = []

    def send_when_listening(text):
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", text)
        if m and not sent:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                for i in range(3):
                    s.sendto(b"ping %d" % i, ("127.0.0.1", int(m.group(1))))
            sent.append(True)
        return False

    status, out = on_terminal("udp", "listen", "127.0.0.1:0", "--stats", "-c", "3",
                              until=send_when_listening)
    assert status == 0, out
    # The live line: peers, then counters, sizes and rates each way.
    assert re.search(r"\d+ peers? \| rx \d+ dgrams \d+ B \d+ B/s \| tx 0 dgrams 0 B 0 B/s",
                     out), out
    rows = screen(out)
    got = [r for r in rows if re.match(r"\[127\.0\.0\.1:\d+\] ping \d$", r)]
    assert [g[-6:] for g in got] == ["ping 0", "ping 1", "ping 2"], rows
    # Gone from the screen at the end, where the totals are printed as ever.
    assert not [r for r in rows if "| rx " in r], rows
    assert any(r.startswith("stats (exit):") for r in rows), rows


def test_udp_stats_without_a_terminal_prints_the_totals_only():
    p = run("udp", "send", "127.0.0.1:9", "x", "--stats")
    assert "\r" not in p.stderr and "| rx" not in p.stderr, p.stderr
    assert "stats (exit):" in p.stderr, p.stderr


def test_tcp_connect_stats_line_goes_around_the_received_bytes():
    with socket.create_server(("127.0.0.1", 0)) as srv:
        port = srv.getsockname()[1]

        def serve(text):
            if "rx " in text and not serve.done:
                conn, _ = srv.accept()
                with conn:
                    conn.sendall(b"hello\nworld\n")
                serve.done = True
            return False
        serve.done = False
        status, out = on_terminal("tcp", "connect", f"127.0.0.1:{port}", "--stats",
                                  until=serve)
    assert status == 0, out
    assert re.search(r"rx \d+ B \d+ B/s \| tx 0 B 0 B/s", out), out
    rows = screen(out)
    assert "hello" in rows and "world" in rows, rows
    assert not [r for r in rows if "| tx " in r], rows
    assert any(re.search(r"stats: 127\.0\.0\.1:\d+ rx 12 B tx 0 B in", r) for r in rows), rows


def test_tcp_listen_k_stats_line_goes_around_each_client_line():
    said = []

    def talk(text):
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", text)
        if m and "| rx " in text and not said:
            for i in range(2):
                with socket.create_connection(("127.0.0.1", int(m.group(1)))) as c:
                    c.sendall(b"line %d\n" % i)
            said.append(True)
        # Both clients have come and gone: stop the server.
        return len(re.findall(r"disconnected", text)) >= 2

    status, out = on_terminal("tcp", "listen", "-k", "127.0.0.1:0", "--stats", until=talk)
    assert status == 0, out
    assert re.search(r"\d+ peers? \| rx \d+ reads \d+ B \d+ B/s \| tx", out), out
    rows = screen(out)
    got = [r for r in rows if re.match(r"\[\d+ 127\.0\.0\.1:\d+\] line \d$", r)]
    assert sorted(g[-6:] for g in got) == ["line 0", "line 1"], rows
    assert not [r for r in rows if "| rx " in r], rows
    assert any(r.startswith("stats (exit") for r in rows), rows
