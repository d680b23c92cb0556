"""sockit ui under tmux: a private tmux server per test (its own socket), keys
sent with send-keys, the screen read with capture-pane, and every wait a
polling loop with a timeout."""
import itertools
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import SOCKIT, TIMEOUT

_ids = itertools.count()


class Screen:
    def __init__(self, *args, width=110, height=30, env=None):
        if shutil.which("tmux") is None:
            pytest.fail("tmux is not installed (make deps installs it)")
        self.sock = f"sockit-ui-{os.getpid()}-{next(_ids)}"
        cmd = " ".join(_quote(a) for a in [SOCKIT, "ui", *map(str, args)])
        # The shell waits after sockit ends, so that its last screen and
        # exit status stay readable.
        shell = f"{cmd}; echo EXIT=$?; sleep 60"
        full_env = {"LANG": "C.UTF-8", "TERM": "tmux-256color",
                    **(env or {})}
        envs = [f"{k}={v}" for k, v in full_env.items()]
        self.tmux("new-session", "-d", "-s", "ui", "-x", str(width),
                  "-y", str(height), "env", *envs, "sh", "-c", shell)

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.sock, *args], check=check,
                              capture_output=True, text=True, timeout=TIMEOUT)

    def keys(self, *keys):
        """tmux key names (Enter, Tab, C-x) or literal text (-l)."""
        for k in keys:
            if re.fullmatch(r"(C-.|Enter|Tab|BTab|Escape|Space|BSpace|F\d+|"
                            r"PPage|NPage|Left|Right|Up|Down|Home|End|DC)", k):
                self.tmux("send-keys", "-t", "ui", k)
            else:
                self.tmux("send-keys", "-t", "ui", "-l", k)

    def text(self, colours=False):
        args = ["capture-pane", "-p", "-t", "ui"] + (["-e"] if colours else [])
        return self.tmux(*args).stdout

    def lines(self):
        return self.text().splitlines()

    def wait(self, pattern, timeout=TIMEOUT):
        """Polls the screen until pattern (a regex) appears; returns the
        match."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.text()
            m = re.search(pattern, screen)
            if m:
                return m
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not on screen within "
                                     f"{timeout}s:\n{screen}")
            time.sleep(0.02)

    def status(self):
        return self.lines()[-2]

    def udp_port(self):
        return int(self.wait(r"UDP on [\d.]+:(\d+)").group(1))

    def send_box(self, text):
        """Clears the send box (it keeps what was sent), types, sends."""
        self.keys("C-u", text, "Enter")

    def close(self):
        self.tmux("kill-server", check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _quote(a):
    return "'" + a.replace("'", "'\\''") + "'"
