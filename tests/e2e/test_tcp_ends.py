"""How a one-client tcp listen and tcp connect end, side by side with nc -N
and ncat: the client's end of file ends `tcp listen` (nc -l does), stdin's
end shuts the sending side down and waits; --send-only and --recv-only as
ncat has them; --max-conns 0 refused."""
import os
import subprocess

import pytest

from conftest import SOCKIT, TIMEOUT, free_port, need_tool, one_line_error, run
from tcp_helpers import Proc, sockit_listen, wait_listening

DATA = bytes(range(256)) * 2000  # 512 KB, every byte value


def data_file(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def client(argv, stdin_path=None, out_path=None):
    """A peer tool as the client, its stdin a file (or nothing), its stdout
    a file when given (a pipe nobody reads yet would stall it)."""
    with open(stdin_path or os.devnull, "rb") as f:
        out = open(out_path, "wb") if out_path else subprocess.PIPE
        try:
            return subprocess.Popen(argv, stdin=f, stdout=out, stderr=subprocess.PIPE)
        finally:
            if out_path:
                out.close()


@pytest.mark.parametrize("peer", [["nc", "-N"], ["ncat"]])
def test_listen_ends_when_the_client_has_sent_all(tmp_path, peer):
    """The client sends a file and shuts down its side; sockit's own stdin
    stays open (an idle pipe, as `sleep 60 |`), and sockit still exits
    with the whole file on stdout."""
    need_tool(peer[0])
    src = data_file(tmp_path, "src", DATA)
    with Proc([SOCKIT, "tcp", "listen", "127.0.0.1:0"], stdin=subprocess.PIPE) as lp:
        port = int(lp.wait_line(r"listening on .*:(\d+)$").group(1))
        c = client(peer + ["127.0.0.1", str(port)], src)
        out = lp.p.stdout.read()
        assert lp.wait() == 0, lp.stderr()
        assert out == DATA
        assert lp.p.stdin.closed is False  # never closed by the test
        c.communicate(timeout=TIMEOUT)
        assert c.returncode == 0


@pytest.mark.parametrize("peer", [["nc", "-d"], ["ncat", "--recv-only"]])
def test_listen_stdin_end_shuts_down_and_the_client_only_reads(tmp_path, peer):
    """The other way: the client never sends (nc -d, ncat --recv-only);
    sockit sends its stdin, shuts its side down, and both end when the
    client has read it all."""
    need_tool(peer[0])
    with Proc([SOCKIT, "tcp", "listen", "127.0.0.1:0"], stdin=subprocess.PIPE) as lp:
        port = int(lp.wait_line(r"listening on .*:(\d+)$").group(1))
        c = client(peer + ["127.0.0.1", str(port)])
        lp.p.stdin.write(DATA)
        lp.p.stdin.close()
        got, _ = c.communicate(timeout=TIMEOUT)
        assert got == DATA
        assert c.returncode == 0
        assert lp.wait() == 0, lp.stderr()


@pytest.mark.parametrize("peer", [["nc", "-N"], ["ncat"]])
def test_listen_both_ways_with_a_file_as_stdin(tmp_path, peer):
    """Both send: a regular file as sockit's stdin is sent whole even when
    the client has finished first, and the client's file arrives whole."""
    need_tool(peer[0])
    mine = data_file(tmp_path, "mine", DATA[::-1])
    theirs = data_file(tmp_path, "theirs", DATA)
    with open(mine, "rb") as f:
        lp, port = sockit_listen("127.0.0.1:0", stdin=f)
    with lp:
        c = client(peer + ["127.0.0.1", str(port)], theirs, tmp_path / "got")
        out = lp.p.stdout.read()
        c.communicate(timeout=TIMEOUT)
        assert lp.wait() == 0, lp.stderr()
        assert out == DATA
        assert (tmp_path / "got").read_bytes() == DATA[::-1]
        assert c.returncode == 0


def test_connect_waits_for_its_stdin_as_nc_and_ncat_do():
    """The mirror: tcp connect does not end at the server's end of file
    while its stdin is open; what it sends after still arrives."""
    need_tool("ncat")
    port = free_port()
    srv = subprocess.Popen(["ncat", "-l", "127.0.0.1", str(port)], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_listening(port, proc=srv)
        with Proc([SOCKIT, "tcp", "connect", "-v", f"127.0.0.1:{port}"],
                  stdin=subprocess.PIPE) as c:
            c.wait_line(r"closed by peer")  # ncat's stdin ended: its FIN
            c.p.stdin.write(b"after the server's end\n")
            c.p.stdin.close()
            assert c.wait() == 0, c.stderr()
        got, _ = srv.communicate(timeout=TIMEOUT)
        assert got == b"after the server's end\n"
    finally:
        srv.kill()
        srv.wait()


def test_connect_send_only_against_ncat(tmp_path):
    """--send-only: what ncat -l sends is read and ignored, and sockit
    exits once its stdin is sent, without waiting for the server."""
    need_tool("ncat")
    port = free_port()
    with open(tmp_path / "got", "wb") as out:
        srv = subprocess.Popen(["ncat", "-l", "127.0.0.1", str(port)], stdin=subprocess.PIPE,
                               stdout=out, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, proc=srv)
        with Proc([SOCKIT, "tcp", "connect", "-v", "--send-only", f"127.0.0.1:{port}"],
                  stdin=subprocess.PIPE) as c:
            c.wait_line(r"connected to")
            srv.stdin.write(b"ignored\n")
            srv.stdin.close()  # ncat's FIN: the bytes before it were read
            c.wait_line(r"closed by peer")
            assert c.p.poll() is None  # the server's end does not end it
            c.p.stdin.write(DATA)
            c.p.stdin.close()
            assert c.wait() == 0, c.stderr()
            assert c.p.stdout.read() == b""
        assert srv.wait(timeout=TIMEOUT) == 0
        assert (tmp_path / "got").read_bytes() == DATA
    finally:
        srv.kill()
        srv.wait()


def test_connect_recv_only_against_nc_l(tmp_path):
    """--recv-only: stdin (an open pipe) is never read and the sending side
    stays open, so nc -N -l, which ends at its client's end of file, still
    sends its whole file; sockit exits when nc closes."""
    need_tool("nc")
    src = data_file(tmp_path, "src", DATA)
    port = free_port()
    with open(src, "rb") as f:
        srv = subprocess.Popen(["nc", "-N", "-l", "127.0.0.1", str(port)], stdin=f,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_listening(port, proc=srv)
        c = subprocess.Popen([SOCKIT, "tcp", "connect", "--recv-only", f"127.0.0.1:{port}"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        c.stdin.write(b"never read\n")
        c.stdin.flush()
        out, err = c.communicate(timeout=TIMEOUT)
        assert c.returncode == 0, err
        assert out == DATA
        got, _ = srv.communicate(timeout=TIMEOUT)
        assert got == b"" and srv.returncode == 0
    finally:
        srv.kill()
        srv.wait()


def test_listen_recv_only_and_send_only(tmp_path):
    """tcp listen --recv-only takes a file from nc -N; --send-only gives
    one to ncat --recv-only and exits at its stdin's end."""
    need_tool("nc")
    need_tool("ncat")
    src = data_file(tmp_path, "src", DATA)
    with Proc([SOCKIT, "tcp", "listen", "--recv-only", "127.0.0.1:0"],
              stdin=subprocess.PIPE) as lp:
        port = int(lp.wait_line(r"listening on .*:(\d+)$").group(1))
        c = client(["nc", "-N", "127.0.0.1", str(port)], src)
        assert lp.p.stdout.read() == DATA
        assert lp.wait() == 0, lp.stderr()
        got, _ = c.communicate(timeout=TIMEOUT)
        assert got == b""
    with open(src, "rb") as f:
        lp, port = sockit_listen("--send-only", "127.0.0.1:0", stdin=f)
    with lp:
        c = client(["ncat", "--recv-only", "127.0.0.1", str(port)])
        got, _ = c.communicate(timeout=TIMEOUT)
        assert got == DATA
        assert lp.wait() == 0, lp.stderr()
        assert lp.p.stdout.read() == b""


@pytest.mark.parametrize("args,needle", [
    (["--max-conns", "0", "-k"], "--max-conns 0 would refuse every client"),
    (["--send-only", "-k"], "--send-only applies to one client"),
    (["--recv-only", "--echo"], "--recv-only applies to one client"),
    (["--send-only", "--recv-only"], "exclude each other"),
    (["--send-only", "--hex"], "--send-only ignores"),
    (["--recv-only", "-C"], "--recv-only sends nothing"),
])
def test_listen_refusals(args, needle):
    one_line_error(run("tcp", "listen", ":0", *args), 2, needle)


@pytest.mark.parametrize("args,needle", [
    (["--send-only", "--recv-only"], "exclude each other"),
    (["--recv-only", "--send", "x"], "--recv-only sends nothing"),
    (["--send-only", "-q", "1"], "--send-only ignores"),
])
def test_connect_refusals(args, needle):
    one_line_error(run("tcp", "connect", "127.0.0.1:9", *args), 2, needle)
