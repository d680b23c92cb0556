/* What tcp connect and tcp listen share: TLS options, how received and
 * sent chunks are shown (-v tags, --hex), the face of the one-stream relay
 * engine (sockit/relay.h), and process setup. */
#ifndef SOCKIT_SRC_TCP_H
#define SOCKIT_SRC_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sockit/listen.h"
#include "sockit/server.h"
#include "sockit/tls.h"

struct tcp_tls_opts {
	bool on, insecure;
	const char *sni, *cafile, *alpn, *cert, *key;
	const char *client_ca; /* tcp listen --client-ca */
};

/* How chunks are shown: raw bytes (or a hexdump with --hex) on stdout,
 * and with -v a tag line per chunk on stderr. */
struct tcp_show {
	bool verbose, hex;
	uint64_t hex_off; /* bytes dumped so far, for the offsets */
};

/* Prints the tag "< HH:MM:SS.uuuuuu PEER N bytes" and the escaped bytes
 * on stderr (dir '<' received, '>' sent). */
void tcp_tag(char dir, const char *peer, const uint8_t *p, size_t n);

/* Received bytes to stdout: raw, or as a hexdump.  Returns 0 or -errno
 * (-EPIPE when stdout's reader went away). */
int tcp_output(struct tcp_show *s, const uint8_t *p, size_t n);
/* n bytes to stdout, around the status line when one is on (status.h).
 * Returns 0 or -errno. */
int tcp_stdout_write(const void *p, size_t n);
/* The hexdump's closing offset line, when anything was dumped. */
void tcp_output_end(struct tcp_show *s);

/* "rx 12 B tx 3 B in 1.20 s (10 B/s in, 2 B/s out)" on stderr */
void tcp_stats_line(const char *who, uint64_t rx, uint64_t tx, uint64_t ms);

/* tcp connect --exec: runs the program on the connected stream (taken;
 * peer and local go to its environment) until it ends.  Returns the exit
 * status: 0 when the program exited 0, else 1 (said on stderr). */
int tcp_connect_exec(uv_loop_t *loop, uv_stream_t *stream,
		     const struct sockaddr_storage *peer,
		     const struct sockaddr_storage *local, const char *cmd,
		     bool shell);

/* Raises RLIMIT_NOFILE to its hard limit (select-free servers can use
 * every descriptor) and ignores SIGPIPE. */
void tcp_process_setup(void);

/* The relay between stdio and one connection (tcp connect, and tcp listen
 * without -k): the options of the relay engine (sockit/relay.h) and how
 * its events are shown. */
struct relay_opts {
	struct tcp_show show;
	bool no_shutdown, crlf, stats;
	int64_t quit_ms;         /* -q: exit this long after stdin EOF; -1 never */
	const uint8_t *send;     /* --send bytes instead of stdin, or NULL */
	size_t send_len;
	uint64_t wait_reply_ms;  /* --wait-reply; 0 none */
	bool quiet_eof;          /* no "closed" line */
	bool client_cert;        /* --client-ca: log the client's certificate */
	uint64_t idle_ms;        /* --idle-timeout: end (status 1) after this
				  * long without a byte either way; 0 never */
	/* Messages: with either, stdin is read as lines, and each line (its
	 * line ending removed), hex-decoded with hex_input, plus the append
	 * suffix, is sent as one message. */
	bool hex_input;
	const struct sk_append *append; /* NULL: none */
	/* One way, as ncat's options of the same names: send_only ignores
	 * what the peer sends and ends once stdin's end is sent; recv_only
	 * never reads stdin and never shuts the sending side down. */
	bool send_only, recv_only;
	bool end_at_peer_eof;    /* one client of tcp listen: nc -l's end */
	/* A UDP peer (sockit/udp_peer.h): datagrams of at most this many
	 * bytes, and the first ones already received; 0 for TCP. */
	size_t datagram_max;
	const uint8_t *received;
	size_t received_len;
};

/* Runs the loop until the relay is over, printing its events; takes the
 * stream and tls.  Returns the exit status. */
int tcp_relay(uv_loop_t *loop, uv_stream_t *stream, struct sk_tls *tls,
	      const char *peer, const struct relay_opts *opts);

/* tcp listen with -k, or one client in a mode: the face of the server
 * engine (sockit/server.h): its log lines, stdout, the console, signals
 * and --stats (src/tcp_listen_server.c, src/tcp_listen_console.c). */
struct server_opts {
	enum sk_server_mode mode;
	bool keep;              /* -k: many clients; otherwise exit after one */
	bool raw, verbose, stats;
	struct tcp_show show;
	uint64_t max_conns;
	uint64_t idle_ms;       /* 0: none */
	uint64_t max_buffer;    /* per-client output cap */
	struct sk_rules *rules; /* reply mode: --reply / --rules, per read */
	const struct sk_append *append; /* suffix on every answer */
	enum sk_chat_style chat_style;	/* chat mode */
	const char *exec_cmd;		/* exec mode */
	bool exec_shell;
	struct sk_hostlist *allow, *deny; /* NULL: none given */
	struct sk_tls_ctx *tls;
	bool crlf;
};

/* --allow / --deny (and their files) as the engine's access list
 * (pointing into o). */
struct sk_acl tcp_acl(const struct server_opts *o);

/* Use: s = tcp_server_new(loop, &o); l = tcp_server_listen(s, &ep, &lo)
 * (exits on failure, and refuses --exec off loopback without --allow);
 * then tcp_server_run(s) runs the loop until a signal, /quit, or (!keep)
 * until the first client leaves, frees s and returns the exit status. */
struct tcp_server;
struct tcp_server *tcp_server_new(uv_loop_t *loop, const struct server_opts *o);
const struct sk_listener *tcp_server_listen(struct tcp_server *s,
					    const struct sk_endpoint *ep,
					    const struct sk_listen_opts *lo);
int tcp_server_run(struct tcp_server *s);

#endif
