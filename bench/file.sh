#!/bin/sh
# file send/recv: one random file (SIZE_MB, default 2048: the issue's 2 GiB) over loopback
# with sockit's protocol (the default XXH3-128 and --verify sha256, each on
# both sides, fsync, atomic rename)
# against `nc -l > f` fed by `nc -N < f`, alone and followed by sha256sum of
# both copies (the same guarantee).  Files live on tmpfs (/dev/shm) so the
# disk is not what is measured; the best of RUNS (default 3) counts.  CPU
# seconds (user + system, both sides) are printed too: on a shared machine
# they say more than wall-clock rates.
set -eu
: "${SOCKIT:?set SOCKIT to the sockit binary}"
size_mb=${SIZE_MB:-2048}
runs=${RUNS:-3}
base=/dev/shm
[ -d "$base" ] || base=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$base/sockit-bench-xfer.XXXXXX")
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
mkdir "$tmp/dst"
head -c "$((size_mb * 1048576))" /dev/urandom >"$tmp/f"
bytes=$(stat -c %s "$tmp/f")
now() { date +%s%N; }
mbps() { /usr/bin/python3 -c "print('%.0f' % ($bytes / (($2 - $1) / 1e9) / 1e6))"; }
free_port() { /usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_listen() { # port
	i=0
	until ss -Hltn "sport = :$1" | grep -q .; do
		i=$((i + 1)); [ $i -lt 500 ] || { echo "bench: no listener on $1" >&2; exit 1; }
		sleep 0.01
	done
}

# One sockit copy with extra file send options ($@): sets rate and cpu.
sockit_copy() {
	rm -f "$tmp/dst/f"
	/usr/bin/time -f "%U %S" -o "$tmp/cpu.recv" \
		"$SOCKIT" file recv 127.0.0.1:0 -d "$tmp/dst" -q 2>"$tmp/recv.err" &
	rp=$!; pids="$rp"
	i=0
	until grep -q listening "$tmp/recv.err"; do
		i=$((i + 1)); [ $i -lt 500 ] || { echo "bench: receiver did not start" >&2; exit 1; }
		sleep 0.01
	done
	addr=$(sed -n 's/^listening on //p' "$tmp/recv.err")
	t0=$(now)
	/usr/bin/time -f "%U %S" -o "$tmp/cpu.send" "$SOCKIT" file send -q "$@" "$addr" "$tmp/f"
	wait "$rp"
	t1=$(now)
	cpu=$(cat "$tmp/cpu.recv" "$tmp/cpu.send" | awk '{s += $1 + $2} END {printf "%.2f", s}')
	rate=$(mbps "$t0" "$t1")
	cmp -s "$tmp/f" "$tmp/dst/f" || { echo "bench: sockit copy differs" >&2; exit 1; }
}

best_sockit=0 best_sha=0 best_nc=0 best_ncsha=0
for _ in $(seq "$runs"); do
	sockit_copy
	cpu_sockit=$cpu; [ "$rate" -gt "$best_sockit" ] && best_sockit=$rate
	sockit_copy --verify sha256
	cpu_sha=$cpu; [ "$rate" -gt "$best_sha" ] && best_sha=$rate

	rm -f "$tmp/dst/f"
	port=$(free_port)
	/usr/bin/time -f "%U %S" -o "$tmp/cpu.recv" nc -l 127.0.0.1 "$port" >"$tmp/dst/f" </dev/null &
	np=$!; pids="$np"
	wait_listen "$port"
	t0=$(now)
	/usr/bin/time -f "%U %S" -o "$tmp/cpu.send" nc -N 127.0.0.1 "$port" <"$tmp/f"
	wait "$np"
	t1=$(now)
	/usr/bin/time -f "%U %S" -o "$tmp/cpu.sum" sha256sum "$tmp/f" "$tmp/dst/f" >"$tmp/sums"
	t2=$(now)
	cpu_nc=$(cat "$tmp/cpu.recv" "$tmp/cpu.send" | awk '{s += $1 + $2} END {printf "%.2f", s}')
	cpu_sum=$(awk '{printf "%.2f", $1 + $2}' "$tmp/cpu.sum")
	[ "$(cut -d' ' -f1 "$tmp/sums" | uniq | wc -l)" -eq 1 ] || { echo "bench: nc copy differs" >&2; exit 1; }
	r=$(mbps "$t0" "$t1"); [ "$r" -gt "$best_nc" ] && best_nc=$r
	r=$(mbps "$t0" "$t2"); [ "$r" -gt "$best_ncsha" ] && best_ncsha=$r
done
ratio() { /usr/bin/python3 -c "print('%.2f' % ($1 / $2))"; }
echo "file-${size_mb}MiB-xxh128-vs-nc  sockit ${best_sockit}MB/s  nc ${best_nc}MB/s  ratio $(ratio "$best_sockit" "$best_nc")x"
echo "file-${size_mb}MiB-sha256-vs-nc  sockit --verify sha256 ${best_sha}MB/s  nc ${best_nc}MB/s  ratio $(ratio "$best_sha" "$best_nc")x"
echo "file-${size_mb}MiB-sha256-vs-nc+sha256sum  sockit --verify sha256 ${best_sha}MB/s  nc+sha256sum ${best_ncsha}MB/s  ratio $(ratio "$best_sha" "$best_ncsha")x"
echo "file-${size_mb}MiB-cpu-seconds  sockit ${cpu_sockit}s  sockit sha256 ${cpu_sha}s  nc ${cpu_nc}s (+ sha256sum ${cpu_sum}s)  (last run, both sides)"
