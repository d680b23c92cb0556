"""sockit cidr against Python's ipaddress module (5,000+ random blocks) and
against ipcalc and sipcalc on a sample."""
import ipaddress
import json
import random
import re
import shutil
import subprocess

import pytest

from conftest import run, one_line_error

RNG = random.Random(20261125)


def random_block(version):
    bits = 32 if version == 4 else 128
    addr = RNG.getrandbits(bits)
    # Favour the edges, where off-by-ones live.
    prefix = RNG.choice([0, 1, bits - 2, bits - 1, bits, RNG.randint(0, bits)])
    cls = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    return f"{cls(addr)}/{prefix}"


def expected(text):
    iface = ipaddress.ip_interface(text)
    net = iface.network
    v4 = net.version == 4
    if v4:
        if net.prefixlen == 32:
            first = last = net.network_address
            hosts = 1
        elif net.prefixlen == 31:
            first, last, hosts = net.network_address, net.broadcast_address, 2
        else:
            first = net.network_address + 1
            last = net.broadcast_address - 1
            hosts = net.num_addresses - 2
    else:
        # ipaddress.hosts(): every address but the Subnet-Router anycast one,
        # except /127 (both) and /128 (the one).
        if net.prefixlen >= 127:
            first, last = net.network_address, net.broadcast_address
            hosts = net.num_addresses
        else:
            first, last = net.network_address + 1, net.broadcast_address
            hosts = net.num_addresses - 1
    return {
        "version": net.version,
        "address": str(iface.ip),
        "prefix": net.prefixlen,
        "network": str(net.network_address),
        "netmask": str(net.netmask),
        "wildcard": str(net.hostmask),
        "broadcast": str(net.broadcast_address) if v4 else None,
        "first": str(first),
        "last": str(last),
        "hosts": hosts if v4 else str(hosts),
    }


def test_matches_python_ipaddress_on_5000_random_blocks():
    blocks = [random_block(4) for _ in range(2600)] + [random_block(6) for _ in range(2600)]
    p = run("cidr", "-", "--json", input="\n".join(blocks) + "\n", check=0)
    got = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(got) == len(blocks)
    for text, record in zip(blocks, got):
        want = expected(text)
        scope = record.pop("scope")
        assert scope
        # RFC 5952 writes IPv4-mapped addresses dotted (::ffff:1.2.3.4);
        # Python 3.11 writes them in hex.  Compare those as addresses.
        for key in ("address", "network", "first", "last"):
            if "." in record[key] and record["version"] == 6:
                assert ipaddress.ip_address(record[key]) == ipaddress.ip_address(want[key])
                record[key] = want[key]
        assert record == want, text


def test_scope_agrees_with_ipaddress_flags():
    cases = {"10.0.0.1": "private", "127.0.0.1": "loopback", "169.254.0.1": "link-local",
             "224.0.0.1": "multicast", "fe80::1": "link-local", "ff02::1": "multicast",
             "::1": "loopback", "fd12::1": "unique-local", "8.8.8.8": "global"}
    for ip, scope in cases.items():
        p = run("cidr", ip, "--json", check=0)
        assert json.loads(p.stdout)["scope"] == scope
        a = ipaddress.ip_address(ip)
        if scope == "global":
            assert a.is_global
        elif scope == "loopback":
            assert a.is_loopback
        elif scope == "multicast":
            assert a.is_multicast
        elif scope == "link-local":
            assert a.is_link_local
        else:
            assert a.is_private


SAMPLE = ["192.168.36.235/24", "10.0.0.1/31", "10.0.0.1/32", "172.16.5.4/12",
          "198.18.0.0/15", "0.0.0.0/0", "203.0.113.77/27", "100.64.1.2/10"]


@pytest.mark.parametrize("block", SAMPLE)
def test_matches_ipcalc(block):
    if shutil.which("ipcalc") is None:
        pytest.skip("ipcalc is not installed (make deps installs it)")
    out = subprocess.run(["ipcalc", "-nb", block], capture_output=True, text=True,
                         timeout=20).stdout
    field = lambda name: re.search(rf"^{name}:\s+(\S+)", out, re.M).group(1)
    ours = json.loads(run("cidr", block, "--json", check=0).stdout)
    assert field("Address") == ours["address"]
    assert field("Netmask") == ours["netmask"]
    assert field("Wildcard") == ours["wildcard"]
    if ours["prefix"] == 32:
        assert field("Hostroute") == ours["address"]
        return
    assert field("Network") == f"{ours['network']}/{ours['prefix']}"
    assert field("HostMin") == ours["first"]
    assert field("HostMax") == ours["last"]
    assert int(field("Hosts/Net")) == ours["hosts"]
    if ours["prefix"] < 31:
        assert field("Broadcast") == ours["broadcast"]


@pytest.mark.parametrize("block", SAMPLE[:4] + ["2001:db8::1/64", "fe80::1:2/10", "::1/128"])
def test_matches_sipcalc(block):
    if shutil.which("sipcalc") is None:
        pytest.skip("sipcalc is not installed (make deps installs it)")
    out = subprocess.run(["sipcalc", block], capture_output=True, text=True,
                         timeout=20).stdout
    ours = json.loads(run("cidr", block, "--json", check=0).stdout)
    if ours["version"] == 4:
        field = lambda name: re.search(rf"^{re.escape(name)}\s+- (.+)$", out, re.M).group(1)
        assert field("Network address") == ours["network"]
        assert field("Network mask") == ours["netmask"]
        assert field("Cisco wildcard") == ours["wildcard"]
        assert field("Broadcast address") == ours["broadcast"]
    else:
        m = re.search(r"Network range\s+- (\S+) -\s+(\S+)", out)
        lo, hi = (ipaddress.ip_address(x) for x in m.groups())
        assert lo == ipaddress.ip_address(ours["network"])
        assert hi == ipaddress.ip_address(ours["last"])
        prefix = re.search(r"Prefix address\s+- (\S+)", out).group(1)
        assert ipaddress.ip_address(prefix) == ipaddress.ip_address(ours["netmask"])


def test_lesson_example_explains_host_and_network_parts():
    p = run("cidr", "192.168.36.235/24", check=0)
    assert "11111111.11111111.11111111.00000000" in p.stdout
    assert "0xffffff00" in p.stdout
    assert "network part 192.168.36.0, host part 0.0.0.235" in p.stdout
    assert "private" in p.stdout


def test_address_and_separate_mask():
    p = run("cidr", "10.1.2.3", "255.255.240.0", "--json", check=0)
    assert json.loads(p.stdout)["prefix"] == 20


def test_split_lists_subnets_and_refuses_huge_outputs():
    p = run("cidr", "192.168.36.0/24", "--split", "/26", check=0)
    assert p.stdout.split() == ["192.168.36.0/26", "192.168.36.64/26",
                                "192.168.36.128/26", "192.168.36.192/26"]
    p = run("cidr", "2001:db8::/32", "--split", "64")
    one_line_error(p, 2, "above the limit of 65536", "--limit")
    p = run("cidr", "10.0.0.0/8", "--split", "/25", "--limit", "131072", check=0)
    assert len(p.stdout.splitlines()) == 131072
    j = run("cidr", "10.0.0.0/30", "--split", "/31", "--json", check=0)
    assert [json.loads(l)["network"] for l in j.stdout.splitlines()] == ["10.0.0.0", "10.0.0.2"]


def test_contains_exit_status():
    assert run("cidr", "198.18.0.0/15", "--contains", "198.19.4.4").returncode == 0
    p = run("cidr", "198.18.0.0/15", "--contains", "198.20.0.1")
    assert p.returncode == 1 and p.stdout.startswith("no:")
    p = run("cidr", "::/0", "--contains", "::1", "-q")
    assert p.returncode == 0 and p.stdout == ""


def test_ipv6_counts_are_exact():
    p = run("cidr", "::/0", "--json", check=0)
    assert json.loads(p.stdout)["hosts"] == str(2**128 - 1)


def test_colour_marks_network_and_host_bits_only_when_asked():
    plain = run("cidr", "10.0.0.0/8", check=0).stdout
    assert "\033[" not in plain
    coloured = run("cidr", "10.0.0.0/8", "--color=always", check=0).stdout
    assert "\033[1;34m" in coloured and "\033[0;33m" in coloured
