#!/bin/sh
# cidr: one calculation per process, as people run it, against ipcalc and
# sipcalc (hyperfine, 200 runs each, no shell), then a batch of 100,000
# blocks through `sockit cidr -` against the same batch in Python's
# ipaddress module.  Nothing touches the network.
set -eu
: "${SOCKIT:?set SOCKIT to the sockit binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
block=192.168.36.235/24

# Wall time swings with whatever else runs on the machine; CPU time (user +
# system) is the steadier figure, so both are printed.
mean_ms() { # command...: "wall cpu", means in ms over 200 runs
	hyperfine -N -w 20 -r 200 --export-json "$tmp/h.json" "$*" >/dev/null 2>&1
	/usr/bin/python3 -c "import json;r=json.load(open('$tmp/h.json'))['results'][0];print('%.2f %.2f'%(r['mean']*1000,(r['user']+r['system'])*1000))"
}

ours=$(mean_ms "$SOCKIT cidr $block")
for peer in "ipcalc -nb $block" "sipcalc $block"; do
	name=${peer%% *}
	theirs=$(mean_ms "$peer")
	echo "$ours $theirs" | /usr/bin/python3 -c "
import sys
ow, oc, tw, tc = map(float, sys.stdin.read().split())
def ratio(o, t): return '%.1fx faster' % (t / o) if t >= o else '%.1fx slower' % (o / t)
print('cidr-one  sockit %.2fms (cpu %.2fms)  $name %.2fms (cpu %.2fms)  ratio %s (cpu %s)'
      % (ow, oc, tw, tc, ratio(ow, tw), ratio(oc, tc)))"
done

/usr/bin/python3 - "$tmp/blocks" <<'PY'
import random, ipaddress, sys
r = random.Random(1)
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        if i % 2:
            f.write(f"{ipaddress.IPv4Address(r.getrandbits(32))}/{r.randint(0, 32)}\n")
        else:
            f.write(f"{ipaddress.IPv6Address(r.getrandbits(128))}/{r.randint(0, 128)}\n")
PY
t0=$(date +%s%N)
"$SOCKIT" cidr - --json <"$tmp/blocks" >/dev/null
t1=$(date +%s%N)
/usr/bin/python3 - "$tmp/blocks" <<'PY' >/dev/null
import ipaddress, json, sys
for line in open(sys.argv[1]):
    n = ipaddress.ip_interface(line.strip()).network
    print(json.dumps({"network": str(n.network_address), "netmask": str(n.netmask),
                      "last": str(n.broadcast_address), "hosts": n.num_addresses}))
PY
t2=$(date +%s%N)
ours=$(( (t1 - t0) / 1000000 ))
theirs=$(( (t2 - t1) / 1000000 ))
ratio=$(/usr/bin/python3 -c "print('%.1f'%($theirs/max($ours,1)))")
echo "cidr-batch-100k  sockit ${ours}ms  python-ipaddress ${theirs}ms  ratio ${ratio}x faster"
