"""The program loads libuv, OpenSSL and libpcap only in the commands that use
them (src/lazy.h): one-shot commands start as fast as the single-purpose
peers, and a missing library is one clear error in the command that needs
it."""
import os
import subprocess

from scapy.all import IP, UDP, Ether, wrpcap

from conftest import SOCKIT, need_root, one_line_error

LAZY = ("libuv.so", "libssl.so", "libcrypto.so", "libpcap.so", "libncursesw.so",
        "libtinfo.so")


def loaded_libraries(*args):
    """The shared objects the dynamic loader opened while sockit ran."""
    env = dict(os.environ, LD_DEBUG="files")
    p = subprocess.run([SOCKIT, *map(str, args)], capture_output=True,
                       text=True, timeout=20, env=env)
    return p, [ln.split("file=", 1)[1].split()[0]
               for ln in p.stderr.splitlines() if "file=" in ln]


def test_none_is_a_startup_dependency():
    out = subprocess.run(["readelf", "-d", SOCKIT], capture_output=True,
                         text=True, check=True, timeout=20).stdout
    needed = [ln for ln in out.splitlines() if "(NEEDED)" in ln]
    for lib in LAZY:
        assert not any(lib in ln for ln in needed), (
            f"{lib} is linked at start-up: a function it exports is missing "
            "from src/lazy_*.c (uv, openssl, pcap, curses)\n" + out)


def test_one_shot_commands_load_none():
    for args in (("cidr", "198.18.0.0/15"), ("--help",),
                 ("resolve", "localhost")):
        p, libs = loaded_libraries(*args)
        assert p.returncode == 0, p.stderr[-2000:]
        assert not [x for x in libs if x.startswith(LAZY)], (args, libs)


def test_reading_a_capture_loads_libpcap(tmp_path):
    path = tmp_path / "one.pcap"
    wrpcap(str(path), [Ether() / IP(src="127.0.0.1", dst="127.0.0.1") /
                       UDP(sport=5000, dport=5001)])
    p, libs = loaded_libraries("sniff", "-r", path)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "127.0.0.1.5000 > 127.0.0.1.5001" in p.stdout
    assert any(x.startswith("libpcap.so") for x in libs), libs
    assert not [x for x in libs if x.startswith(("libuv.so", "libssl.so", "libcrypto.so"))]


def test_the_event_loop_loads_libuv_alone():
    """udp send runs on libuv; it needs neither OpenSSL nor libpcap."""
    p, libs = loaded_libraries("udp", "send", "127.0.0.1:9", "x")
    assert p.returncode == 0, p.stderr[-2000:]
    assert any(x.startswith("libuv.so") for x in libs), libs
    assert not [x for x in libs if x.startswith(("libssl.so", "libcrypto.so", "libpcap.so"))]


def test_a_missing_library_is_one_clear_error(tmp_path):
    """libpcap hidden by an empty file bind-mounted over it, in a mount
    namespace of this test's own."""
    need_root()
    path = tmp_path / "one.pcap"
    wrpcap(str(path), [Ether() / IP() / UDP()])
    real = subprocess.run(["sh", "-c", "ldconfig -p | sed -n "
                           "'s/^\\s*libpcap\\.so\\.[0-9.]* (.*) => //p' | head -1"],
                          capture_output=True, text=True, timeout=20).stdout.strip()
    assert real, "ldconfig does not know libpcap"
    script = f'mount --bind /dev/null "$(readlink -f {real})" && exec "$@"'
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                        script, "sh", SOCKIT, "sniff", "-r", str(path)],
                       capture_output=True, text=True, timeout=20)
    one_line_error(p, 1, "cannot load libpcap.so")


def test_the_terminal_ui_loads_ncurses_alone(tmp_path):
    """sockit ui opens libncursesw itself (src/lazy_curses.c); here under
    tmux, quitting with Ctrl-Q once it is up."""
    from ui_term import Screen
    log = tmp_path / "ld.log"
    with Screen("udp", "--local", "127.0.0.1:0",
                env={"LD_DEBUG": "files", "LD_DEBUG_OUTPUT": str(log)}) as ui:
        ui.udp_port()
        ui.keys("C-q")
        ui.wait(r"EXIT=0")
    libs = [ln.split("file=", 1)[1].split()[0]
            for f in tmp_path.glob("ld.log.*") for ln in f.read_text().splitlines()
            if "file=" in ln]
    assert any(x.startswith("libncursesw.so") for x in libs), libs
    assert any(x.startswith("libuv.so") for x in libs), libs
    assert not [x for x in libs if x.startswith(("libssl.so", "libcrypto.so", "libpcap.so"))]
