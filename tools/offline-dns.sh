#!/bin/sh
# Runs a command where no name lookup can leave loopback: a network
# namespace of its own (only lo) and a mount namespace of its own whose
# /etc/resolv.conf names 127.0.0.1, where dnsmasq answers every query with
# NXDOMAIN.  The tests of unknown names use it: without it, asking for
# "no-such-host.invalid" would go to the machine's real resolver.  The
# command sees SOCKIT_OFFLINE_DNS=1, so a unit test can tell it may look up
# such a name.
# Needs root (unshare).  Usage: tools/offline-dns.sh COMMAND [ARG...]
set -eu
# dnsmasq, ip and unshare live in sbin on some systems; a CI's PATH may
# leave it out.
PATH="$PATH:/usr/sbin:/sbin"
export PATH
if [ "${SOCKIT_OFFLINE_DNS_INNER:-}" != 1 ]; then
	SOCKIT_OFFLINE_DNS_INNER=1 exec unshare --net --mount --propagation private "$0" "$@"
fi
unset SOCKIT_OFFLINE_DNS_INNER
ip link set lo up
conf=$(mktemp)
trap 'rm -f "$conf"' EXIT
printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:2\n' >"$conf"
mount --bind "$conf" /etc/resolv.conf
dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
	--listen-address=127.0.0.1 --bind-interfaces --port=53 --address='/#/' \
	--pid-file= --user=root --log-facility=/dev/null &
dns=$!
i=0
until ss -Hlun 'sport = :53' | grep -q .; do
	i=$((i + 1))
	[ $i -lt 500 ] || { echo "offline-dns: dnsmasq did not start" >&2; exit 1; }
	sleep 0.01
done
rc=0
SOCKIT_OFFLINE_DNS=1 "$@" || rc=$?
kill "$dns" 2>/dev/null || true
wait "$dns" 2>/dev/null || true
exit $rc
