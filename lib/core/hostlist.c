/* Host lists (sockit/hostlist.h): addresses, blocks and ranges as integer
 * ranges per family, nmap's IPv4 octet sets as a bitmap per octet. */
#include "sockit/hostlist.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/hostname.h"
#include "core/ipint.h"
#include "core/say.h"
#include "sockit/array.h"
#include "sockit/error.h"
#include "sockit/resolve.h"

typedef sk__u128 u128;

struct range {
	int family;
	u128 lo, hi;
};

/* bits[i][v / 8] has bit v % 8 set when octet i may be v. */
struct octets {
	uint8_t bits[4][32];
};

struct sk_hostlist {
	struct range *r;
	size_t nr, rcap;
	struct octets *o;
	size_t no, ocap;
};

int sk_hostlist_new(struct sk_hostlist **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : -ENOMEM;
}

void sk_hostlist_free(struct sk_hostlist *l)
{
	if (!l)
		return;
	free(l->r);
	free(l->o);
	free(l);
}

size_t sk_hostlist_count(const struct sk_hostlist *l)
{
	return l ? l->nr + l->no : 0;
}

static u128 low_bits(unsigned n)
{
	return n >= 128 ? ~(u128)0 : ((u128)1 << n) - 1;
}

/* The block of prefix bits around ip, as a range; an IPv4-mapped IPv6
 * block of /96 or longer becomes the IPv4 block it means. */
static int push_block(struct sk_hostlist *l, const struct sk_ip *ip,
		      unsigned prefix)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct sk_ip a = *ip;
	if (a.family == AF_INET6 && prefix >= 96 && !memcmp(a.bytes, mapped, 12)) {
		a.family = AF_INET;
		memmove(a.bytes, a.bytes + 12, 4);
		prefix -= 96;
	}
	unsigned host = sk_ip_bits(&a) - prefix;
	u128 v = sk__u128_from_ip(&a);
	if (sk_array_grow(&l->r, &l->rcap, l->nr + 1, sizeof *l->r))
		return -ENOMEM;
	l->r[l->nr++] = (struct range){ a.family, v & ~low_bits(host),
					v | low_bits(host) };
	return 0;
}

/* One number of an octet: decimal 0-255, no leading zero. */
static int octet_number(const char *spec, const char **p, unsigned *out,
			char *err)
{
	const char *s = *p;
	size_t n = strspn(s, "0123456789");
	if (n > 1 && s[0] == '0')
		return sk_err_set(err, SK_EBADADDR,
				  "'%.64s': '%.*s' has a leading 0 (octal to "
				  "some tools): write it in decimal",
				  spec, (int)n, s);
	unsigned v = 0;
	for (size_t i = 0; i < n && v <= 255; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	if (n > 3 || v > 255)
		return sk_err_set(err, SK_EBADADDR,
				  "'%.64s': %.*s is not an octet (0-255)", spec,
				  (int)n, s);
	*out = v;
	*p = s + n;
	return 0;
}

/* nmap's octet syntax: each octet '*' or a comma list of N, N-M, -M, N-,
 * '-'.  Fills o; returns 0 or SK_EBADADDR with err. */
static int parse_octets(const char *spec, const char *s, struct octets *o,
			char *err)
{
	memset(o, 0, sizeof *o);
	for (int i = 0; i < 4; i++) {
		if (i && *s++ != '.')
			return sk_err_set(err, SK_EBADADDR,
					  "'%.64s': expected four octets "
					  "separated by dots",
					  spec);
		if (*s == '*') {
			memset(o->bits[i], 0xff, sizeof o->bits[i]);
			s++;
			continue;
		}
		for (;;) {
			unsigned lo = 0, hi;
			if (*s != '-' && (*s < '0' || *s > '9'))
				return sk_err_set(err, SK_EBADADDR,
						  "'%.64s': octet %d: expected "
						  "a number, a range or *",
						  spec, i + 1);
			int rc = *s == '-' ? 0 : octet_number(spec, &s, &lo, err);
			if (rc)
				return rc;
			hi = lo;
			if (*s == '-') {
				s++;
				hi = 255;
				if (*s >= '0' && *s <= '9' &&
				    (rc = octet_number(spec, &s, &hi, err)))
					return rc;
				if (hi < lo)
					return sk_err_set(
					    err, SK_EBADADDR,
					    "'%.64s': octet %d: range %u-%u "
					    "runs backwards",
					    spec, i + 1, lo, hi);
			}
			for (unsigned v = lo; v <= hi; v++)
				o->bits[i][v / 8] |= (uint8_t)(1u << (v % 8));
			if (*s != ',')
				break;
			s++;
		}
	}
	if (*s)
		return sk_err_set(err, SK_EBADADDR,
				  "'%.64s': unexpected '%.16s' after four octets",
				  spec, s);
	return 0;
}

/* /LEN on an octet set: every value that agrees with an allowed one on
 * the masked bits is allowed too, octet by octet (as nmap widens). */
static void widen_octets(struct octets *o, unsigned prefix)
{
	for (unsigned i = 0; i < 4; i++) {
		unsigned keep = prefix >= 8 * (i + 1) ? 8
				: prefix <= 8 * i     ? 0
						      : prefix - 8 * i;
		uint8_t mask = (uint8_t)(0xff00u >> keep);
		uint8_t wide[32] = { 0 };
		for (unsigned v = 0; v < 256; v++)
			if (o->bits[i][v / 8] & (1u << (v % 8)))
				for (unsigned w = 0; w < 256; w++)
					if ((w & mask) == (v & mask))
						wide[w / 8] |= (uint8_t)(1u << (w % 8));
		memcpy(o->bits[i], wide, sizeof wide);
	}
}

/* "A-B": two whole addresses of one family. */
static int parse_span(struct sk_hostlist *l, const char *spec, const char *a,
		      const char *b, char *err)
{
	struct sk_ip x, y;
	if (sk_ip_parse(a, &x) || sk_ip_parse(b, &y))
		return 1; /* not this form */
	if (x.family != y.family)
		return sk_err_set(err, SK_EBADADDR,
				  "'%.64s': the range's ends are of two families",
				  spec);
	u128 lo = sk__u128_from_ip(&x), hi = sk__u128_from_ip(&y);
	if (hi < lo)
		return sk_err_set(err, SK_EBADADDR,
				  "'%.64s': the range runs backwards", spec);
	if (sk_array_grow(&l->r, &l->rcap, l->nr + 1, sizeof *l->r))
		return -ENOMEM;
	l->r[l->nr++] = (struct range){ x.family, lo, hi };
	return 0;
}

static int add_name(struct sk_hostlist *l, const char *spec, const char *name,
		    int prefix, int family, int flags, char *err)
{
	if (flags & SK_RESOLVE_NUMERIC)
		return sk_err_set(err, SK_EBADADDR,
				  "'%.64s': a name, and names are not looked up",
				  spec);
	struct sk_addrlist list;
	int rc = sk_resolve(name, 0, family, SOCK_STREAM, 0, &list, NULL);
	if (rc < 0)
		return sk_err_set(err, rc, "'%.64s'", spec);
	for (size_t i = 0; i < list.count && rc >= 0; i++) {
		struct sk_ip ip;
		if (sk__ip_from_sockaddr((const struct sockaddr *)&list.addrs[i].ss, &ip))
			continue;
		unsigned bits = sk_ip_bits(&ip);
		if (prefix > (int)bits)
			rc = sk_err_set(err, SK_EBADPREFIX,
					"'%.64s': /%d is longer than an %s address",
					spec, prefix, bits == 32 ? "IPv4" : "IPv6");
		else if (push_block(l, &ip, prefix < 0 ? bits : (unsigned)prefix))
			rc = sk_err_set(err, -ENOMEM, "'%.64s'", spec);
	}
	sk_addrlist_free(&list);
	return rc < 0 ? rc : 0;
}

/* Every form but the name: 0 added, 1 not a numeric form, or an error. */
static int add_numeric(struct sk_hostlist *l, const char *spec, char *base,
		       int prefix, char *err)
{
	struct sk_ip ip;
	if (sk_ip_parse(base, &ip) == 0) {
		unsigned bits = sk_ip_bits(&ip);
		if (prefix > (int)bits)
			return sk_err_set(err, SK_EBADPREFIX,
					  "'%.64s': /%d (%s allows 0-%u)", spec,
					  prefix, bits == 32 ? "IPv4" : "IPv6",
					  bits);
		if (push_block(l, &ip, prefix < 0 ? bits : (unsigned)prefix))
			return -ENOMEM;
		return 0;
	}
	char *dash = strchr(base, '-');
	if (dash && prefix < 0) {
		*dash = 0;
		int rc = parse_span(l, spec, base, dash + 1, err);
		*dash = '-';
		if (rc <= 0)
			return rc;
	}
	if (strspn(base, "0123456789.,-*") == strlen(base)) {
		struct octets o;
		int rc = parse_octets(spec, base, &o, err);
		if (rc)
			return rc;
		if (prefix > 32)
			return sk_err_set(err, SK_EBADPREFIX,
					  "'%.64s': /%d (IPv4 allows 0-32)", spec,
					  prefix);
		if (prefix >= 0)
			widen_octets(&o, (unsigned)prefix);
		if (sk_array_grow(&l->o, &l->ocap, l->no + 1, sizeof *l->o))
			return -ENOMEM;
		l->o[l->no++] = o;
		return 0;
	}
	if (strchr(base, ':'))
		return sk_err_set(err, SK_EBADADDR, "'%.64s': not an IPv6 address",
				  spec);
	return 1;
}

int sk_hostlist_add(struct sk_hostlist *l, const char *spec, int family,
		    int flags, char *err)
{
	size_t len = strlen(spec), nr = l->nr, no = l->no;
	if (!len)
		return sk_err_set(err, SK_EBADADDR, "empty host");
	if (len > SK_HOSTSPEC_MAX)
		return sk_err_set(err, SK_ETOOLONG, "'%.32s...'", spec);
	char base[SK_HOSTSPEC_MAX + 1];
	memcpy(base, spec, len + 1);
	int prefix = -1;
	char *slash = strrchr(base, '/');
	if (slash) {
		*slash = 0;
		size_t n = strlen(slash + 1);
		if (!sk__all_digits(slash + 1, n) || n > 3)
			return sk_err_set(err, SK_EBADPREFIX,
					  "'%.64s': '/%.16s' is not a prefix "
					  "length",
					  spec, slash + 1);
		prefix = (int)strtoul(slash + 1, NULL, 10);
	}
	if (!*base)
		return sk_err_set(err, SK_EBADADDR, "'%.64s': no address before /",
				  spec);
	int rc = add_numeric(l, spec, base, prefix, err);
	if (rc == 1) {
		if (sk__name_like(base))
			rc = add_name(l, spec, base, prefix, family, flags, err);
		else
			rc = sk_err_set(err, SK_EBADADDR,
					"'%.64s': not an address, CIDR block, "
					"range or host name",
					spec);
	}
	if (rc == -ENOMEM)
		sk_err_set(err, rc, "'%.64s'", spec);
	if (rc) {
		l->nr = nr; /* nothing of a failed spec stays */
		l->no = no;
		return rc;
	}
	return (int)(l->nr + l->no - nr - no);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

int sk_hostlist_add_text(struct sk_hostlist *l, const char *text, size_t len,
			 int family, int flags, unsigned *line, char *err)
{
	unsigned at = 1;
	int specs = 0;
	size_t i = 0;
	*line = 0;
	while (i < len) {
		char c = text[i];
		if (c == '\n')
			at++;
		if (is_space(c)) {
			i++;
			continue;
		}
		if (c == '#') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		size_t start = i;
		while (i < len && !is_space(text[i]) && text[i] != '#' && text[i])
			i++;
		if (i < len && !text[i]) {
			*line = at;
			return sk_err_set(err, SK_EBADADDR,
					  "NUL byte (not a text file)");
		}
		char spec[SK_HOSTSPEC_MAX + 1];
		if (i - start > SK_HOSTSPEC_MAX) {
			*line = at;
			return sk_err_set(err, SK_ETOOLONG,
					  "'%.32s...': a host longer than %d bytes",
					  text + start, SK_HOSTSPEC_MAX);
		}
		memcpy(spec, text + start, i - start);
		spec[i - start] = 0;
		int rc = sk_hostlist_add(l, spec, family, flags, err);
		if (rc < 0) {
			*line = at;
			return rc;
		}
		specs++;
	}
	return specs;
}

bool sk_hostlist_contains(const struct sk_hostlist *l, const struct sk_ip *ip)
{
	if (!l || (ip->family != AF_INET && ip->family != AF_INET6))
		return false;
	u128 v = sk__u128_from_ip(ip);
	for (size_t i = 0; i < l->nr; i++)
		if (l->r[i].family == ip->family && l->r[i].lo <= v &&
		    v <= l->r[i].hi)
			return true;
	if (ip->family != AF_INET)
		return false;
	for (size_t i = 0; i < l->no; i++) {
		const struct octets *o = &l->o[i];
		bool all = true;
		for (int k = 0; k < 4 && all; k++)
			all = o->bits[k][ip->bytes[k] / 8] & (1u << (ip->bytes[k] % 8));
		if (all)
			return true;
	}
	return false;
}

int sk_hostlist_add_file(struct sk_hostlist *l, const char *path, int family,
			 int flags, unsigned *line, char *err)
{
	*line = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return sk__err_say(err, -errno, "%s: %s", path, sk_strerror(-errno));
	char *buf = malloc(SK_HOSTLIST_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return sk__err_say(err, -ENOMEM, "%s: %s", path, sk_strerror(-ENOMEM));
	}
	size_t n = fread(buf, 1, SK_HOSTLIST_FILE_MAX + 1, f);
	int e = ferror(f) ? -errno : 0;
	fclose(f);
	int rc = e ? sk__err_say(err, e, "%s: %s", path, sk_strerror(e))
	     : n > SK_HOSTLIST_FILE_MAX
		 ? sk__err_say(err, SK_ETOOLONG, "%s: larger than %u bytes", path,
			       SK_HOSTLIST_FILE_MAX)
		 : sk_hostlist_add_text(l, buf, n, family, flags, line, err);
	free(buf);
	return rc;
}
