#!/bin/sh
# House rules a compiler does not check: no banned string functions.
set -u
cd "$(dirname "$0")/.."
banned=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol)[[:space:]]*\(' \
	$(git ls-files 'lib/*.c' 'lib/*.h' 'src/*.c' 'src/*.h' 'include/*.h' 'fuzz/*.c') 2>/dev/null)
if [ -n "$banned" ]; then
	echo "check-style: banned functions (use bounded or checked forms):" >&2
	echo "$banned" >&2
	exit 1
fi
echo "check-style: ok"
