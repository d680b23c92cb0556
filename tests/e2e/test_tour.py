"""sockit tour runs straight through, narrates, and leaves nothing running."""
import os

from conftest import run


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
