"""Shell completion: the bash script offers every command, subcommand and
every option that each --help lists, interface names after -i and files
where a file goes; the zsh script lists the same options."""
import re
import shlex
import subprocess

import pytest

from conftest import ROOT, run

BASH = ROOT / "completions" / "sockit.bash"
ZSH = ROOT / "completions" / "_sockit"
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z0-9])(?!\w)")


def commands():
    """The command names the top-level help lists ('udp send', 'cidr')."""
    text = run("--help", check=0).stdout
    listing = text.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [re.split(r"\s{2,}", line.strip())[0] for line in listing.splitlines()]


def help_options(cmd):
    """Every option named on an option line of CMD --help (indented at most
    8 columns, starting with '-'): those before the description, and long
    ones in it too ('--allow CIDR  accept only these; --deny CIDR refuses'
    names two; '/bin/sh -c' in a description is not an option)."""
    text = run(*cmd.split(), "--help", check=0).stdout
    found = set()
    for line in text.splitlines():
        if re.match(r"^ {1,8}-", line):
            head, _, description = line.strip().partition("  ")
            found.update(OPTION.findall(head))
            found.update(o for o in OPTION.findall(description) if o.startswith("--"))
    return found


def complete(*words, cwd=None):
    """What _sockit offers for the command line WORDS, the last word being
    the one under the cursor."""
    array = " ".join(shlex.quote(w) for w in ("sockit",) + words)
    script = (f"source {shlex.quote(str(BASH))}; COMP_WORDS=({array}); "
              f"COMP_CWORD={len(words)}; _sockit; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    out = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True,
                         timeout=20, cwd=cwd)
    assert out.returncode == 0, out.stderr
    return set(filter(None, out.stdout.splitlines()))


def test_commands_and_subcommands():
    names = commands()
    assert "udp send" in names and "cidr" in names
    assert {n.split()[0] for n in names} <= complete("")
    for group in {n.split()[0] for n in names if " " in n}:
        subs = {n.split()[1] for n in names if n.startswith(group + " ")}
        assert complete(group, "") == subs, group
    assert complete("help", "ud") == {"udp"}
    assert complete("help", "udp", "") == {"send", "listen", "chat", "relay"}


@pytest.mark.parametrize("cmd", [c for c in commands() if c != "help"])
def test_every_help_option_is_offered(cmd):
    wanted = help_options(cmd)
    assert "--help" in wanted
    offered = complete(*cmd.split(), "-")
    assert wanted <= offered, sorted(wanted - offered)
    assert complete(*cmd.split(), "--hel") == {"--help"}


@pytest.mark.parametrize("cmd", [c for c in commands() if c != "help"])
def test_zsh_lists_the_same_options(cmd):
    text = ZSH.read_text()
    key = f'"{cmd}"' if " " in cmd else cmd
    m = re.search(r"^\t" + re.escape(key) + r'\) opts="([^"]*)"', text, re.M)
    assert m, cmd
    listed = {o.rstrip("=") for o in m.group(1).replace("\\\n", " ").split()}
    assert help_options(cmd) <= listed, sorted(help_options(cmd) - listed)


def test_zsh_script_parses():
    zsh = subprocess.run(["zsh", "-n", str(ZSH)], capture_output=True, text=True, timeout=20)
    assert zsh.returncode == 0, zsh.stderr


def test_interface_names_after_i():
    assert "lo" in complete("sniff", "-i", "")
    assert "lo" in complete("udp", "listen", ":5000", "--iface", "l")
    assert "lo" in complete("scan", "--interface", "")
    assert complete("arp", "--interface", "l") == {"lo"}
    # http get -i is --include: the next word is a URL, not an interface.
    assert "lo" not in complete("http", "get", "-i", "")


def test_files_where_a_file_goes(tmp_path):
    (tmp_path / "proto.rules").write_text("exact ping -> pong\n")
    (tmp_path / "photos").mkdir()
    assert complete("udp", "listen", ":5000", "--rules", "pro", cwd=tmp_path) == {"proto.rules"}
    assert complete("file", "send", "127.0.0.1:9000", "p", cwd=tmp_path) == \
        {"proto.rules", "photos"}
    assert complete("file", "recv", ":9000", "-d", "p", cwd=tmp_path) == {"photos"}
    assert complete("sniff", "-r", "pr", cwd=tmp_path) == {"proto.rules"}
    # A value that is not a path is not completed as one.
    assert complete("scan", "127.0.0.1", "--ports", "p", cwd=tmp_path) == set()
