#!/bin/sh
# Runs every bench/*.sh (but this one) against the build in $1.  Each script runs one
# workload with sockit and with the peer tool in the same run and prints a
# line: "NAME  sockit VALUE  peer VALUE  ratio R".  Loads are bounded in count
# and time and stay on loopback or in namespaces the script creates.
set -u
build=$(cd "${1:-build}" && pwd)
export SOCKIT="$build/sockit"
status=0
for b in "$(dirname "$0")"/*.sh; do
	case $(basename "$b") in run.sh | lib.sh) continue ;; esac
	[ -x "$b" ] || continue
	"$b" || { status=1; echo "bench: $(basename "$b") failed" >&2; }
done
exit $status
