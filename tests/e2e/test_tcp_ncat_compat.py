"""tcp listen where ncat users expect ncat's behaviour: the environment of
an --exec program, -C on what the program writes, --chat's announcements,
and --allow/--deny with names, ranges and ncat's host files.  ncat is the
reference: the same script or client runs against ncat and against
sockit, and what must agree is compared."""
import os
import selectors
import socket
import subprocess

import pytest

from conftest import (SOCKIT, TIMEOUT, free_port, need_tool, one_line_error, run,
                      run_offline_dns)
from tcp_helpers import Proc, connect, sockit_listen, wait_listening

ENV_SCRIPT = ('for v in NCAT_REMOTE_ADDR NCAT_REMOTE_PORT NCAT_LOCAL_ADDR '
              'NCAT_LOCAL_PORT NCAT_PROTO SOCKIT_PEER_ADDR SOCKIT_PEER_PORT '
              'SOCKIT_LOCAL_ADDR SOCKIT_LOCAL_PORT SOCKIT_PROTO; '
              'do eval "echo $v=\\${$v-unset}"; done')


def read_all(s):
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return buf
        buf += chunk


def ncat_listen(*args, **kw):
    """ncat -l on a free port; returns (proc, port).  The machine is shared:
    when the port was taken between free_port and ncat's bind (ncat exits),
    another one is tried."""
    need_tool("ncat")
    attempts = 5
    while True:
        port = free_port()
        p = Proc(["ncat", "-l", *args, str(port)], hard=True, **kw)
        try:
            wait_listening(port, proc=p.p)
            return p, port
        except AssertionError:
            p.__exit__(None, None, None)
            attempts -= 1
            if not attempts or "in use" not in p.stderr():
                raise


def env_seen(port, host):
    """Connects, reads what the env script printed, and returns it as a
    dict with the client's own port."""
    s = connect(port, host)
    out = read_all(s).decode()  # until the program exits
    mine = s.getsockname()[1]
    s.close()
    env = dict(line.split("=", 1) for line in out.splitlines())
    return env, mine


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_exec_environment_matches_ncat(host):
    ncat, nport = ncat_listen(host, "--sh-exec", ENV_SCRIPT)
    with ncat:
        theirs, their_client = env_seen(nport, host)
    srv, sport = sockit_listen(f"[{host}]:0" if ":" in host else f"{host}:0",
                               "--sh-exec", ENV_SCRIPT)
    with srv:
        ours, our_client = env_seen(sport, host)
        assert srv.wait() == 0
    # The fields that must agree: the same addresses and protocol, each
    # side's own listening port and client port.
    for k in ("NCAT_REMOTE_ADDR", "NCAT_LOCAL_ADDR", "NCAT_PROTO"):
        assert ours[k] == theirs[k], (k, ours, theirs)
    assert theirs["NCAT_PROTO"] == "TCP" and theirs["NCAT_REMOTE_ADDR"] == host
    assert (theirs["NCAT_LOCAL_PORT"], theirs["NCAT_REMOTE_PORT"]) == \
        (str(nport), str(their_client))
    assert (ours["NCAT_LOCAL_PORT"], ours["NCAT_REMOTE_PORT"]) == \
        (str(sport), str(our_client))
    # sockit's own names carry the same values.
    for a, b in (("SOCKIT_PEER_ADDR", "NCAT_REMOTE_ADDR"),
                 ("SOCKIT_PEER_PORT", "NCAT_REMOTE_PORT"),
                 ("SOCKIT_LOCAL_ADDR", "NCAT_LOCAL_ADDR"),
                 ("SOCKIT_LOCAL_PORT", "NCAT_LOCAL_PORT"),
                 ("SOCKIT_PROTO", "NCAT_PROTO")):
        assert ours[a] == ours[b], (a, ours)


def test_exec_environment_of_an_ipv4_client_on_a_dual_stack_listener():
    """':PORT' listens on IPv6 and IPv4 at once; the IPv4 client still
    shows as 127.0.0.1, as on ncat's separate IPv4 socket."""
    srv, sport = sockit_listen("-k", ":0", "--allow", "127.0.0.1", "--sh-exec", ENV_SCRIPT)
    with srv:
        ours, mine = env_seen(sport, "127.0.0.1")
    assert (ours["NCAT_REMOTE_ADDR"], ours["NCAT_LOCAL_ADDR"]) == ("127.0.0.1", "127.0.0.1")
    assert ours["NCAT_REMOTE_PORT"] == str(mine)


def test_exec_environment_under_tls(tmp_path):
    """TLS runs the program on pipes: the same variables."""
    srv, sport = sockit_listen("127.0.0.1:0", "--tls", "--sh-exec", ENV_SCRIPT)
    with srv:
        need_tool("ncat")
        c = subprocess.run(["ncat", "--ssl", "--recv-only", "127.0.0.1", str(sport)], input=b"",
                           capture_output=True, timeout=TIMEOUT)
        env = dict(l.split("=", 1) for l in c.stdout.decode().splitlines())
        assert srv.wait() == 0
    assert env["NCAT_PROTO"] == "TCP" and env["NCAT_LOCAL_PORT"] == str(sport)
    assert env["NCAT_REMOTE_ADDR"] == env["SOCKIT_PEER_ADDR"] == "127.0.0.1"


PROGRAM_OUTPUT = r'printf "a\nb\r\nc\n"'


# ncat as a client closes at once at its end of input: --recv-only reads.
CLIENTS = {"nc": ["nc"], "ncat": ["ncat", "--recv-only"]}


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_crlf_applies_to_the_exec_programs_output(client):
    need_tool(client)
    client = CLIENTS[client]
    ncat, nport = ncat_listen("-C", "127.0.0.1", "--sh-exec", PROGRAM_OUTPUT)
    with ncat:
        theirs = subprocess.run([*client, "127.0.0.1", str(nport)], input=b"",
                                capture_output=True, timeout=TIMEOUT).stdout
    srv, sport = sockit_listen("-C", "127.0.0.1:0", "--sh-exec", PROGRAM_OUTPUT)
    with srv:
        ours = subprocess.run([*client, "127.0.0.1", str(sport)], input=b"",
                              capture_output=True, timeout=TIMEOUT).stdout
        assert srv.wait() == 0
    assert theirs == b"a\r\nb\r\nc\r\n"
    assert ours == theirs
    # Without -C the program's bytes go out as written.
    srv, sport = sockit_listen("127.0.0.1:0", "--sh-exec", PROGRAM_OUTPUT)
    with srv:
        plain = subprocess.run([*client, "127.0.0.1", str(sport)], input=b"",
                               capture_output=True, timeout=TIMEOUT).stdout
    assert plain == b"a\nb\r\nc\n"


def test_crlf_exec_still_relays_the_client_to_the_program():
    """-C puts the program on pipes: what the client sends still reaches
    it unchanged, its end of input too, and the exit is reported."""
    srv, sport = sockit_listen("-k", "-C", "127.0.0.1:0", "--exec", "/usr/bin/tr a-z A-Z")
    with srv:
        s = connect(sport)
        s.sendall(b"one\ntwo\n")
        s.shutdown(socket.SHUT_WR)
        assert read_all(s) == b"ONE\r\nTWO\r\n"
        s.close()
        srv.wait_line(r"disconnected: program exited with status 0")


def recv_lines(s, n):
    """Exactly n lines from s (a timeout fails the test)."""
    buf = b""
    while buf.count(b"\n") < n:
        chunk = s.recv(65536)
        assert chunk, f"closed after {buf!r}"
        buf += chunk
    assert buf.count(b"\n") == n, buf
    return buf.decode().splitlines()


def chat_script(port):
    """The same clients against a chat server: A, B and C join, B talks
    and leaves, D joins in B's place, A talks.  Returns what each client
    heard, step by step, as (step, client, line)."""
    heard = []
    clients = {}

    def expect(step, who, n):
        for line in recv_lines(clients[who], n):
            heard.append((step, who, line))

    for who in "ABC":
        clients[who] = connect(port)
        for w in clients:  # two announcement lines, to everyone
            expect(f"join {who}", w, 2)
    clients["B"].sendall(b"hi from B\n")
    expect("B says", "A", 1)
    expect("B says", "C", 1)
    clients.pop("B").close()
    expect("B leaves", "A", 1)
    expect("B leaves", "C", 1)
    clients["D"] = connect(port)
    for w in clients:
        expect("join D", w, 2)
    clients["A"].sendall(b"bye from A\n")
    for w in "CD":
        expect("A says", w, 1)
    for s in clients.values():
        s.close()
    return heard


def normalize(heard):
    """User ids are not comparable: ncat numbers users by descriptor (the
    first is <user4> or so, and a descriptor freed by a client that left is
    reused), sockit by its client id (1, 2, 3 ..., never reused).  Each id
    is replaced by the name of the client that joined as it, in the order
    the lines were heard."""
    import re
    names, out = {}, []
    for step, who, line in heard:
        m = re.search(r"is connected as <user(\d+)>\.$", line)
        if m:  # step is "join X": X is the newcomer
            names[m.group(1)] = step.split()[1]
        out.append((step, who, re.sub(r"<user(\d+)>",
                                       lambda u: f"<{names.get(u.group(1), '?' + u.group(1))}>",
                                       line)))
    return out


def test_chat_speaks_like_ncat():
    ncat, nport = ncat_listen("--chat", "127.0.0.1")
    with ncat:
        theirs = chat_script(nport)
    srv, sport = sockit_listen("-k", "127.0.0.1:0", "--chat", stdout=subprocess.DEVNULL)
    with srv:
        ours = chat_script(sport)
    assert normalize(ours) == normalize(theirs)
    # And what the lines look like, in ncat's words (sockit's numbering).
    assert ("join C", "A", "<announce> already connected: "
            "127.0.0.1 as <user1>, 127.0.0.1 as <user2>.") in ours
    assert ("join A", "A", "<announce> already connected: nobody.") in ours
    assert ("B leaves", "C", "<announce> <user2> is disconnected.") in ours
    assert ("join D", "D", "<announce> 127.0.0.1 is connected as <user4>.") in ours


def operator_says(server):
    """What a chat client hears when the operator types a line."""
    if server == "ncat":
        p, port = ncat_listen("--chat", "127.0.0.1", stdin=subprocess.PIPE)
    else:
        p, port = sockit_listen("-k", "127.0.0.1:0", "--chat", stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL)
    with p:
        a = connect(port)
        recv_lines(a, 2)  # the announcements
        p.p.stdin.write(b"hello\tall\x07\n")
        p.p.stdin.flush()
        line = recv_lines(a, 1)
        a.close()
        return line


def test_chat_operator_speaks_as_user0_like_ncat():
    assert operator_says("sockit") == operator_says("ncat") == ["<user0> hello\tall\\007"]


def test_chat_style_sockit_keeps_the_richer_lines():
    srv, port = sockit_listen("-k", "127.0.0.1:0", "--chat", "--chat-style", "sockit",
                              stdout=subprocess.DEVNULL)
    with srv:
        a = connect(port)
        srv.wait_count(r"connected", 1)
        b = connect(port)
        line = recv_lines(a, 1)[0]
        assert line == f"<announce> 127.0.0.1:{b.getsockname()[1]} is connected as <user2>."
        b.sendall(b"hi\n")
        assert recv_lines(a, 1) == ["<user2> hi"]
        b.close()
        assert recv_lines(a, 1) == ["<announce> <user2> is gone."]
        a.close()


def test_chat_style_needs_chat():
    one_line_error(run("tcp", "listen", "-k", "127.0.0.1:0", "--chat-style", "ncat"), 2,
                   "--chat-style applies to --chat")
    one_line_error(run("tcp", "listen", "-k", "127.0.0.1:0", "--chat", "--chat-style", "irc"),
                   2, "--chat-style 'irc': ncat or sockit")


# ---- --allow / --deny: ncat's host specs, names and files -------------

SOURCES = ["127.0.0.1", "127.0.0.5", "127.0.0.30", "::1"]


def relayed(port, source):
    """True when nc, from source, gets its line back; False when the
    server closes it without a word (a denied client).  nc's input stays
    open until the answer or the close has come: ncat's exec mode drops
    the program's answer to a client that already half-closed."""
    host = "::1" if ":" in source else "127.0.0.1"
    with subprocess.Popen(["nc", "-N", "-s", source, host, str(port)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) as c:
        c.stdin.write(b"ping\n")
        c.stdin.flush()
        got = b""
        sel = selectors.DefaultSelector()
        sel.register(c.stdout, selectors.EVENT_READ)
        while got != b"ping\n":
            assert sel.select(TIMEOUT), f"no answer and no close from {port}"
            chunk = os.read(c.stdout.fileno(), 64)
            if not chunk:
                break
            got += chunk
        c.stdin.close()
        c.wait(timeout=TIMEOUT)
    assert got in (b"ping\n", b""), got
    return got == b"ping\n"


def outcomes(server, acl):
    """Which SOURCES an echoing server lets in, with acl its options in
    ncat's spelling (--allowfile) or sockit's (--allow-file)."""
    need_tool("nc")
    if server == "ncat":
        p, port = ncat_listen("-k", "--sh-exec", "cat", *acl)
    else:
        acl = [a.replace("allowfile", "allow-file").replace("denyfile", "deny-file")
               for a in acl]
        p, port = sockit_listen("-k", ":0", "--echo", *acl, stdout=subprocess.DEVNULL)
    with p:
        return {s: relayed(port, s) for s in SOURCES}


def localhost_has_ipv6():
    try:
        return any(a[0] == socket.AF_INET6 for a in socket.getaddrinfo("localhost", 0))
    except OSError:
        return False


ACLS = {
    "allow-name": ["--allow", "localhost"],
    "deny-name": ["--deny", "localhost"],
    "allow-range": ["--allow", "127.0.0.2-9"],
    "allow-octets-and-v6": ["--allow", "127.0.0.1-5,::1"],
    "deny-cidr": ["--deny", "127.0.0.0/27"],
    "allow-wildcard-deny-one": ["--allow", "127.*.*.*", "--deny", "127.0.0.5"],
}


@pytest.mark.parametrize("name", sorted(ACLS))
def test_allow_and_deny_agree_with_ncat(name):
    theirs = outcomes("ncat", ACLS[name])
    ours = outcomes("sockit", ACLS[name])
    assert ours == theirs
    assert True in ours.values() and False in ours.values()  # both kinds met


def test_a_name_counts_every_address():
    ours = outcomes("sockit", ["--allow", "localhost"])
    assert ours["127.0.0.1"] and not ours["127.0.0.5"]
    assert ours["::1"] == localhost_has_ipv6()


def test_allow_file_in_ncats_format_agrees_with_ncat(tmp_path):
    f = tmp_path / "hosts"
    # ncat's format: hosts separated by white space, several a line.
    f.write_text("127.0.0.2-9 10.0.0.0/8\n\n  ::1\t192.168.*.1\n127.0.0.30\n")
    theirs = outcomes("ncat", ["--allowfile", str(f)])
    ours = outcomes("sockit", ["--allowfile", str(f)])
    assert ours == theirs == {"127.0.0.1": False, "127.0.0.5": True,
                              "127.0.0.30": True, "::1": True}
    theirs = outcomes("ncat", ["--denyfile", str(f)])
    ours = outcomes("sockit", ["--denyfile", str(f)])
    assert ours == theirs == {"127.0.0.1": True, "127.0.0.5": False,
                              "127.0.0.30": False, "::1": False}


def test_host_files_take_comments_and_log_refusals(tmp_path):
    f = tmp_path / "deny"
    f.write_text("# the lab's addresses\n127.0.0.5 # one\n127.0.0.30#two\n")
    srv, port = sockit_listen("-k", "127.0.0.1:0", "--echo", "--deny-file", str(f),
                              stdout=subprocess.DEVNULL)
    with srv:
        assert not relayed(port, "127.0.0.5")
        srv.wait_line(r"\[127\.0\.0\.5:\d+\] refused: not allowed")
        assert relayed(port, "127.0.0.1")
        assert not relayed(port, "127.0.0.30")


@pytest.mark.parametrize("line,why", [
    ("1.2.3.4/33", "'1.2.3.4/33': /33 (IPv4 allows 0-32)"),
    ("10.0.0.9-1", "'10.0.0.9-1': octet 4: range 9-1 runs backwards"),
    ("10.0.0.300", "'10.0.0.300': 300 is not an octet"),
    ("bad@host", "'bad@host': not an address, CIDR block, range or host name"),
])
@pytest.mark.parametrize("opt", ["--allow-file", "--deny-file"])
def test_a_bad_line_names_the_file_and_the_line(tmp_path, line, why, opt):
    f = tmp_path / "hosts"
    f.write_text(f"# fine\n127.0.0.1 localhost\n\n::1 {line} 10.0.0.1\n")
    p = run("tcp", "listen", "127.0.0.1:0", opt, str(f))
    one_line_error(p, 2, f"{opt} {f} line 4: {why}")
    assert "listening" not in p.stderr


@pytest.mark.parametrize("opt", ["--allow-file", "--deny-file"])
def test_a_name_in_a_file_that_does_not_resolve_names_its_line(tmp_path, opt):
    f = tmp_path / "hosts"
    f.write_text("# fine\n127.0.0.1 localhost\n\n::1 nosuch.invalid 10.0.0.1\n")
    p = run_offline_dns("tcp", "listen", "127.0.0.1:0", opt, str(f))
    one_line_error(p, 2, f"{opt} {f} line 4: 'nosuch.invalid': name does not resolve")


def test_a_bad_host_on_the_command_line_says_why():
    one_line_error(run("tcp", "listen", "127.0.0.1:0", "--allow", "127.0.0.1,1.2.3"), 2,
                   "--allow: '1.2.3': expected four octets")
    one_line_error(run_offline_dns("tcp", "listen", "127.0.0.1:0", "--deny", "nosuch.invalid"),
                   2, "--deny: 'nosuch.invalid': name does not resolve")


def connect_exec_env(argv, host):
    """Runs argv(host, port) (a client with --sh-exec ENV_SCRIPT) against a
    listener of this test; returns the environment the program printed,
    the listener's port and the client's port."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as l:
        l.bind((host, 0))
        l.listen(1)
        l.settimeout(TIMEOUT)
        port = l.getsockname()[1]
        p = subprocess.Popen(argv(host, port), stdin=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        try:
            c, peer = l.accept()
            with c:
                c.settimeout(TIMEOUT)
                out = read_all(c).decode()
            assert p.wait(timeout=TIMEOUT) == 0, p.stderr.read()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stderr.close()
    return dict(l.split("=", 1) for l in out.splitlines()), port, peer[1]


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_connect_exec_environment_matches_ncat(host):
    need_tool("ncat")
    theirs, tport, tclient = connect_exec_env(
        lambda h, p: ["ncat", "--sh-exec", ENV_SCRIPT, h, str(p)], host)
    ours, oport, oclient = connect_exec_env(
        lambda h, p: [SOCKIT, "tcp", "connect", "--sh-exec", ENV_SCRIPT,
                      f"[{h}]:{p}" if ":" in h else f"{h}:{p}"], host)
    for k in ("NCAT_REMOTE_ADDR", "NCAT_LOCAL_ADDR", "NCAT_PROTO"):
        assert ours[k] == theirs[k], (k, ours, theirs)
    assert theirs["NCAT_REMOTE_ADDR"] == host and theirs["NCAT_PROTO"] == "TCP"
    assert (theirs["NCAT_REMOTE_PORT"], theirs["NCAT_LOCAL_PORT"]) == (str(tport), str(tclient))
    assert (ours["NCAT_REMOTE_PORT"], ours["NCAT_LOCAL_PORT"]) == (str(oport), str(oclient))
    for a, b in (("SOCKIT_PEER_ADDR", "NCAT_REMOTE_ADDR"),
                 ("SOCKIT_PEER_PORT", "NCAT_REMOTE_PORT"),
                 ("SOCKIT_LOCAL_ADDR", "NCAT_LOCAL_ADDR"),
                 ("SOCKIT_LOCAL_PORT", "NCAT_LOCAL_PORT"),
                 ("SOCKIT_PROTO", "NCAT_PROTO")):
        assert ours[a] == ours[b], (a, ours)


def test_connect_exec_talks_to_an_nc_listener_and_reports_the_exit():
    """The program has the socket both ways: nc -l's line reaches it, its
    answer reaches nc; a failing program makes the status 1."""
    need_tool("nc")
    port = free_port()
    with Proc(["nc", "-N", "-l", "127.0.0.1", str(port)], stdin=subprocess.PIPE,
              hard=True) as nc:
        wait_listening(port, proc=nc.p)
        client = subprocess.Popen([SOCKIT, "tcp", "connect", f"127.0.0.1:{port}",
                                   "--exec", "/usr/bin/tr a-z A-Z"],
                                  stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            nc.p.stdin.write(b"shout\n")
            nc.p.stdin.close()  # nc -N shuts down its side: tr reads its EOF
            sel = selectors.DefaultSelector()
            sel.register(nc.p.stdout, selectors.EVENT_READ)
            got = b""
            while got != b"SHOUT\n":
                assert sel.select(TIMEOUT), f"no answer: {got!r}"
                chunk = os.read(nc.p.stdout.fileno(), 64)
                assert chunk, f"closed after {got!r}"
                got += chunk
            assert client.wait(timeout=TIMEOUT) == 0
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
            client.stderr.close()
    with socket.socket() as l:
        l.bind(("127.0.0.1", 0))
        l.listen(1)
        p = run("tcp", "connect", f"127.0.0.1:{l.getsockname()[1]}", "--sh-exec", "exit 3")
    assert p.returncode == 1 and "program exited with status 3" in p.stderr, p


def test_connect_exec_refuses_what_it_cannot_apply():
    one_line_error(run("tcp", "connect", "127.0.0.1:9", "--exec", "/bin/cat", "--tls"), 2,
                   "--exec/--sh-exec exclude --send, --tls and -C")
