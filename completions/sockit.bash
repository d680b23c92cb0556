# bash completion for sockit: commands, subcommands, each command's options,
# interface names after -i/--interface, files and directories where a command
# takes them.  Installed as /usr/share/bash-completion/completions/sockit.
# It needs nothing from the bash-completion package, so sourcing it from
# ~/.bashrc works too.  tests/e2e/test_completion.py checks that every option
# of every --help is offered here.

# The options of command $1 ("udp send"), those taking a value marked '='.
_sockit_options()
{
	case $1 in
	cidr) echo "--split= --limit= --contains= -q --quiet --json --color= --colour= -h --help" ;;
	resolve) echo "-4 -6 --json -h --help" ;;
	"udp send") echo "--whole --file= --hex-input --append= -s= --source= --repeat= \
		--interval= --broadcast --ttl= --multicast-if= --wait-reply= --hex -v --verbose \
		--max-size= --json --stats -4 -6 -h --help" ;;
	"udp listen") echo "-4 -6 --hex -v --verbose -T --timestamps -q --quiet --echo --reply= \
		--rules= --append= -c= --count= -w= --timeout= -o= --output= --join= -i= --iface= \
		--source-filter= --max-size= --rcvbuf= --json --stats -h --help" ;;
	"udp chat") echo "--local= -4 -6 --hex --hex-input -v --verbose --append= --echo \
		--reply= --rules= --quit-after= -w= --timeout= --max-size= --stats -h --help" ;;
	"udp relay") echo "-l --listen -4 -6 -s= --source= -p= -q= --idle-timeout= -C --crlf \
		--hex -v --verbose --stats -h --help" ;;
	scan) echo "-p= --ports= --top-ports= --syn --connect --udp --interface= --source-ip= \
		--router-mac= --source-port= -4 -6 --targets-file= --exclude= --exclude-file= \
		--allow-large --seed= --shard= --resume= --concurrency= --rate= --retries= \
		--timeout= --min-timeout= --threads= --banner --banner-timeout= --probe= --json \
		--grepable --all -q --quiet -h --help" ;;
	"file send") echo "--resume --verify= --raw --tls --cafile= --insecure --sni= --alpn= --cert= \
		--key= -4 -6 -w= --connect-timeout= --idle= -v --verbose -q --quiet -h --help" ;;
	"file recv") echo "-d= -k --overwrite --max-size= --raw -o= --tls --cert= --key= \
		--alpn= -4 -6 -w= -v --verbose -q --quiet -h --help" ;;
	"http get") echo "-o= --output= -i --include -I --head -H= --header= -L --location \
		--max-redirs= --raw -w= --timeout= -4 -6 --fail-never --cafile= -k --insecure \
		--resolve= -q --quiet -h --help" ;;
	"http serve") echo "-b= --bind= -4 -6 --idle-timeout= --header-timeout= --max-per-addr= -q --quiet -h --help" ;;
	arp) echo "--scan -6 -i= --interface= -c= --count= --interval= --rate= --retries= \
		--wait= -w= --deadline= --json -q --quiet -h --help" ;;
	sniff) echo "-i= --interface= -r= --read= -w= --write= -c= --count= --timeout= -s= \
		--snaplen= --promisc -e --layers --hex --json --print -t -n --user= -q --quiet \
		-h --help" ;;
	"tcp connect") echo "-4 -6 -w= --timeout= -s= --source= -p= --retry= --send= \
		--hex-input --append= --wait-reply= -q= --no-shutdown --send-only --recv-only --exec= --sh-exec= \
		-C --crlf --hex -v \
		--verbose --stats --tls --sni= --cafile= --alpn= --insecure --cert= --key= \
		-h --help" ;;
	"tcp listen") echo "--echo --reply= --rules= --append= --broker --chat --chat-style= --exec= \
		--sh-exec= -k --keep-open -4 -6 --max-conns= --allow= --deny= --allow-file= --deny-file= \
		--idle-timeout= --max-buffer= --raw --hex --no-shutdown --send-only --recv-only -C --crlf -v --verbose \
		--stats --tls --cert= --key= --alpn= --client-ca= -h --help" ;;
	ui) echo "--local= -4 -6 --view= --hex-input --append= --every= --count= \
		--send= --echo --reply= --rules= --history= -h --help" ;;
	tour) echo "--list --step= --pause -h --help" ;;
	help) echo "-h --help" ;;
	esac
}

# What the value of option $2 of command $1 is: file, dir, iface, or other.
_sockit_value_kind()
{
	case "$1 $2" in
	*" --rules" | *" --file" | *" --cafile" | *" --cert" | *" --key" | \
	*" --client-ca" | *" --allow-file" | *" --deny-file" | *" --targets-file" | *" --exclude-file" | \
	"scan --resume" | *" --output" | *" -o" | *" --read" | *" -r" | \
	"sniff --write" | "sniff -w") echo file ;;
	*" -d") echo dir ;;
	"http get -i") echo other ;;
	*" -i" | *" --iface" | *" --interface") echo iface ;;
	*) echo other ;;
	esac
}

# Positional arguments that are paths: file send's files, http serve's directory.
_sockit_positional_kind()
{
	case $1 in
	"file send") echo file ;;
	"http serve") echo dir ;;
	*) echo other ;;
	esac
}

_sockit_interfaces()
{
	local names
	names=$(ls /sys/class/net 2>/dev/null)
	[ "$1" = sniff ] && names="$names any"
	echo "$names"
}

_sockit_paths()
{
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	if [ "$1" = dir ]; then
		COMPREPLY=($(compgen -d -- "$2"))
	else
		COMPREPLY=($(compgen -f -- "$2"))
	fi
}

_sockit()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd="" i=1 w
	COMPREPLY=()

	# The command: one word, or a group and its subcommand ("udp send").
	local groups="udp file http tcp"
	local singles="cidr resolve scan arp sniff ui tour help"
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$groups $singles --help --version" -- "$cur"))
		return 0
	fi
	w=${COMP_WORDS[1]}
	case $w in
	udp) cmd="udp"; [ "$COMP_CWORD" -eq 2 ] && \
		COMPREPLY=($(compgen -W "send listen chat relay" -- "$cur")) && return 0 ;;
	file) cmd="file"; [ "$COMP_CWORD" -eq 2 ] && \
		COMPREPLY=($(compgen -W "send recv" -- "$cur")) && return 0 ;;
	http) cmd="http"; [ "$COMP_CWORD" -eq 2 ] && \
		COMPREPLY=($(compgen -W "get serve" -- "$cur")) && return 0 ;;
	tcp) cmd="tcp"; [ "$COMP_CWORD" -eq 2 ] && \
		COMPREPLY=($(compgen -W "connect listen" -- "$cur")) && return 0 ;;
	help)
		[ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "$groups $singles" -- "$cur"))
		[ "$COMP_CWORD" -eq 3 ] && case ${COMP_WORDS[2]} in
			udp) COMPREPLY=($(compgen -W "send listen chat relay" -- "$cur")) ;;
			file) COMPREPLY=($(compgen -W "send recv" -- "$cur")) ;;
			http) COMPREPLY=($(compgen -W "get serve" -- "$cur")) ;;
			tcp) COMPREPLY=($(compgen -W "connect listen" -- "$cur")) ;;
			esac
		return 0 ;;
	*) cmd=$w; i=2 ;;
	esac
	if [ $i -eq 1 ]; then
		cmd="$cmd ${COMP_WORDS[2]}"
		i=3
	fi

	local opts
	opts=$(_sockit_options "$cmd")
	[ -n "$opts" ] || return 0

	# After an option that takes a value, complete the value.
	local prev=${COMP_WORDS[COMP_CWORD - 1]} o
	if [ "$COMP_CWORD" -gt "$i" ]; then
		for o in $opts; do
			[ "$o" = "$prev=" ] || continue
			case $(_sockit_value_kind "$cmd" "$prev") in
			file) _sockit_paths file "$cur" ;;
			dir) _sockit_paths dir "$cur" ;;
			iface) COMPREPLY=($(compgen -W "$(_sockit_interfaces "$cmd")" -- "$cur")) ;;
			esac
			return 0
		done
	fi

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "${opts//=/}" -- "$cur"))
		return 0
	fi
	case $(_sockit_positional_kind "$cmd") in
	file) _sockit_paths file "$cur" ;;
	dir) _sockit_paths dir "$cur" ;;
	esac
	return 0
}

complete -F _sockit sockit
