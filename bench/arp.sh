#!/bin/sh
# arp: sweep a /24 where a namespace holds 250 addresses, across a veth pair
# the script makes and removes (198.18.250.0/24 only): sockit arp --scan with
# its defaults vs arp-scan with its defaults.  Needs root.  Prints
# "NAME  sockit X s (N found)  peer Y s (M found)  ratio R".
set -eu
SOCKIT=${SOCKIT:-build/sockit}
if [ "$(id -u)" != 0 ]; then
	echo "arp bench: needs root (network namespaces); skipped" >&2
	exit 0
fi
ns=skbarp$$
h=skbarp$$h
n=skbarp$$n
cleanup() {
	ip link del "$h" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
ip netns add "$ns"
ip link add "$h" type veth peer name "$n" netns "$ns"
ip addr add 198.18.250.1/24 dev "$h"
ip link set "$h" up
ip -n "$ns" link set "$n" up
i=2
while [ $i -le 251 ]; do
	echo "addr add 198.18.250.$i/24 dev $n"
	i=$((i + 1))
done | ip -n "$ns" -batch -

timed() { # prints "seconds found"
	start=$(date +%s.%N)
	found=$("$@" 2>/dev/null | grep -c '^198\.18\.250\.' || true)
	end=$(date +%s.%N)
	echo "$(echo "$end - $start" | bc -l) $found"
}

set -- $(timed "$SOCKIT" arp --scan 198.18.250.0/24 -i "$h" -q)
s=$1 sf=$2
set -- $(timed arp-scan -I "$h" -x -q 198.18.250.0/24)
p=$1 pf=$2
# arp-scan tuned for a quiet LAN: 1 ms between requests would be slower than
# its bandwidth default here, so a faster interval, one retry, a short timeout.
set -- $(timed arp-scan -I "$h" -x -q --interval=500u --retry=2 --timeout=50 198.18.250.0/24)
pt=$1 ptf=$2
# nmap's ARP ping (-PR, its default on a local link as root).
start=$(date +%s.%N)
nf=$(nmap -n -sn -PR -e "$h" 198.18.250.0/24 -oG - 2>/dev/null | grep -c 'Status: Up' || true)
end=$(date +%s.%N)
nm=$(echo "$end - $start" | bc -l)
awk -v s="$s" -v sf="$sf" -v p="$p" -v pf="$pf" -v pt="$pt" -v ptf="$ptf" -v nm="$nm" -v nf="$nf" 'BEGIN {
	printf "arp-scan(250 hosts)  sockit %.2f s (%d found)  arp-scan %.2f s (%d found)  ratio %.2f\n",
		s, sf, p, pf, p / s
	printf "arp-scan-tuned(250 hosts)  sockit %.2f s (%d found)  arp-scan --interval=500u --retry=2 --timeout=50 %.2f s (%d found)  ratio %.2f\n",
		s, sf, pt, ptf, pt / s
	printf "nmap-PR(250 hosts)  sockit %.2f s (%d found)  nmap -sn -PR %.2f s (%d found)  ratio %.2f\n",
		s, sf, nm, nf, nm / s }'

# 3% of ARP frames dropped each way inside the namespace (requests in,
# replies out): five runs of each tool's defaults, hosts found per run.
ip netns exec "$ns" nft -f - <<'NFT'
table arp sockit_bench_loss {
	chain in { type filter hook input priority 0; numgen random mod 100 < 3 drop; }
	chain out { type filter hook output priority 0; numgen random mod 100 < 3 drop; }
}
NFT
sl="" pl=""
for _ in 1 2 3 4 5; do
	set -- $(timed "$SOCKIT" arp --scan 198.18.250.0/24 -i "$h" -q)
	sl="$sl $2"
	set -- $(timed arp-scan -I "$h" -x -q 198.18.250.0/24)
	pl="$pl $2"
done
echo "arp-scan-3%-loss(250 hosts, 5 runs)  sockit found:$sl  arp-scan found:$pl"
