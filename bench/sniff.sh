#!/bin/sh
# sniff: decode a pcap to /dev/null.  Summary lines: sockit sniff -r vs
# tcpdump -nn -r over N packets (default 1,000,000); full dissection:
# sockit sniff -r --json vs tshark -r -T json over a tenth of them (tshark is
# slow enough that the full file would take minutes), and --layers vs
# tshark -V; the JSON and layer views are also set against sockit's own
# summary of the same file (a ratio under 1 is the view's cost).  The pcap comes from
# bench/gen_pcap.py (bounded, no network).  Prints
# "NAME  sockit X  peer Y  ratio R" lines, in packets per second.
set -eu
SOCKIT=${SOCKIT:-build/sockit}
N=${N:-1000000}
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

best() { # best of 3
	b=
	for _ in 1 2 3; do
		t=$(secs "$@")
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}

line() { # name packets sockit_secs peer peer_secs
	awk -v n="$1" -v p="$2" -v s="$3" -v peer="$4" -v q="$5" 'BEGIN {
		printf "%s  sockit %.0f pkt/s  %s %.0f pkt/s  ratio %.2f\n", n, p / s, peer, p / q, q / s }'
}

s=$(best "$SOCKIT" sniff -r "$tmp/big.pcap")
t=$(best tcpdump -nn -r "$tmp/big.pcap")
line "sniff-summary($N)" "$N" "$s" tcpdump "$t"
sum=$(best "$SOCKIT" sniff -r "$tmp/small.pcap")
s=$(best "$SOCKIT" sniff -r "$tmp/small.pcap" --json)
t=$(secs tshark -r "$tmp/small.pcap" -T json)
line "sniff-json($small)" "$small" "$s" tshark "$t"
line "sniff-json-vs-summary($small)" "$small" "$s" "sockit-summary" "$sum"
s=$(best "$SOCKIT" sniff -r "$tmp/small.pcap" --layers)
t=$(secs tshark -r "$tmp/small.pcap" -V)
line "sniff-layers($small)" "$small" "$s" "tshark-V" "$t"
line "sniff-layers-vs-summary($small)" "$small" "$s" "sockit-summary" "$sum"
