"""Shared helpers for the end-to-end tests: the sockit binary under test
(SOCKIT, set by tools/run-tests.sh), running it with a timeout, and
reading the port a listener bound to port 0 reports on stderr."""
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOCKIT = os.environ.get("SOCKIT", str(ROOT / "build" / "sockit"))
TIMEOUT = 20


def run(*args, input=None, timeout=TIMEOUT, check=None):
    """Runs sockit with args; returns the CompletedProcess (text mode
    unless input is bytes)."""
    text = not isinstance(input, bytes)
    proc = subprocess.run([SOCKIT, *map(str, args)], input=input,
                          capture_output=True, text=text, timeout=timeout)
    if check is not None:
        assert proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
    return proc


def one_line_error(proc, status, *needles):
    """Asserts a failure: the status, one line on stderr starting 'sockit:'
    and containing each needle."""
    assert proc.returncode == status, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("sockit: "), lines[0]
    for n in needles:
        assert n in lines[0], (n, lines[0])


def need_root():
    if os.geteuid() != 0:
        pytest.skip("needs root (raw sockets / network namespaces)")


def need_tool(name):
    if shutil.which(name) is None:
        pytest.skip(f"peer tool {name} is not installed (make deps installs it)")
