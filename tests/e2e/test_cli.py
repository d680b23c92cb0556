"""The program's surface: help, version, dispatch, suggestions."""
import re

from conftest import run, one_line_error


def test_version():
    p = run("--version", check=0)
    assert p.stdout.startswith("sockit ")


def test_help_lists_commands():
    p = run("--help", check=0)
    for name in ("cidr", "resolve", "tour"):
        assert f"  {name}" in p.stdout


def test_no_arguments_is_usage():
    p = run()
    assert p.returncode == 2
    assert "usage:" in p.stdout


def test_help_command_and_flag_agree():
    a = run("help", "cidr", check=0)
    b = run("cidr", "--help", check=0)
    assert a.stdout == b.stdout and "usage: sockit cidr" in a.stdout


def test_unknown_command_suggests():
    one_line_error(run("cidrr"), 2, "unknown command 'cidrr'", "did you mean 'cidr'")


def test_unknown_command_without_near_match():
    one_line_error(run("zzzzzzzz"), 2, "unknown command")


def test_unknown_global_option():
    one_line_error(run("--frobnicate"), 2, "unknown option")


def test_every_command_has_help():
    p = run("--help", check=0)
    names = [m.group(1) for m in
             (re.match(r"^  (\S+(?: \S+)?)\s{2,}", l) for l in p.stdout.splitlines())
             if m]
    assert "cidr" in names
    for name in names:
        q = run(*name.split(), "--help")
        assert q.returncode == 0, name
        assert "usage:" in q.stdout, name
