#!/bin/sh
# http: downloads on loopback, each tool in the same run.
#   1. a 1 GiB file from nginx to /dev/null: sockit http get vs curl vs wget
#   2. 200 sequential GETs of a 1 KiB file from nginx (one process each,
#      as scripts do): sockit vs curl
#   3. the same 256 MiB file served by sockit http serve, nginx and
#      python3 -m http.server, fetched by curl
#   4. wrk against sockit http serve and nginx (one worker), side by side:
#      100 and 1,000 keep-alive connections on a 1 KiB and a 100 KiB file,
#      and 50 connections with "Connection: close"; requests/s of both,
#      the ratio, and the peak RSS (VmHWM) of each server, RUNS times per
#      row (default 3; the median is printed).  Each server is pinned to
#      CPU 0 and wrk (one thread) to CPU 1, both servers alike, so that
#      client and server do not take turns on one core.
#   5. part 4's rows again with each server held to SERVER_CPU percent of
#      one core (default 50) by a CPU cgroup of its own, the same quota for
#      both.  Unheld, on two cores, some rows measure the client or the
#      kernel rather than the server: one wrk thread on its one core is the
#      ceiling of the Connection: close row against either server.  Held
#      to half a core, each server is the bottleneck, so the ratio is the
#      servers' own.  Needs root and a cgroup cpu controller (v1 or v2);
#      skipped with the reason otherwise.
# PARTS (default 12345) picks the parts.  Everything binds 127.0.0.1;
# every run has a timeout (wrk runs DURATION seconds, default 5).
set -eu
: "${SOCKIT:?set SOCKIT to the sockit binary}"
PARTS=${PARTS:-12345}
RUNS=${RUNS:-3}
DURATION=${DURATION:-5}
want() { case $PARTS in *$1*) return 0 ;; esac; return 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rmdir "${s_group:-/nonexistent}" "${n_group:-/nonexistent}" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/www"
want 1 && truncate -s 1G "$tmp/www/1g"
want 3 && head -c 268435456 /dev/urandom >"$tmp/www/256m"
head -c 1024 /dev/urandom >"$tmp/www/1k"
head -c 102400 /dev/urandom >"$tmp/www/100k"
# http serve caches a file only once it is two seconds old (a change in
# the same clock tick could not be seen): let them settle, as files on a
# server have.
sleep 2

. "$(dirname "$0")/lib.sh"
wait_port() { wait_bound tcp "$1" || exit 1; }
# secs CMD...: wall seconds of one run, bounded to 60 s.
secs() {
	t0=$(date +%s%N)
	timeout 60 "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }
	t1=$(date +%s%N)
	/usr/bin/python3 -c "print('%.3f'%(($t1-$t0)/1e9))"
}
# best3 CMD...: the best of five runs, in seconds (the machine is shared:
# the best run is the one least disturbed).
best3() {
	a=$(secs "$@"); b=$(secs "$@"); c=$(secs "$@"); d=$(secs "$@"); e=$(secs "$@")
	/usr/bin/python3 -c "print(min($a,$b,$c,$d,$e))"
}
rate() { /usr/bin/python3 -c "print('%.2f'%($1/$2/1e9))"; }
ratio() { /usr/bin/python3 -c "print('%.2f'%($1/$2))"; }

# nginx_conf PORT: a tuned nginx with one worker, as fair a peer as one
# process can be.
nginx_conf() {
	cat <<CONF
user root;
worker_processes 1;
worker_rlimit_nofile 8192;
daemon off;
pid $tmp/nginx-$1.pid;
error_log $tmp/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    server { listen 127.0.0.1:$1; root $tmp/www; }
}
CONF
}
nport=$(free_port)
if want 1 || want 2 || want 3; then
nginx_conf "$nport" >"$tmp/nginx.conf"
nginx -c "$tmp/nginx.conf" -p "$tmp" &
pids="$pids $!"
wait_port "$nport"
fi

if want 1; then
	size=1073741824
	s=$(best3 "$SOCKIT" http get -q -o /dev/null "http://127.0.0.1:$nport/1g")
	c=$(best3 curl -s -o /dev/null "http://127.0.0.1:$nport/1g")
	w=$(best3 wget -q -O /dev/null "http://127.0.0.1:$nport/1g")
	echo "http-get-1GiB  sockit $(rate $size $s)GB/s  curl $(rate $size $c)GB/s  ratio $(ratio $c $s)"
	echo "http-get-1GiB  sockit $(rate $size $s)GB/s  wget $(rate $size $w)GB/s  ratio $(ratio $w $s)"
fi

if want 2; then
	loop() { # TOOL: 200 sequential fetches of /1k
		i=0
		while [ $i -lt 200 ]; do
			case $1 in
			sockit) "$SOCKIT" http get -o /dev/null "http://127.0.0.1:$nport/1k" ;;
			curl) curl -s -o /dev/null "http://127.0.0.1:$nport/1k" ;;
			esac
			i=$((i + 1))
		done
	}
	t0=$(date +%s%N); loop sockit; t1=$(date +%s%N); loop curl; t2=$(date +%s%N)
	ms_s=$(/usr/bin/python3 -c "print('%.2f'%(($t1-$t0)/200/1e6))")
	ms_c=$(/usr/bin/python3 -c "print('%.2f'%(($t2-$t1)/200/1e6))")
	echo "http-get-200x1KiB  sockit ${ms_s}ms/get  curl ${ms_c}ms/get  ratio $(ratio $ms_c $ms_s)"
fi

if want 3; then
	sport=$(free_port)
	"$SOCKIT" http serve "$tmp/www" --bind "127.0.0.1:$sport" -q 2>/dev/null &
	pids="$pids $!"
	pport=$(free_port)
	(cd "$tmp/www" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$pport") >/dev/null 2>&1 &
	pids="$pids $!"
	wait_port "$sport"
	wait_port "$pport"
	size=268435456
	s=$(best3 curl -s -o /dev/null "http://127.0.0.1:$sport/256m")
	n=$(best3 curl -s -o /dev/null "http://127.0.0.1:$nport/256m")
	p=$(best3 curl -s -o /dev/null "http://127.0.0.1:$pport/256m")
	echo "http-serve-256MiB  sockit $(rate $size $s)GB/s  nginx $(rate $size $n)GB/s  ratio $(ratio $n $s)"
	echo "http-serve-256MiB  sockit $(rate $size $s)GB/s  python-http.server $(rate $size $p)GB/s  ratio $(ratio $p $s)"
fi

# ---- 4. wrk: requests per second, sockit http serve vs nginx ----
# pinned CPU CMD...: CMD on that CPU when there are two or more.
pinned() {
	cpu=$1
	shift
	if [ "$(nproc)" -ge 2 ]; then exec taskset -c "$cpu" "$@"; else exec "$@"; fi
}
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
# CPU ticks (user + system) a process has used so far.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# cgroup_cpu NAME: a CPU cgroup directory allowing SERVER_CPU percent of
# one core, printed; nothing printed when cgroups cannot be made here.
cgroup_cpu() {
	pct=${SERVER_CPU:-50}
	if [ -w /sys/fs/cgroup/cpu ] && mkdir "/sys/fs/cgroup/cpu/$1" 2>/dev/null; then
		echo 100000 >"/sys/fs/cgroup/cpu/$1/cpu.cfs_period_us"
		echo $((pct * 1000)) >"/sys/fs/cgroup/cpu/$1/cpu.cfs_quota_us"
		echo "/sys/fs/cgroup/cpu/$1"
	elif grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null &&
		mkdir "/sys/fs/cgroup/$1" 2>/dev/null; then
		echo "$((pct * 1000)) 100000" >"/sys/fs/cgroup/$1/cpu.max"
		echo "/sys/fs/cgroup/$1"
	fi
}
# serve CGROUP CPU CMD...: CMD pinned to CPU, inside CGROUP if one is given.
# ($$ in a subshell is still the script's: the cgroup is joined by a new sh
# that then becomes CMD.)
serve() {
	if [ -z "$1" ]; then
		shift
		pinned "$@"
	fi
	group=$1
	shift
	exec sh -c 'echo $$ >"$1/cgroup.procs" || exit 1; shift; cpu=$1; shift
		if [ "$(nproc)" -ge 2 ]; then exec taskset -c "$cpu" "$@"; else exec "$@"; fi' \
		sh "$group" "$@"
}
# wrk_run PORT CONNS FILE [HEADER]: "REQUESTS/S REQUESTS" of one wrk run.
wrk_run() {
	out=$( (pinned 1 timeout $((DURATION + 30)) wrk -t1 -c "$2" -d "${DURATION}s" \
		${4:+-H "$4"} "http://127.0.0.1:$1/$3") 2>&1) ||
		{ echo "bench: wrk failed: $out" >&2; exit 1; }
	case $out in *Non-2xx* | *"Socket errors"*)
		echo "bench: wrk on port $1: $(echo "$out" | grep -E 'Non-2xx|Socket errors')" >&2 ;;
	esac
	echo "$out" | awk '/^Requests\/sec:/ { r = $2 } / requests in / { n = $1 } END { print r, n }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
hz=$(getconf CLK_TCK)
# measure PID PORT CONNS FILE [HEADER]: one run; adds its rate to $rates,
# its requests to $reqs and the server's CPU ticks to $cpu.
measure() {
	t0=$(ticks "$1")
	set -- "$1" $(wrk_run "$2" "$3" "$4" "${5:-}")
	rates="$rates $2"
	reqs=$((reqs + $3))
	cpu=$((cpu + $(ticks "$1") - t0))
}
# row NAME CONNS FILE [HEADER]: fresh servers, RUNS alternating runs each;
# the median rate of each, its server's CPU microseconds per request over
# all runs, and its peak RSS.  $s_group and $n_group, when set, are the
# servers' CPU cgroups.
row() {
	sp=$(free_port)
	(serve "${s_group:-}" 0 "$SOCKIT" http serve "$tmp/www" --bind "127.0.0.1:$sp" -q \
		--max-per-addr 0 2>/dev/null) &
	spid=$!
	np=$(free_port)
	nginx_conf "$np" >"$tmp/nginx-$np.conf"
	(serve "${n_group:-}" 0 nginx -c "$tmp/nginx-$np.conf" -p "$tmp") &
	npid=$!
	pids="$pids $spid $npid"
	wait_port "$sp"
	wait_port "$np"
	nw=$(pgrep -P "$npid" | head -n 1) # the worker
	s_rates="" s_reqs=0 s_cpu=0 n_rates="" n_reqs=0 n_cpu=0
	i=0
	while [ $i -lt "$RUNS" ]; do
		rates=$s_rates reqs=$s_reqs cpu=$s_cpu
		measure "$spid" "$sp" "$2" "$3" "${4:-}"
		s_rates=$rates s_reqs=$reqs s_cpu=$cpu
		rates=$n_rates reqs=$n_reqs cpu=$n_cpu
		measure "$nw" "$np" "$2" "$3" "${4:-}"
		n_rates=$rates n_reqs=$reqs n_cpu=$cpu
		i=$((i + 1))
	done
	s=$(median $s_rates)
	n=$(median $n_rates)
	sus=$(/usr/bin/python3 -c "print('%.1f'%($s_cpu*1e6/$hz/max($s_reqs,1)))")
	nus=$(/usr/bin/python3 -c "print('%.1f'%($n_cpu*1e6/$hz/max($n_reqs,1)))")
	sk=$(hwm_kb "$spid")
	nk=$(hwm_kb "$nw")
	kill "$spid" "$npid" 2>/dev/null || true
	wait "$spid" "$npid" 2>/dev/null || true
	echo "http-serve-wrk-$1${s_group:+-held}  sockit ${s}req/s  nginx ${n}req/s  ratio $(ratio "$s" "$n")  cpu/req sockit ${sus}us nginx ${nus}us  rss sockit ${sk}kB nginx ${nk}kB  (runs: sockit$s_rates; nginx$n_rates)"
}
if want 4; then
	row 1KiB-c100 100 1k
	row 1KiB-c1000 1000 1k
	row 100KiB-c100 100 100k
	row 100KiB-c1000 1000 100k
	row 1KiB-c50-close 50 1k "Connection: close"
fi
if want 5; then
	s_group=$(cgroup_cpu "sockit-bench-$$-s")
	n_group=$(cgroup_cpu "sockit-bench-$$-n")
	if [ -z "$s_group" ] || [ -z "$n_group" ]; then
		echo "http-serve-wrk-held  skipped: no CPU cgroup can be made here (needs root and the cpu controller)"
	else
		echo "# part 5: each server held to ${SERVER_CPU:-50}% of one core"
		row 1KiB-c100 100 1k
		row 1KiB-c1000 1000 1k
		row 100KiB-c100 100 100k
		row 100KiB-c1000 1000 100k
		row 1KiB-c50-close 50 1k "Connection: close"
	fi
fi
