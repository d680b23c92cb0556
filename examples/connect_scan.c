/* A TCP connect scan on libsockit, one JSON object per port on stdout.
 *
 *   connect_scan [TARGET [PORTS]]   (default 127.0.0.1 1-1024)
 *
 * TARGET is an address, a CIDR block or a range ("127.0.0.1-9"); PORTS as
 * "22,80,8000-8100".  Each line: {"ip":"127.0.0.1","port":22,
 * "state":"open","reason":"syn-ack","rtt_us":41}.  Needs no privilege.
 * Build: cc connect_scan.c $(pkg-config --cflags --libs sockit) */
#include <sockit/sockit.h>
#include <stdio.h>

/* One call per port, never two at once (the engine serialises them). */
static void on_result(const struct sk_scan_result *r, void *ctx)
{
	(void)ctx;
	char ip[SK_IPSTRLEN];
	sk_ip_format(&r->ip, ip);
	printf("{\"ip\":\"%s\",\"port\":%u,\"state\":\"%s\",\"reason\":\"%s\","
	       "\"rtt_us\":%lld}\n",
	       ip, r->port, sk_port_state_name(r->state), r->reason,
	       (long long)r->rtt_us);
}

int main(int argc, char **argv)
{
	const char *target = argc > 1 ? argv[1] : "127.0.0.1";
	const char *portspec = argc > 2 ? argv[2] : "1-1024";
	char err[SK_ERRLEN] = "";
	struct sk_targets *targets;
	struct sk_ports ports = { 0 };
	int rc = sk_targets_new(&targets);
	if (!rc)
		rc = sk_targets_add(targets, target, SK_TARGETS_NORESOLVE, err);
	if (!rc)
		rc = sk_targets_finish(targets, SK_TARGETS_DEFAULT_MAX, err);
	if (!rc)
		rc = sk_ports_parse(&ports, portspec, SK_SCAN_TCP, err);
	if (!rc)
		rc = sk_ports_finish(&ports, err);
	if (rc) {
		fprintf(stderr, "connect_scan: %s\n", err);
		return 2;
	}

	struct sk_scan_opts o;
	sk_scan_opts_init(&o);
	o.targets = targets;
	o.tcp = &ports;
	o.on_result = on_result;
	struct sk_scan_summary sum;
	rc = sk_scan_run(&o, &sum, err);
	if (rc < 0)
		fprintf(stderr, "connect_scan: %s\n", err);
	else
		fprintf(stderr, "%llu ports in %.3f s\n",
			(unsigned long long)sum.done, sum.elapsed_ns / 1e9);
	sk_ports_free(&ports);
	sk_targets_free(targets);
	return rc < 0 ? 1 : 0;
}
