"""arp: resolve and sweep across a veth pair into a namespace the test
makes, checked against arp-scan on the same link; vendors from the IEEE
registries; errors."""
import csv
import json
import os
import subprocess

import pytest

from conftest import SOCKIT, Netns, need_root, need_tool, one_line_error, run

# A /24 of 198.18.0.0/15 per test process, so that suites running at once
# in other checkouts are unlikely to pick the same one.
NET = f"198.18.{128 + os.getpid() % 100}"


def registry(name):
    with open(f"/usr/share/ieee-data/{name}.csv", newline="") as f:
        return {row[1].upper(): row[2].strip() for row in csv.reader(f) if len(row) > 2}


def mac_of(ns):
    out = ns.run("ip", "-o", "link", "show", ns.ns_if, text=True).stdout
    return out.split("link/ether ")[1].split()[0]


def arp_scan(iface, target):
    need_tool("arp-scan")
    out = subprocess.run(["arp-scan", "-I", iface, "-x", "-q", target], capture_output=True,
                         text=True, timeout=60).stdout
    return {tuple(l.split("\t")[:2]) for l in out.splitlines() if l.strip()}


def test_resolve_returns_the_peers_mac_and_vendor():
    oui = registry("oui")
    with Netns("arp1", host_ip=f"{NET}.1", ns_ip=f"{NET}.2") as ns:
        ns.run("ip", "link", "set", ns.ns_if, "address", "00:22:72:ab:cd:ef", check=True)
        p = run("arp", ns.ns_ip, "-i", ns.host_if, "-c", "2", "--interval", "100ms",
                "--json", check=0)
        replies = [json.loads(l) for l in p.stdout.splitlines()]
        assert [r["probe"] for r in replies] == [1, 2]
        for r in replies:
            assert r["ip"] == ns.ns_ip and r["mac"] == "00:22:72:ab:cd:ef"
            assert r["vendor"] == oui["002272"]
            assert 0 < r["rtt_ms"] < 1000 and r["dup"] is False
        assert "2 requests, 2 replies" in p.stderr
        # The same MAC arp-scan finds, and the interface found without -i.
        assert arp_scan(ns.host_if, ns.ns_ip) == {(ns.ns_ip, "00:22:72:ab:cd:ef")}
        p = run("arp", ns.ns_ip, "-c", "1", check=0)
        assert p.stdout.startswith(f"reply from {ns.ns_ip} 00:22:72:ab:cd:ef {oui['002272']}")


def test_resolve_of_a_silent_address_fails_clearly():
    with Netns("arp2", host_ip=f"{NET}.1", ns_ip=f"{NET}.2") as ns:
        p = run("arp", f"{NET}.77", "-i", ns.host_if, "-c", "2", "--interval", "100ms",
                "--wait", "200ms")
        one_line_error(p, 1, f"{NET}.77", "no reply", ns.host_if, "2 requests")
        assert p.stdout == ""


def test_scan_of_250_addresses_matches_arp_scan():
    with Netns("arp3", host_ip=f"{NET}.1", ns_ip=f"{NET}.2") as ns:
        batch = "".join(f"addr add {NET}.{i}/24 dev {ns.ns_if}\n" for i in range(3, 252))
        r = subprocess.run(["ip", "-n", ns.name, "-batch", "-"], input=batch, text=True,
                           capture_output=True, timeout=30)
        assert r.returncode == 0, r.stderr
        mac = mac_of(ns)
        p = run("arp", "--scan", f"{NET}.0/24", "-i", ns.host_if, "--json", check=0, timeout=60)
        hosts = [json.loads(l) for l in p.stdout.splitlines()]
        ours = {(h["ip"], h["mac"]) for h in hosts}
        want = {(f"{NET}.{i}", mac) for i in range(2, 252)}
        assert ours == want
        assert not any(h["dup"] for h in hosts)
        assert "250 hosts answered of 254 addresses" in p.stderr
        assert arp_scan(ns.host_if, f"{NET}.0/24") == want


def test_scan_ranges_text_output_and_dup():
    """Two namespaces behind a bridge both claim .2: the second MAC is DUP."""
    need_root()
    with Netns("arp4", host_ip=f"{NET}.1", ns_ip=f"{NET}.2") as ns, \
            Netns("arp5", host_ip=f"{NET}.101", ns_ip=f"{NET}.2") as other:
        br = f"{ns.name[:11]}b"
        try:
            for args in (["link", "add", br, "type", "bridge"], ["link", "set", br, "up"],
                         ["addr", "flush", "dev", ns.host_if],
                         ["addr", "flush", "dev", other.host_if],
                         ["link", "set", ns.host_if, "master", br],
                         ["link", "set", other.host_if, "master", br],
                         ["addr", "add", f"{NET}.1/24", "dev", br]):
                subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)
            p = run("arp", "--scan", f"{NET}.2-3", "-i", br, "--retries", "0", "--wait",
                    "300ms", check=0)
            lines = sorted(p.stdout.splitlines())
            assert len(lines) == 2, p
            macs = {mac_of(ns), mac_of(other)}
            assert {l.split("\t")[1] for l in lines} == macs
            assert sum(l.endswith("\t(DUP)") for l in lines) == 1
            assert all(l.startswith(f"{NET}.2\t") for l in lines)
            assert "(Unknown: locally administered)" in lines[0]
        finally:
            subprocess.run(["ip", "link", "del", br], capture_output=True, timeout=10)


def test_vendor_is_the_longest_prefix():
    """An MA-M block inside an MA-L block that the IEEE itself holds: the
    28-bit assignment names the vendor."""
    oui, mam = registry("oui"), registry("mam")
    pick = next(a for a in sorted(mam) if a[:6] in oui and mam[a] != oui[a[:6]]
                and mam[a] != "Private")
    mac = ":".join([pick[0:2], pick[2:4], pick[4:6], pick[6] + "0", "00", "01"]).lower()
    with Netns("arp6", host_ip=f"{NET}.1", ns_ip=f"{NET}.2") as ns:
        ns.run("ip", "link", "set", ns.ns_if, "address", mac, check=True)
        p = run("arp", ns.ns_ip, "-i", ns.host_if, "-c", "1", "--json", check=0)
        assert json.loads(p.stdout)["vendor"] == mam[pick]


def test_without_cap_net_raw_the_error_says_so():
    need_root()
    need_tool("setpriv")
    with Netns("arp7", host_ip=f"{NET}.1", ns_ip=f"{NET}.2") as ns:
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "--inh-caps=-all", SOCKIT, "arp", ns.ns_ip, "-i", ns.host_if],
                           capture_output=True, text=True, timeout=20)
        one_line_error(p, 1, "raw socket", "root or CAP_NET_RAW")


@pytest.mark.parametrize("args,needles", [
    ([], ["missing IP"]),
    (["--scan"], ["missing CIDR"]),
    (["::1"], ["-i IF"]),
    (["198.18.0.1", "198.18.0.2"], ["--scan"]),
    (["--scan", "198.18.0.0/15"], ["65536"]),
    (["--scan", "198.18.0.9-3"], ["ends before"]),
    (["--scan", "198.18.0.1-300"], ["A-N"]),
    (["--scan", "2001:db8::/120"], ["IPv4 only"]),
    (["198.18.0.1", "-c", "0"], ["--count"]),
    (["198.18.0.1", "--wait", "soon"], ["--wait"]),
])
def test_usage_errors(args, needles):
    one_line_error(run("arp", *args), 2, *needles)


def test_no_interface_for_the_address():
    """Inside the namespace, an address off its one /24 is on no local
    network: a clear error, and nothing is sent."""
    with Netns("arp8", host_ip=f"{NET}.1", ns_ip=f"{NET}.2") as ns:
        other = f"198.18.{(int(NET.split('.')[2]) + 1) % 256}.5"
        p = ns.run(SOCKIT, "arp", other, text=True)
        one_line_error(p, 1, other, "no local network")


def test_ipv6_neighbour_solicitation_finds_the_peer():
    """arp -6: a neighbour solicitation from the host's link-local address,
    answered by the namespace's kernel with its MAC (link-local addresses
    only, made without duplicate detection so that they work at once)."""
    with Netns("arp9", host_ip=f"{NET}.1", ns_ip=f"{NET}.2") as ns:
        subprocess.run(["ip", "-6", "addr", "add", "fe80::1/64", "dev", ns.host_if, "nodad"],
                       check=True, timeout=10)
        ns.run("ip", "-6", "addr", "add", "fe80::2/64", "dev", ns.ns_if, "nodad", check=True)
        mac = mac_of(ns)
        p = run("arp", "-6", "fe80::2", "-i", ns.host_if, "-c", "2", "--interval", "100ms",
                "--json", check=0)
        replies = [json.loads(l) for l in p.stdout.splitlines()]
        assert [(r["ip"], r["mac"], r["probe"]) for r in replies] == \
            [("fe80::2", mac, 1), ("fe80::2", mac, 2)]
        p = run("arp", f"fe80::2%{ns.host_if}", "-c", "1", check=0)
        assert p.stdout.startswith(f"reply from fe80::2 {mac} ")
        p = run("arp", "fe80::99", "-i", ns.host_if, "-c", "1", "--wait", "200ms")
        one_line_error(p, 1, "fe80::99", "no reply")


@pytest.mark.parametrize("args,needles", [
    (["-6", "198.18.0.1", "-i", "lo"], ["not an IPv6 address"]),
    (["fe80::2"], ["-i IF", "%IF"]),
    (["-6", "--scan", "198.18.0.0/24"], ["IPv4 only"]),
])
def test_ipv6_usage_errors(args, needles):
    one_line_error(run("arp", *args), 2, *needles)
