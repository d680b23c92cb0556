#!/usr/bin/python3
"""Watchdog for tcp.sh's concurrency runs: every second, counts the
processes of session SID (the server and whatever it forked) and their
summed resident memory, remembers the peaks, and kills the whole session
when it passes a safety cap (the machine is shared: a fork-per-client
server at 10,000 clients must not take every pid or all memory from the
other users).  Stops when the file STOP exists or after --seconds.
Prints one line at the end:
  peak-procs P  peak-rss-mb M  killed REASON|no"""
import argparse
import os
import signal
import time

ap = argparse.ArgumentParser()
ap.add_argument("sid", type=int)
ap.add_argument("stop")
ap.add_argument("--max-procs", type=int, default=21000)
ap.add_argument("--min-avail-mb", type=int, default=3072)
ap.add_argument("--seconds", type=float, default=120)
a = ap.parse_args()

PAGE = os.sysconf("SC_PAGE_SIZE")


def session():
    """(pids, rss bytes) of every process in session sid."""
    pids, rss = [], 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == a.sid:  # field 6: session id
            pids.append(int(d))
            rss += int(fields[21]) * PAGE  # field 24: rss pages
    return pids, rss


def avail_mb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return 1 << 30


peak_procs = peak_rss = 0
killed = "no"
deadline = time.monotonic() + a.seconds
while time.monotonic() < deadline and not os.path.exists(a.stop):
    pids, rss = session()
    peak_procs = max(peak_procs, len(pids))
    peak_rss = max(peak_rss, rss)
    why = None
    if len(pids) > a.max_procs:
        why = f"process cap {a.max_procs}"
    elif avail_mb() < a.min_avail_mb:
        why = f"memory floor (MemAvailable < {a.min_avail_mb} MB)"
    if why:
        killed = why
        try:
            os.killpg(a.sid, signal.SIGKILL)
        except OSError:
            pass
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        break
    time.sleep(1)
print(f"peak-procs {peak_procs}  peak-rss-mb {peak_rss / 1048576:.0f}  killed {killed}",
      flush=True)
