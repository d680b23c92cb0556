"""sockit scan against real listeners: on loopback, inside network
namespaces the tests create (exact sets: nothing else listens there), and
checked against /proc/net/tcp and nmap."""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import SOCKIT, TIMEOUT, Netns, need_root, need_tool, one_line_error, run

LISTENER = r"""
import socket, sys, time
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
ss = []
for i in range(int(sys.argv[2])):
    s = socket.socket(fam)
    s.bind((sys.argv[1], 0))
    s.listen(1024)
    ss.append(s)
    print(s.getsockname()[1], flush=True)
time.sleep(120)
"""


def read_ports(proc, n):
    """The n ports a LISTENER process prints, with a timeout."""
    ports, buf = [], b""
    deadline = time.monotonic() + TIMEOUT
    fd = proc.stdout.fileno()
    while len(ports) < n:
        left = deadline - time.monotonic()
        assert left > 0, "listener did not report its ports"
        r, _, _ = select.select([fd], [], [], left)
        if r:
            chunk = os.read(fd, 4096)
            assert chunk, "listener exited"
            buf += chunk
            *lines, buf = buf.split(b"\n")
            ports += [int(x) for x in lines if x.strip()]
    return set(ports)


def listeners(addr, n, ns=None):
    argv = ["/usr/bin/python3", "-c", LISTENER, addr, str(n)]
    if ns:
        p = ns.popen(argv, stdout=subprocess.PIPE)
    else:
        p = subprocess.Popen(argv, stdout=subprocess.PIPE)
    return p, read_ports(p, n)


def stop(p):
    if p.poll() is None:
        p.kill()
    p.wait(timeout=5)


def ndjson(text):
    objs = [json.loads(line) for line in text.splitlines()]
    for o in objs:
        assert set(o) >= {"ip", "port", "proto", "state", "reason", "rtt_ms", "ttl"}, o
    return objs


def open_ports(text):
    return {o["port"] for o in ndjson(text) if o["state"] == "open"}


def proc_listening(ns, addr_hex="0100007F"):
    """TCP ports in LISTEN on 127.0.0.1 or 0.0.0.0, from /proc/net/tcp."""
    out = ns.run("cat", "/proc/net/tcp", text=True).stdout if ns else open("/proc/net/tcp").read()
    ports = set()
    for line in out.splitlines()[1:]:
        f = line.split()
        local, state = f[1], f[3]
        ip, port = local.split(":")
        if state == "0A" and ip in (addr_hex, "00000000"):
            ports.add(int(port, 16))
    return ports


def nmap_open(ns, *args):
    out = ns.run("nmap", "-n", "-Pn", "-oG", "-", *args, text=True, timeout=120).stdout
    found = set()
    for line in out.splitlines():
        if "Ports:" in line:
            for item in line.split("Ports:")[1].split("\t")[0].split(","):
                f = item.strip().split("/")
                if len(f) > 2 and f[1] == "open":
                    found.add(int(f[0]))
    return found


def test_full_range_in_netns_is_exact_and_equals_nmap():
    """-p- on a loopback where only our listeners live: exactly them, as
    /proc/net/tcp and nmap -sT see them; two runs, so that the
    self-connect case (source port == scanned port) gets its chances."""
    need_tool("nmap")
    with Netns("full", host_ip="198.18.61.1", ns_ip="198.18.61.2") as ns:
        p, ports = listeners("127.0.0.1", 5, ns)
        try:
            assert proc_listening(ns) == ports
            for _ in range(2):
                r = ns.run(SOCKIT, "scan", "127.0.0.1", "-p-", "--json", "-q", text=True)
                assert r.returncode == 0, r.stderr
                assert open_ports(r.stdout) == ports
            assert nmap_open(ns, "-sT", "-p-", "-T5", "127.0.0.1") == ports
        finally:
            stop(p)


def test_loopback_finds_listeners_without_namespace():
    p, ports = listeners("127.0.0.1", 3)
    try:
        closed = []
        while len(closed) < 3:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            closed.append(s)  # bound, never listening: closed
        spec = ",".join(str(x) for x in sorted(ports) + [s.getsockname()[1] for s in closed])
        r = run("scan", "127.0.0.1", "-p", spec, "--json", "--all", "-q", check=0)
        objs = ndjson(r.stdout)
        assert {o["port"] for o in objs if o["state"] == "open"} == ports
        closed_ports = {s.getsockname()[1] for s in closed}
        assert {o["port"] for o in objs if o["state"] == "closed"} == closed_ports
        for o in objs:
            assert o["reason"] in ("syn-ack", "conn-refused")
            assert o["proto"] == "tcp" and o["ip"] == "127.0.0.1"
            assert o["rtt_ms"] is None or o["rtt_ms"] >= 0
        for s in closed:
            s.close()
    finally:
        stop(p)


def test_ipv6_loopback():
    p, ports = listeners("::1", 2)
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        closed = s.getsockname()[1]
        spec = ",".join(str(x) for x in sorted(ports) + [closed])
        r = run("scan", "::1", "-p", spec, "--json", "--all", "-q", check=0)
        objs = ndjson(r.stdout)
        assert {o["port"] for o in objs if o["state"] == "open"} == ports
        assert [o["state"] for o in objs if o["port"] == closed] == ["closed"]
        assert all(o["ip"] == "::1" for o in objs)
        s.close()
    finally:
        stop(p)


def test_text_table_and_grepable():
    p, ports = listeners("127.0.0.1", 2)
    try:
        lo = min(ports)
        spec = f"{','.join(map(str, sorted(ports)))}"
        r = run("scan", "127.0.0.1", "-p", spec, "-q", check=0)
        lines = r.stdout.splitlines()
        assert lines[0] == "scan report for 127.0.0.1"
        assert lines[1].split() == ["PORT", "STATE", "SERVICE", "REASON", "RTT"]
        for port in ports:
            assert any(line.split()[:2] == [f"{port}/tcp", "open"] for line in lines[2:] if line)
        r = run("scan", "127.0.0.1", "-p", spec, "--grepable", "-q", check=0)
        assert r.stdout.startswith("Host: 127.0.0.1 ()\tPorts: ")
        assert f"{lo}/open/tcp//" in r.stdout
    finally:
        stop(p)
    # Nothing open: exit 1, a summary on stderr.
    r = run("scan", "127.0.0.1", "-p", str(lo), check=1)
    assert "0 open" in r.stderr


def test_banner_and_probe():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    import threading

    def serve():
        for greet in (True, False):
            c, _ = srv.accept()
            if greet:
                c.sendall(b"SSH-2.0-sockit-test\r\n")
            else:
                c.sendall(b"echo:" + c.recv(100))
            time.sleep(0.2)
            c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    r = run("scan", "127.0.0.1", "-p", str(port), "--banner", "--json", "-q", check=0)
    (o,) = ndjson(r.stdout)
    assert o["banner"] == "SSH-2.0-sockit-test\r\n"
    r = run("scan", "127.0.0.1", "-p", str(port), "--banner", "--probe", "hi\\n", "-q", check=0)
    assert "|_ echo:hi\\n" in r.stdout
    t.join(timeout=5)
    srv.close()


def test_shards_cover_the_space_exactly_for_n_1_to_8():
    base = 40000
    whole = set(range(base, base + 150))
    spec = f"{base}-{base + 149}"
    for n in range(1, 9):
        seen = []
        for i in range(1, n + 1):
            r = run("scan", "127.0.0.1", "-p", spec, "--shard", f"{i}/{n}", "--seed", "7",
                    "--json", "--all", "-q")
            assert r.returncode in (0, 1), r.stderr
            seen += [o["port"] for o in ndjson(r.stdout)]
        assert len(seen) == len(whole), n
        assert set(seen) == whole, n


def test_seed_gives_the_same_order():
    spec = "41000-41099"
    a = run("scan", "127.0.0.1", "-p", spec, "--seed", "3", "--json", "--all", "-q",
            "--threads", "1", "--concurrency", "1")
    b = run("scan", "127.0.0.1", "-p", spec, "--seed", "3", "--json", "--all", "-q",
            "--threads", "1", "--concurrency", "1")
    c = run("scan", "127.0.0.1", "-p", spec, "--seed", "4", "--json", "--all", "-q",
            "--threads", "1", "--concurrency", "1")
    order = lambda r: [o["port"] for o in ndjson(r.stdout)]
    assert order(a) == order(b)
    assert order(a) != order(c)
    assert order(a) != sorted(order(a))


def test_resume_after_sigkill_gives_the_same_set():
    with Netns("resu", host_ip="198.18.62.1", ns_ip="198.18.62.2") as ns:
        p, ports = listeners("127.0.0.1", 4, ns)
        with tempfile.TemporaryDirectory() as d:
            ckpt = os.path.join(d, "scan.ckpt")
            out1 = open(os.path.join(d, "one.json"), "w")
            argv = [SOCKIT, "scan", "127.0.0.1", "-p-", "--json", "-q", "--resume", ckpt]
            first = ns.popen(argv + ["--rate", "5000"], stdout=out1)
            deadline = time.monotonic() + TIMEOUT
            nxt = 0
            while nxt == 0:
                assert time.monotonic() < deadline, "no checkpoint written"
                time.sleep(0.1)
                try:
                    text = open(ckpt).read()
                    nxt = int(text.split("next ")[1]) if "next " in text else 0
                except (FileNotFoundError, IndexError, ValueError):
                    pass
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=5)
            out1.close()
            assert 0 < nxt < 65535
            r = ns.run(*argv, text=True)
            assert r.returncode in (0, 1), r.stderr
            found = open_ports(open(os.path.join(d, "one.json")).read()) | open_ports(r.stdout)
            assert found == ports
            assert "next 65535" in open(ckpt).read()
            # A changed scan refuses the checkpoint.
            r = ns.run(SOCKIT, "scan", "127.0.0.1", "-p", "1-100", "--resume", ckpt, text=True)
            one_line_error(r, 2, "--resume", "different scan")
        stop(p)


def test_loss_is_recovered_by_retries():
    """3% of packets into the namespace dropped by nftables: every open
    port is still found."""
    need_tool("nft")
    with Netns("loss", host_ip="198.18.63.1", ns_ip="198.18.63.2") as ns:
        p, ports = listeners("0.0.0.0", 4, ns)
        rules = ("table inet sockitloss {\n chain input {\n"
                 "  type filter hook input priority 0;\n"
                 "  numgen random mod 100 < 3 drop\n }\n}\n")
        r = ns.run("nft", "-f", "-", input=rules, text=True)
        assert r.returncode == 0, r.stderr
        spec = ",".join(map(str, sorted(ports))) + ",1-2000"
        r = run("scan", ns.ns_ip, "-p", spec, "--retries", "4", "--json", check=0)
        assert open_ports(r.stdout) == ports
        # The loss was real: some probes had to be sent again.
        retried = int(r.stderr.split("(")[1].split()[0])
        assert retried > 0, r.stderr
        stop(p)


def test_ranges_exclusions_and_files_in_a_local_block():
    """The namespace answers for 198.19.64.0/20 (ip route add local): a
    range, a file of targets and an exclusion give exactly the expected
    (address, port) set."""
    with Netns("rang", host_ip="198.18.64.1", ns_ip="198.18.64.2") as ns:
        assert ns.run("ip", "route", "add", "local", "198.19.64.0/20", "dev", "lo").returncode == 0
        subprocess.run(["ip", "route", "add", "198.19.64.0/20", "via", ns.ns_ip],
                       check=True, timeout=10)
        p, ports = listeners("0.0.0.0", 1, ns)
        (port,) = ports
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("# more\n198.19.65.0/30\n")
            f.flush()
            r = run("scan", "198.19.64.1-20", "--targets-file", f.name, "--exclude",
                    "198.19.64.5,198.19.65.3", "-p", str(port), "--json", "-q", check=0)
        found = {o["ip"] for o in ndjson(r.stdout) if o["state"] == "open"}
        want = {f"198.19.64.{i}" for i in range(1, 21) if i != 5} | {
            f"198.19.65.{i}" for i in range(3)}
        assert found == want
        stop(p)


@pytest.mark.parametrize("args,needle", [
    (["198.18.0.1/33", "-p", "80"], "198.18.0.1/33"),
    (["198.18.0.9-3", "-p", "80"], "below"),
    (["not a host", "-p", "80"], "expected an address"),
    (["127.0.0.1", "-p", "0"], "port 0"),
    (["127.0.0.1", "-p", "70000"], "70000"),
    (["127.0.0.1", "-p", "90-80"], "below its start"),
    (["127.0.0.1", "-p", "80,"], "trailing comma"),
    (["127.0.0.1", "-p", "nosuchsvc"], "nosuchsvc"),
    (["10.0.0.0/7", "-p", "80"], "--allow-large"),
    (["127.0.0.1", "--shard", "3/2"], "--shard"),
    (["127.0.0.1", "--seed", "x"], "--seed"),
    ([], "missing target"),
    (["127.0.0.1", "-p", "80", "--top-ports", "10"], "do not go together"),
    (["127.0.0.1", "-p", "U:53"], "UDP"),
    (["::1", "-4", "-p", "80"], "::1"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle):
    one_line_error(run("scan", *args), 2, needle)


def test_no_targets_left_after_exclusion():
    one_line_error(run("scan", "127.0.0.1", "--exclude", "127.0.0.0/8", "-p", "80"), 2,
                   "no targets")
