"""make deb builds the Debian packages from the tree (libsockit0,
libsockit-dev, sockit); lintian finds nothing to say; installed with dpkg,
the program runs (with the raw-socket capabilities its postinst gives it),
a program builds against libsockit-dev through pkg-config, and the packages
purge without a trace.  The build skips the package's own unit tests
(DEB_BUILD_OPTIONS=nocheck): make test runs them already."""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, TIMEOUT, stderr_line

PACKAGES = ("sockit", "libsockit-dev", "libsockit0")
BIN = "/usr/bin/sockit"


def sh(*argv, timeout=TIMEOUT, **kw):
    out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    assert out.returncode == 0, (argv, out.stdout[-3000:], out.stderr[-3000:])
    return out


def installed(pkg):
    q = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True,
                       text=True)
    return q.returncode == 0 and "installed" in q.stdout and "not-installed" not in q.stdout


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    """The .deb files built from a copy of the tree (what git tracks or would
    track), so that the build leaves the checkout as it was."""
    if os.geteuid() != 0:
        pytest.skip("installing packages with dpkg -i needs root")
    if any(installed(p) for p in PACKAGES):
        pytest.skip("a sockit package is installed on this machine: "
                    "the test would replace and then remove it")
    top = tmp_path_factory.mktemp("deb")
    src = top / "sockit"
    files = sh("git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z").stdout
    for rel in filter(None, files.split("\0")):
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    # Built as Debian builds it: nothing of the make that runs this suite
    # (make test SANITIZE=1 exports SANITIZE through MAKEFLAGS) leaks in.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "SANITIZE",
                        "BUILD", "CFLAGS", "LDFLAGS")}
    env["DEB_BUILD_OPTIONS"] = "nocheck parallel=2"
    sh("make", "-C", str(src), "--no-print-directory", "deb", env=env, timeout=900)
    return {p: top / f"{p}_0.1.0_amd64.deb" for p in PACKAGES}, top / "sockit_0.1.0_amd64.changes"


def test_lintian_has_nothing_to_say(debs):
    _, changes = debs
    out = subprocess.run(["lintian", str(changes)], capture_output=True, text=True,
                         timeout=300)
    tags = [line for line in out.stdout.splitlines() if re.match(r"[EW]: ", line)]
    assert tags == [], out.stdout
    assert out.returncode == 0, (out.stdout, out.stderr)


def test_install_use_and_purge(debs, tmp_path):
    files, _ = debs
    try:
        sh("dpkg", "-i", *map(str, files.values()), timeout=300)
        check_program()
        check_library(tmp_path)
    finally:
        subprocess.run(["dpkg", "--purge", *PACKAGES], capture_output=True, timeout=300)
    for p in PACKAGES:
        assert not installed(p), p
    for path in (BIN, "/usr/include/sockit", "/usr/share/bash-completion/completions/sockit",
                 "/usr/share/man/man1/sockit.1.gz"):
        assert not os.path.exists(path), path
    assert not list(pathlib.Path("/usr/lib").glob("*/libsockit*")), "library left behind"


def check_program():
    v = sh(BIN, "--version")
    assert v.stdout.startswith("sockit 0.1.0"), v.stdout
    c = sh(BIN, "cidr", "192.168.36.235/24")
    assert "192.168.36.0" in c.stdout and "255.255.255.0" in c.stdout, c.stdout
    # The postinst gave the program its raw-socket capabilities.
    caps = sh("getcap", BIN).stdout
    assert "cap_net_admin" in caps and "cap_net_raw" in caps, caps
    # A datagram over loopback, from the installed binary to itself.
    listen = subprocess.Popen([BIN, "udp", "listen", "127.0.0.1:0", "-c", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        m = re.search(r"listening on \S+:(\d+)", stderr_line(listen))
        assert m
        sh(BIN, "udp", "send", f"127.0.0.1:{m.group(1)}", "hello from the package")
        out, _ = listen.communicate(timeout=TIMEOUT)
        assert listen.returncode == 0
        assert "hello from the package" in out, out
    finally:
        if listen.poll() is None:
            listen.kill()
    assert os.path.exists("/usr/share/bash-completion/completions/sockit")
    assert os.path.exists("/usr/share/zsh/vendor-completions/_sockit")
    assert "sockit" in sh("man", "-w", "sockit-udp-send").stdout


def check_library(tmp_path):
    src = tmp_path / "use.c"
    src.write_text('#include <sockit/sockit.h>\n#include <stdio.h>\n'
                   'int main(void) { struct sk_cidr c; char h[SK_COUNTSTRLEN];\n'
                   '  if (sk_cidr_parse("10.0.0.0/8", NULL, &c, NULL)) return 1;\n'
                   '  sk_cidr_hosts(&c, h); puts(h); return 0; }\n')
    flags = sh("pkg-config", "--cflags", "--libs", "sockit").stdout.split()
    exe = tmp_path / "use"
    sh("cc", str(src), "-o", str(exe), *flags, timeout=120)
    # The program runs against the packaged shared library, found by the
    # system's loader with no LD_LIBRARY_PATH.
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    assert sh(str(exe), env=env).stdout.strip() == "16777214"
    ldd = sh("ldd", str(exe)).stdout
    assert re.search(r"libsockit\.so\.0 => (/usr)?/lib/\S+/libsockit\.so\.0", ldd), ldd
