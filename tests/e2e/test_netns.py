"""The namespace fixture itself: created, reachable, and gone afterwards."""
import subprocess

from conftest import Netns, run


def test_netns_is_created_reachable_and_deleted():
    with Netns("self") as ns:
        names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert ns.name in names
        # The namespace side answers for its address: resolve works on it.
        p = run("cidr", f"{ns.ns_ip}/24", "--contains", ns.host_ip, check=0)
        assert "yes" in p.stdout
        r = ns.run("ip", "-4", "addr", "show", "dev", ns.ns_if, text=True)
        assert ns.ns_ip in r.stdout
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert ns.name not in names
