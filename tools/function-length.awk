# Prints "FILE:LINE: NAME is N lines" for every function longer than max
# (default 120).  In this tree a function's body opens with "{" in column 0
# and closes with "}" there; its name is on the last unindented line before.
BEGIN { if (!max) max = 120 }
/^\{/ { start = FNR; name = prev }
/^\}/ && start {
	len = FNR - start + 1
	if (len > max) {
		sub(/\(.*/, "", name)
		printf "%s:%d: %s is %d lines\n", FILENAME, start, name, len
	}
	start = 0
}
$0 !~ /^[ \t]/ && $0 != "" && $0 !~ /^[{}]/ { prev = $0 }
