"""Helpers for the UDP end-to-end tests: sockit processes that report the
port they bound, and plain sockets standing in for the far side."""
import os
import re
import selectors
import socket
import subprocess
import time

from conftest import SOCKIT, TIMEOUT

LISTENING = re.compile(r"listening on (\S+):(\d+)")


class Proc:
    """A sockit process started in the background; .port is the port it
    reported on stderr ('listening on ADDR:PORT')."""

    def __init__(self, *args, stdin=subprocess.DEVNULL, netns=None, env=None, **kw):
        argv = [SOCKIT, *map(str, args)]
        if netns:
            argv = ["ip", "netns", "exec", netns, *argv]
        self.p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, **kw)
        self.err_lines = []
        self.port = None
        self.addr = None

    def wait_listening(self, timeout=TIMEOUT):
        line = self.read_err_line(timeout)
        m = LISTENING.search(line or "")
        assert m, (line, self.err_lines)
        self.addr, self.port = m.group(1), int(m.group(2))
        return self

    def read_err_line(self, timeout=TIMEOUT):
        return _read_line(self.p.stderr, timeout, self.err_lines)

    def read_line(self, timeout=TIMEOUT):
        return _read_line(self.p.stdout, timeout, None)

    def finish(self, timeout=TIMEOUT):
        """Waits for exit; returns (status, stdout, stderr) as text."""
        if self.p.stdin and self.p.stdin.closed:
            self.p.stdin = None
        out, err = self.p.communicate(timeout=timeout)
        return (self.p.returncode, out.decode("utf-8", "replace"),
                "".join(self.err_lines) + err.decode("utf-8", "replace"))

    def stop(self, sig=15):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        return self.finish()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.p.poll() is None:
            self.p.kill()
            self.p.communicate(timeout=TIMEOUT)
        return False


def _read_line(pipe, timeout, keep):
    """One line from a pipe within timeout (bytes read one at a time so
    nothing past the line is consumed)."""
    sel = selectors.DefaultSelector()
    sel.register(pipe, selectors.EVENT_READ)
    buf = b""
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no line within {timeout}s (got {buf!r})"
            if not sel.select(left):
                continue
            ch = os.read(pipe.fileno(), 1)
            if not ch:
                break
            buf += ch
            if ch == b"\n":
                break
    finally:
        sel.close()
    line = buf.decode("utf-8", "replace")
    if keep is not None:
        keep.append(line)
    return line


def udp_socket(family=socket.AF_INET, bind=("127.0.0.1", 0)):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    s.bind(bind)
    return s
