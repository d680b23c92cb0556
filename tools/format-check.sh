#!/bin/sh
# Checks that the C lines changed since BASE (default: where this branch left
# main) are formatted as .clang-format says.  Only changed lines: most of the
# tree predates .clang-format, and reformatting it in one commit while code
# is moving between src/ and lib/ would turn every branch's rebase into a
# conflict.  New and edited code follows the format; the rest follows it as
# it is touched.  Usage: tools/format-check.sh [BASE]
set -u
cd "$(dirname "$0")/.."
base=$(git merge-base HEAD "${1:-main}") || exit 2
out=$(git diff -U0 --no-color "$base" -- '*.c' '*.h' | clang-format-diff -p1) || exit 2
if [ -n "$out" ]; then
	echo "$out"
	echo "format-check: the lines above differ from .clang-format (since $base)" >&2
	exit 1
fi
echo "format-check: ok"
