#!/bin/sh
# Runs each libFuzzer harness for $1 seconds from its seed corpus in
# fuzz/corpus/NAME; new inputs go to build/fuzz/corpus/NAME, never into the
# repository.  Crashes are saved under build/fuzz/crashes.  Two harnesses
# run at a time: the machines this runs on have two cores.
set -u
seconds=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/build/fuzz/crashes"

if [ "${FUZZ_ONE:-}" = 1 ]; then
	bin=$1
	name=$(basename "$bin")
	work="$top/build/fuzz/corpus/$name"
	mkdir -p "$work"
	seeds="$top/fuzz/corpus/${name#fuzz_}"
	[ -d "$seeds" ] || seeds=""
	echo "fuzz: $name for ${seconds}s"
	if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=0 -artifact_prefix="$top/build/fuzz/crashes/$name-" \
		"$work" $seeds >"$top/build/fuzz/$name.log" 2>&1; then
		echo "fuzz: $name FAILED" >&2
		tail -n 40 "$top/build/fuzz/$name.log" >&2
		exit 1
	fi
	exit 0
fi

printf '%s\n' "$@" | FUZZ_ONE=1 xargs -P 2 -I{} "$0" "$seconds" {}
