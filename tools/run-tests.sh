#!/bin/sh
# Runs the unit tests (Criterion) and the end-to-end tests (pytest) against
# the build in $1, then prints one line: "N passed, N failed".
# Usage: tools/run-tests.sh BUILD [unit|e2e]
set -u
build=${1:-build}
only=${2:-all}
top=$(cd "$(dirname "$0")/.." && pwd)
reports="$build/reports"
rm -rf "$reports"
mkdir -p "$reports"
status=0

# As root the unit tests run where a name lookup cannot leave loopback
# (tools/offline-dns.sh); elsewhere the tests that look names up skip.
wrap=""
if [ "$(id -u)" = 0 ] && PATH="$PATH:/usr/sbin:/sbin" command -v dnsmasq >/dev/null; then
	wrap="$top/tools/offline-dns.sh"
fi

if [ "$only" != e2e ]; then
	for t in "$build"/tests/test_*; do
		case $t in *.d) continue ;; esac
		[ -x "$t" ] || continue
		name=$(basename "$t")
		# Criterion's own runner; one XML report per module.
		if ! $wrap "$t" --xml="$reports/unit-$name.xml" -j2 >"$reports/unit-$name.log" 2>&1; then
			status=1
			echo "FAILED unit: $name" >&2
			tail -n 30 "$reports/unit-$name.log" >&2
		fi
	done
fi

if [ "$only" != unit ]; then
	# Debian's pytest and scapy: the first python3 on PATH may not see them.
	SOCKIT="$top/$build/sockit" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
		--junitxml="$reports/e2e.xml" "$top/tests/e2e" || status=1
fi

/usr/bin/python3 "$top/tools/test-summary.py" "$reports" || status=1
exit $status
