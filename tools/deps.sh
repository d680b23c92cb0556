#!/bin/sh
# Installs the Debian packages in tools/debian-packages that are missing.
# A no-op when everything is present; never prompts.
set -eu
list="$(dirname "$0")/debian-packages"
missing=""
for pkg in $(grep -v '^#' "$list"); do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "sockit: make deps: missing Debian packages:$missing" >&2
	echo "sockit: make deps: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "make deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists, so the update is not optional.
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "make deps: done"
