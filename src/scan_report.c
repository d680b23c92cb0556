/* sockit scan's output.  NDJSON goes out as results arrive; the text and
 * grepable tables need every result of a host first: the library gathers
 * them (sk_scan_hosts), this file prints them. */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scan_report.h"
#include "sockit/bytes.h"
#include "sockit/output.h"
#include "sockit/progress.h"
#include "status.h"

/* A state with more ports than this on a host is summarised ("Not shown:
 * 65530 closed tcp ports"), as nmap does; open ports are always listed. */
#define SHOW_MAX 25

struct report {
	FILE *out;
	enum report_format fmt;
	bool all, banner;
	struct sk_scan_hosts *hosts; /* the tables' rows */
	uint64_t open;
	struct sk_str line;
	int err; /* the first failed write's errno, while it is known */
};

static void note_error(struct report *r)
{
	if (!r->err && ferror(r->out))
		r->err = errno ? errno : -1;
}

struct report *report_new(FILE *out, enum report_format fmt, bool all, bool banner)
{
	struct report *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->out = out;
	r->fmt = fmt;
	r->all = all;
	r->banner = banner;
	if (sk_scan_hosts_new(SHOW_MAX, &r->hosts)) {
		free(r);
		return NULL;
	}
	return r;
}

static const char *proto_name(unsigned proto)
{
	return proto == SK_SCAN_UDP ? "udp" : "tcp";
}

static void json_line(struct report *r, const struct sk_scan_result *res)
{
	struct sk_str *s = &r->line;
	char ip[SK_IPSTRLEN];
	sk_ip_format(&res->ip, ip);
	sk_str_clear(s);
	sk_str_printf(s, "{\"ip\":\"%s\",\"port\":%u,\"proto\":\"%s\",\"state\":\"%s\","
			 "\"reason\":\"%s\",\"rtt_ms\":",
		      ip, res->port, proto_name(res->proto), sk_port_state_name(res->state),
		      res->reason);
	if (res->rtt_us >= 0)
		sk_str_printf(s, "%.3f", (double)res->rtt_us / 1000);
	else
		sk_str_puts(s, "null");
	if (res->ttl >= 0)
		sk_str_printf(s, ",\"ttl\":%d", res->ttl);
	else
		sk_str_puts(s, ",\"ttl\":null");
	if (r->banner) {
		sk_str_puts(s, ",");
		sk_json_key(s, "banner");
		if (res->banner)
			sk_json_string(s, res->banner, res->banner_len);
		else
			sk_str_puts(s, "null");
	}
	sk_str_puts(s, "}\n");
	if (s->p) {
		errno = 0;
		fwrite(s->p, 1, s->len, r->out);
		note_error(r);
	}
}

void report_add(struct report *r, const struct sk_scan_result *res)
{
	if (res->state == SK_STATE_OPEN)
		r->open++;
	if (r->fmt == REPORT_JSON) {
		if (r->all || res->state == SK_STATE_OPEN)
			json_line(r, res);
		return;
	}
	sk_scan_hosts_add(r->hosts, res);
}

static bool shown(const struct sk_scan_host *h, const struct sk_scan_row *row)
{
	return row->state == SK_STATE_OPEN || h->count[row->state][row->proto] <= SHOW_MAX;
}

static void service(unsigned port, unsigned proto, char *out, size_t cap)
{
	struct servent se, *res = NULL;
	char buf[1024];
	if (getservbyport_r((int)htons((uint16_t)port), proto_name(proto), &se, buf,
			    sizeof buf, &res) == 0 &&
	    res)
		snprintf(out, cap, "%s", res->s_name);
	else
		snprintf(out, cap, "unknown");
}

static void print_text_host(struct report *r, const struct sk_scan_host *h, const char *ip)
{
	fprintf(r->out, "scan report for %s\n", ip);
	for (int st = 0; st < SK_STATE_COUNT; st++)
		for (unsigned p = 0; p < 2; p++)
			if (st != SK_STATE_OPEN && h->count[st][p] > SHOW_MAX)
				fprintf(r->out, "Not shown: %llu %s %s ports (%s)\n",
					(unsigned long long)h->count[st][p],
					sk_port_state_name((enum sk_port_state)st), proto_name(p),
					h->reason[st]);
	size_t visible = 0;
	for (size_t i = 0; i < h->n; i++)
		visible += shown(h, &h->rows[i]);
	if (!visible) {
		fputs("no ports to show\n\n", r->out);
		return;
	}
	fprintf(r->out, "%-11s %-13s %-15s %-14s %s\n", "PORT", "STATE", "SERVICE", "REASON",
		"RTT");
	for (size_t i = 0; i < h->n; i++) {
		const struct sk_scan_row *row = &h->rows[i];
		if (!shown(h, row))
			continue;
		char port[16], svc[64], rtt[32];
		snprintf(port, sizeof port, "%u/%s", row->port, proto_name(row->proto));
		service(row->port, row->proto, svc, sizeof svc);
		if (row->rtt_us >= 0)
			snprintf(rtt, sizeof rtt, "%.2fms", (double)row->rtt_us / 1000);
		else
			snprintf(rtt, sizeof rtt, "-");
		fprintf(r->out, "%-11s %-13s %-15s %-14s %s\n", port,
			sk_port_state_name((enum sk_port_state)row->state), svc, row->reason, rtt);
		if (row->banner_len) {
			char text[200];
			size_t n = row->banner_len < 120 ? row->banner_len : 120;
			sk_escape((const uint8_t *)row->banner, n, text, sizeof text);
			fprintf(r->out, "|_ %s%s\n", text, n < row->banner_len ? "..." : "");
		}
	}
	fputc('\n', r->out);
}

static void print_grepable_host(struct report *r, const struct sk_scan_host *h, const char *ip)
{
	fprintf(r->out, "Host: %s ()\tPorts: ", ip);
	bool first = true;
	for (size_t i = 0; i < h->n; i++) {
		const struct sk_scan_row *row = &h->rows[i];
		if (!shown(h, row))
			continue;
		char svc[64];
		service(row->port, row->proto, svc, sizeof svc);
		fprintf(r->out, "%s%u/%s/%s//%s///", first ? "" : ", ", row->port,
			sk_port_state_name((enum sk_port_state)row->state), proto_name(row->proto),
			svc);
		first = false;
	}
	for (int st = 0; st < SK_STATE_COUNT; st++) {
		uint64_t hidden = 0;
		for (unsigned p = 0; p < 2; p++)
			if (st != SK_STATE_OPEN && h->count[st][p] > SHOW_MAX)
				hidden += h->count[st][p];
		if (hidden)
			fprintf(r->out, "\tIgnored State: %s (%llu)",
				sk_port_state_name((enum sk_port_state)st),
				(unsigned long long)hidden);
	}
	fputc('\n', r->out);
}

void report_finish(struct report *r)
{
	if (r->fmt == REPORT_JSON) {
		errno = 0;
		fflush(r->out);
		note_error(r);
		return;
	}
	struct sk_scan_host *hosts;
	size_t k = sk_scan_hosts_sorted(r->hosts, &hosts);
	for (size_t i = 0; i < k; i++) {
		const struct sk_scan_host *h = &hosts[i];
		bool any = false;
		for (size_t j = 0; j < h->n; j++)
			any |= shown(h, &h->rows[j]);
		/* In a sweep, hosts with nothing to show are left out. */
		if (!any && k > 1)
			continue;
		char ip[SK_IPSTRLEN];
		sk_ip_format(&h->ip, ip);
		if (r->fmt == REPORT_GREPABLE)
			print_grepable_host(r, h, ip);
		else
			print_text_host(r, h, ip);
	}
	errno = 0;
	fflush(r->out);
	note_error(r);
}

uint64_t report_open_count(const struct report *r)
{
	return r->open;
}

int report_errno(const struct report *r)
{
	return r->err;
}

uint64_t report_host_count(const struct report *r)
{
	return sk_scan_hosts_count(r->hosts);
}

void report_free(struct report *r)
{
	if (!r)
		return;
	sk_scan_hosts_free(r->hosts);
	sk_str_free(&r->line);
	free(r);
}

void scan_bar_init(struct scan_bar *b, bool want)
{
	*b = (struct scan_bar){ .on = want && status_begin() };
}

void scan_bar_draw(struct scan_bar *b, const struct sk_scan_progress *p,
		   uint64_t open)
{
	if (!b->on)
		return;
	struct sk_progress sp = { .done = p->done,
				  .total = p->steps,
				  .elapsed_ms = p->elapsed_ns / 1000000u,
				  .unit = "probes" };
	char tail[32];
	snprintf(tail, sizeof tail, "  open %" PRIu64, open);
	status_progress("", &sp, tail, false);
}

void scan_bar_clear(struct scan_bar *b)
{
	if (b->on)
		status_end(false);
}
