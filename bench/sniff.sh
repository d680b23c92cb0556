#!/bin/sh
# sniff: decode a pcap to /dev/null.  Summary lines: sockit sniff -r vs
# tcpdump -nn -r over N packets (default 1,000,000).  The JSON and layer
# views against sockit's own summary of the same N packets (a ratio under 1
# is the view's cost; the three run in turn, ROUNDS times, best of each, so
# that other load on the machine hits them alike), and against their peers,
# tshark -T json and tshark -V, over a tenth of them (tshark is slow enough
# that the full file would take minutes).  With CALLGRIND=1 (and valgrind
# installed) also the instructions per packet of each view over 20,000
# packets: exact, whatever else runs.  The pcap comes from
# bench/gen_pcap.py (bounded, no network).  Prints
# "NAME  sockit X  peer Y  ratio R" lines, in packets per second.
set -eu
SOCKIT=${SOCKIT:-build/sockit}
N=${N:-1000000}
ROUNDS=${ROUNDS:-5}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/sockit-bench-sniff-XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
/usr/bin/python3 "$here/gen_pcap.py" "$tmp/big.pcap" "$N"
small=$((N / 10))
/usr/bin/python3 "$here/gen_pcap.py" "$tmp/small.pcap" "$small"

# Seconds for one run of a command, its output to /dev/null.
secs() {
	start=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	end=$(date +%s.%N)
	echo "$end - $start" | bc -l
}

min() { # the smaller of $1 (may be empty) and $2
	if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi
}

best() { # best of 3
	b=
	for _ in 1 2 3; do b=$(min "$b" "$(secs "$@")"); done
	echo "$b"
}

line() { # name packets sockit_secs peer peer_secs
	awk -v n="$1" -v p="$2" -v s="$3" -v peer="$4" -v q="$5" 'BEGIN {
		printf "%s  sockit %.0f pkt/s  %s %.0f pkt/s  ratio %.2f\n", n, p / s, peer, p / q, q / s }'
}

s=$(best "$SOCKIT" sniff -r "$tmp/big.pcap")
t=$(best tcpdump -nn -r "$tmp/big.pcap")
line "sniff-summary($N)" "$N" "$s" tcpdump "$t"

sum='' json='' layers=''
for _ in $(seq "$ROUNDS"); do
	sum=$(min "$sum" "$(secs "$SOCKIT" sniff -r "$tmp/big.pcap")")
	json=$(min "$json" "$(secs "$SOCKIT" sniff -r "$tmp/big.pcap" --json)")
	layers=$(min "$layers" "$(secs "$SOCKIT" sniff -r "$tmp/big.pcap" --layers)")
done
line "sniff-json-vs-summary($N)" "$N" "$json" "sockit-summary" "$sum"
line "sniff-layers-vs-summary($N)" "$N" "$layers" "sockit-summary" "$sum"

s=$(best "$SOCKIT" sniff -r "$tmp/small.pcap" --json)
t=$(secs tshark -r "$tmp/small.pcap" -T json)
line "sniff-json($small)" "$small" "$s" tshark "$t"
s=$(best "$SOCKIT" sniff -r "$tmp/small.pcap" --layers)
t=$(secs tshark -r "$tmp/small.pcap" -V)
line "sniff-layers($small)" "$small" "$s" "tshark-V" "$t"

if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
	/usr/bin/python3 "$here/gen_pcap.py" "$tmp/cg.pcap" 20000
	for view in summary json layers; do
		case $view in summary) opt= ;; *) opt=--$view ;; esac
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$SOCKIT" sniff \
			-r "$tmp/cg.pcap" $opt >/dev/null 2>"$tmp/cg.log"
		awk -v v="$view" '/refs:/ { gsub(",", "", $NF);
			printf "sniff-instructions-%s(20000)  %.0f per packet\n", v, $NF / 20000 }' \
			"$tmp/cg.log"
	done
fi
