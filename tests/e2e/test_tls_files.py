"""Every command with TLS files (tcp connect/listen, http get, file
send/recv) reports a missing, unreadable or wrong --cafile/--cert/--key
the same way: one line naming the option, the file and the reason, exit 1,
before any connection is tried."""
import os
import socket
import subprocess

import pytest

from conftest import SOCKIT, TIMEOUT, make_ca, need_tool, one_line_error, run


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    need_tool("openssl")
    d = tmp_path_factory.mktemp("pki")
    ca, cert, key = make_ca(d)
    locked = os.path.join(str(d), "locked.pem")
    with open(ca, "rb") as f, open(locked, "wb") as g:
        g.write(f.read())
    os.chmod(locked, 0)
    return ca, cert, key, locked


MISSING = "/nonexistent/x.pem"


def cmds(pki, port):
    """argv for each command with the file under test; port: a loopback
    port that listens (file send connects before it reads --cafile)."""
    ca, cert, key, _ = pki
    return {
        "tcp connect --cafile": lambda f: ("tcp", "connect", "--tls", "--cafile", f,
                                           "127.0.0.1:1", "--send", "x"),
        "http get --cafile": lambda f: ("http", "get", "--cafile", f, "https://127.0.0.1:1/"),
        "file send --cafile": lambda f: ("file", "send", "--tls", "--cafile", f,
                                         f"127.0.0.1:{port}", SOCKIT),
        "tcp listen --cert": lambda f: ("tcp", "listen", "--tls", "--cert", f, "--key", key,
                                        "127.0.0.1:0"),
        "tcp listen --key": lambda f: ("tcp", "listen", "--tls", "--cert", cert, "--key", f,
                                       "127.0.0.1:0"),
        "file recv --cert": lambda f: ("file", "recv", "--tls", "--cert", f, "--key", key,
                                       "127.0.0.1:0"),
        "tcp connect --cert": lambda f: ("tcp", "connect", "--tls", "--cafile", ca, "--cert", f,
                                         "--key", key, "127.0.0.1:1", "--send", "x"),
    }


@pytest.mark.parametrize("which", ["tcp connect --cafile", "http get --cafile",
                                   "file send --cafile", "tcp listen --cert",
                                   "tcp listen --key", "file recv --cert",
                                   "tcp connect --cert"])
def test_missing_directory_and_garbage_files(pki, which):
    with socket.socket() as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen(8)
        argv = cmds(pki, ls.getsockname()[1])[which]
        opt = which.split()[-1]
        for f, why in ((MISSING, "no such file or directory"), ("/", "is a directory"),
                       ("/dev/null", "no usable PEM")):
            p = run(*argv(f))
            one_line_error(p, 1, f"{opt} {f}: {why}")


def test_unreadable_file_names_the_reason(pki):
    locked = pki[3]
    # root reads anything: run as nobody for the permission check.
    drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] \
        if os.geteuid() == 0 else []
    p = subprocess.run(drop + [SOCKIT, "tcp", "connect", "--tls", "--cafile", locked,
                               "127.0.0.1:1", "--send", "x"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    one_line_error(p, 1, f"--cafile {locked}: permission denied")
