#!/bin/sh
# http: downloads on loopback, each tool in the same run.
#   1. a 1 GiB file from nginx to /dev/null: sockit http get vs curl vs wget
#   2. 200 sequential GETs of a 1 KiB file from nginx (one process each,
#      as scripts do): sockit vs curl
#   3. the same 256 MiB file served by sockit http serve, nginx and
#      python3 -m http.server, fetched by curl
# Everything binds 127.0.0.1; every run has a timeout.
set -eu
: "${SOCKIT:?set SOCKIT to the sockit binary}"
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/www"
truncate -s 1G "$tmp/www/1g"
head -c 268435456 /dev/urandom >"$tmp/www/256m"
head -c 1024 /dev/urandom >"$tmp/www/1k"

. "$(dirname "$0")/lib.sh"
wait_port() { wait_bound tcp "$1" || exit 1; }
# secs CMD...: wall seconds of one run, bounded to 60 s.
secs() {
	t0=$(date +%s%N)
	timeout 60 "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }
	t1=$(date +%s%N)
	/usr/bin/python3 -c "print('%.3f'%(($t1-$t0)/1e9))"
}
# best3 CMD...: the best of five runs, in seconds (the machine is shared:
# the best run is the one least disturbed).
best3() {
	a=$(secs "$@"); b=$(secs "$@"); c=$(secs "$@"); d=$(secs "$@"); e=$(secs "$@")
	/usr/bin/python3 -c "print(min($a,$b,$c,$d,$e))"
}
rate() { /usr/bin/python3 -c "print('%.2f'%($1/$2/1e9))"; }
ratio() { /usr/bin/python3 -c "print('%.2f'%($1/$2))"; }

nport=$(free_port)
cat >"$tmp/nginx.conf" <<CONF
user root;
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    sendfile on;
    server { listen 127.0.0.1:$nport; root $tmp/www; }
}
CONF
nginx -c "$tmp/nginx.conf" -p "$tmp" &
pids="$pids $!"
wait_port "$nport"

size=1073741824
s=$(best3 "$SOCKIT" http get -q -o /dev/null "http://127.0.0.1:$nport/1g")
c=$(best3 curl -s -o /dev/null "http://127.0.0.1:$nport/1g")
w=$(best3 wget -q -O /dev/null "http://127.0.0.1:$nport/1g")
echo "http-get-1GiB  sockit $(rate $size $s)GB/s  curl $(rate $size $c)GB/s  ratio $(ratio $c $s)"
echo "http-get-1GiB  sockit $(rate $size $s)GB/s  wget $(rate $size $w)GB/s  ratio $(ratio $w $s)"

loop() { # TOOL: 200 sequential fetches of /1k
	i=0
	while [ $i -lt 200 ]; do
		case $1 in
		sockit) "$SOCKIT" http get -o /dev/null "http://127.0.0.1:$nport/1k" ;;
		curl) curl -s -o /dev/null "http://127.0.0.1:$nport/1k" ;;
		esac
		i=$((i + 1))
	done
}
t0=$(date +%s%N); loop sockit; t1=$(date +%s%N); loop curl; t2=$(date +%s%N)
ms_s=$(/usr/bin/python3 -c "print('%.2f'%(($t1-$t0)/200/1e6))")
ms_c=$(/usr/bin/python3 -c "print('%.2f'%(($t2-$t1)/200/1e6))")
echo "http-get-200x1KiB  sockit ${ms_s}ms/get  curl ${ms_c}ms/get  ratio $(ratio $ms_c $ms_s)"

sport=$(free_port)
"$SOCKIT" http serve "$tmp/www" --bind "127.0.0.1:$sport" -q 2>/dev/null &
pids="$pids $!"
pport=$(free_port)
(cd "$tmp/www" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$pport") >/dev/null 2>&1 &
pids="$pids $!"
wait_port "$sport"
wait_port "$pport"
size=268435456
s=$(best3 curl -s -o /dev/null "http://127.0.0.1:$sport/256m")
n=$(best3 curl -s -o /dev/null "http://127.0.0.1:$nport/256m")
p=$(best3 curl -s -o /dev/null "http://127.0.0.1:$pport/256m")
echo "http-serve-256MiB  sockit $(rate $size $s)GB/s  nginx $(rate $size $n)GB/s  ratio $(ratio $n $s)"
echo "http-serve-256MiB  sockit $(rate $size $s)GB/s  python-http.server $(rate $size $p)GB/s  ratio $(ratio $p $s)"
