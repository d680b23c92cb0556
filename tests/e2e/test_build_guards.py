"""The build's own guards: the program links without libuv, OpenSSL and
libpcap (so a call that bypasses src/lazy_*.c's forwarders is a link error,
not a start-up dependency found later), and `make format-check` fails on a
changed line that .clang-format would write differently."""
import pathlib
import shutil
import subprocess

from conftest import ROOT, SOCKIT

BUILD = pathlib.Path(SOCKIT).parent


def link_without_real_libraries(objs, tmp_path):
    return subprocess.run(["cc", "-o", str(tmp_path / "sockit-nolibs"), *map(str, objs),
                           str(BUILD / "libsockit.a"), "-lpthread", "-ldl", "-lrt", "-lm"],
                          capture_output=True, text=True, timeout=300)


def test_the_build_linked_the_program_without_the_real_libraries():
    assert (BUILD / "lazy-link.ok").exists()


def test_a_missing_forwarder_is_a_link_error(tmp_path):
    if "san" in BUILD.name:
        return  # the sanitizer runtime changes the link; the plain build checks this
    # The objects of today's src/*.c, as the Makefile links them: a stale
    # object of a file since moved or deleted must not join the link.
    objs = sorted(BUILD / "obj" / "src" / (c.stem + ".o") for c in (ROOT / "src").glob("*.c"))
    assert link_without_real_libraries(objs, tmp_path).returncode == 0
    without_uv = [o for o in objs if o.name != "lazy_uv.o"]
    p = link_without_real_libraries(without_uv, tmp_path)
    assert p.returncode != 0
    assert "undefined reference to `uv_" in p.stderr, p.stderr[-2000:]


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    *args], check=True, capture_output=True, timeout=60)


def test_format_check_fails_on_a_changed_unformatted_line(tmp_path):
    repo = tmp_path / "repo"
    (repo / "tools").mkdir(parents=True)
    shutil.copy(ROOT / "tools" / "format-check.sh", repo / "tools")
    shutil.copy(ROOT / ".clang-format", repo)
    old = "int  untouched( void ) { return 0; }\n"  # unformatted, but not changed
    (repo / "a.c").write_text(old)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "work")
    check = [str(repo / "tools" / "format-check.sh"), "main"]
    (repo / "a.c").write_text(old + "int g(void)\n{\n\treturn 1;\n}\n")
    p = subprocess.run(check, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    (repo / "a.c").write_text(old + "int g(void){return 1;}\n")
    p = subprocess.run(check, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "+int g(void)" in p.stdout and "-int  untouched" not in p.stdout
