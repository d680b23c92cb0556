# Shared by the bench scripts (sourced, not run): loopback ports.

# A port free on 127.0.0.1 a moment ago: free_port [tcp|udp].
free_port() {
	/usr/bin/python3 -c 'import socket,sys
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1]=="udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "${1:-tcp}"
}

# Waits until something listens on TCP port $2 (wait_bound tcp PORT) or is
# bound to UDP port $2 (wait_bound udp PORT); 10 s at most, then fails.
wait_bound() {
	case $1 in udp) flags=-Huan ;; *) flags=-Htln ;; esac
	i=0
	while [ $i -lt 200 ]; do
		ss $flags "sport = :$2" | grep -q . && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "bench: nothing bound to $1 port $2" >&2
	return 1
}
