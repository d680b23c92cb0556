#!/bin/sh
# Port scans side by side, in namespaces this script creates (root needed;
# without root it prints why and exits 0).
#  (a) every port of 127.0.0.1 with 5 listeners, in a namespace of its own
#      so that nothing else listens: sockit scan --connect -p- vs
#      nmap -sT -p- -n -Pn -T5 --min-rate 20000 vs nc -z; time and the number
#      of open ports each reports (5 is right); and the kernel's limit:
#      bench/epoll_connect.c, a bare epoll connect loop on 1 and 2 threads
#      (compiled here with cc; not part of sockit).
#  (b) a SYN scan of 198.19.0.0/16 port 80 across a veth pair, the far side
#      answering for the whole /16 (ip route add local) with a listener on
#      port 80: sockit --syn vs masscan at the same --rate (100k and 1M);
#      time and distinct (address, port) found (65,536 is right); masscan
#      runs twice, from the scanner's own address and with --adapter-ip, and
#      its better count is the peer's.
# Prints one line per run, then "scan-connect  sockit S  peer S  ratio R"
# (peer: nmap) and "scan-syn-RATE  sockit FOUND  peer FOUND  ratio R".
# Bounded: every command runs under timeout 120.  PART=connect runs (a)
# only, PART=syn (b) only.
set -u
SOCKIT=$(realpath "${SOCKIT:-build/sockit}")
if [ "$(id -u)" != 0 ]; then
	echo "scan bench: needs root (network namespaces, raw sockets); skipped"
	exit 0
fi
tag=skb$$
lo_ns=${tag}l
tgt_ns=${tag}t
sc_ns=${tag}s
dir=$(mktemp -d /tmp/sockit-bench-scan-XXXXXX)
cleanup() {
	[ -n "${lpid:-}" ] && kill "$lpid" 2>/dev/null
	[ -n "${tpid:-}" ] && kill "$tpid" 2>/dev/null
	ip netns del $lo_ns 2>/dev/null
	ip netns del $tgt_ns 2>/dev/null
	ip netns del $sc_ns 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- (a) connect scan of loopback -------------------------------------------
if [ "${PART:-}" != syn ]; then
ip netns add $lo_ns
ip -n $lo_ns link set lo up
ip netns exec $lo_ns /usr/bin/python3 -c '
import socket, time
ss = []
for i in range(5):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1024); ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss), flush=True)
time.sleep(600)' >"$dir/ports" &
lpid=$!
i=0
while [ ! -s "$dir/ports" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

timed() { # NAME OUTFILE CMD...: runs CMD in the loopback namespace, prints ms
	name=$1 out=$2
	shift 2
	t0=$(now_ms)
	ip netns exec $lo_ns timeout 120 "$@" >"$out" 2>/dev/null
	echo $(($(now_ms) - t0))
}

limit=
if cc -O2 -pthread -o "$dir/epoll_connect" "$(dirname "$0")/epoll_connect.c" 2>/dev/null; then
	best_1=999999 best_2=999999
	for run in 1 2 3; do
		for t in 1 2; do
			ms=$(timed loop "$dir/e.out" "$dir/epoll_connect" $t)
			echo "connect run $run: bare epoll loop, $t thread(s) ${ms} ms, $(cat "$dir/e.out") open"
			if [ $t = 1 ]; then [ "$ms" -lt "$best_1" ] && best_1=$ms; else [ "$ms" -lt "$best_2" ] && best_2=$ms; fi
		done
	done
	limit=$best_2
fi
best_s=999999 best_n=999999 best_c=999999
for run in 1 2 3; do
	ms=$(timed sockit "$dir/s.out" "$SOCKIT" scan 127.0.0.1 --connect -p- --json -q)
	found=$(grep -c '"state":"open"' "$dir/s.out")
	echo "connect run $run: sockit scan --connect -p-   ${ms} ms, $found open"
	[ "$ms" -lt "$best_s" ] && best_s=$ms
	ms=$(timed nmap "$dir/n.out" nmap -sT -p- -n -Pn -T5 --min-rate 20000 127.0.0.1 -oG -)
	found=$(grep -o '[0-9]*/open/' "$dir/n.out" | wc -l)
	echo "connect run $run: nmap -sT -p- -T5            ${ms} ms, $found open"
	[ "$ms" -lt "$best_n" ] && best_n=$ms
	t0=$(now_ms)
	found=$(ip netns exec $lo_ns timeout 120 nc -z -v 127.0.0.1 1-65535 2>&1 | grep -c succeeded)
	ms=$(($(now_ms) - t0))
	echo "connect run $run: nc -z 1-65535               ${ms} ms, $found open"
	[ "$ms" -lt "$best_c" ] && best_c=$ms
done
kill "$lpid" 2>/dev/null
lpid=
[ -n "$limit" ] && echo "scan-connect-limit  sockit $(awk "BEGIN{printf \"%.2fs\", $best_s/1000}")  bare loop $(awk "BEGIN{printf \"%.2fs\", $best_1/1000}") (1 thread) $(awk "BEGIN{printf \"%.2fs\", $limit/1000}") (2 threads)  ratio to the 2-thread limit $(awk "BEGIN{printf \"%.2f\", $best_s/$limit}")  (best of 3)"
echo "scan-connect  sockit $(awk "BEGIN{printf \"%.2fs\", $best_s/1000}")  peer $(awk "BEGIN{printf \"%.2fs\", $best_n/1000}")  ratio $(awk "BEGIN{printf \"%.2f\", $best_n/$best_s}")  (nmap -T5; nc -z $(awk "BEGIN{printf \"%.2fs\", $best_c/1000}"); best of 3)"

fi
[ "${PART:-}" = connect ] && exit 0

# ---- (b) SYN scan of a /16 across a veth pair --------------------------------
# Two namespaces joined by their own veth pair: the host's routes are
# never touched.
ip netns add $tgt_ns
ip netns add $sc_ns
ip link add v0 netns $sc_ns type veth peer name v1 netns $tgt_ns
ip -n $sc_ns addr add 198.18.0.1/24 dev v0
ip -n $tgt_ns addr add 198.18.0.2/24 dev v1
for ns in $sc_ns $tgt_ns; do
	ip -n $ns link set lo up
done
ip -n $sc_ns link set v0 up
ip -n $tgt_ns link set v1 up
ip -n $tgt_ns route add local 198.19.0.0/16 dev lo
ip -n $sc_ns route add 198.19.0.0/16 via 198.18.0.2
ip netns exec $tgt_ns /usr/bin/python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 80)); s.listen(65535); time.sleep(600)' &
tpid=$!
sleep 0.5
# Let the neighbour entry for the next hop exist before the timings.
ip netns exec $sc_ns ping -c 1 -W 1 198.18.0.2 >/dev/null 2>&1

for rate in 100000 1000000; do
	t0=$(now_ms)
	ip netns exec $sc_ns timeout 120 "$SOCKIT" scan 198.19.0.0/16 -p 80 --syn --rate $rate --retries 0 --json >"$dir/syn.out" 2>"$dir/syn.err"
	ms=$(($(now_ms) - t0))
	sfound=$(grep '"state":"open"' "$dir/syn.out" | sort -u | wc -l)
	pps=$(grep -o 'first pass at [0-9]*/s' "$dir/syn.err" | grep -o '[0-9]*/s')
	echo "syn --rate $rate: sockit   ${ms} ms, $sfound of 65536 found (one pass, no retries; sent at $pps)"
	t0=$(now_ms)
	ip netns exec $sc_ns timeout 120 "$SOCKIT" scan 198.19.0.0/16 -p 80 --syn --rate $rate --json -q >"$dir/syn2.out" 2>/dev/null
	ms2=$(($(now_ms) - t0))
	rfound=$(grep '"state":"open"' "$dir/syn2.out" | sort -u | wc -l)
	echo "syn --rate $rate: sockit   ${ms2} ms, $rfound of 65536 found (default: 2 retries)"
	t0=$(now_ms)
	ip netns exec $sc_ns timeout 120 masscan 198.19.0.0/16 -p 80 --rate $rate --wait 2 \
		--interface v0 --router-ip 198.18.0.2 -oL "$dir/m.out" >/dev/null 2>&1
	ms=$(($(now_ms) - t0))
	mfound=$(grep '^open' "$dir/m.out" | awk '{print $4, $3}' | sort -u | wc -l)
	echo "syn --rate $rate: masscan  ${ms} ms, $mfound of 65536 found (--wait 2)"
	# masscan from an address the kernel does not own (it answers ARP
	# for it itself): no kernel RST races its receive path; it loses
	# fewer replies that way (see bench/RESULTS.md).
	t0=$(now_ms)
	ip netns exec $sc_ns timeout 120 masscan 198.19.0.0/16 -p 80 --rate $rate --wait 2 \
		--interface v0 --router-ip 198.18.0.2 --adapter-ip 198.18.0.50 -oL "$dir/m2.out" >/dev/null 2>&1
	ms=$(($(now_ms) - t0))
	afound=$(grep '^open' "$dir/m2.out" | awk '{print $4, $3}' | sort -u | wc -l)
	echo "syn --rate $rate: masscan  ${ms} ms, $afound of 65536 found (--wait 2 --adapter-ip 198.18.0.50)"
	[ "$afound" -gt "$mfound" ] && mfound=$afound
	echo "scan-syn-$rate  sockit $rfound  peer $mfound  ratio $(awk "BEGIN{printf \"%.2f\", $rfound/($mfound ? $mfound : 1)}")  (hosts found of 65536; peer masscan)"
done
