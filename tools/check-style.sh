#!/bin/sh
# House rules a compiler does not check: no banned string functions, no
# command-line option named in a library message, no function over 120 lines.
set -u
cd "$(dirname "$0")/.."
banned=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol)[[:space:]]*\(' \
	$(git ls-files 'lib/*.c' 'lib/*.h' 'src/*.c' 'src/*.h' 'include/*.h' 'fuzz/*.c') 2>/dev/null)
if [ -n "$banned" ]; then
	echo "check-style: banned functions (use bounded or checked forms):" >&2
	echo "$banned" >&2
	exit 1
fi
# The library never names the program's flags: its messages say what is
# wrong, and src/ adds which option (cli_name_option, or a hint where the
# call is made).
flags=$(git grep -nE '"[^"]*(--[a-z][a-z-]*|-i IF)[^"]*"' -- 'lib/*.c' 'lib/*.h' 2>/dev/null)
if [ -n "$flags" ]; then
	echo "check-style: a library message names a command-line option (say it in src/):" >&2
	echo "$flags" >&2
	exit 1
fi
# Small functions with one job: none over 120 lines (issue 13's bound).
long=$(awk -f tools/function-length.awk $(git ls-files 'lib/*.c' 'src/*.c' 'examples/*.c'))
if [ -n "$long" ]; then
	echo "check-style: functions over 120 lines (split them):" >&2
	echo "$long" >&2
	exit 1
fi
echo "check-style: ok"
