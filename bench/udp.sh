#!/bin/sh
# One-way burst of 64-byte datagrams on loopback, the same sender (sockit udp
# send --repeat, one sendmsg per datagram) for every receiver: sockit udp
# listen -o FILE, socat -u UDP-RECV, nc -ul.  Counts what each receiver wrote
# and the rate it received at (datagrams / time until its output stopped
# growing).  Bounded: COUNT datagrams (default 200000) per receiver, each run
# capped at 20 s.  Prints "udp-recv  sockit X  peer Y  ratio R" (X and Y in
# datagrams received per second) after one line per receiver.
set -u
SOCKIT=${SOCKIT:-build/sockit}
COUNT=${COUNT:-200000}
SIZE=64
dir=$(mktemp -d /tmp/sockit-bench-udp-XXXXXX)
trap 'rm -rf "$dir"' EXIT INT TERM
payload=$(head -c $SIZE /dev/zero | tr '\0' x)

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

. "$(dirname "$0")/lib.sh"

# run NAME OUTFILE COMMAND...: starts the receiver, sends the burst, waits
# until the output stops growing, prints "NAME received rate".
run() {
	name=$1 out=$2 port=$3
	shift 3
	: >"$out"
	"$@" &
	pid=$!
	if ! wait_bound udp "$port"; then
		kill $pid 2>/dev/null
		echo "udp bench: $name did not bind" >&2
		return 1
	fi
	t0=$(now_ms)
	"$SOCKIT" udp send "127.0.0.1:$port" "$payload" --repeat "$COUNT" >/dev/null 2>&1
	last=$(stat -c %s "$out")
	tlast=$(now_ms)
	stable=0
	while [ $stable -lt 6 ] && [ $(( $(now_ms) - t0 )) -lt 20000 ]; do
		sleep 0.05
		size=$(stat -c %s "$out")
		if [ "$size" -eq "$last" ]; then
			stable=$((stable + 1))
		else
			stable=0
			last=$size
			tlast=$(now_ms)
		fi
	done
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	got=$((last / SIZE))
	ms=$((tlast - t0))
	[ $ms -gt 0 ] || ms=1
	rate=$((got * 1000 / ms))
	printf '%-8s received %7d of %d (%3d%%)  %8d dgrams/s\n' "$name" "$got" "$COUNT" \
		$((got * 100 / COUNT)) "$rate"
	echo "$rate" >"$dir/$name.rate"
}

p=$(free_port udp)
run sockit "$dir/sockit.out" "$p" sh -c "exec '$SOCKIT' udp listen 127.0.0.1:$p -o '$dir/sockit.out' 2>/dev/null"
p=$(free_port udp)
run socat "$dir/socat.out" "$p" socat -u "UDP-RECV:$p,bind=127.0.0.1" "OPEN:$dir/socat.out,creat,append"
p=$(free_port udp)
run nc "$dir/nc.out" "$p" sh -c "exec nc -ul 127.0.0.1 $p >'$dir/nc.out'"

s=$(cat "$dir/sockit.rate" 2>/dev/null || echo 0)
a=$(cat "$dir/socat.rate" 2>/dev/null || echo 0)
b=$(cat "$dir/nc.rate" 2>/dev/null || echo 0)
best=$a
[ "$b" -gt "$best" ] && best=$b
[ "$best" -gt 0 ] || best=1
echo "udp-recv  sockit $s  peer $best  ratio $(awk "BEGIN{printf \"%.1f\", $s/$best}")"
