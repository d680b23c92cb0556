"""sockit resolve: /etc/hosts names and numeric forms (no outside DNS here)."""
import json
import socket

from conftest import one_line_error, run, run_offline_dns


def test_localhost_matches_getaddrinfo():
    want = sorted({ai[4][0] for ai in socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM)})
    p = run("resolve", "localhost", "--json", check=0)
    rec = json.loads(p.stdout)
    assert rec["host"] == "localhost"
    assert rec["canonical"] == "localhost"
    assert sorted(a["address"] for a in rec["addresses"]) == want


def test_numeric_forms_and_families():
    p = run("resolve", "::1", "127.0.0.1", check=0)
    assert "IPv6" in p.stdout and "::1" in p.stdout
    assert "IPv4" in p.stdout and "127.0.0.1" in p.stdout
    rec = json.loads(run("resolve", "-4", "127.0.0.1", "--json", check=0).stdout)
    assert rec["addresses"] == [{"family": "ipv4", "address": "127.0.0.1"}]


def test_unknown_name_fails_with_one_line():
    one_line_error(run_offline_dns("resolve", "no-such-host.invalid"), 1,
                   "no-such-host.invalid", "name does not resolve")


def test_wrong_family_is_explained():
    one_line_error(run("resolve", "-6", "127.0.0.1"), 1, "127.0.0.1", "family")


def test_one_bad_name_does_not_hide_the_others():
    p = run_offline_dns("resolve", "127.0.0.1", "no-such-host.invalid")
    assert p.returncode == 1
    assert "127.0.0.1" in p.stdout
    assert "no-such-host.invalid" in p.stderr
