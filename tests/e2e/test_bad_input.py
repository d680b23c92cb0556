"""Bad input: a clear one-line error naming the problem and the documented
exit status, for every command that exists."""
import os
import subprocess

import pytest

from conftest import (SOCKIT, TIMEOUT, free_port, need_tool, one_line_error, run,
                      run_offline_dns)
from tcp_helpers import wait_listening

CASES = [
    # (args, status, needles)
    (["cidr"], 2, ["missing address"]),
    (["cidr", "1.2.3.4/33"], 2, ["/33", "0-32"]),
    (["cidr", "::/129"], 2, ["0-128"]),
    (["cidr", "1.2.3.4/"], 2, ["empty prefix"]),
    (["cidr", "1.2.3.4/x"], 2, ["'x'"]),
    (["cidr", "1.2.3.4/-3"], 2, ["-3"]),
    (["cidr", "300.1.1.1/8"], 2, ["300.1.1.1", "invalid address"]),
    (["cidr", "1.2.3/24"], 2, ["1.2.3", "invalid address"]),
    (["cidr", "junk"], 2, ["junk"]),
    (["cidr", "fe80:::1/64"], 2, ["fe80:::1"]),
    (["cidr", "10.0.0.1", "255.0.255.0"], 2, ["contiguous"]),
    (["cidr", "10.0.0.1", "ffff::"], 2, ["family"]),
    (["cidr", "10.0.0.1/8", "255.0.0.0"], 2, ["twice"]),
    (["cidr", "10.0.0.0/8", "--split", "/4"], 2, ["shorter"]),
    (["cidr", "10.0.0.0/8", "--split", "/33"], 2, ["longer"]),
    (["cidr", "10.0.0.0/8", "--split", "x"], 2, ["--split", "not a number"]),
    (["cidr", "10.0.0.0/8", "--split", "/200"], 2, ["out of range"]),
    (["cidr", "10.0.0.0/8", "--split"], 2, ["--split", "needs a value"]),
    (["cidr", "10.0.0.0/8", "--limit", "0"], 2, ["--limit", "out of range"]),
    (["cidr", "10.0.0.0/8", "--contains", "nope"], 2, ["--contains", "not an IP"]),
    (["cidr", "10.0.0.0/8", "--contains", "::1"], 2, ["same family"]),
    (["cidr", "10.0.0.0/8", "--color=purple"], 2, ["--color", "purple"]),
    (["cidr", "10.0.0.0/8", "extra", "args"], 2, ["unexpected argument"]),
    (["cidr", "--bogus"], 2, ["unknown option '--bogus'"]),
    (["cidr", "-z", "1.2.3.4"], 2, ["unknown option '-z'"]),
    (["resolve"], 2, ["missing HOST"]),
    (["resolve", ""], 2, ["empty host"]),
    (["resolve", "--frob", "x"], 2, ["unknown option"]),
    (["tour", "--step", "0"], 2, ["--step", "out of range"]),
    (["tour", "--step", "999"], 2, ["--step", "out of range"]),
    (["tour", "--step", "two"], 2, ["--step", "not a number"]),
    (["tour", "extra"], 2, ["unexpected argument"]),
    (["help", "nosuch"], 2, ["unknown command 'nosuch'"]),
    (["cidrx"], 2, ["did you mean 'cidr'"]),
    (["-x"], 2, ["unknown option '-x'"]),
]


@pytest.mark.parametrize("args,status,needles", CASES, ids=[" ".join(c[0]) or "none" for c in CASES])
def test_bad_input(args, status, needles):
    one_line_error(run(*args), status, *needles)


def test_a_name_that_cannot_exist_is_a_runtime_failure():
    one_line_error(run_offline_dns("resolve", "bad..name.invalid"), 1, "bad..name.invalid")


def test_stdin_batch_reports_bad_lines_with_numbers():
    p = run("cidr", "-", input="10.0.0.0/8\nbad/99\n::1\n")
    assert p.returncode == 1
    assert p.stdout.count("address:") == 2
    assert p.stderr.strip() == "sockit: cidr: stdin line 2: 'bad': invalid address"


def run_fds(args, close=(), stdout=None, stdin=subprocess.DEVNULL):
    """Runs sockit with some of its standard descriptors closed."""
    def pre():
        for fd in close:
            os.close(fd)
    return subprocess.run([SOCKIT, *args], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, preexec_fn=pre, timeout=TIMEOUT,
                          text=True)


@pytest.mark.parametrize("args", [["cidr", "10.0.0.0/8", "--split", "/20"],
                                  ["cidr", "--help"], ["--help"], ["tour", "--list"]])
def test_output_that_cannot_be_written_is_an_error(args):
    with open("/dev/full", "w") as full:
        p = run_fds(args, stdout=full)
    one_line_error(p, 1, "stdout: no space left on device")
    p = run_fds(args, close=(1,))
    one_line_error(p, 1, "stdout: bad file descriptor")


def test_closed_stdout_is_not_taken_by_a_socket():
    # Without stdout, the socket would take descriptor 1 and the reply would
    # be sent back to the server; libuv also aborts on such descriptors.
    need_tool("ncat")
    port = free_port()
    with subprocess.Popen(["ncat", "-l", "127.0.0.1", str(port), "--send-only"],
                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL) as peer:
        wait_listening(port, proc=peer)
        peer.stdin.write(b"reply\n")
        peer.stdin.close()
        p = run_fds(["tcp", "connect", f"127.0.0.1:{port}"], close=(1,))
        peer.wait(timeout=TIMEOUT)
    one_line_error(p, 1, "bad file descriptor")


def test_closed_stdin_reads_as_empty():
    need_tool("ncat")
    port = free_port()
    with subprocess.Popen(["ncat", "-l", "127.0.0.1", str(port)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE) as peer:
        wait_listening(port, proc=peer)
        peer.stdin.write(b"from the server\n")
        peer.stdin.close()
        p = run_fds(["tcp", "connect", f"127.0.0.1:{port}"], close=(0,),
                    stdout=subprocess.PIPE, stdin=None)
        assert peer.stdout.read() == b""
        peer.wait(timeout=TIMEOUT)
    assert (p.returncode, p.stdout, p.stderr) == (0, "from the server\n", "")


def test_a_directory_as_stdin_is_an_error_not_a_crash():
    # libuv takes a directory for a pipe and aborts when epoll refuses it;
    # ncat says "Is a directory" and exits 1.
    root = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    try:
        p = run_fds(["udp", "send", "127.0.0.1:9"], stdin=root)
        one_line_error(p, 1, "stdin: is a directory")
        need_tool("ncat")
        port = free_port()
        with subprocess.Popen(["ncat", "-l", "127.0.0.1", str(port)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL) as peer:
            wait_listening(port, proc=peer)
            p2 = run_fds(["tcp", "connect", f"127.0.0.1:{port}"], stdin=root)
            peer.wait(timeout=TIMEOUT)
    finally:
        os.close(root)
    one_line_error(p2, 1, "stdin: is a directory")
