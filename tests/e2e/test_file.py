"""file send / file recv: sockit's framed protocol against itself, against
a hostile peer written from docs/PROTOCOL.md (xfer_peer.py), and --raw
against nc, ncat and socat."""
import hashlib
import os
import pathlib
import signal
import socket
import struct
import subprocess
import time

import pytest

from conftest import SOCKIT, TIMEOUT, Netns, need_tool, one_line_error, run, stderr_line
import xfer_peer as xp


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def files_under(root):
    """Every entry below root, relative, sorted (dot files included)."""
    root = pathlib.Path(root)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


class Receiver:
    """sockit file recv on port 0; the real address is read from stderr."""

    def __init__(self, *args, host="127.0.0.1"):
        self.p = subprocess.Popen([SOCKIT, "file", "recv", f"{host}:0", *map(str, args)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = stderr_line(self.p)
        assert line.startswith("listening on "), line
        self.addr = line.split()[-1]
        self.port = int(self.addr.rsplit(":", 1)[1])

    def finish(self, timeout=TIMEOUT):
        out, err = self.p.communicate(timeout=timeout)
        return self.p.returncode, err.decode()

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.communicate(timeout=TIMEOUT)


@pytest.fixture
def dirs(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    return src, dst


def send(addr, *paths, args=(), timeout=TIMEOUT):
    return subprocess.run([SOCKIT, "file", "send", *args, addr, *map(str, paths)],
                          capture_output=True, text=True, timeout=timeout)


# ---- sockit to sockit ----------------------------------------------------

def test_empty_one_byte_and_random_files_arrive_identical(dirs):
    src, dst = dirs
    (src / "empty").write_bytes(b"")
    (src / "one").write_bytes(b"x")
    (src / "rand").write_bytes(os.urandom(5 * 1024 * 1024 + 17))
    os.chmod(src / "rand", 0o640)
    os.utime(src / "rand", (1_600_000_000, 1_600_000_000))
    r = Receiver("-d", dst)
    s = send(r.addr, src / "empty", src / "one", src / "rand")
    assert s.returncode == 0, s.stderr
    assert "sent 3 files" in s.stderr and "verified" in s.stderr
    status, err = r.finish()
    assert status == 0, err
    assert "received 3 files" in err
    for name in ("empty", "one", "rand"):
        assert sha(dst / name) == sha(src / name)
    st = os.stat(dst / "rand")
    assert st.st_mode & 0o777 == 0o640 and int(st.st_mtime) == 1_600_000_000
    assert files_under(dst) == ["empty", "one", "rand"]


def test_directory_tree_keeps_relative_names(dirs):
    src, dst = dirs
    tree = src / "photos"
    (tree / "2024" / "june").mkdir(parents=True)
    (tree / "empty-dir").mkdir()
    (tree / "a.txt").write_text("a")
    (tree / "2024" / "b.bin").write_bytes(os.urandom(100_000))
    (tree / "2024" / "june" / "c.bin").write_bytes(os.urandom(3_000_000))
    os.symlink("/etc/passwd", tree / "link")
    r = Receiver("-d", dst)
    s = send(r.addr, tree)
    assert s.returncode == 0, s.stderr
    assert "skipped 1 symbolic links" in s.stderr
    assert r.finish()[0] == 0
    assert files_under(dst) == ["photos", "photos/2024", "photos/2024/b.bin",
                                "photos/2024/june", "photos/2024/june/c.bin",
                                "photos/a.txt", "photos/empty-dir"]
    for rel in ("a.txt", "2024/b.bin", "2024/june/c.bin"):
        assert sha(dst / "photos" / rel) == sha(tree / rel)


@pytest.fixture
def shm_dirs():
    """src and dst on a tmpfs when there is one (the big file is not a disk
    test), removed afterwards whatever happens."""
    import shutil
    import tempfile
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    top = pathlib.Path(tempfile.mkdtemp(prefix="sockit-xfer-", dir=base))
    (top / "src").mkdir()
    (top / "dst").mkdir()
    try:
        yield top / "src", top / "dst"
    finally:
        shutil.rmtree(top, ignore_errors=True)


def write_random(path, size):
    """size random bytes (AES-CTR keystream under a fresh random key, made by
    openssl in chunks: os.urandom is several times slower), hashed as they
    are written.  Returns the SHA-256 hex digest."""
    h = hashlib.sha256()
    gen = subprocess.Popen(["openssl", "enc", "-aes-128-ctr", "-nosalt",
                            "-K", os.urandom(16).hex(), "-iv", os.urandom(16).hex(),
                            "-in", "/dev/zero"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
    left = size
    try:
        with open(path, "wb") as f:
            while left:
                block = gen.stdout.read(min(left, 1 << 20))
                assert block, "openssl stopped early"
                h.update(block)
                f.write(block)
                left -= len(block)
    finally:
        gen.kill()
        gen.wait(timeout=TIMEOUT)
    return h.hexdigest()


def test_one_gib_random_file(shm_dirs):
    src, dst = shm_dirs
    big = src / "big"
    want = write_random(big, 1 << 30)
    r = Receiver("-d", dst, "-q")
    s = send(r.addr, big, args=("-q",), timeout=120)
    assert s.returncode == 0, s.stderr
    assert r.finish(timeout=120)[0] == 0
    big.unlink()  # half the tmpfs back before reading the copy
    assert (dst / "big").stat().st_size == 1 << 30
    assert sha(dst / "big") == want
    assert files_under(dst) == ["big"]


def test_ipv6_loopback(dirs):
    src, dst = dirs
    (src / "f").write_bytes(os.urandom(70_000))
    r = Receiver("-d", dst, host="[::1]")
    assert r.addr.startswith("[::1]:")
    s = send(f"[::1]:{r.port}", src / "f")
    assert s.returncode == 0, s.stderr
    assert r.finish()[0] == 0
    assert sha(dst / "f") == sha(src / "f")


def test_existing_file_is_kept_and_the_sender_says_why(dirs):
    src, dst = dirs
    (src / "f").write_text("new")
    (dst / "f").write_text("old")
    r = Receiver("-d", dst)
    s = send(r.addr, src / "f")
    one_line_error(s, 1, "f: refused by the receiver: exists", "--overwrite")
    status, err = r.finish()
    assert status == 1 and "refused f: exists" in err
    assert (dst / "f").read_text() == "old"
    assert files_under(dst) == ["f"]


def test_overwrite_replaces(dirs):
    src, dst = dirs
    (src / "f").write_text("new")
    (dst / "f").write_text("old")
    r = Receiver("-d", dst, "--overwrite")
    assert send(r.addr, src / "f").returncode == 0
    assert r.finish()[0] == 0
    assert (dst / "f").read_text() == "new"


def test_max_size_refuses_before_any_data(dirs):
    src, dst = dirs
    (src / "small").write_bytes(b"s" * 1000)
    (src / "large").write_bytes(b"l" * 5000)
    r = Receiver("-d", dst, "--max-size", "4K")
    s = send(r.addr, src / "small", src / "large")
    one_line_error(s, 1, "large: refused by the receiver: too-large", "5000 bytes; the limit is 4096")
    assert r.finish()[0] == 1
    assert files_under(dst) == ["small"]


def test_symlinked_directory_in_receiver_is_refused(dirs, tmp_path):
    src, dst = dirs
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, dst / "photos")
    (src / "photos").mkdir()
    (src / "photos" / "x").write_text("x")
    r = Receiver("-d", dst)
    s = send(r.addr, src / "photos")
    one_line_error(s, 1, "photos: refused by the receiver: symlink", "symbolic link")
    assert r.finish()[0] == 1
    assert list(outside.iterdir()) == []


def test_keep_accepting_and_a_probe_is_no_session(dirs):
    src, dst = dirs
    (src / "a").write_text("a")
    (src / "b").write_text("b")
    r = Receiver("-d", dst)
    # A port scanner's connect-and-close does not use up the one session.
    socket.create_connection(("127.0.0.1", r.port), timeout=5).close()
    assert send(r.addr, src / "a").returncode == 0
    status, err = r.finish()
    assert status == 0 and "before the hello" in err
    r = Receiver("-d", dst, "-k")
    try:
        assert send(r.addr, src / "b").returncode == 0
        (dst / "b").unlink()
        assert send(r.addr, src / "b").returncode == 0
        assert r.p.poll() is None
    finally:
        r.stop()
    assert (dst / "b").read_text() == "b"


def test_100mib_across_a_veth_with_3_percent_loss(dirs):
    """nftables drops 3% of the packets going into the receiver's
    namespace: TCP retransmits, and the file still arrives intact."""
    need_tool("nft")
    src, dst = dirs
    big_file(src / "big", 100)
    with Netns("xfer", host_ip="198.18.90.1", ns_ip="198.18.90.2") as ns:
        rules = ("table inet sockitxfer {\n chain input {\n"
                 "  type filter hook input priority 0;\n"
                 "  numgen random mod 100 < 3 counter drop\n }\n}\n")
        r = ns.run("nft", "-f", "-", input=rules, text=True)
        assert r.returncode == 0, r.stderr
        p = ns.popen([SOCKIT, "file", "recv", f"{ns.ns_ip}:0", "-d", str(dst)],
                     stderr=subprocess.PIPE, text=True)
        import select
        assert select.select([p.stderr], [], [], TIMEOUT)[0]
        addr = p.stderr.readline().split()[-1]
        s = send(addr, src / "big", timeout=120)
        assert s.returncode == 0, s.stderr
        assert p.wait(timeout=TIMEOUT) == 0
        drops = ns.run("nft", "list", "ruleset", text=True).stdout
    assert sha(dst / "big") == sha(src / "big")
    import re
    dropped = int(re.search(r"counter packets (\d+)", drops).group(1))
    assert dropped > 0, drops  # veth offloads: few, large packets


# ---- cuts and resume -------------------------------------------------------

def wait_for(pred, what, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.002)
    raise AssertionError(f"timed out waiting for {what}")


def part_size(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def big_file(path, mib):
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(1 << 20))


def test_cut_connection_keeps_only_part_and_resume_completes(dirs):
    src, dst = dirs
    content = os.urandom(3 * 1024 * 1024 + 5)
    (src / "f").write_bytes(content)
    r = Receiver("-d", dst)
    p = xp.Peer(r.port)
    p.handshake()
    p.send(xp.file_hdr("f", len(content)))
    assert p.offer()[0] == 0
    p.send(xp.start(0) + xp.data(content[:1 << 20]) + xp.data(content[1 << 20:1536 * 1024]))
    p.close()  # cut mid-file, as a killed sender
    status, err = r.finish()
    assert status == 1 and "connection closed" in err
    assert files_under(dst) == [".f.part"]
    assert (dst / ".f.part").read_bytes() == content[:1536 * 1024]

    r = Receiver("-d", dst, "-v")
    s = send(r.addr, src / "f", args=("--resume",))
    assert s.returncode == 0, s.stderr
    status, err = r.finish()
    assert status == 0, err
    # Only the missing part travelled.
    assert f"{len(content) - 1536 * 1024} bytes" in err.splitlines()[-1]
    assert files_under(dst) == ["f"] and sha(dst / "f") == sha(src / "f")


def test_resume_with_a_different_part_starts_over(dirs):
    src, dst = dirs
    content = os.urandom(2_000_000)
    (src / "f").write_bytes(content)
    (dst / ".f.part").write_bytes(b"not the same prefix" * 1000)
    r = Receiver("-d", dst)
    s = send(r.addr, src / "f", args=("--resume",))
    assert s.returncode == 0, s.stderr
    assert r.finish()[0] == 0
    assert files_under(dst) == ["f"] and (dst / "f").read_bytes() == content


def test_sender_killed_then_resume(dirs):
    src, dst = dirs
    big_file(src / "big", 200)
    r = Receiver("-d", dst)
    s = subprocess.Popen([SOCKIT, "file", "send", r.addr, str(src / "big")],
                         stderr=subprocess.DEVNULL)
    wait_for(lambda: part_size(dst / ".big.part") >= 8 << 20, ".part growing")
    s.send_signal(signal.SIGKILL)
    s.wait(timeout=TIMEOUT)
    status, err = r.finish()
    assert status == 1, err
    assert files_under(dst) == [".big.part"]
    r = Receiver("-d", dst)
    s = send(r.addr, src / "big", args=("--resume",), timeout=60)
    assert s.returncode == 0, s.stderr
    assert r.finish(timeout=60)[0] == 0
    assert files_under(dst) == ["big"] and sha(dst / "big") == sha(src / "big")


def test_receiver_killed_leaves_only_the_part(dirs):
    src, dst = dirs
    big_file(src / "big", 200)
    r = Receiver("-d", dst)
    s = subprocess.Popen([SOCKIT, "file", "send", r.addr, str(src / "big")],
                         stderr=subprocess.PIPE, text=True)
    wait_for(lambda: part_size(dst / ".big.part") >= 8 << 20, ".part growing")
    r.p.send_signal(signal.SIGKILL)
    r.stop()
    _, err = s.communicate(timeout=TIMEOUT)
    assert s.returncode == 1
    assert err.startswith("sockit: file send: ") and len(err.splitlines()) == 1
    assert files_under(dst) == [".big.part"]


# ---- a hostile sender ------------------------------------------------------

def hostile(dst, script, *args):
    """Runs script(peer) against a fresh receiver; returns its status and
    stderr once it exits."""
    r = Receiver("-d", dst, *args)
    p = xp.Peer(r.port)
    try:
        script(p)
    finally:
        p.close()
    return r.finish()


@pytest.mark.parametrize("name,why", [
    (b"../escape", "component '..'"),
    (b"a/../../escape", "component '..'"),
    (b"/tmp/escape", "absolute name"),
    (b"a\x00b", "NUL byte"),
    (b"a//b", "empty component"),
    (b"a/", "empty component"),
    (b"./a", "component '.'"),
    (b"esc\x1b[2Jape", "control byte 0x1b"),
    (b"x" * 250, "component of 250 bytes"),
])
def test_unsafe_names_are_refused(dirs, name, why):
    src, dst = dirs
    seen = {}

    def script(p):
        p.handshake()
        p.send(xp.file_hdr(name, 1))
        seen["v"] = p.verdict()

    status, err = hostile(dst, script)
    assert seen["v"][:2] == (1, "bad-name") and why in seen["v"][2], seen
    assert status == 1 and "bad-name" in err
    assert files_under(dst) == []
    assert not (dst.parent / "escape").exists()


def test_part_file_that_is_a_symlink_is_refused(dirs, tmp_path):
    _, dst = dirs
    victim = tmp_path / "victim"
    victim.write_text("precious")
    os.symlink(victim, dst / ".f.part")
    seen = {}

    def script(p):
        p.handshake()
        p.send(xp.file_hdr("f", 5))
        seen["v"] = p.offer()[1]

    hostile(dst, script)
    assert seen["v"][:2] == (1, "symlink"), seen
    assert victim.read_text() == "precious"


def test_part_file_hard_linked_elsewhere_is_replaced_not_written(dirs, tmp_path):
    src, dst = dirs
    victim = tmp_path / "victim"
    victim.write_text("precious")
    os.link(victim, dst / ".f.part")
    (src / "f").write_text("delivered")
    r = Receiver("-d", dst)
    s = send(r.addr, src / "f", args=("--resume",))
    assert s.returncode == 0, s.stderr
    assert r.finish()[0] == 0
    assert victim.read_text() == "precious"
    assert (dst / "f").read_text() == "delivered"


def test_name_through_a_file_is_refused(dirs):
    _, dst = dirs
    (dst / "plain").write_text("p")
    seen = {}

    def script(p):
        p.handshake()
        p.send(xp.file_hdr("plain/x", 1))
        seen["v"] = p.verdict()

    hostile(dst, script)
    assert seen["v"][:2] == (1, "type"), seen


@pytest.mark.parametrize("bad", [
    xp.frame(xp.FILE, b"", length=0xFFFFFFFF),          # oversize header
    xp.frame(xp.FILE, b"\0" * 30, length=23 + 4097),     # name over its bound
    xp.frame(xp.DATA, b"x"),                             # data before any file
    xp.frame(0x42, b"?"),                                # unknown type
    xp.frame(xp.FILE, bytes([0]) + b"\0" * 20 + b"\x00\x05ab"),  # name length lies
])
def test_malformed_frames_are_refused(dirs, bad):
    _, dst = dirs
    seen = {}

    def script(p):
        p.handshake()
        p.send(bad)
        seen["v"] = p.verdict()

    status, _ = hostile(dst, script)
    assert seen["v"][:2] == (1, "protocol"), seen
    assert status == 1
    assert files_under(dst) == []


def test_not_the_protocol_at_all(dirs):
    _, dst = dirs
    seen = {}

    def script(p):
        p.send(b"GET / HTTP/1.0\r\n\r\n")
        seen["v"] = p.verdict()

    # That was no session: the receiver refuses it and keeps waiting.
    r = Receiver("-d", dst)
    p = xp.Peer(r.port)
    script(p)
    p.close()
    assert seen["v"][:2] == (1, "protocol") and "--raw" in seen["v"][2]
    q = xp.Peer(r.port)
    q.handshake()
    q.send(xp.frame(xp.BYE))
    assert q.frame() == (xp.BYE, b"")
    q.close()
    status, err = r.finish()
    assert status == 0 and "refused the session: protocol: not a sockit file transfer" in err


def test_wrong_version(dirs):
    _, dst = dirs
    seen = {}

    def script(p):
        p.send(xp.hello(version=3, flags=0xFF, digest=0))
        seen["v"] = p.verdict()

    status, _ = hostile(dst, script)
    assert seen["v"][:2] == (1, "version"), seen
    assert status == 1


def test_more_data_than_declared(dirs):
    _, dst = dirs
    seen = {}

    def script(p):
        p.handshake()
        p.send(xp.file_hdr("f", 10))
        p.offer()
        p.send(xp.start(0) + xp.data(b"0123456789") + xp.data(b"extra"))
        seen["v"] = p.verdict()

    status, _ = hostile(dst, script)
    assert seen["v"][:2] == (1, "size"), seen
    assert files_under(dst) == []


def test_less_data_than_declared(dirs):
    _, dst = dirs
    seen = {}

    def script(p):
        p.handshake()
        p.send(xp.file_hdr("f", 10))
        p.offer()
        p.send(xp.start(0) + xp.data(b"01234") + xp.end(hashlib.sha256(b"01234").digest()))
        seen["v"] = p.verdict()

    hostile(dst, script)
    assert seen["v"][:2] == (1, "size") and "5 of 10" in seen["v"][2], seen
    assert files_under(dst) == []


def test_wrong_hash_leaves_nothing(dirs):
    _, dst = dirs
    seen = {}

    def script(p):
        p.handshake()
        p.send(xp.file_hdr("f", 4))
        p.offer()
        p.send(xp.start(0) + xp.data(b"abcd") + xp.end(hashlib.sha256(b"abce").digest()))
        seen["v"] = p.verdict()

    status, err = hostile(dst, script)
    assert seen["v"][:2] == (1, "mismatch"), seen
    assert status == 1 and "refused f: mismatch" in err
    assert files_under(dst) == []


def test_start_at_an_offset_never_offered(dirs):
    _, dst = dirs
    seen = {}

    def script(p):
        p.handshake()
        p.send(xp.file_hdr("f", 100))
        assert p.offer()[0] == 0
        p.send(xp.start(50))
        seen["v"] = p.verdict()

    hostile(dst, script)
    assert seen["v"][:2] == (1, "protocol"), seen
    assert not (dst / "f").exists()


def test_truncated_frame_then_cut(dirs):
    _, dst = dirs

    def script(p):
        p.handshake()
        p.send(xp.file_hdr("f", 100))
        p.offer()
        p.send(xp.start(0) + xp.data(b"y" * 100)[:60])

    status, err = hostile(dst, script)
    assert status == 1 and "connection closed" in err
    assert files_under(dst) == [".f.part"]


def test_honest_python_peer_and_directories(dirs):
    _, dst = dirs
    seen = []

    def script(p):
        p.handshake()
        p.send(xp.file_hdr("d", 0, kind=1, mode=0o750))
        seen.append(p.verdict())
        seen.append(p.send_file("d/e/f.txt", b"hello"))
        p.send(xp.frame(xp.BYE))
        seen.append(p.frame())

    status, _ = hostile(dst, script)
    assert status == 0
    assert seen == [(0, "ok", ""), (0, "ok", ""), (xp.BYE, b"")]
    assert (dst / "d" / "e" / "f.txt").read_bytes() == b"hello"


# ---- --raw with netcat's habits --------------------------------------------

def test_raw_send_to_nc(dirs):
    need_tool("nc")
    src, dst = dirs
    content = os.urandom(3_000_000)
    (src / "f").write_bytes(content)
    port = socket_port()
    with open(dst / "f", "wb") as out:
        nc = subprocess.Popen(["nc", "-l", "127.0.0.1", str(port)], stdout=out,
                              stdin=subprocess.DEVNULL)
        try:
            wait_listening(port)
            s = send(f"127.0.0.1:{port}", src / "f", args=("--raw",))
            assert s.returncode == 0, s.stderr
            assert "sent 3000000 bytes" in s.stderr
            nc.wait(timeout=TIMEOUT)
        finally:
            nc.kill()
    assert (dst / "f").read_bytes() == content


def test_raw_send_stdin_to_socat(dirs):
    need_tool("socat")
    _, dst = dirs
    port = socket_port()
    soc = subprocess.Popen(["socat", "-u", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr",
                            f"OPEN:{dst / 'f'},creat"])
    try:
        wait_listening(port)
        p = run("file", "send", "--raw", f"127.0.0.1:{port}", "-", input=b"from stdin\n")
        assert p.returncode == 0, p.stderr
        soc.wait(timeout=TIMEOUT)
    finally:
        soc.kill()
    assert (dst / "f").read_bytes() == b"from stdin\n"


@pytest.mark.parametrize("peer", ["nc", "ncat"])
def test_raw_recv_from_netcat(dirs, peer):
    need_tool(peer)
    src, dst = dirs
    content = os.urandom(2_500_000)
    (src / "f").write_bytes(content)
    r = Receiver("--raw", "-o", dst / "f")
    argv = ["nc", "-N"] if peer == "nc" else ["ncat", "--send-only"]
    with open(src / "f", "rb") as f:
        subprocess.run([*argv, "127.0.0.1", str(r.port)], stdin=f, timeout=TIMEOUT,
                       check=True, capture_output=True)
    status, err = r.finish()
    assert status == 0, err
    assert "received 2500000 bytes" in err
    assert f"sha256 {hashlib.sha256(content).hexdigest()}" in err
    assert files_under(dst) == ["f"] and (dst / "f").read_bytes() == content


def test_raw_recv_refuses_existing_output(dirs):
    _, dst = dirs
    (dst / "f").write_text("keep")
    p = run("file", "recv", "--raw", "127.0.0.1:0", "-o", dst / "f")
    one_line_error(p, 1, "exists", "--overwrite")


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_raw_recv_into_a_fifo_writes_into_it(dirs, overwrite):
    # -o naming a fifo or a device (/dev/null) is written into: a .part
    # renamed over it would replace the node itself (as root, /dev/null).
    need_tool("nc")
    src, dst = dirs
    fifo = dst / "pipe"
    os.mkfifo(fifo)
    content = os.urandom(300_000)
    (src / "f").write_bytes(content)
    r = Receiver("--raw", "-o", fifo, *overwrite)
    got = {}
    import threading

    def read_fifo():
        with open(fifo, "rb") as f:
            got["data"] = f.read()
    t = threading.Thread(target=read_fifo, daemon=True)
    t.start()
    with open(src / "f", "rb") as f:
        subprocess.run(["nc", "-N", "127.0.0.1", str(r.port)], stdin=f, timeout=TIMEOUT,
                       check=True, capture_output=True)
    status, err = r.finish()
    t.join(TIMEOUT)
    assert status == 0, err
    assert got["data"] == content
    assert fifo.is_fifo() and files_under(dst) == ["pipe"]


def test_raw_recv_to_dev_null_and_bad_outputs(dirs):
    need_tool("nc")
    r = Receiver("--raw", "-o", "/dev/null")
    subprocess.run(["nc", "-N", "127.0.0.1", str(r.port)], input=b"gone\n",
                   timeout=TIMEOUT, check=True, capture_output=True)
    status, err = r.finish()
    assert status == 0 and "received 5 bytes" in err, err
    assert pathlib.Path("/dev/null").is_char_device()
    _, dst = dirs
    one_line_error(run("file", "recv", "--raw", "127.0.0.1:0", "-o", dst, "--overwrite"),
                   1, "is a directory")
    one_line_error(run("file", "recv", "--raw", "127.0.0.1:0", "-o", ""), 2, "needs -o FILE")


def socket_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port):
    """Waits until something listens on port (ss, not a probe connection,
    which would use up a one-shot listener)."""
    def listening():
        out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True,
                             text=True, timeout=5).stdout
        return str(port) in out
    wait_for(listening, f"a listener on {port}")


# ---- usage -----------------------------------------------------------------

@pytest.mark.parametrize("args,needle", [
    (("file", "send"), "missing HOST:PORT"),
    (("file", "send", "127.0.0.1:9"), "missing FILE"),
    (("file", "send", "--raw", "127.0.0.1:9", "a", "b"), "exactly one FILE"),
    (("file", "send", "--raw", "--resume", "127.0.0.1:9", "a"), "--resume"),
    (("file", "send", "127.0.0.1:0", "a"), "port 0"),
    (("file", "send", "nohostport", "a"), ""),
    (("file", "recv"), "missing [ADDR]:PORT"),
    (("file", "recv", "--raw", ":0"), "needs -o FILE"),
    (("file", "recv", ":0", "-o", "x"), "-o goes with --raw"),
    (("file", "recv", ":0", "--max-size", "12Q"), "--max-size"),
    (("file", "recv", ":0", "--max-size", "17000000T"), "--max-size 17000000T: out of range"),
    (("file", "recv", ":0", "-w", "soon"), "bad duration"),
    (("file", "send", "--connect-timeout", "soon", "127.0.0.1:9", "a"), "bad duration"),
    (("file", "send", "--idle", "x", "127.0.0.1:9", "a"), "bad duration"),
])
def test_usage_errors(args, needle):
    one_line_error(run(*args), 2, needle)


def test_missing_file_and_missing_dir():
    one_line_error(run("file", "send", "127.0.0.1:9", "/nonexistent/x"), 1,
                   "/nonexistent/x", "no such file")
    one_line_error(run("file", "recv", "127.0.0.1:0", "-d", "/nonexistent"), 1,
                   "-d /nonexistent")


@pytest.fixture
def full_backlog():
    """A loopback listener that never accepts, its backlog filled: Linux
    drops further SYNs, so a connect to it neither succeeds nor fails."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    port = lst.getsockname()[1]
    fillers = []
    # Backlog 0 holds one connection; a few more make sure it is full
    # whatever the kernel rounds it to (the later ones stay in SYN-SENT).
    for _ in range(4):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        fillers.append(c)
    probe = socket.socket()
    probe.settimeout(0.5)
    with pytest.raises((socket.timeout, BlockingIOError)):
        probe.connect(("127.0.0.1", port))  # the backlog really is full
    probe.close()
    yield port
    for c in fillers:
        c.close()
    lst.close()


@pytest.mark.parametrize("flag", ["-w", "--connect-timeout"])
def test_connect_timeout_against_a_full_backlog(tmp_path, full_backlog, flag):
    (tmp_path / "f").write_text("x")
    t0 = time.monotonic()
    p = run("file", "send", flag, "300ms", f"127.0.0.1:{full_backlog}", tmp_path / "f",
            timeout=30)
    # Well before the 10 s default: the flag, not the default, ended it.
    assert time.monotonic() - t0 < 8
    one_line_error(p, 1, f"127.0.0.1:{full_backlog}")
    assert "timed out" in p.stderr or "timeout" in p.stderr, p.stderr


def test_idle_timeout_of_the_sender(dirs):
    """--idle, not -w, bounds the wait once connected: a peer that accepts
    and says nothing."""
    src, _ = dirs
    (src / "f").write_text("x")
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    port = lst.getsockname()[1]
    try:
        p = run("file", "send", "-w", "5s", "--idle", "300ms", f"127.0.0.1:{port}",
                src / "f", timeout=30)
    finally:
        lst.close()
    one_line_error(p, 1, "hello")
    assert "timed out" in p.stderr, p.stderr


def test_file_truncated_while_being_sent(dirs):
    """The sender hashes from a mapping of the file: one truncated by another
    program after its size was announced is a clean failure (one line, exit
    1), not a crash, whatever page the hash was on."""
    import struct
    src, _ = dirs
    f = src / "f"
    f.write_bytes(os.urandom(3 << 20))
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    lst.settimeout(TIMEOUT)
    p = subprocess.Popen([SOCKIT, "file", "send", f"127.0.0.1:{lst.getsockname()[1]}", str(f)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        c, _ = lst.accept()
        c.settimeout(TIMEOUT)
        peer = xp.Peer.__new__(xp.Peer)
        peer.s, peer.buf = c, b""
        assert peer.frame() == (xp.HELLO, b"SKXF\x02\x00" + bytes([xp.XXH128]))
        peer.send(xp.hello(2, 0, xp.XXH128))
        kind, payload = peer.frame()
        assert kind == xp.FILE and struct.unpack(">Q", payload[1:9])[0] == 3 << 20
        os.truncate(f, 100)  # after the size went out, before any data
        peer.send(xp.frame(xp.OFFER, bytes(8 + 16)))
        got = b""
        while True:  # whatever it sends until it gives up
            try:
                chunk = c.recv(1 << 20)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += chunk
        c.close()
        out, err = p.communicate(timeout=TIMEOUT)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate(timeout=TIMEOUT)
        lst.close()
    one_line_error(subprocess.CompletedProcess(p.args, p.returncode, out, err), 1,
                   "shrank while being sent")
    # No END frame: the receiver could never have stored the file.
    assert bytes([xp.END]) + struct.pack(">I", 32) not in got


def test_connection_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    one_line_error(run("file", "send", f"127.0.0.1:{socket_port()}", tmp_path / "f"), 1,
                   "connection refused")


# ---- the tour's step ---------------------------------------------------------

def test_tour_file_transfer_step_runs_and_cleans_up():
    steps = run("tour", "--list", check=0).stdout.splitlines()
    n = next(int(l.split()[0]) for l in steps if "File transfer" in l)
    p = run("tour", "--step", n, check=0)
    assert "$ sockit file recv 127.0.0.1:0" in p.stdout
    assert "[receiver] received 1 file, 11692 bytes" in p.stdout and "verified" in p.stdout
    assert "sent 1 file, 11692 bytes, verified" in p.stderr
    # Its own directory (named in the commands it showed) is gone; other
    # suites running at the same time may have their own.
    import re
    top = re.search(r"-d (/tmp/sockit-tour-\w+)/dst", p.stdout).group(1)
    assert not pathlib.Path(top).exists()


def test_idle_timeout_ends_a_stalled_session(dirs):
    _, dst = dirs
    r = Receiver("-d", dst, "-w", "300ms")
    p = xp.Peer(r.port)
    p.handshake()
    p.send(xp.file_hdr("f", 10))
    p.offer()
    p.send(xp.start(0) + xp.data(b"12345"))  # then nothing
    status, err = r.finish()
    p.close()
    assert status == 1 and "timed out" in err, err
    assert files_under(dst) == [".f.part"]


def test_progress_bars_on_a_terminal(dirs):
    import pty
    src, dst = dirs
    big_file(src / "a", 3)
    r = Receiver("-d", dst)
    master, slave = pty.openpty()
    s = subprocess.Popen([SOCKIT, "file", "send", r.addr, str(src / "a")],
                         stderr=slave, stdout=subprocess.DEVNULL)
    os.close(slave)
    out = b""
    while True:
        import select
        if not select.select([master], [], [], TIMEOUT)[0]:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert s.wait(timeout=TIMEOUT) == 0
    assert r.finish()[0] == 0
    text = out.decode(errors="replace")
    # The file's name and percentage, then the whole transfer's bar; erased
    # before the summary line.
    assert "\ra " in text and "100% [##########] 3.0 MiB / 3.0 MiB" in text, text
    assert "ETA 0:00" in text and "\r\033[Ksent 1 file" in text, text
    assert "sent 1 file, 3145728 bytes, verified" in text


# ---- TLS -------------------------------------------------------------------

@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    need_tool("openssl")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"), "-days", "2",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return d / "cert.pem", d / "key.pem"


def test_tls_verified_against_the_receivers_certificate(dirs, cert):
    src, dst = dirs
    (src / "f").write_bytes(os.urandom(3_000_000))
    r = Receiver("-d", dst, "--tls", "--cert", cert[0], "--key", cert[1])
    s = send(f"localhost:{r.port}", src / "f", args=("--tls", "--cafile", cert[0], "-v"))
    assert s.returncode == 0, s.stderr
    assert "TLS: TLSv1.3" in s.stderr
    status, err = r.finish()
    assert status == 0, err
    assert "TLS certificate SHA-256 " in err
    assert sha(dst / "f") == sha(src / "f")


def test_tls_refusal_reaches_the_sender_mid_file(dirs, cert):
    src, dst = dirs
    big_file(src / "big", 64)
    r = Receiver("-d", dst, "--tls", "--cert", cert[0], "--key", cert[1],
                 "--max-size", "1M")
    s = send(f"localhost:{r.port}", src / "big", args=("--tls", "--cafile", cert[0]))
    one_line_error(s, 1, "big: refused by the receiver: too-large")
    assert r.finish()[0] == 1


def test_tls_unverified_certificate_is_an_error(dirs, cert):
    src, dst = dirs
    (src / "f").write_text("x")
    r = Receiver("-d", dst, "--tls")   # ephemeral, self-signed
    s = send(f"localhost:{r.port}", src / "f", args=("--tls",))
    assert s.returncode == 1 and "sockit: file send: " in s.stderr
    assert "certificate" in s.stderr
    # The failed handshake is no session: the receiver still waits, and an
    # --insecure sender gets through.
    s = send(f"127.0.0.1:{r.port}", src / "f", args=("--tls", "--insecure"))
    assert s.returncode == 0, s.stderr
    assert "--insecure" in s.stderr
    assert r.finish()[0] == 0
    assert (dst / "f").read_text() == "x"


def test_tls_raw_to_ncat_ssl_and_back(dirs, cert):
    need_tool("ncat")
    src, dst = dirs
    content = os.urandom(1_500_000)
    (src / "f").write_bytes(content)
    port = socket_port()
    with open(dst / "from-sockit", "wb") as out:
        nc = subprocess.Popen(["ncat", "--ssl", "--ssl-cert", str(cert[0]), "--ssl-key",
                               str(cert[1]), "-l", "127.0.0.1", str(port), "--recv-only"],
                              stdout=out, stdin=subprocess.DEVNULL)
        try:
            wait_listening(port)
            s = send(f"localhost:{port}", src / "f",
                     args=("--raw", "--tls", "--cafile", cert[0]))
            assert s.returncode == 0, s.stderr
            nc.wait(timeout=TIMEOUT)
        finally:
            nc.kill()
    assert (dst / "from-sockit").read_bytes() == content

    r = Receiver("--raw", "--tls", "--cert", cert[0], "--key", cert[1], "-o",
                 dst / "from-ncat")
    with open(src / "f", "rb") as f:
        subprocess.run(["ncat", "--ssl", "--send-only", "127.0.0.1", str(r.port)],
                       stdin=f, timeout=TIMEOUT, check=True, capture_output=True)
    status, err = r.finish()
    assert status == 0, err
    assert (dst / "from-ncat").read_bytes() == content


@pytest.mark.parametrize("args,needle", [
    (("file", "send", "--insecure", "127.0.0.1:9", "f"), "need --tls"),
    (("file", "send", "--tls", "--insecure", "--cafile", "x", "127.0.0.1:9", "f"),
     "contradict"),
    (("file", "recv", ":0", "--cert", "c.pem"), "need --tls"),
    (("file", "recv", ":0", "--tls", "--cert", "c.pem"), "go together"),
])
def test_tls_usage_errors(args, needle):
    one_line_error(run(*args), 2, needle)


def test_send_to_a_host_name(dirs):
    """A name is resolved and its addresses tried in turn (here localhost
    is 127.0.0.1 only, where the receiver listens)."""
    src, dst = dirs
    (src / "f").write_text("x")
    r = Receiver("-d", dst, "-4", host="127.0.0.1")
    s = send(f"localhost:{r.port}", src / "f")
    assert s.returncode == 0, s.stderr
    assert r.finish()[0] == 0


# ---- the digest negotiation (protocol version 2) ----------------------------

@pytest.mark.parametrize("verify", [[], ["--verify", "sha256"], ["--verify", "xxh128"]])
def test_each_digest_carries_a_file_intact(dirs, verify):
    src, dst = dirs
    content = os.urandom(3 * 1024 * 1024 + 5)
    (src / "f").write_bytes(content)
    r = Receiver("-d", dst)
    s = send(r.addr, src / "f", args=verify)
    assert s.returncode == 0, s.stderr
    assert r.finish()[0] == 0
    assert (dst / "f").read_bytes() == content


def test_verify_names_a_digest(dirs):
    src, _ = dirs
    (src / "f").write_bytes(b"x")
    one_line_error(send("127.0.0.1:9", src / "f", args=["--verify", "md5"]), 2,
                   "--verify md5: not a digest")


def test_a_version_2_peer_naming_an_unknown_digest_is_refused(dirs):
    _, dst = dirs
    seen = {}

    def script(p):
        p.send(xp.hello(2, 0, 9))
        seen["v"] = p.verdict()

    status, err = hostile(dst, script)
    assert seen["v"][:2] == (1, "digest"), seen
    assert status == 1 and "digest 9" in err, err


@pytest.mark.parametrize("digest,wrong_len", [(xp.SHA256, 16), (xp.XXH128, 32)])
def test_a_digest_changed_mid_session_is_refused(dirs, digest, wrong_len):
    """The HELLO fixes the digest: an END of the other digest's length is
    refused, and nothing is stored."""
    _, dst = dirs
    seen = {}

    def script(p):
        p.handshake(version=2, digest=digest)
        p.send(xp.file_hdr("f", 4))
        off, prefix = p.offer()
        assert off == 0 and len(prefix) == (32 if digest == xp.SHA256 else 16)
        p.send(xp.start(0) + xp.data(b"abcd") + xp.end(b"\0" * wrong_len))
        seen["v"] = p.verdict()

    hostile(dst, script)
    assert seen["v"][:2] == (1, "protocol") and "another digest" in seen["v"][2], seen
    assert files_under(dst) == []


def test_a_version_2_sha256_session_from_a_peer_written_from_the_document(dirs):
    _, dst = dirs
    seen = {}

    def script(p):
        p.handshake(version=2, digest=xp.SHA256)
        p.send(xp.file_hdr("f", 5))
        assert p.offer()[0] == 0
        p.send(xp.start(0) + xp.data(b"hello") + xp.end(hashlib.sha256(b"hello").digest()))
        seen["v"] = p.verdict()
        p.send(xp.frame(xp.BYE))
        p.frame()

    status, _ = hostile(dst, script)
    assert seen["v"][:2] == (0, "ok") and status == 0, seen
    assert (dst / "f").read_bytes() == b"hello"


def read_any(p):
    """The next frame of any length (Peer.frame bounds it to control frames)."""
    head = p.read_exact(5)
    return head[0], p.read_exact(struct.unpack(">I", head[1:])[0])


def test_a_version_1_receiver_gets_sha256_after_refusing_the_new_hello(dirs):
    """A receiver from before the negotiation refuses the 7-byte HELLO
    (protocol); file send connects again and speaks version 1."""
    src, _ = dirs
    content = os.urandom(100_000)
    (src / "f").write_bytes(content)
    lsock = socket.create_server(("127.0.0.1", 0))
    port = lsock.getsockname()[1]
    s = subprocess.Popen([SOCKIT, "file", "send", "-v", f"127.0.0.1:{port}", src / "f"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        lsock.settimeout(TIMEOUT)
        first, _ = lsock.accept()
        head = first.recv(5)
        assert head[0] == xp.HELLO and head[1:] == b"\0\0\0\x07", head
        first.sendall(xp.frame(xp.VERDICT, b"\x01\x00\x07" + b"not a sockit file transfer"))
        first.close()
        second, _ = lsock.accept()
        p = xp.Peer.__new__(xp.Peer)
        p.s, p.buf = second, b""
        kind, hello = p.frame()
        assert kind == xp.HELLO and hello == b"SKXF\x01\x00", hello
        p.send(xp.hello())
        kind, hdr = p.frame()
        assert kind == xp.FILE
        p.send(xp.frame(xp.OFFER, struct.pack(">Q", 0) + b"\0" * 32))
        got = b""
        while True:
            kind, payload = read_any(p)
            if kind == xp.DATA:
                got += payload
            elif kind == xp.END:
                break
        assert got == content and payload == hashlib.sha256(content).digest()
        p.send(xp.frame(xp.VERDICT, b"\x00\x00\x00"))
        assert p.frame()[0] == xp.BYE
        p.send(xp.frame(xp.BYE))
        second.close()
        _, err = s.communicate(timeout=TIMEOUT)
    finally:
        lsock.close()
        if s.poll() is None:
            s.kill()
            s.communicate()
    assert s.returncode == 0, err
    assert b"speaks protocol version 1" in err, err
