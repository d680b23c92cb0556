"""tcp listen where ncat users expect ncat's behaviour: the environment of
an --exec program, -C on what the program writes, --chat's announcements,
and --allow/--deny with names, ranges and ncat's host files.  ncat is the
reference: the same script or client runs against ncat and against
sockit, and what must agree is compared."""
import os
import socket
import subprocess

import pytest

from conftest import SOCKIT, TIMEOUT, free_port, need_tool, one_line_error, run
from tcp_helpers import Proc, sockit_listen, wait_listening

ENV_SCRIPT = ('for v in NCAT_REMOTE_ADDR NCAT_REMOTE_PORT NCAT_LOCAL_ADDR '
              'NCAT_LOCAL_PORT NCAT_PROTO SOCKIT_PEER_ADDR SOCKIT_PEER_PORT '
              'SOCKIT_LOCAL_ADDR SOCKIT_LOCAL_PORT SOCKIT_PROTO; '
              'do eval "echo $v=\\${$v-unset}"; done')


def connect(port, host="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect((host, port))
    return s


def read_all(s):
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return buf
        buf += chunk


def ncat_listen(*args):
    """ncat -l on a free loopback port; returns (proc, port)."""
    need_tool("ncat")
    port = free_port()
    p = Proc(["ncat", "-l", *args, str(port)], hard=True)
    wait_listening(port, proc=p.p)
    return p, port


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
