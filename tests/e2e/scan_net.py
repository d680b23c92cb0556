"""Namespaces for scan tests: one scanner namespace joined to several
target namespaces, each by its own veth pair and /24 (SUBNET.1 on the
scanner's side, SUBNET.2 on the target's).  Nothing touches the host's
addresses or routes; everything is deleted afterwards."""
import os
import subprocess

from conftest import SOCKIT, TIMEOUT, delete_netns, need_root


class InNamespaces:
    """Running commands in the scanner namespace self.sc or any other."""

    def on(self, ns, *args, **kw):
        kw.setdefault("capture_output", True)
        kw.setdefault("timeout", TIMEOUT)
        kw.setdefault("text", True)
        return subprocess.run(["ip", "netns", "exec", ns, *map(str, args)], **kw)

    def scan(self, *args, timeout=60):
        return self.on(self.sc, SOCKIT, "scan", *args, timeout=timeout)


class ScanNet(InNamespaces):
    def __init__(self, tag, subnets):
        base = f"sk{os.getpid() % 100000}{tag[:5]}"
        self.sc = base + "s"
        self.tg = [f"{base}t{i}" for i in range(len(subnets))]
        self.subnets = subnets
        self.procs = []

    def ip_of(self, i):
        return f"{self.subnets[i]}.2"

    def __enter__(self):
        need_root()
        made = []
        try:
            for ns in (self.sc, *self.tg):
                subprocess.run(["ip", "netns", "add", ns], check=True, timeout=10)
                made.append(ns)
            for ns in made:
                self._ip("-n", ns, "link", "set", "lo", "up")
            for i, (ns, net) in enumerate(zip(self.tg, self.subnets)):
                self._ip("link", "add", f"a{i}", "netns", self.sc, "type", "veth", "peer",
                         "name", f"b{i}", "netns", ns)
                self._ip("-n", self.sc, "addr", "add", f"{net}.1/24", "dev", f"a{i}")
                self._ip("-n", ns, "addr", "add", f"{net}.2/24", "dev", f"b{i}")
                self._ip("-n", self.sc, "link", "set", f"a{i}", "up")
                self._ip("-n", ns, "link", "set", f"b{i}", "up")
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        delete_netns(self.procs, self.sc, *self.tg)
        return False

    @staticmethod
    def _ip(*args):
        subprocess.run(["ip", *args], check=True, timeout=10, capture_output=True)

    def popen(self, i, argv, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", self.tg[i], *argv], **kw)
        self.procs.append(p)
        return p

    def local_block(self, i, block):
        """Target i answers for every address of block; the scanner routes
        it there."""
        r = self.on(self.tg[i], "ip", "route", "add", "local", block, "dev", "lo")
        assert r.returncode == 0, r.stderr
        r = self.on(self.sc, "ip", "route", "add", block, "via", self.ip_of(i))
        assert r.returncode == 0, r.stderr

    def nft(self, i, rules):
        r = self.on(self.tg[i], "nft", "-f", "-", input=rules)
        assert r.returncode == 0, r.stderr

    def syn_loss(self, i, percent):
        """Target i drops percent of the TCP SYNs it receives, at random."""
        self.nft(i, "table inet sockitloss {\n chain input {\n"
                    "  type filter hook input priority 0;\n"
                    f"  tcp flags & (syn | ack) == syn numgen random mod 100 < {percent} drop\n"
                    " }\n}\n")
