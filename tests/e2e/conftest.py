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


def run_offline_dns(*args, input=None, timeout=TIMEOUT):
    """run() for a test that looks up a made-up name: tools/offline-dns.sh
    gives sockit a network namespace whose resolver is a dnsmasq on
    127.0.0.1 that knows no name, so the question never leaves loopback
    (the machine's own resolver would send it out).  Needs root."""
    need_root()
    if shutil.which("dnsmasq", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None:
        pytest.skip("dnsmasq is not installed (make deps installs dnsmasq-base)")
    text = not isinstance(input, bytes)
    return subprocess.run([str(ROOT / "tools" / "offline-dns.sh"), SOCKIT, *map(str, args)],
                          input=input, capture_output=True, text=text, timeout=timeout)


def one_line_error(proc, status, *needles):
    """Asserts a failure: the status, one line on stderr starting 'sockit:'
    and containing each needle."""
    assert proc.returncode == status, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("sockit: "), lines[0]
    for n in needles:
        assert n in lines[0], (n, lines[0])


def stderr_line(proc, timeout=TIMEOUT):
    """One line of proc's stderr without its newline, read byte by byte: a
    buffered readline could swallow the lines after it, which the test
    still has to read later."""
    import select
    fd, line = proc.stderr.fileno(), b""
    while not line.endswith(b"\n"):
        r, _, _ = select.select([fd], [], [], timeout)
        assert r, "no line on stderr within %ss" % timeout
        c = os.read(fd, 1)
        assert c, "exited: " + line.decode(errors="replace")
        line += c
    return line.decode().strip()


def need_root():
    if os.geteuid() != 0:
        pytest.skip("needs root (raw sockets / network namespaces)")


def need_tool(name):
    if shutil.which(name) is None:
        pytest.skip(f"peer tool {name} is not installed (make deps installs it)")


def free_port(kind=None):
    """A port that was free a moment ago on 127.0.0.1 (prefer binding port
    0 in the program under test and reading the real port back)."""
    import socket
    s = socket.socket(socket.AF_INET, kind or socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def kill_netns_pids(name):
    """Kills every process still in namespace name.  Peers that fork (ncat
    -k -e, socat fork) leave children the test never saw; deleting the
    namespace does not end them, and they would hold the test run's output
    pipes open after it ends."""
    out = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True,
                         timeout=10).stdout
    for pid in out.split():
        try:
            os.kill(int(pid), 9)
        except (ProcessLookupError, ValueError):
            pass


def delete_netns(procs, *names):
    """Ends a test's namespaces: the processes it started, then whatever is
    left inside each namespace, then the namespaces themselves."""
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=5)
    for name in names:
        kill_netns_pids(name)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)


class Netns:
    """A network namespace joined to this one by a veth pair, created by the
    test and deleted afterwards.  Addresses come from 198.18.0.0/15 only.

        with Netns("scan", host_ip="198.18.0.1", ns_ip="198.18.0.2") as ns:
            ns.run("ip", "route", "add", "local", "198.19.0.0/16", "dev", "lo")
            ns.popen(["nc", "-l", "198.18.0.2", "80"])
    """

    _count = 0

    def __init__(self, tag, host_ip="198.18.0.1", ns_ip="198.18.0.2", prefix=24):
        Netns._count += 1
        self.name = f"sk{os.getpid() % 100000}{tag[:4]}{Netns._count}"
        self.host_if = f"{self.name[:11]}h"
        self.ns_if = f"{self.name[:11]}n"
        self.host_ip, self.ns_ip, self.prefix = host_ip, ns_ip, prefix
        self.procs = []

    def _ip(self, *args):
        subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)

    def run(self, *args, **kw):
        kw.setdefault("capture_output", True)
        kw.setdefault("timeout", TIMEOUT)
        return subprocess.run(["ip", "netns", "exec", self.name, *args], **kw)

    def popen(self, argv, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", self.name, *argv], **kw)
        self.procs.append(p)
        return p

    def __enter__(self):
        need_root()
        self._ip("netns", "add", self.name)
        try:
            self._ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if,
                     "netns", self.name)
            self._ip("addr", "add", f"{self.host_ip}/{self.prefix}", "dev", self.host_if)
            self._ip("link", "set", self.host_if, "up")
            for args in (("addr", "add", f"{self.ns_ip}/{self.prefix}", "dev", self.ns_if),
                         ("link", "set", self.ns_if, "up"), ("link", "set", "lo", "up")):
                self._ip("-n", self.name, *args)
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        delete_netns(self.procs, self.name)
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True, timeout=10)
        return False


def make_ca(d, names=("DNS:localhost", "IP:127.0.0.1", "IP:::1")):
    """A throw-away CA and a server certificate it signed for the given
    subjectAltNames, under directory d; returns the paths (ca, cert, key)."""
    need_tool("openssl")
    d = str(d)

    def ossl(*a):
        subprocess.run(["openssl", *a], check=True, capture_output=True, timeout=TIMEOUT)
    ca, cakey = os.path.join(d, "ca.pem"), os.path.join(d, "ca.key")
    cert, key = os.path.join(d, "srv.pem"), os.path.join(d, "srv.key")
    csr, ext = os.path.join(d, "srv.csr"), os.path.join(d, "ext")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    ossl("req", "-x509", *ec, "-keyout", cakey, "-out", ca, "-days", "2",
         "-subj", "/CN=sockit test CA")
    ossl("req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    with open(ext, "w") as f:
        f.write("subjectAltName=" + ",".join(names) + "\n")
    ossl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", cakey, "-CAcreateserial",
         "-out", cert, "-days", "2", "-extfile", ext)
    return ca, cert, key
