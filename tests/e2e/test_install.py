"""make install puts the program, library, headers, sockit.pc and man pages
under PREFIX, and a program builds against the library with pkg-config."""
import os
import pathlib
import subprocess

from conftest import ROOT, SOCKIT


def test_install_and_build_against_the_library(tmp_path):
    build = os.path.relpath(pathlib.Path(SOCKIT).parent, ROOT)
    prefix = tmp_path / "prefix"
    subprocess.run(["make", "-C", str(ROOT), "--no-print-directory", "-s", "install",
                    f"PREFIX={prefix}", f"BUILD={build}"] +
                   (["SANITIZE=1"] if "san" in build else []),
                   check=True, capture_output=True, timeout=300)
    for rel in ("bin/sockit", "lib/libsockit.a", "lib/libsockit.so", "lib/pkgconfig/sockit.pc",
                "include/sockit/cidr.h", "include/sockit/sockit.h", "share/man/man1/sockit.1",
                "share/man/man1/sockit-cidr.1",
                "share/bash-completion/completions/sockit", "share/zsh/vendor-completions/_sockit"):
        assert (prefix / rel).exists(), rel
    lib = prefix / "lib"
    assert (lib / "libsockit.so.0.1.0").is_file() and not (lib / "libsockit.so.0.1.0").is_symlink()
    assert os.readlink(lib / "libsockit.so.0") == "libsockit.so.0.1.0"
    assert os.readlink(lib / "libsockit.so") == "libsockit.so.0"
    src = tmp_path / "use.c"
    src.write_text('#include <sockit/cidr.h>\n#include <stdio.h>\n'
                   'int main(void) { struct sk_cidr c; char h[SK_COUNTSTRLEN];\n'
                   '  if (sk_cidr_parse("10.0.0.0/8", NULL, &c, NULL)) return 1;\n'
                   '  sk_cidr_hosts(&c, h); puts(h); return 0; }\n')
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "sockit"], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    san = ["-fsanitize=address,undefined"] if "san" in build else []
    exe = tmp_path / "use"
    subprocess.run(["cc", *san, str(src), "-o", str(exe), *flags], check=True,
                   capture_output=True, timeout=120)
    out = subprocess.run([str(exe)], env=dict(env, LD_LIBRARY_PATH=str(prefix / "lib")),
                         capture_output=True, text=True, timeout=20)
    assert out.stdout.strip() == "16777214"
    v = subprocess.run([str(prefix / "bin" / "sockit"), "--version"], capture_output=True,
                       text=True, timeout=20)
    assert v.stdout.startswith("sockit ")
