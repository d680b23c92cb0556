/* The port scanner: what to scan (targets, ports), in which order (a keyed
 * permutation of the target x port index, split into exact shards), where
 * to resume, and the scan engines that report one result per probe.
 *
 * Targets, ports, the permutation and checkpoints are pure (no sockets);
 * sk_targets_add resolves names unless told not to.  The engines own their
 * sockets and threads and call back with results. */
#ifndef SOCKIT_SCAN_H
#define SOCKIT_SCAN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockit/cidr.h"

/* ---- targets ---------------------------------------------------------- */

/* An ordered set of addresses, kept as merged ranges per family.  Opaque;
 * sk_targets_new, add and exclude, sk_targets_finish, then index it. */
struct sk_targets;

enum {
	SK_TARGETS_NORESOLVE = 1 << 0, /* names are an error (no DNS) */
	SK_TARGETS_V4 = 1 << 1,        /* -4: IPv4 only */
	SK_TARGETS_V6 = 1 << 2,        /* -6: IPv6 only */
};

/* The most addresses a scan takes without allow_large (2^24), and at all
 * (2^32: the whole IPv4 space). */
#define SK_TARGETS_DEFAULT_MAX (1ULL << 24)
#define SK_TARGETS_HARD_MAX (1ULL << 32)

/* Returns 0 or -ENOMEM. */
int sk_targets_new(struct sk_targets **out);
void sk_targets_free(struct sk_targets *t);

/* Adds (or, for exclude, removes) one target spec: an address, a CIDR
 * block (every address in it, network and broadcast included, as nmap and
 * masscan do), a range "198.18.0.1-20" (last octet) or "A-B" (two
 * addresses of one family), or a name (every address it resolves to,
 * filtered by SK_TARGETS_V4/V6).  Returns 0 or SK_EBADTARGET,
 * SK_ENONAME..., SK_ENOFAMILY, SK_ETOOMANY, -ENOMEM with err naming the
 * spec. */
int sk_targets_add(struct sk_targets *t, const char *spec, int flags,
		   char *err);
/* Excludes spec, or each spec of a comma-separated list (empty items are
 * skipped, as strtok would). */
int sk_targets_exclude(struct sk_targets *t, const char *spec, int flags,
		       char *err);

/* Reads specs from a file ("-" is stdin), separated by white space or
 * commas; '#' starts a comment.  exclude chooses add or exclude.
 * Returns 0 or an error with err naming the file and line. */
int sk_targets_add_file(struct sk_targets *t, const char *path, bool exclude,
			int flags, char *err);

/* Merges overlaps, applies exclusions and counts.  Refuses more than max
 * addresses with SK_ETOOMANY, and an empty set with SK_ENOTARGETS.
 * Returns 0 or an error; call once, before the queries below. */
int sk_targets_finish(struct sk_targets *t, uint64_t max, char *err);

uint64_t sk_targets_count(const struct sk_targets *t);

/* The index-th address in ascending order (IPv4 before IPv6);
 * index < sk_targets_count. */
void sk_targets_get(const struct sk_targets *t, uint64_t index,
		    struct sk_ip *out);

/* Feeds the ranges to fn (for fingerprints and listings). */
void sk_targets_each_range(const struct sk_targets *t,
			   void (*fn)(const struct sk_ip *first,
				      const struct sk_ip *last, void *ctx),
			   void *ctx);

/* ---- ports ------------------------------------------------------------ */

enum sk_scan_proto { SK_SCAN_TCP = 0, SK_SCAN_UDP = 1 };

/* A set of (protocol, port); zero-initialise, then parse or top, then
 * sk_ports_finish.  list[i] is proto << 16 | port, ascending. */
struct sk_ports {
	uint8_t bits[2][8192];
	uint32_t *list;
	uint32_t count;
};

/* Parses "22,80,1000-2000", "-" or "1-" or "-1024" (open ranges reach
 * 1 and 65535), service names ("http", via /etc/services), and "T:" /
 * "U:" prefixes that switch the protocol for what follows
 * ("T:80,443,U:53").  Unprefixed ports get default_proto.  Port 0 is
 * refused.  Returns 0 or SK_EBADPORTS / SK_ENOSERVICE with err. */
int sk_ports_parse(struct sk_ports *p, const char *spec,
		   enum sk_scan_proto default_proto, char *err);

/* Adds the n most frequent ports of proto: from nmap's frequency table at
 * services_path (NULL: /usr/share/nmap/nmap-services) when it can be read,
 * else from the built-in top 100.  Returns the number added (may be less
 * than n with the built-in list) or a negative error. */
int sk_ports_top(struct sk_ports *p, enum sk_scan_proto proto, unsigned n,
		 const char *services_path);

/* Builds list/count from the bits.  Returns 0, SK_ENOPORTS or -ENOMEM. */
int sk_ports_finish(struct sk_ports *p, char *err);

/* The port sets of a scan of TCP (tcp not NULL) and UDP (udp not NULL),
 * each zeroed by the caller: spec's ports, unprefixed ones going to every
 * protocol scanned (as nmap -sS -sU), or with spec NULL the top ports of
 * each (top, else 1000 TCP and 100 UDP).  Both sets come back finished.
 * Returns 0; SK_EBADPORTS with *unscanned the protocol spec names but the
 * scan does not cover; or sk_ports_parse's or sk_ports_finish's errors,
 * with err. */
int sk_ports_for_scan(const char *spec, unsigned top, struct sk_ports *tcp,
		      struct sk_ports *udp, int *unscanned, char *err);
void sk_ports_free(struct sk_ports *p);

/* ---- order: permutation and shards ------------------------------------ */

/* A keyed bijection of [0, n): a balanced Feistel network over the next
 * even power of two with cycle-walking (as masscan's BlackRock), so any n
 * up to 2^62 works and the order looks random. */
struct sk_perm {
	uint64_t n;
	unsigned half; /* bits per Feistel half */
	uint64_t mask;
	uint64_t keys[6];
};

void sk_perm_init(struct sk_perm *p, uint64_t n, uint64_t seed);
/* The image of i (< n). */
uint64_t sk_perm_at(const struct sk_perm *p, uint64_t i);
/* The i whose image is y (< n): sk_perm_inverse(p, sk_perm_at(p, i)) == i. */
uint64_t sk_perm_inverse(const struct sk_perm *p, uint64_t y);

/* The plan of one scan: the index space is targets x ports, walked through
 * the permutation; shard index/count (0-based) takes positions
 * index, index + count, ... so that the shards are disjoint and cover it. */
struct sk_plan {
	const struct sk_targets *targets;
	const struct sk_ports *ports;
	struct sk_perm perm;
	uint64_t total;       /* targets x ports */
	uint64_t shard_index; /* 0-based */
	uint64_t shard_count; /* >= 1 */
	uint64_t steps;       /* positions in this shard */
};

/* Returns 0 or SK_ETOOMANY when targets x ports overflows 2^62. */
int sk_plan_init(struct sk_plan *plan, const struct sk_targets *targets,
		 const struct sk_ports *ports, uint64_t seed,
		 uint64_t shard_index, uint64_t shard_count, char *err);

/* The step-th probe of the shard (step < steps): its index in the whole
 * space and its address, protocol and port. */
uint64_t sk_plan_index(const struct sk_plan *plan, uint64_t step);
/* The inverse of sk_plan_index: the step of this shard that probes index.
 * Returns 0, or -ENOENT when index belongs to another shard (or to none). */
int sk_plan_step(const struct sk_plan *plan, uint64_t index, uint64_t *step);
void sk_plan_probe(const struct sk_plan *plan, uint64_t index,
		   struct sk_ip *ip, enum sk_scan_proto *proto, uint16_t *port);

/* Parses "I/N" (1 <= I <= N <= 2^20) into a 0-based index and a count. */
int sk_shard_parse(const char *text, uint64_t *index, uint64_t *count,
		   char *err);

/* ---- checkpoints ------------------------------------------------------ */

/* Steps first..last (inclusive) of a plan. */
struct sk_step_range {
	uint64_t first, last;
};

/* What a resume needs: which scan (a fingerprint of targets, ports, kind
 * and shard), its seed, the step below which every probe's result is
 * reported, and the steps above it reported already (ascending, disjoint
 * ranges, each first >= next), which a resumed scan must not report
 * again. */
struct sk_checkpoint {
	uint64_t fingerprint;
	uint64_t seed;
	uint64_t shard_index, shard_count;
	unsigned phase; /* the engine: 0 TCP, 1 UDP */
	uint64_t next;  /* steps before this are done */
	struct sk_step_range
	    *done; /* owned by whoever filled it; may be NULL */
	size_t ndone;
};

/* A fingerprint of the scan's targets, ports and kind. */
uint64_t sk_plan_fingerprint(const struct sk_plan *plan, unsigned kind);

/* Writes the checkpoint atomically (a temporary file renamed over path),
 * so a kill at any moment leaves the old or the new one.
 * Returns 0 or -errno with err. */
int sk_checkpoint_write(const char *path, const struct sk_checkpoint *c,
			char *err);
/* Fills c from the file, with c->done allocated (free it with
 * sk_checkpoint_free).  Returns 0, -ENOENT (no file), or SK_EBADCHECKPOINT /
 * -ENOMEM / -errno with err (c then holds nothing to free). */
int sk_checkpoint_read(const char *path, struct sk_checkpoint *c, char *err);
/* Frees what sk_checkpoint_read allocated in c. */
void sk_checkpoint_free(struct sk_checkpoint *c);

/* ---- results ---------------------------------------------------------- */

enum sk_port_state {
	SK_STATE_OPEN,
	SK_STATE_CLOSED,
	SK_STATE_FILTERED,
	SK_STATE_OPEN_FILTERED,
	SK_STATE_COUNT
};

/* nmap's words: "open", "closed", "filtered", "open|filtered". */
const char *sk_port_state_name(enum sk_port_state s);

struct sk_scan_result {
	uint64_t index; /* in the plan's space */
	struct sk_ip ip;
	uint16_t port;
	enum sk_scan_proto proto;
	enum sk_port_state state;
	const char *reason; /* "syn-ack", "rst", "conn-refused", "timeout"... */
	int64_t rtt_us;     /* -1 unknown */
	int ttl;            /* -1 unknown */
	const uint8_t *banner; /* valid during the callback; NULL if none */
	size_t banner_len;
};

/* Counters an engine keeps; read them in on_progress or after the scan. */
struct sk_scan_stats {
	uint64_t sent;      /* probes (retries included) */
	uint64_t done;      /* probes with a final result */
	uint64_t resume;    /* steps before this are done (for checkpoints) */
	uint64_t retries;   /* probes sent again */
	uint64_t backoffs;  /* EMFILE / port exhaustion pauses */
	uint64_t received;  /* frames or replies seen (raw engines) */
	uint64_t icmp_limited; /* probes answered late as ICMP rate limiting */
	uint64_t first_pass_ns; /* raw scans: how long the first pass sent */
	uint64_t slowed;    /* UDP: silent ports asked again slowly (ICMP limits) */
};

typedef void (*sk_scan_result_fn)(const struct sk_scan_result *r, void *ctx);
typedef void (*sk_scan_progress_fn)(const struct sk_scan_stats *s, void *ctx);

/* Results gathered per host, for reports that need all of a host's ports
 * before printing it (nmap's tables): per host the count of each state and
 * protocol, the first reason seen for each state, and the ports worth
 * showing, each a copy.  Open ports are all kept; of the other states,
 * the first keep + 1 of each protocol (so that a report can tell "more
 * than keep" and summarise them). */
struct sk_scan_row {
	uint16_t port;
	uint8_t proto, state;
	const char *reason; /* the engine's static text */
	int64_t rtt_us;
	int ttl;
	uint8_t *banner; /* owned by the table; NULL if none */
	size_t banner_len;
};

struct sk_scan_host {
	struct sk_ip ip;
	uint64_t count[SK_STATE_COUNT][2]; /* [state][proto] */
	const char *reason[SK_STATE_COUNT];
	struct sk_scan_row *rows;
	size_t n;
	size_t cap; /* internal */
	bool used;  /* internal */
};

struct sk_scan_hosts;

/* Returns 0 with *out, or -ENOMEM. */
int sk_scan_hosts_new(uint64_t keep, struct sk_scan_hosts **out);
/* Counts r and keeps it when it is worth showing.  Not thread-safe: call
 * it from on_result (which the engine never calls twice at once).
 * Returns 0 or -ENOMEM (the result is counted but its row may be lost). */
int sk_scan_hosts_add(struct sk_scan_hosts *h, const struct sk_scan_result *r);
/* Hosts seen so far. */
uint64_t sk_scan_hosts_count(const struct sk_scan_hosts *h);
/* Sorts and hands out the hosts: by family and address, each host's rows
 * by protocol and port.  *v points into the table (valid until
 * sk_scan_hosts_free); no result may be added afterwards.  Returns the
 * number of hosts. */
size_t sk_scan_hosts_sorted(struct sk_scan_hosts *h, struct sk_scan_host **v);
void sk_scan_hosts_free(struct sk_scan_hosts *h);


/* ---- replies to raw probes (pure) -------------------------------------- */

enum sk_reply_kind { SK_REPLY_TCP = 1, SK_REPLY_UDP, SK_REPLY_ICMP };

/* What a frame says about a probe.  For TCP and UDP replies, from/to are
 * the reply's addresses and sport/dport its ports (sport is the scanned
 * port).  For ICMP errors, from is who sent the error, and the probe it
 * quotes is described by probe_src/probe_dst, probe_proto, sport (our port)
 * and dport (the scanned port), with seq when TCP quoted it. */
struct sk_reply {
	enum sk_reply_kind kind;
	struct sk_ip from, to;
	int ttl;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags; /* TCP */
	uint8_t icmp_type, icmp_code;
	bool icmp6;
	struct sk_ip probe_src, probe_dst;
	uint8_t probe_proto;
};

/* Decodes an Ethernet frame carrying IPv4 or IPv6 with TCP, UDP, or an ICMP
 * / ICMPv6 destination-unreachable (or ICMPv4 time-exceeded) that quotes a
 * TCP or UDP probe.  Returns 0, or a negative code for anything else
 * (SK_ETRUNCATED, SK_EMALFORMED, SK_EUNSUPPORTED). */
int sk_scan_decode_reply(const uint8_t *frame, size_t len, struct sk_reply *out);

/* The 32-bit cookie of a probe: SipHash of the 4-tuple under key, so that
 * a reply proves it answers a probe of ours with no state kept. */
uint32_t sk_scan_cookie(const uint8_t key[16], const struct sk_ip *src,
			const struct sk_ip *dst, uint16_t sport, uint16_t dport);

/* The index of ip among the targets, or -ENOENT. */
int sk_targets_find(const struct sk_targets *t, const struct sk_ip *ip,
		    uint64_t *index);


/* ---- routes for raw probes -------------------------------------------- */

/* How frames reach a target: the interface, our address on it, the next
 * hop (the gateway, or the target itself on a connected network) and both
 * MACs.  Loopback and NOARP interfaces take all-zero MACs. */
struct sk_route {
	int ifindex;
	char ifname[16];
	struct sk_ip src, nexthop;
	bool has_gateway, local, loopback;
	uint8_t src_mac[6], dst_mac[6];
};

/* Asks the kernel (rtnetlink) for the route to dst, through ifname when
 * not NULL; fills everything but dst_mac.  Returns 0 or SK_ENOROUTE /
 * SK_EUNSUPPORTED with err. */
int sk_route_lookup(const struct sk_ip *dst, const char *ifname,
		    struct sk_route *out, char *err);

/* Fills dst_mac from the neighbour table, asking the kernel to resolve the
 * next hop and waiting up to wait_ms when it is not there yet.  Returns 0,
 * SK_ENOMAC when none came, or another negative code, with err. */
int sk_route_neighbour(struct sk_route *r, unsigned wait_ms, char *err);

/* Every route the targets of a raw scan take, looked up before it starts:
 * one question to the kernel per stretch of addresses that no routing
 * prefix divides (so a /16 behind one gateway costs one), each gateway's
 * MAC resolved once, and every target on a connected network resolved as
 * its own next hop (at most 65,536 of them; SK_ETOOMANYHOPS beyond).
 * Read-only afterwards: safe to share between threads.  Opaque. */
struct sk_routes;

struct sk_routes_opts {
	const char *ifname;		 /* the interface to send on, or NULL */
	const struct sk_ip *src4, *src6; /* source per family, or NULL */
	const uint8_t *router_mac;	 /* every frame to this MAC, or NULL */
	unsigned wait_ms;		 /* longest wait for a next hop's MAC */
};

/* Returns 0 or SK_ENOROUTE, SK_ENOMAC, SK_ETOOMANYHOPS, SK_EUNSUPPORTED,
 * -errno with err.  router_mac avoids both SK_ENOMAC and SK_ETOOMANYHOPS. */
int sk_routes_build(struct sk_routes **out, const struct sk_targets *t,
		    const struct sk_routes_opts *o, char *err);
void sk_routes_free(struct sk_routes *r);

/* The distinct routes, 0 <= i < sk_routes_count. */
size_t sk_routes_count(const struct sk_routes *r);
const struct sk_route *sk_routes_at(const struct sk_routes *r, size_t i);

/* The route to ip (NULL when ip is no target) and, in *mac, the MAC of its
 * next hop, or NULL when the next hop never answered (the target is down:
 * "host-unreach"). */
const struct sk_route *sk_routes_find(const struct sk_routes *r, const struct sk_ip *ip,
				      const uint8_t **mac);

/* ---- the raw scans: SYN and UDP ---------------------------------------- */

struct sk_raw_opts {
	const struct sk_plan *plan; /* ports of one protocol: proto */
	enum sk_scan_proto proto;   /* TCP: a SYN scan; UDP: a UDP scan */
	uint64_t start;             /* first step (resume) */
	uint64_t rate;              /* frames per second; 0: no limit */
	unsigned retries;           /* passes again over unanswered probes */
	uint64_t wait_ms;           /* wait for late replies after each pass */
	const struct sk_routes *routes; /* from sk_routes_build on the targets */
	uint16_t sport;             /* our source port (keep it reserved) */
	const uint8_t *key;         /* 16 bytes: the cookie key */
	sk_scan_result_fn on_result; /* from the receive thread, serialised */
	sk_scan_progress_fn on_progress; /* from the sending thread */
	void *ctx;
	volatile sig_atomic_t *stop;
};

/* Runs a raw scan: frames through AF_PACKET out of each target's own route,
 * replies on a receive thread (validated by cookie and 4-tuple, each probe
 * reported once); after the last pass, silent probes are reported as
 * filtered (TCP) or open|filtered (UDP), and probes to on-link targets that
 * never answered ARP / neighbour discovery as filtered, "host-unreach".
 * UDP: the silent ports of targets that sent port unreachables, and of
 * every target with the same next hop (interface and MAC: they may share
 * one ICMP budget), are then asked again one at a time at a pace that adapts to ICMP rate limiting
 * (as nmap does; up to a second between probes), stats->slowed of them.  stats->icmp_limited counts ICMP
 * errors that came only for a retry: the sign of ICMP rate limiting.
 * Needs root (CAP_NET_RAW).  Returns 0, 1 when stopped, or a negative
 * error with err. */
int sk_scan_raw(const struct sk_raw_opts *o, struct sk_scan_stats *stats,
		char *err);

/* The payload a UDP probe to port carries: a DNS query (53), an NTP client
 * request (123), an SNMPv1 get of sysDescr with community "public" (161),
 * empty otherwise.  The bytes are static. */
void sk_udp_payload(uint16_t port, const uint8_t **payload, size_t *len);

/* ---- the connect scan ------------------------------------------------- */

struct sk_scan_connect_opts {
	const struct sk_plan *plan; /* TCP ports only */
	uint64_t start;             /* first step (resume) */
	unsigned concurrency;       /* 0: from RLIMIT_NOFILE */
	uint64_t rate;              /* most probes per second; 0: no limit */
	unsigned retries;           /* extra tries for unanswered probes */
	uint64_t max_timeout_ms;    /* cap on the adaptive timeout */
	uint64_t min_timeout_ms;
	unsigned threads;           /* 1 or 2 */
	bool banner;                /* read the first bytes of open ports */
	uint64_t banner_timeout_ms;
	const uint8_t *probe;       /* sent after connect when banner */
	size_t probe_len;
	sk_scan_result_fn on_result; /* called under the engine's lock */
	sk_scan_progress_fn on_progress; /* about every 200 ms, same thread */
	void *ctx;
	volatile sig_atomic_t *stop; /* set non-zero to end early */
};

/* Raises RLIMIT_NOFILE's soft limit to the hard one and returns the soft
 * limit now in force. */
uint64_t sk_raise_nofile(void);

/* Runs the scan: non-blocking connects on epoll, a congestion window and
 * timeouts adapted to measured RTTs, RST close (SO_LINGER 0), connections
 * to oneself (local == remote endpoint) tried again.  Returns 0 when every
 * step is done, 1 when stopped, or a negative error with err. */
int sk_scan_connect(const struct sk_scan_connect_opts *o,
		    struct sk_scan_stats *stats, char *err);

/* ---- the scan driver: every phase, resume, checkpoints ------------------ */

/* Where a running scan is, for progress bars. */
struct sk_scan_progress {
	enum sk_scan_proto phase; /* TCP first, then UDP */
	uint64_t steps;		  /* probes in this phase (this shard) */
	uint64_t done;		  /* probes of this phase with a result */
	uint64_t sent;	     /* probes sent in this phase, retries included */
	uint64_t elapsed_ns; /* since this phase began */
};

/* What a finished (or stopped) scan did, over every phase. */
struct sk_scan_summary {
	uint64_t seed;	  /* the key used: give it back to repeat the order */
	uint64_t done;	  /* probes with a result */
	uint64_t retries; /* probes sent again */
	uint64_t frames;  /* raw phases: frames sent, retries included */
	uint64_t replies; /* raw phases: reply frames seen */
	uint64_t first_pass_frames,
	    first_pass_ns;     /* raw: the first passes' pace */
	uint64_t icmp_limited; /* UDP: ports answered only when asked again */
	uint64_t slowed;       /* UDP: silent ports re-asked slowly */
	uint64_t elapsed_ns;
	bool resumed;		/* continued from the checkpoint file */
	bool checkpoint_failed; /* the error (if any) is about the checkpoint */
};

/* What one sk_scan_run does.  Start from sk_scan_opts_init (the defaults
 * noted below), then fill targets, ports and the callbacks. */
struct sk_scan_opts {
	const struct sk_targets *targets; /* finished; read, never freed */
	const struct sk_ports *tcp; /* finished TCP ports; NULL: no TCP phase */
	const struct sk_ports *udp; /* finished UDP ports; NULL: no UDP phase */
	bool syn;	/* TCP by raw SYN frames (root), not connect() */
	bool have_seed; /* else a random seed (or the checkpoint's) */
	uint64_t seed;	/* the permutation's key */
	uint64_t shard_index, shard_count; /* 0-based slice of the space; 0/1 */
	const char *resume;	/* checkpoint file, or NULL for none */
	uint64_t checkpoint_ms; /* between checkpoints: 2000 */
	unsigned
	    concurrency; /* connect: most in flight; 0: from RLIMIT_NOFILE */
	uint64_t rate;	 /* probes per second; 0: none (connect), 10000 (raw) */
	unsigned retries;    /* unanswered probes asked again: 2 */
	uint64_t timeout_ms; /* connect: cap on the adaptive timeout (0: 3000);
			      * raw: wait for late replies per pass (0: 1000) */
	uint64_t min_timeout_ms; /* connect: shortest timeout: 200 */
	unsigned threads; /* connect: 1 or 2: 2 on a multi-core machine */
	bool banner;	  /* connect: read what open ports say first */
	uint64_t banner_timeout_ms; /* 2000 */
	const uint8_t *probe;	    /* connect + banner: sent first; or NULL */
	size_t probe_len;
	struct sk_routes_opts
	    route; /* raw phases: interface, source, next hop */
	uint16_t
	    sport; /* raw phases: our port, held while they run; 0: random */

	/* One call per probe with its final state, serialised (never two
	 * at once); r is valid during the call.  Without resume, from the
	 * engine's threads as results come; with resume, from the thread
	 * that called sk_scan_run in bursts, each just before the
	 * checkpoint that counts them (so a kill at any moment loses none
	 * and a resume repeats none).  NULL: results are only counted. */
	sk_scan_result_fn on_result;
	/* About every 200 ms, from the thread that called sk_scan_run. */
	void (*on_progress)(const struct sk_scan_progress *p, void *ctx);
	/* Before each checkpoint is written, from the thread that called
	 * sk_scan_run: every result given to on_result so far must be where
	 * it is kept (an fflush) when it returns, since the checkpoint
	 * will say those probes are done.  NULL when there is nothing to
	 * flush. */
	void (*on_flush)(void *ctx);
	/* A checkpoint write failed after an earlier one succeeded (said
	 * once per run of failures; the scan goes on, its last good
	 * checkpoint still valid).  err: "FILE: why". */
	void (*on_checkpoint_error)(int rc, const char *err, void *ctx);
	void *ctx;
	volatile sig_atomic_t *stop; /* set non-zero to end early; or NULL */
};

/* Sets every option to its default (see struct sk_scan_opts). */
void sk_scan_opts_init(struct sk_scan_opts *o);

/* Runs the scan o describes: the TCP phase (connect or SYN), then the UDP
 * phase, each over its own plan of the same targets, seed and shard.  With
 * o->resume, a checkpoint there is read first (a different scan's is
 * refused with SK_EBADCHECKPOINT) and the scan continues where it says,
 * reporting none of the probes it names as reported;
 * then it is rewritten before the first probe (a file that cannot be
 * written ends the scan there), every checkpoint_ms, and at the end.  Raw
 * phases look up every route first and hold their source port with a
 * bound socket.  Fills *summary (also on failure, as far as it got).
 * Returns 0 when every probe is done, 1 when stopped (o->stop) or a
 * negative error with err ("what: why", naming no option); when the error
 * is about the checkpoint file, summary->checkpoint_failed is set. */
int sk_scan_run(const struct sk_scan_opts *o, struct sk_scan_summary *summary,
		char *err);

#endif
