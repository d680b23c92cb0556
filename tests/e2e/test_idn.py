"""International domain names (libidn2): http get sends the ASCII form in
the Host header and as TLS's server name, as curl does; tcp connect, scan
and resolve look names up in that form.  Everything stays on loopback:
--resolve points the http names at 127.0.0.1, and the other commands use
the full-width "ｌｏｃａｌｈｏｓｔ", which the Unicode mapping turns
into localhost (/etc/hosts, never DNS)."""
import json
import select
import socket
import ssl
import subprocess
import threading

import pytest

from conftest import SOCKIT, TIMEOUT, make_ca, need_tool, one_line_error, run
from http_peers import RawServer

NAME, ACE = "bücher.example", "xn--bcher-kva.example"
WIDE = "ｌｏｃａｌｈｏｓｔ"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"


def host_header(request):
    for line in request.decode().split("\r\n"):
        if line.lower().startswith("host:"):
            return line.split(":", 1)[1].strip()
    return None


def test_http_get_sends_the_ascii_name_as_curl_does():
    need_tool("curl")
    with RawServer(OK) as srv:
        url = f"http://{NAME}:{srv.port}/p?q"
        resolve = f"{NAME}:{srv.port}:127.0.0.1"
        p = run("http", "get", "--resolve", resolve, url, check=0)
        assert p.returncode == 0 and p.stdout == "ok\n", p.stderr
        # (curl matches --resolve against the ASCII form only.)
        subprocess.run(["curl", "-s", "--resolve", f"{ACE}:{srv.port}:127.0.0.1", url],
                       capture_output=True, timeout=TIMEOUT, check=True)
        ours, curls = srv.requests
        assert host_header(ours) == host_header(curls) == f"{ACE}:{srv.port}"
        assert ours.split(b"\r\n")[0] == curls.split(b"\r\n")[0] == b"GET /p?q HTTP/1.1"
        # --resolve names the host in either form.
        p = run("http", "get", "--resolve", f"{ACE}:{srv.port}:127.0.0.1",
                f"http://Bücher.Example:{srv.port}/", check=0)
        assert p.returncode == 0, p.stderr
        assert host_header(srv.requests[2]) == f"{ACE}:{srv.port}"


class SniServer:
    """A TLS server on 127.0.0.1 that keeps the server name each client
    sent and answers OK."""

    def __init__(self, cert, key):
        self.names = []
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(cert, key)
        self.ctx.sni_callback = lambda sock, name, ctx: self.names.append(name)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.is_set():
            if not select.select([self.sock], [], [], 0.1)[0]:
                continue
            conn, _ = self.sock.accept()
            conn.settimeout(5)
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as tls:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = tls.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    tls.sendall(OK)
            except (OSError, ssl.SSLError):
                conn.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()
        return False


def test_https_verifies_and_sends_the_ascii_name(tmp_path):
    """The certificate names the A-label; verification passes and the
    server name (SNI) is the A-label, for sockit as for curl."""
    need_tool("curl")
    ca, cert, key = make_ca(tmp_path, names=(f"DNS:{ACE}",))
    with SniServer(cert, key) as srv:
        url = f"https://{NAME}:{srv.port}/"
        resolve = f"{NAME}:{srv.port}:127.0.0.1"
        p = run("http", "get", "--cafile", ca, "--resolve", resolve, url, check=0)
        assert p.returncode == 0 and p.stdout == "ok\n", p.stderr
        c = subprocess.run(["curl", "-s", "--cacert", ca, "--resolve",
                            f"{ACE}:{srv.port}:127.0.0.1", url],
                           capture_output=True, timeout=TIMEOUT)
        assert c.returncode == 0 and c.stdout == b"ok\n", c.stderr
        assert srv.names == [ACE, ACE]


def test_tcp_connect_scan_and_resolve_take_international_names():
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(4)
    port = lst.getsockname()[1]
    try:
        p = subprocess.Popen([SOCKIT, "tcp", "connect", f"{WIDE}:{port}"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        lst.settimeout(TIMEOUT)
        conn, _ = lst.accept()
        p.stdin.write(b"hello\n")
        p.stdin.close()
        conn.settimeout(TIMEOUT)
        got = b""
        while not got.endswith(b"\n"):
            chunk = conn.recv(100)
            if not chunk:
                break
            got += chunk
        assert got == b"hello\n"
        conn.close()
        assert p.wait(timeout=TIMEOUT) == 0, p.stderr.read()
        r = run("scan", WIDE, "--connect", "-4", "-p", str(port), "--json", check=0)
        objs = [json.loads(l) for l in r.stdout.splitlines()]
        assert [(o["ip"], o["port"], o["state"]) for o in objs] == \
            [("127.0.0.1", port, "open")], r.stderr
    finally:
        lst.close()
    r = run("resolve", WIDE, "-4", check=0)
    assert r.returncode == 0 and "127.0.0.1" in r.stdout, r.stderr


@pytest.mark.parametrize("args,needle", [
    (["http", "get", "http://bücher.example/ü"], "offset 23"),
    (["http", "get", "http://a\udcff.example/"], "not a valid international name"),
    (["http", "get", "--resolve", "bücher.example:80", "http://x/"], "HOST:PORT:ADDR"),
    (["http", "get", "--resolve", "bücher.example:80:localhost", "http://x/"],
     "not an IP address"),
    (["tcp", "connect", "a\udcff.example:80"], "not a valid international name"),
])
def test_bad_international_names_are_usage_errors(args, needle):
    # (A byte that is not UTF-8 comes back in the URL the message quotes.)
    one_line_error(subprocess.run([SOCKIT, *args], capture_output=True, text=True,
                                  errors="replace", timeout=TIMEOUT), 2, needle)
