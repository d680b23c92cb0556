"""Peers for the HTTP tests: nginx with its own config in a temp
directory, a scripted raw-socket server for the responses nginx never
sends (odd chunking, trailers, 1xx, short bodies, garbage, stalls), and
sockit's own http serve with its port read from stderr."""
import os
import re
import select
import socket
import subprocess
import threading
import time

from conftest import SOCKIT, free_port, need_tool

NGINX_CONF = """
user root;
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 128; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout {keepalive};
    {extra_http}
    server {{
        listen 127.0.0.1:{port}{ssl};
        root {root};
        location = /r301 {{ return 301 /f1; }}
        location = /r302 {{ return 302 /f1; }}
        location = /r303 {{ return 303 http://127.0.0.1:{port}/f1; }}
        location = /r307 {{ return 307 /f1; }}
        location = /r308 {{ return 308 /f1; }}
        location = /chain {{ return 302 /r301; }}
        location = /loop1 {{ return 302 /loop2; }}
        location = /loop2 {{ return 302 /loop1; }}
        location = /dir/rel {{ return 302 ../f1; }}
        {extra_server}
    }}
}}
"""


class Nginx:
    """nginx on 127.0.0.1 serving root, started and stopped by the test."""

    def __init__(self, tmp, root, keepalive=65, extra_http="", extra_server="", tls=None):
        """tls: (certfile, keyfile) to serve https."""
        need_tool("nginx")
        self.tmp, self.root = tmp, root
        self.keepalive, self.extra_http, self.extra_server = keepalive, extra_http, extra_server
        self.tls = tls
        if tls:
            self.extra_server += f"ssl_certificate {tls[0]}; ssl_certificate_key {tls[1]};"
        self.proc = None

    def __enter__(self):
        for _ in range(5):
            self.port = free_port()
            conf = os.path.join(self.tmp, "nginx.conf")
            with open(conf, "w") as f:
                f.write(NGINX_CONF.format(tmp=self.tmp, root=self.root, port=self.port,
                                          ssl=" ssl" if self.tls else "",
                                          keepalive=self.keepalive,
                                          extra_http=self.extra_http,
                                          extra_server=self.extra_server.replace(
                                              "PORT", str(self.port))))
            self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.tmp],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self._wait_up():
                return self
            self.proc.kill()
            self.proc.wait(timeout=5)
        raise RuntimeError("nginx did not start: " + open(os.path.join(self.tmp, "error.log")).read())

    def _wait_up(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def url(self, path="/", host="127.0.0.1"):
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return False


class RawServer:
    """Answers each connection with a script: a list of byte strings sent
    in order (with a short pause between pieces so they arrive apart),
    then closes; None as a piece means stall until the test ends.  The
    request bytes received are kept in .requests."""

    def __init__(self, *pieces, close=True, read_request=True):
        self.pieces, self.close, self.read_request = pieces, close, read_request
        self.requests = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def _read_request(self, conn):
        data = b""
        conn.settimeout(5)
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        self.requests.append(data)

    def _run(self):
        while not self.stop.is_set():
            r, _, _ = select.select([self.sock], [], [], 0.1)
            if not r:
                continue
            conn, _ = self.sock.accept()
            try:
                if self.read_request:
                    self._read_request(conn)
                for piece in self.pieces:
                    if piece is None:
                        self.stop.wait(30)
                        break
                    conn.sendall(piece)
                    time.sleep(0.01)
            except OSError:
                pass
            finally:
                if self.close:
                    conn.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()
        return False


class Serve:
    """sockit http serve DIR on 127.0.0.1 port 0; .port from its stderr."""

    def __init__(self, root, *args):
        self.root, self.args = root, args

    def __enter__(self):
        self.proc = subprocess.Popen([SOCKIT, "http", "serve", str(self.root), "--bind",
                                      "127.0.0.1:0", *self.args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self._readline(10)
        m = re.match(r"listening on 127\.0\.0\.1:(\d+)$", line)
        assert m, line
        self.port = int(m.group(1))
        self.log = []
        return self

    def _readline(self, timeout):
        fd = self.proc.stderr.fileno()
        buf = b""
        deadline = time.monotonic() + timeout
        while not buf.endswith(b"\n"):
            left = deadline - time.monotonic()
            assert left > 0, f"no line from http serve: {buf!r}"
            r, _, _ = select.select([fd], [], [], left)
            if r:
                c = os.read(fd, 1)
                assert c, f"http serve exited: {buf!r}"
                buf += c
        return buf.decode().rstrip("\n")

    def log_lines(self, n, timeout=10):
        while len(self.log) < n:
            self.log.append(self._readline(timeout))
        return self.log

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return False


def raw_request(port, data, timeout=5):
    """Sends data on a fresh connection and returns all bytes until the
    server closes (or the timeout)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    s.close()
    return out
