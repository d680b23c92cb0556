"""Every command has a man page that renders cleanly, and the README shows
the two set-up commands and an example of every command."""
import pathlib
import re
import subprocess

from conftest import ROOT, run


def command_names():
    out = run("--help", check=0).stdout
    return [m.group(1) for m in
            (re.match(r"^  (\S+(?: \S+)?)\s{2,}", l) for l in out.splitlines()) if m]


def test_every_command_has_a_clean_man_page():
    pages = ["sockit"] + ["sockit-" + n.replace(" ", "-") for n in command_names() if n != "help"]
    for page in pages:
        path = ROOT / "man" / f"{page}.1"
        assert path.exists(), f"missing man page {path.name}"
        p = subprocess.run(["groff", "-man", "-ww", "-z", str(path)],
                           capture_output=True, text=True, timeout=20)
        assert p.returncode == 0 and p.stderr == "", (page, p.stderr)


def test_main_page_lists_every_command():
    text = (ROOT / "man" / "sockit.1").read_text()
    for name in command_names():
        assert f".B {name}\n" in text, name


def test_readme_has_setup_and_an_example_per_command():
    text = (ROOT / "README.md").read_text()
    assert "make demo" in text and "make test" in text
    for name in command_names():
        if name != "help":
            assert f"sockit {name}" in text, name
