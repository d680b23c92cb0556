"""The programs in examples/ are short, build against the *installed*
library through pkg-config (`make install` into a scratch prefix, then
`make examples` with PKG_CONFIG_PATH pointing there), and work against real
peers."""
import os
import pathlib
import re
import signal
import subprocess

import pytest

from conftest import ROOT, SOCKIT, TIMEOUT, need_tool
from tcp_helpers import Proc

BUILD = os.path.relpath(pathlib.Path(SOCKIT).parent, ROOT)
SAN = ["SANITIZE=1"] if "san" in BUILD else []
SOURCES = sorted((ROOT / "examples").glob("*.c"))


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    """The examples' directory, built against a fresh install."""
    tmp = tmp_path_factory.mktemp("examples")
    prefix, out = tmp / "prefix", tmp / "bin"
    make = ["make", "-C", str(ROOT), "--no-print-directory", "-s", f"BUILD={BUILD}", *SAN]
    subprocess.run([*make, "install", f"PREFIX={prefix}"], check=True, capture_output=True,
                   timeout=600)
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    p = subprocess.run([*make, "examples", f"EXAMPLES_OUT={out}"], env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return out


def test_each_example_is_short():
    assert len(SOURCES) >= 1
    for src in SOURCES:
        lines = src.read_text().count("\n")
        assert lines < 80, f"{src.name}: {lines} lines"


def test_examples_use_only_the_installed_library(examples):
    for src in SOURCES:
        exe = examples / src.stem
        assert exe.exists(), exe
        needed = subprocess.run(["objdump", "-p", str(exe)], capture_output=True, text=True,
                                check=True, timeout=60).stdout
        assert re.search(r"NEEDED\s+libsockit\.so\.0\n", needed), needed
        assert "/prefix/lib" in needed  # the runpath of the scratch install


def test_udp_echo_answers_nc(examples):
    need_tool("nc")
    with Proc([str(examples / "udp_echo")]) as srv:
        port = srv.wait_line(r"listening on 127\.0\.0\.1:(\d+)").group(1)
        with Proc(["nc", "-u", "127.0.0.1", port], stdin=subprocess.PIPE, hard=True) as nc:
            for word in (b"hello\n", b"second datagram\n"):
                nc.p.stdin.write(word)
                nc.p.stdin.flush()
                assert read_exactly(nc.p.stdout, len(word)) == word
        srv.wait_line(r"^2: 16 bytes from 127\.0\.0\.1:\d+$")


def read_exactly(pipe, n, timeout=TIMEOUT):
    """n bytes from pipe, failing after timeout seconds."""
    import select
    data = b""
    while len(data) < n:
        r, _, _ = select.select([pipe], [], [], timeout)
        assert r, f"no answer within {timeout}s (got {data!r})"
        chunk = os.read(pipe.fileno(), n - len(data))
        assert chunk, f"closed after {data!r}"
        data += chunk
    return data


def test_connect_scan_agrees_with_nmap(examples):
    """Ports the test holds open (listening) and closed (bound, not
    listening, so no one else takes them meanwhile): the example's NDJSON
    verdicts, one per port, match the listeners and nmap -sT's."""
    need_tool("nmap")
    import json
    import socket
    socks, open_ports, closed_ports = [], [], []
    try:
        for listening in (True, True, True, False, False):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            if listening:
                s.listen(8)
            socks.append(s)
            (open_ports if listening else closed_ports).append(s.getsockname()[1])
        ports = ",".join(map(str, open_ports + closed_ports))
        p = subprocess.run([str(examples / "connect_scan"), "127.0.0.1", ports],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        results = [json.loads(line) for line in p.stdout.splitlines()]
        mine = {r["port"]: r["state"] for r in results}
        assert len(results) == 5 and all(r["ip"] == "127.0.0.1" for r in results)
        assert mine == {**{port: "open" for port in open_ports},
                        **{port: "closed" for port in closed_ports}}
        nm = subprocess.run(["nmap", "-sT", "-Pn", "-n", "-p", ports, "-oG", "-", "127.0.0.1"],
                            capture_output=True, text=True, timeout=120)
        assert nm.returncode == 0, nm.stderr
        theirs = {int(port): state for port, state in
                  re.findall(r"(\d+)/(open|closed|filtered)/tcp", nm.stdout)}
        assert theirs == mine, nm.stdout
    finally:
        for s in socks:
            s.close()


def test_iknow_server_answers_several_clients_at_once(examples):
    """Five clients (ncat and nc) connected together, each answered on its
    own line, then the first again: one process serves them all."""
    need_tool("ncat")
    need_tool("nc")
    with Proc([str(examples / "iknow_server")]) as srv:
        port = srv.wait_line(r"listening on 127\.0\.0\.1:(\d+)").group(1)
        clients = []
        try:
            for i in range(5):
                argv = ["ncat", "127.0.0.1", port] if i % 2 == 0 else ["nc", "127.0.0.1", port]
                clients.append(Proc(argv, stdin=subprocess.PIPE, hard=True))
                srv.wait_count(r"connected", i + 1)
            for i, c in enumerate(clients):
                c.p.stdin.write(f"hello from client {i}\n".encode())
                c.p.stdin.flush()
            for i, c in enumerate(clients):
                want = f"I Know: hello from client {i}\n".encode()
                assert read_exactly(c.p.stdout, len(want)) == want
            clients[0].p.stdin.write(b"still here\r\n")
            clients[0].p.stdin.flush()
            assert read_exactly(clients[0].p.stdout, 19) == b"I Know: still here\n"
        finally:
            for c in clients:
                c.__exit__(None, None, None)
        srv.wait_count(r"closed by peer", 5)
        srv.p.send_signal(signal.SIGINT)  # the server stops cleanly
        assert srv.wait() == 0, srv.stderr()
