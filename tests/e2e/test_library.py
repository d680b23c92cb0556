"""libsockit as a shared library: it exports the public sk_ API and nothing
else (no internal sk__ name, none of the llhttp compiled into it), it has a
versioned soname with the usual symlinks, and <sockit/sockit.h> alone brings
in every public header."""
import os
import pathlib
import re
import subprocess

from conftest import ROOT, SOCKIT

BUILD = pathlib.Path(SOCKIT).parent
SAN = ["-fsanitize=address,undefined"] if "san" in BUILD.name else []


def exported(lib):
    """The names libsockit defines in its dynamic symbol table, version
    suffix removed; the version node itself (an absolute symbol named after
    lib/libsockit.map's node) is not a function or variable."""
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    names = []
    for line in out.splitlines():
        _, kind, name = line.split()
        if kind == "A" and re.fullmatch(r"SOCKIT_\d+", name):
            continue
        names.append(name.split("@")[0])
    return names


def test_only_the_public_api_is_exported():
    names = exported(BUILD / "libsockit.so")
    assert len(names) > 200, names
    assert not [n for n in names if "llhttp" in n]
    strays = [n for n in names if not re.match(r"sk_[a-z0-9]", n)]
    assert strays == [], strays
    headers = "".join(p.read_text() for p in (ROOT / "include" / "sockit").glob("*.h"))
    undeclared = [n for n in names if not re.search(r"\b%s\b" % n, headers)]
    assert undeclared == [], undeclared


def test_versioned_soname_and_symlinks():
    real = BUILD / "libsockit.so.0.1.0"
    assert real.is_file() and not real.is_symlink()
    assert os.readlink(BUILD / "libsockit.so.0") == "libsockit.so.0.1.0"
    assert os.readlink(BUILD / "libsockit.so") == "libsockit.so.0"
    dyn = subprocess.run(["objdump", "-p", str(real)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert re.search(r"SONAME\s+libsockit\.so\.0\n", dyn), dyn


def test_umbrella_header_lists_every_public_header():
    umbrella = (ROOT / "include" / "sockit" / "sockit.h").read_text()
    listed = set(re.findall(r"#include <sockit/([a-z0-9_]+\.h)>", umbrella))
    public = {p.name for p in (ROOT / "include" / "sockit").glob("*.h")} - {"sockit.h"}
    assert public - listed == set(), "add these to include/sockit/sockit.h"
    assert listed - public == set()


def test_a_program_including_only_the_umbrella_header_builds_and_runs(tmp_path):
    src = tmp_path / "umbrella.c"
    src.write_text('#include <sockit/sockit.h>\n#include <stdio.h>\n'
                   'int main(void)\n{\n'
                   '\tstruct sk_cidr c;\n\tchar hosts[SK_COUNTSTRLEN];\n'
                   '\tif (sk_cidr_parse("10.0.0.0/8", NULL, &c, NULL))\n\t\treturn 1;\n'
                   '\tsk_cidr_hosts(&c, hosts);\n'
                   '\tprintf("%s %s\\n", hosts, sk_err_name(SK_ETIMEDOUT));\n'
                   '\treturn 0;\n}\n')
    cflags = subprocess.run(["pkg-config", "--cflags", "--libs", "libuv", "libpcap"],
                            capture_output=True, text=True, check=True).stdout.split()
    exe = tmp_path / "umbrella"
    subprocess.run(["cc", "-Wall", "-Wextra", "-Werror", *SAN,
                    "-I", str(ROOT / "include"), str(src), "-o", str(exe), *cflags,
                    "-L", str(BUILD), "-lsockit"], check=True, capture_output=True,
                   timeout=120)
    out = subprocess.run([str(exe)], env=dict(os.environ, LD_LIBRARY_PATH=str(BUILD)),
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "16777214"
