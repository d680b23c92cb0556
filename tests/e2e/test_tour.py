"""sockit tour runs straight through, narrates, and leaves nothing running."""
import os
import re
import subprocess

from conftest import need_root, run


def children_of(pid):
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return kids


def test_tour_runs_every_step():
    listed = run("tour", "--list", check=0).stdout.splitlines()
    assert len(listed) >= 3
    p = run("tour", check=0, timeout=120)
    assert f"The tour ran {len(listed)} steps." in p.stdout
    assert "OSI model" in p.stdout and "TCP/IP model" in p.stdout
    assert "$ sockit cidr 192.168.36.235/24" in p.stdout
    assert "host part 0.0.0.235" in p.stdout
    assert "$ sockit resolve localhost" in p.stdout
    assert children_of(os.getpid()) == []


def test_one_step():
    p = run("tour", "--step", "2", check=0)
    assert "Step 2 of" in p.stdout and "Step 1 of" not in p.stdout


def test_root_step_captures_what_sockit_commands_send_and_cleans_up():
    """As root, step 2 captures a datagram sent by `sockit udp send` to a
    `sockit udp listen` on a kernel-chosen port, and an ARP exchange with a
    namespace built by ip commands it prints; the namespace and its veth
    pair are gone afterwards."""
    need_root()
    p = run("tour", "--step", "2", check=0, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert "$ sockit udp listen 127.0.0.1:0 -c 1" in out
    send = re.search(r"\$ sockit udp send (127\.0\.0\.1:\d+) 'hello, layers'", out)
    assert send, out
    port = send.group(1).rsplit(":", 1)[1]
    assert f"udp dst port {port}" in out
    assert re.search(rf"IP 127\.0\.0\.1\.\d+ > 127\.0\.0\.1\.{port}: UDP, length 13", out), out
    assert "] hello, layers" in out
    ns = re.search(r"\$ ip netns add (sktour\d+)", out)
    assert ns, out
    assert "Reply 198.18.255.2 is-at" in out
    assert f"$ ip netns del {ns.group(1)}" in out
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert ns.group(1) not in netns
    assert f"sktr{ns.group(1)[len('sktour'):]}h" not in links
    assert children_of(os.getpid()) == []
