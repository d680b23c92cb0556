#!/bin/sh
# TCP on loopback, sockit beside nc, ncat, socat (and iperf3 as the limit).
#  (a) throughput: BYTES (default 4 GiB) of zeros from a sparse file through
#      "listen > /dev/null" <- "connect < file", each tool as both ends;
#  (b) concurrency: CLIENTS (default 10000) connect at once and each does 10
#      request/replies against sockit tcp listen -k --reply, and the same
#      load against ncat -lk (--sh-exec per client) and socat fork;
#  (c) resident memory per idle connection of sockit tcp listen -k.
# PARTS (default abc) picks the parts to run.  Every run is bounded in
# time (throughput 60 s, concurrency CAP=90 s per server, with a watchdog
# on the server's process count and memory), on 127.0.0.1 only.  Prints
# one line per measurement and "NAME  sockit X  peer Y  ratio R" lines.
set -u
SOCKIT=${SOCKIT:-build/sockit}
BYTES=${BYTES:-4294967296}
CLIENTS=${CLIENTS:-10000}
IDLE=${IDLE:-10000}
PARTS=${PARTS:-abc}
want() { case $PARTS in *$1*) return 0 ;; esac; return 1; }
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/sockit-bench-tcp-XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null

. "$(dirname "$0")/lib.sh"
now_ns() { date +%s%N; }
have() { command -v "$1" >/dev/null 2>&1; }

zeros="$dir/zeros"
truncate -s "$BYTES" "$zeros"

# tput NAME "LISTENER" "CLIENT": both are shell commands with $PORT; the
# best of RUNS (default 2) wall-clock rates, and the CPU seconds (user +
# system, both ends) of that run, which say more than wall time on a
# shared machine.  Prints "tcp-throughput NAME R GB/s C cpu-s/GiB" and
# sets $rate.
RUNS=${RUNS:-2}
tput() {
	name=$1 lcmd=$2 ccmd=$3
	rate=0 cpu=0
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		PORT=$(free_port)
		export PORT
		timeout 90 /usr/bin/time -f "%U %S" -o "$dir/cpu.l" sh -c "$lcmd" >/dev/null 2>&1 &
		lp=$!
		pids="$pids $lp"
		if ! wait_bound tcp "$PORT"; then
			echo "tcp bench: $name listener did not start" >&2
			continue
		fi
		t0=$(now_ns)
		timeout 60 /usr/bin/time -f "%U %S" -o "$dir/cpu.c" sh -c "$ccmd" <"$zeros" >/dev/null 2>&1
		wait "$lp" 2>/dev/null
		t1=$(now_ns)
		one=$(awk -v b="$BYTES" -v t=$((t1 - t0)) 'BEGIN { printf "%.2f", b / t }')
		c=$(cat "$dir/cpu.l" "$dir/cpu.c" | awk -v b="$BYTES" '{ s += $1 + $2 } END { printf "%.2f", s / (b / 1073741824) }')
		if awk -v a="$one" -v b="$rate" 'BEGIN { exit !(a > b) }'; then rate=$one cpu=$c; fi
	done
	echo "tcp-throughput $name $rate GB/s  $cpu cpu-s/GiB"
}

if want a; then
	tput sockit "$SOCKIT tcp listen 127.0.0.1:\$PORT" "$SOCKIT tcp connect 127.0.0.1:\$PORT"
	s_rate=$rate s_cpu=$cpu best_cpu=999
	best=0 bestname=none
	if have nc; then
		tput nc "nc -l 127.0.0.1 \$PORT" "nc -N 127.0.0.1 \$PORT"
		if awk -v a="$rate" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=$rate bestname=nc; fi
		if awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu=$cpu cpuname=nc; fi
	fi
	if have ncat; then
		tput ncat "ncat -l --recv-only 127.0.0.1 \$PORT" "ncat --send-only 127.0.0.1 \$PORT"
		if awk -v a="$rate" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=$rate bestname=ncat; fi
		if awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu=$cpu cpuname=ncat; fi
	fi
	if have socat; then
		tput socat "socat -u TCP-LISTEN:\$PORT,bind=127.0.0.1,reuseaddr -" "socat -u - TCP:127.0.0.1:\$PORT"
		if awk -v a="$rate" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=$rate bestname=socat; fi
		if awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu=$cpu cpuname=socat; fi
	fi
	echo "tcp-throughput  sockit $s_rate  peer $best ($bestname)  ratio $(awk -v a="$s_rate" -v b="$best" 'BEGIN { printf "%.2f", b ? a / b : 0 }')"
	echo "tcp-cpu-per-GiB  sockit $s_cpu  peer $best_cpu (${cpuname:-none})  ratio $(awk -v a="$s_cpu" -v b="$best_cpu" 'BEGIN { printf "%.2f", a ? b / a : 0 }') (peer CPU / sockit CPU)"
	if have iperf3; then
		PORT=$(free_port)
		iperf3 -s -1 -B 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
		pids="$pids $!"
		wait_bound tcp "$PORT"
		ip=$(timeout 60 iperf3 -c 127.0.0.1 -p "$PORT" -n "$BYTES" -J 2>/dev/null |
			/usr/bin/python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 8e9))')
		echo "tcp-throughput  sockit $s_rate  peer $ip (iperf3, the loopback limit)  ratio $(awk -v a="$s_rate" -v b="$ip" 'BEGIN { printf "%.2f", b ? a / b : 0 }')"
	fi
fi

# (b) concurrency.  Each server runs in its own session under a watchdog
# (tcp_watch.py) that records its peak process count and memory and kills
# the session past MAX_PROCS processes or below MIN_AVAIL_MB of available
# memory; the client gives up after CAP seconds; leftovers are killed.
CAP=${CAP:-90}
MAX_PROCS=${MAX_PROCS:-21000}
MIN_AVAIL_MB=${MIN_AVAIL_MB:-3072}
conc() {
	name=$1 lcmd=$2
	PORT=$(free_port)
	export PORT
	setsid sh -c "exec $lcmd" >/dev/null 2>"$dir/$name.err" &
	lp=$!
	pids="$pids $lp"
	wait_bound tcp "$PORT" || { echo "tcp bench: $name did not listen" >&2; return; }
	rm -f "$dir/stop"
	/usr/bin/python3 "$here/tcp_watch.py" "$lp" "$dir/stop" --max-procs "$MAX_PROCS" \
		--min-avail-mb "$MIN_AVAIL_MB" --seconds $((CAP + 30)) >"$dir/watch" &
	wp=$!
	out=$(timeout $((CAP + 10)) /usr/bin/python3 "$here/tcp_clients.py" "$PORT" -n "$CLIENTS" --seconds "$CAP")
	touch "$dir/stop"
	wait "$wp"
	alive=yes
	kill -0 "$lp" 2>/dev/null || alive="no"
	kill -KILL -- "-$lp" 2>/dev/null
	sleep 1
	errs=$(grep -v -e 'connected' -e 'listening on' "$dir/$name.err" | sort | uniq -c | sort -rn | head -3 | tr -s ' \n' ' ')
	echo "tcp-concurrency $name $out  server alive: $alive  $(cat "$dir/watch")  stderr: ${errs:-none}"
	last=$(echo "$out" | awk '{ print $4 }')
	lastrate=$(echo "$out" | awk '{ print $10 }')
}
if want b; then
	conc sockit "$SOCKIT tcp listen -k 127.0.0.1:\$PORT --reply 'I Know\\n' --max-conns 100000"
	s_done=$last s_rate=$lastrate
	if have ncat; then
		conc ncat "ncat -lk 127.0.0.1 \$PORT --max-conns 100000 --sh-exec 'while read l; do echo I Know; done'"
		echo "tcp-concurrency  sockit $s_done/$CLIENTS clients $s_rate replies/s  peer $last/$CLIENTS $lastrate replies/s (ncat)  ratio $(awk -v a="$s_rate" -v b="$lastrate" 'BEGIN { printf "%.1f", b ? a / b : 0 }')"
	fi
	if have socat; then
		conc socat "socat TCP-LISTEN:\$PORT,bind=127.0.0.1,reuseaddr,fork,backlog=65535 SYSTEM:'while read l; do echo I Know; done'"
		echo "tcp-concurrency  sockit $s_done/$CLIENTS clients $s_rate replies/s  peer $last/$CLIENTS $lastrate replies/s (socat fork)  ratio $(awk -v a="$s_rate" -v b="$lastrate" 'BEGIN { printf "%.1f", b ? a / b : 0 }')"
	fi
fi

# (c) memory per idle connection.
if want c; then
	PORT=$(free_port)
	"$SOCKIT" tcp listen -k "127.0.0.1:$PORT" --max-conns 100000 </dev/null >/dev/null 2>&1 &
	lp=$!
	pids="$pids $lp"
	wait_bound tcp "$PORT"
	rss0=$(awk '/VmRSS/ { print $2 }' "/proc/$lp/status")
	mkfifo "$dir/hold"
	/usr/bin/python3 "$here/tcp_clients.py" "$PORT" -n "$IDLE" --hold --seconds 60 <"$dir/hold" >"$dir/held" &
	hp=$!
	exec 9>"$dir/hold"
	i=0
	while [ $i -lt 600 ] && ! grep -qs connected "$dir/held"; do sleep 0.1; i=$((i + 1)); done
	sleep 0.5
	rss1=$(awk '/VmRSS/ { print $2 }' "/proc/$lp/status")
	exec 9>&-
	wait $hp 2>/dev/null
	kill "$lp" 2>/dev/null
	echo "tcp-idle-memory $(cat "$dir/held") clients: RSS ${rss0} kB -> ${rss1} kB, $(awk -v a="$rss0" -v b="$rss1" -v n="$IDLE" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }') bytes per connection"
fi
