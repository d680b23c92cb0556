#!/usr/bin/python3
"""Load client for tcp.sh: N connections to 127.0.0.1:PORT opened at
once, then ROUNDS request/replies on each ("hello\\n" -> a line), all from
one epoll loop.  Bounded by --seconds.  Prints one line:
  connected C  completed K  rounds R  seconds S  replies/s X  failed WHY=N,...
With --hold, connects and holds (no traffic) until stdin closes, printing
"connected C" first: used to measure memory per idle connection."""
import argparse
import errno
import resource
import selectors
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("-n", type=int, default=1000)
ap.add_argument("--rounds", type=int, default=10)
ap.add_argument("--seconds", type=float, default=60)
ap.add_argument("--hold", action="store_true")
a = ap.parse_args()

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
sel = selectors.DefaultSelector()
t0 = time.monotonic()
deadline = t0 + a.seconds
socks = []
for i in range(a.n):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", a.port))
    socks.append(s)
    sel.register(s, selectors.EVENT_WRITE, [i, 0, b""])  # id, rounds done, buffer

connected = 0
completed = 0
live = a.n
failed = {}  # why -> count, for the clients that did not finish


def fail(why):
    failed[why] = failed.get(why, 0) + 1


while live and time.monotonic() < deadline:
    for key, ev in sel.select(timeout=0.5):
        s, st = key.fileobj, key.data
        if ev & selectors.EVENT_WRITE:
            e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if e:
                fail("connect:" + errno.errorcode.get(e, str(e)))
                sel.unregister(s)
                live -= 1
                continue
            connected += 1
            if a.hold:
                sel.unregister(s)
                live -= 1
                continue
            try:
                s.send(b"hello\n")
            except OSError as e:
                fail("send:" + errno.errorcode.get(e.errno, str(e.errno)))
                sel.unregister(s)
                live -= 1
                continue
            sel.modify(s, selectors.EVENT_READ, st)
        else:
            try:
                chunk = s.recv(4096)
            except OSError as e:
                chunk = None
                fail("recv:" + errno.errorcode.get(e.errno, str(e.errno)))
            if not chunk:
                if chunk is not None:
                    fail("closed-by-server" if st[1] or st[2] else "closed-before-reply")
                sel.unregister(s)
                live -= 1
                continue
            st[2] += chunk
            if st[2].endswith(b"\n"):
                st[1] += 1
                st[2] = b""
                if st[1] == a.rounds:
                    completed += 1
                    sel.unregister(s)
                    live -= 1
                else:
                    try:
                        s.send(b"hello\n")
                    except OSError as e:
                        fail("send:" + errno.errorcode.get(e.errno, str(e.errno)))
                        sel.unregister(s)
                        live -= 1
if live and not a.hold:
    failed["unfinished-at-deadline"] = live
secs = time.monotonic() - t0
if a.hold:
    print(f"connected {connected}", flush=True)
    sys.stdin.read()
else:
    print(f"connected {connected}  completed {completed}  rounds {a.rounds}  "
          f"seconds {secs:.2f}  replies/s {completed * a.rounds / secs:.0f}  failed "
          + (",".join(f"{k}={v}" for k, v in sorted(failed.items())) or "none"))
for s in socks:
    s.close()
