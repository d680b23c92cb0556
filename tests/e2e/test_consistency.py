"""What the help, man pages and README say, checked against what the
commands do: each test here pins one place where they had drifted apart."""
import os
import subprocess

from conftest import ROOT, SOCKIT, TIMEOUT, need_tool, stderr_line


def listener(args, cwd=None):
    """Starts sockit with args; returns (process, port) once it has said
    'listening on ADDR:PORT' on stderr (read byte by byte so that the
    lines after it stay in the pipe)."""
    p = subprocess.Popen([SOCKIT, *map(str, args)], cwd=cwd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    text = stderr_line(p)
    assert "listening on " in text, text
    return p, int(text.rsplit(":", 1)[1])


def one_session(args, client, cwd=None, start=listener):
    """Starts a sockit listener with args (by start: listener or
    listener_unix), runs client(port) against it and waits for the listener
    to end.  Returns (what client returned, the listener's status, its
    stdout, its stderr)."""
    r, port = start(args, cwd=cwd)
    try:
        c = client(port)
        out, err = r.communicate(timeout=TIMEOUT)
    finally:
        if r.poll() is None:
            r.kill()
            r.communicate(timeout=TIMEOUT)
    return c, r.returncode, out, err


def nc_file(host, path):
    """A client for one_session: nc -N sends the file at path."""
    def client(port):
        with open(path, "rb") as f:
            return subprocess.run(["nc", "-N", host, str(port)], stdin=f, timeout=TIMEOUT,
                                  check=True, capture_output=True)
    return client


def test_file_recv_raw_to_a_relative_name_over_ipv6(tmp_path):
    """README: `sockit file recv --raw :9000 -o disk.img`.  A bare file
    name once became '..part' and failed at the rename."""
    need_tool("nc")
    content = os.urandom(100_000)
    (tmp_path / "src.img").write_bytes(content)
    _, status, _, err = one_session(["file", "recv", "--raw", "[::1]:0", "-o", "disk.img"],
                                 nc_file("::1", tmp_path / "src.img"), cwd=tmp_path)
    assert status == 0, err
    assert (tmp_path / "disk.img").read_bytes() == content
    assert sorted(os.listdir(tmp_path)) == ["disk.img", "src.img"]


def test_tour_has_design_lesson_order_with_timeouts():
    """DESIGN.md's lesson order has a timeouts step between the TCP server
    and the port scanner; its commands run out of time with status 1."""
    from conftest import run
    listed = run("tour", "--list", check=0).stdout.splitlines()
    titles = [l[4:].split("  lesson:")[0].strip() for l in listed]
    order = ["Layers", "Ethernet", "Addresses", "Names", "UDP:", "UDP chat", "TCP client",
             "HTTP GET", "TCP server", "Timeouts", "Port scanner", "File transfer"]
    assert [next(i for i, t in enumerate(titles) if t.startswith(w)) for w in order] == \
        list(range(len(order)))
    # every "lesson:" column starts at the same place
    assert len({l.index("lesson:") for l in listed}) == 1
    step = titles.index(next(t for t in titles if t.startswith("Timeouts"))) + 1
    p = run("tour", "--step", step, check=0, timeout=30)
    assert "$ sockit udp listen 127.0.0.1:0 -c 1 -w 500ms" in p.stdout
    assert "timeout: 0 of 1 datagrams" in p.stderr
    assert "no reply within 1000 ms" in p.stderr
    assert "Both ended on time" in p.stdout


def wait_udp_bound(port, timeout=TIMEOUT):
    """Waits (ss, bounded) until something has bound UDP port on ::1."""
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(["ss", "-Hlun", f"sport = :{port}"], capture_output=True,
                             text=True, timeout=5).stdout
        if str(port) in out:
            return
        time.sleep(0.01)
    raise AssertionError(f"nothing bound UDP port {port}")


def test_udp_send_verbose_shows_what_it_sends_over_ipv6():
    """DESIGN.md: with -v each chunk is tagged with its direction, '>' sent
    and '<' received.  udp send -v showed the replies only."""
    import re
    import socket
    from conftest import run
    need_tool("socat")
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::1", 0))
    port = s.getsockname()[1]
    s.close()
    echo = subprocess.Popen(["socat", "-T5", f"UDP6-RECVFROM:{port},bind=[::1]", "EXEC:cat"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_udp_bound(port)
        p = run("udp", "send", f"[::1]:{port}", "ping", "--append", "\\r\\n", "-v",
                "--wait-reply", "5s")
    finally:
        echo.kill()
        echo.wait(timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 2, p.stdout
    assert re.fullmatch(rf"\d\d:\d\d:\d\d\.\d{{6}} > \[\[::1\]:{port}\] 6 bytes: ping", lines[0])
    assert re.fullmatch(rf"\d\d:\d\d:\d\d\.\d{{6}} < \[\[::1\]:{port}\] 6 bytes: ping", lines[1])


def _options_in_source(command):
    """The long and short options a command's option table accepts, read
    from its source: the entries of its cli_opt table (src/cli.h), with the
    table macros of src/cli.h and src/tls_opts.h expanded."""
    import re
    from conftest import ROOT
    src = (ROOT / "src" / f"cmd_{command.replace(' ', '_')}.c").read_text()
    macros = "".join((ROOT / "src" / f).read_text() for f in ("cli.h", "tls_opts.h"))
    table = re.search(r"struct cli_opt table\[\] = \{(.*?)\n\t*\};", src, re.S).group(1)
    for name in re.findall(r"\b((?:TLS_\w+_OPTS|CLI_COLOR|CLI_APPEND|CLI_FAMILY))\(", table):
        table += re.search(rf"#define {name}\b(.*?)\n\n", macros, re.S).group(1)
    entry = r"CLI_[A-Z]+\(\s*(?:0|'(.)')\s*,\s*(?:NULL|\"([a-z0-9-]+)\")"
    longs, shorts = set(), set()
    for short, long in re.findall(entry, table):
        shorts |= {short} - {""}
        longs |= {long} - {""}
    longs |= set(re.findall(r'\.alias = "([a-z0-9-]+)"', table))
    return longs, shorts


def _man_text(command):
    import re
    from conftest import ROOT
    page = ROOT / "man" / f"sockit-{command.replace(' ', '-')}.1"
    out = subprocess.run(["man", "-l", str(page)], capture_output=True, text=True,
                         timeout=20, env={**os.environ, "MANWIDTH": "200"}).stdout
    out = re.sub(r".\x08", "", out)
    return out.replace("\u2010", "-").replace("\u2212", "-")


# Aliases kept for other tools' habits, documented with the main spelling.
ALIASES = {"colour": "color", "ssl": "tls"}


def test_every_accepted_option_is_in_help_and_man_page():
    import re
    from conftest import run
    out = run("--help", check=0).stdout
    names = [m.group(1) for m in (re.match(r"^  (\S+(?: \S+)?)\s{2,}", l)
                                  for l in out.splitlines()) if m and m.group(1) != "help"]
    assert len(names) >= 15
    missing = []
    for name in names:
        longs, shorts = _options_in_source(name)
        helptext = run(*name.split(), "--help", check=0).stdout
        man = _man_text(name)
        for where, text in (("--help", helptext), ("man page", man)):
            for opt in sorted(longs):
                spelled = {opt, ALIASES.get(opt, opt)}
                if not any(re.search(rf"(?<![\w-])--{re.escape(o)}\b", text) for o in spelled):
                    if opt not in ALIASES or where == "man page":
                        missing.append(f"{name}: --{opt} not in {where}")
            for opt in sorted(shorts):
                if not re.search(rf"(?<![\w-])-{re.escape(opt)}\b", text):
                    missing.append(f"{name}: -{opt} not in {where}")
    assert missing == []


def test_file_recv_names_an_ipv4_sender_of_a_dual_stack_port_as_ipv4(tmp_path):
    """tcp listen and udp listen on :PORT show an IPv4 client as 127.0.0.1;
    file recv showed it as ::ffff:127.0.0.1."""
    need_tool("nc")
    (tmp_path / "f").write_bytes(b"abc")
    _, status, _, err = one_session(["file", "recv", "--raw", ":0", "-o", tmp_path / "out"],
                                 nc_file("127.0.0.1", tmp_path / "f"))
    assert status == 0, err
    assert "received 3 bytes from 127.0.0.1:" in err.decode(), err


def test_resolve_takes_an_ipv6_address_in_brackets():
    """Every endpoint writes IPv6 as [::1]; resolve took only ::1."""
    import json
    from conftest import run
    p = run("resolve", "[::1]", "--json", check=0)
    assert json.loads(p.stdout)["addresses"] == [{"family": "ipv6", "address": "::1"}]
    # getent, the peer, gives the same address for the bare form
    assert subprocess.run(["getent", "ahostsv6", "::1"], capture_output=True, text=True,
                          timeout=TIMEOUT).stdout.split()[0] == "::1"


def test_rules_md_error_example_is_what_udp_listen_prints(tmp_path):
    """docs/RULES.md quotes the error a bad regex gives; it must be the
    real line (it had lost the '--rules ' prefix)."""
    import re
    from conftest import ROOT, one_line_error
    doc = (ROOT / "docs" / "RULES.md").read_text()
    quoted = re.search(r"`(sockit: udp listen: [^`]*line 3: regex[^`]*)`",
                       doc.replace("\n", " ")).group(1)
    (tmp_path / "rules.txt").write_text("exact A => B\n\nregex ([a-z] => x\n")
    p = subprocess.run([SOCKIT, "udp", "listen", "127.0.0.1:0", "--rules", "rules.txt"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    one_line_error(p, 2)
    assert p.stderr.strip() == quoted


def test_the_error_line_readme_and_man_quote_is_the_real_one():
    from conftest import ROOT, run
    p = run("cidr", "1.2.3.4/33")
    assert p.returncode == 2
    line = p.stderr.strip()
    assert f"`{line}`" in (ROOT / "README.md").read_text().replace("\n", " ")
    man = subprocess.run(["man", "-l", str(ROOT / "man" / "sockit.1")], capture_output=True,
                         text=True, timeout=TIMEOUT, env={**os.environ, "MANWIDTH": "200"})
    import re
    text = re.sub(r".\x08", "", man.stdout).replace("\u2010", "-").replace("\u2212", "-")
    assert line in text.replace("\u2019", "'").replace("\u2018", "'")


def test_every_command_help_ends_with_examples_of_itself():
    import re
    from conftest import run
    out = run("--help", check=0).stdout
    names = [m.group(1) for m in (re.match(r"^  (\S+(?: \S+)?)\s{2,}", l)
                                  for l in out.splitlines()) if m and m.group(1) != "help"]
    for name in names:
        text = run(*name.split(), "--help", check=0).stdout
        assert "\nexamples:\n" in text, name
        examples = text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
        assert examples and all(f"sockit {name}" in e for e in examples), (name, examples)


def test_tcp_listen_on_a_unix_socket_serves_one_client_and_exits_cleanly(tmp_path):
    """tcp listen's man page: unix:PATH is a Unix domain socket, removed
    again at exit.  The one-client server on one freed its listener twice
    (heap use after free, abort) once its client left."""
    need_tool("socat")
    path = tmp_path / "l.sock"
    c, status, out, err = one_session(
        ["tcp", "listen", f"unix:{path}", "--reply", "hi\\n"],
        lambda _: subprocess.run(["socat", "-t2", "-", f"UNIX-CONNECT:{path}"], input=b"x\n",
                                 capture_output=True, timeout=TIMEOUT),
        start=listener_unix)
    assert c.stdout == b"hi\n", c
    assert status == 0, err
    assert out == b"[1 unix] x\n"
    assert not path.exists()


def listener_unix(args, cwd=None):
    """Like listener(), for a unix:PATH listener (no port in its line)."""
    p = subprocess.Popen([SOCKIT, *map(str, args)], cwd=cwd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = stderr_line(p)
    assert "listening on unix:" in line, line
    return p, line


def test_man_sockit_sees_every_command_page():
    from conftest import ROOT
    text = (ROOT / "man" / "sockit.1").read_text().split(".SH SEE ALSO", 1)[1]
    for page in sorted((ROOT / "man").glob("sockit-*.1")):
        assert f".BR {page.stem.replace('-', chr(92) + '-')} (1)" in text, page.stem


def test_tcp_listen_echo_verbose_tags_both_directions_over_ipv6():
    """man tcp listen: -v tags every chunk with its direction; --echo
    showed what it received ('<') but not what it sent back ('>')."""
    import re
    need_tool("nc")
    c, _, _, err = one_session(
        ["tcp", "listen", "[::1]:0", "--echo", "-v"],
        lambda port: subprocess.run(["nc", "-N", "::1", str(port)], input=b"x\n",
                                    capture_output=True, timeout=TIMEOUT))
    assert c.stdout == b"x\n"
    tags = re.findall(r"^([<>]) \d\d:\d\d:\d\d\.\d{6} \[::1\]:\d+ 2 bytes$", err.decode(), re.M)
    assert tags == ["<", ">"], err.decode()


def test_scan_refuses_output_options_it_would_ignore():
    """--all is documented 'with --json'; alone it was silently ignored, and
    --json with --grepable silently printed only the grepable lines."""
    from conftest import one_line_error, run
    one_line_error(run("scan", "127.0.0.1", "-p", "1", "--connect", "--all"), 2,
                   "--all goes with --json")
    one_line_error(run("scan", "127.0.0.1", "-p", "1", "--connect", "--json", "--grepable"), 2,
                   "--json and --grepable exclude each other")


def test_file_send_resume_counts_only_what_it_sent(tmp_path):
    """file send --resume sends only the rest of a file, yet its summary
    (and rate) counted the whole file; the receiver counted what came."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    data = os.urandom(300_000)
    (src / "big").write_bytes(data)
    (dst / ".big.part").write_bytes(data[:100_000])
    s, status, _, err = one_session(
        ["file", "recv", "[::1]:0", "-d", dst, "-v"],
        lambda port: subprocess.run([SOCKIT, "file", "send", "--resume", "-v",
                                     f"[::1]:{port}", src / "big"],
                                    capture_output=True, text=True, timeout=TIMEOUT))
    assert s.returncode == 0 and status == 0, (s.stderr, err)
    assert (dst / "big").read_bytes() == data
    assert "sent big (300000 bytes, resumed at 100000)" in s.stderr
    assert "sent 1 file, 200000 bytes (100000 resumed), verified" in s.stderr
    assert "received 1 file, 200000 bytes from" in err.decode()


def test_http_serve_every_interface_says_both_addresses_and_serves_both():
    """--help and the man page: ':PORT' listens on every interface, IPv4
    and IPv6, with a 'listening on' line for each address."""
    need_tool("curl")
    srv = subprocess.Popen([SOCKIT, "http", "serve", str(ROOT), "--bind", ":0"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
    try:
        lines = [srv.stderr.readline().decode().strip() for _ in range(2)]
        assert sorted(l.rsplit(":", 1)[0] for l in lines) == \
            ["listening on 0.0.0.0", "listening on [::]"], lines
        port = lines[0].rsplit(":", 1)[1]
        assert lines[1].endswith(":" + port)
        for url in (f"http://127.0.0.1:{port}/README.md", f"http://[::1]:{port}/README.md"):
            c = subprocess.run(["curl", "-sg", "-o", "/dev/null", "-w", "%{http_code}", url],
                               capture_output=True, text=True, timeout=TIMEOUT)
            assert c.stdout == "200", (url, c)
    finally:
        srv.terminate()
        srv.communicate(timeout=TIMEOUT)
    assert srv.returncode == 0


def test_help_of_a_group_is_the_group_help():
    """'sockit help COMMAND' is 'sockit COMMAND --help'; for a group such as
    tcp, help failed with status 2 while 'tcp --help' listed its commands."""
    from conftest import run
    for group in ("udp", "tcp", "http", "file"):
        a = run("help", group)
        b = run(group, "--help")
        assert a.returncode == b.returncode == 0, (a.stderr, b.stderr)
        assert a.stdout == b.stdout and f"{group} " in a.stdout


def test_tour_stopped_by_a_signal_leaves_nothing_running(tmp_path):
    """tour --help and DESIGN.md: it leaves nothing running.  Killed in the
    middle of a step, its listeners (http serve, scan) stayed behind,
    adopted by init, for good."""
    import signal
    import time
    from conftest import run
    listed = run("tour", "--list", check=0).stdout.splitlines()
    step = next(i for i, l in enumerate(listed, 1) if "Port scanner" in l)
    # The step's scratch directory goes under tmp_path, where it must not
    # be left behind either.
    tour = subprocess.Popen([SOCKIT, "tour", "--step", str(step)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "TMPDIR": str(tmp_path)})

    def children():
        kids = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == tour.pid:
                            kids.append(int(d))
                except (OSError, ValueError, IndexError):
                    pass
        return kids

    deadline = time.monotonic() + TIMEOUT
    kids = []
    while not kids and tour.poll() is None and time.monotonic() < deadline:
        kids = children()
        time.sleep(0.001)
    assert kids, "the step started nothing before it ended"
    tour.send_signal(signal.SIGTERM)
    tour.wait(timeout=TIMEOUT)

    def running(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    while time.monotonic() < deadline and any(running(k) for k in kids):
        time.sleep(0.01)
    assert [k for k in kids if running(k)] == [], kids
    assert tour.returncode == -signal.SIGTERM
    assert os.listdir(tmp_path) == []


def test_udp_chat_exits_1_when_a_piped_line_could_not_be_sent():
    """udp chat --help: exit 1 when a send failed.  Piped lines that went
    nowhere (no peer yet, or refused by the kernel) were reported, but the
    status was 0."""
    from conftest import run
    p = run("udp", "chat", "--local", "[::1]:0", "--quit-after", "200ms", input="lost\n")
    assert p.returncode == 1, p.stderr
    assert "nobody to send to yet" in p.stderr
    p = run("udp", "chat", "127.255.255.255:9", "--quit-after", "200ms", input="x\n")
    assert p.returncode == 1, p.stderr
    assert "send to 127.255.255.255:9: permission denied" in p.stderr
    # nothing to send is no failure
    assert run("udp", "chat", "--local", "[::1]:0", "--quit-after", "200ms",
               input="").returncode == 0


def test_tcp_listen_idle_timeout_also_ends_the_one_client_relay():
    """--idle-timeout was accepted without -k (nc -l mode) but did nothing:
    a silent client held the server for ever."""
    need_tool("nc")
    srv, port = listener(["tcp", "listen", "[::1]:0", "--idle-timeout", "300ms"])
    nc = subprocess.Popen(["nc", "::1", str(port)], stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _, err = srv.communicate(timeout=TIMEOUT)
    finally:
        nc.kill()
        nc.wait(timeout=TIMEOUT)
        if srv.poll() is None:
            srv.kill()
            srv.communicate(timeout=TIMEOUT)
    assert srv.returncode == 1, err
    assert "idle for 300 ms (--idle-timeout)" in err.decode()


def test_tcp_listen_idle_timeout_spares_a_client_that_talks():
    need_tool("nc")
    c, status, out, err = one_session(
        ["tcp", "listen", "127.0.0.1:0", "--idle-timeout", "5s"],
        lambda port: subprocess.run(["nc", "-N", "127.0.0.1", str(port)], input=b"hello\n",
                                    capture_output=True, timeout=TIMEOUT))
    assert c.returncode == 0
    assert status == 0, err
    assert out == b"hello\n"


def test_file_commands_take_verbose_and_quiet_spelled_long(tmp_path):
    """Every other command spells -v/-q as --verbose/--quiet too."""
    need_tool("nc")
    (tmp_path / "in").write_bytes(b"abc")
    _, status, _, err = one_session(["file", "recv", "--raw", "127.0.0.1:0", "-o", tmp_path / "f",
                                  "--quiet"], nc_file("127.0.0.1", tmp_path / "in"))
    assert status == 0 and err == b"", err
    from conftest import run
    p = run("file", "send", "--verbose", "--quiet", "127.0.0.1:9", tmp_path / "f")
    assert p.returncode == 1 and "connection refused" in p.stderr
