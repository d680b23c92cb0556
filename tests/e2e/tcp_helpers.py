"""Helpers for the tcp tests: a background sockit (or peer) whose stderr
is read on a thread, so a test can wait for a line with a timeout; ports
read back from 'listening on ADDR:PORT'; a test CA made with openssl."""
import os
import re
import socket
import subprocess
import threading
import time

from conftest import SOCKIT, TIMEOUT


class Proc:
    """A background process; stderr lines are collected as they come."""

    def __init__(self, argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=None,
                 hard=False):
        self.hard = hard  # peers are killed, sockit gets SIGTERM
        self.p = subprocess.Popen(argv, stdin=stdin, stdout=stdout,
                                  stderr=subprocess.PIPE, env=env)
        self.lines = []
        self.cond = threading.Condition()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for raw in self.p.stderr:
            with self.cond:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # end of stderr
            self.cond.notify_all()

    def wait_line(self, pattern, timeout=TIMEOUT):
        """The first stderr line matching pattern (a regex); fails on
        timeout or when stderr ends first."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for l in self.lines:
                    if l is None:
                        raise AssertionError(f"stderr ended without {pattern!r}: {self.stderr()}")
                    m = rx.search(l)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timeout waiting for {pattern!r}: {self.stderr()}")
                self.cond.wait(left)

    def count(self, pattern):
        rx = re.compile(pattern)
        with self.cond:
            return sum(1 for l in self.lines if l is not None and rx.search(l))

    def wait_count(self, pattern, n, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while self.count(pattern) < n:
            assert time.monotonic() < deadline, (pattern, n, self.stderr())
            time.sleep(0.02)

    def stderr(self):
        with self.cond:
            return "\n".join(l for l in self.lines if l is not None)

    def wait(self, timeout=TIMEOUT):
        rc = self.p.wait(timeout=timeout)
        self.t.join(timeout)
        return rc

    def stop(self):
        if self.p.poll() is None:
            (self.p.kill if self.hard else self.p.terminate)()
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout=5)
        self.t.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        for f in (self.p.stdout, self.p.stdin):
            if f:
                f.close()
        return False


def connect(port, host="127.0.0.1"):
    """A TCP client socket connected to host:port, with the tests' timeout."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect((host, port))
    return s


def sockit_listen(*args, **kw):
    """Starts `sockit tcp listen ARGS` and returns (proc, port)."""
    p = Proc([SOCKIT, "tcp", "listen", *map(str, args)], **kw)
    m = p.wait_line(r"listening on .*:(\d+)$")
    return p, int(m.group(1))


def wait_port(port, host="127.0.0.1", timeout=TIMEOUT):
    """Waits until a peer tool listens on host:port (peers do not print
    their port, so the test picks one and polls it)."""
    deadline = time.monotonic() + timeout
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    while True:
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.connect((host, port))
            return
        except OSError:
            assert time.monotonic() < deadline, f"{host}:{port} never listened"
            time.sleep(0.05)
        finally:
            s.close()


def _socket_inodes(pid):
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        pass
    return inodes


def wait_listening(port, timeout=TIMEOUT, proc=None):
    """Like wait_port but without connecting (a one-shot peer would take
    the probe as its client): polls /proc/net/tcp{,6} for LISTEN.  With
    proc, the listening socket must be that process's own (the machine is
    shared: someone else may have taken the port the peer was told to
    use), and it fails at once when that process has exited."""
    deadline = time.monotonic() + timeout
    hexport = f"{port:04X}"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the peer exited ({proc.returncode}) before listening")
        for f in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(f) as fh:
                for line in fh.readlines()[1:]:
                    parts = line.split()
                    if parts[1].endswith(":" + hexport) and parts[3] == "0A":
                        if proc is None or parts[9] in _socket_inodes(proc.pid):
                            return
        time.sleep(0.05)
    raise AssertionError(f"port {port} never listened")
