/* http:// and https:// URLs: parsed strictly, path and query kept as
 * written, and Location references resolved against a base. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockit/error.h"
#include "sockit/http.h"
#include "sockit/idna.h"

static bool is_scheme_char(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

/* Length of a "scheme:" prefix (without the colon), or 0 when there is
 * none. */
static size_t scheme_len(const char *s)
{
	if (!isalpha((unsigned char)s[0]))
		return 0;
	size_t i = 1;
	while (is_scheme_char(s[i]))
		i++;
	return s[i] == ':' ? i : 0;
}

static uint16_t default_port(bool https)
{
	return https ? 443 : 80;
}

static int check_name(const char *host, size_t n, char *err)
{
	bool numeric = true;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = host[i];
		if (c == '.') {
			if (label == 0)
				return sk_err_set(err, SK_EURL,
						  "host '%.*s': empty label",
						  (int)n, host);
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-' && c != '_')
			return sk_err_set(err, SK_EURL,
					  "host '%.*s': character '%c' not allowed",
					  (int)n, host, c);
		if (!isdigit((unsigned char)c))
			numeric = false;
		if (++label > 63)
			return sk_err_set(err, SK_EURL,
					  "host '%.*s': label longer than 63",
					  (int)n, host);
	}
	if (numeric) {
		/* All digits and dots: it must be a dotted quad, not a name. */
		char tmp[SK_HOSTLEN];
		struct in_addr a;
		snprintf(tmp, sizeof tmp, "%.*s", (int)n, host);
		if (inet_pton(AF_INET, tmp, &a) != 1)
			return sk_err_set(err, SK_EURL,
					  "host '%s': not an IPv4 address", tmp);
	}
	return 0;
}

static int parse_port(const char *s, size_t n, uint16_t *out, char *err)
{
	unsigned long v = 0;
	if (n == 0 || n > 5)
		return sk_err_set(err, SK_EURL, "port '%.*s': expected 1-65535",
				  (int)n, s);
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return sk_err_set(err, SK_EURL,
					  "port '%.*s': expected 1-65535", (int)n, s);
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return sk_err_set(err, SK_EURL, "port '%.*s': expected 1-65535",
				  (int)n, s);
	*out = (uint16_t)v;
	return 0;
}

/* A host name as written; an international one (non-ASCII letters) is
 * stored in its ASCII form, which the Host header and TLS carry. */
static int parse_name(const char *a, size_t hn, struct sk_url *out, char *err)
{
	if (sk_idna_needed(a, hn)) {
		int rc = sk_idna_to_ascii(a, hn, out->host, SK_HOSTLEN - 2, err);
		if (rc < 0)
			return SK_EURL;
		return check_name(out->host, (size_t)rc, err);
	}
	if (hn >= SK_HOSTLEN - 2)
		return sk_err_set(err, SK_EURL, "host longer than 253 characters");
	int rc = check_name(a, hn, err);
	if (rc)
		return rc;
	memcpy(out->host, a, hn);
	out->host[hn] = 0;
	return 0;
}

/* Fills out's userinfo, host and port; a host name was the *host_n bytes
 * at offset *host_at of a (0 bytes for an IPv6 address). */
static int parse_authority(const char *a, size_t n, struct sk_url *out,
			   size_t *host_at, size_t *host_n, char *err)
{
	const char *start = a;
	/* "user:password@host": the userinfo is kept as written, for Basic
	 * authentication; the host starts after the last '@'. */
	const char *at = NULL;
	for (size_t i = 0; i < n; i++)
		if (a[i] == '@')
			at = a + i;
	if (at) {
		size_t un = (size_t)(at - a);
		if (un == 0)
			return sk_err_set(err, SK_EURL, "empty user name before '@'");
		if (un >= sizeof out->userinfo)
			return sk_err_set(err, SK_EURL, "user and password longer than %zu bytes",
					  sizeof out->userinfo - 1);
		memcpy(out->userinfo, a, un);
		out->userinfo[un] = 0;
		n -= un + 1;
		a = at + 1;
	}
	if (n == 0)
		return sk_err_set(err, SK_EURL, "no host");
	const char *port = NULL;
	size_t port_n = 0;
	if (a[0] == '[') {
		const char *close = memchr(a, ']', n);
		if (!close)
			return sk_err_set(err, SK_EURL, "'[' without ']' in host");
		size_t hn = (size_t)(close - a - 1);
		if (hn == 0 || hn >= INET6_ADDRSTRLEN)
			return sk_err_set(err, SK_EURL, "host '%.*s': bad IPv6 address",
					  (int)n, a);
		memcpy(out->host, a + 1, hn);
		out->host[hn] = 0;
		struct in6_addr a6;
		if (inet_pton(AF_INET6, out->host, &a6) != 1)
			return sk_err_set(err, SK_EURL,
					  "host '[%s]': bad IPv6 address", out->host);
		out->ipv6 = true;
		size_t rest = n - (size_t)(close + 1 - a);
		if (rest) {
			if (close[1] != ':')
				return sk_err_set(err, SK_EURL,
						  "unexpected '%c' after ']'", close[1]);
			port = close + 2;
			port_n = rest - 1;
		}
	} else {
		const char *colon = memchr(a, ':', n);
		size_t hn = colon ? (size_t)(colon - a) : n;
		if (hn == 0)
			return sk_err_set(err, SK_EURL, "no host");
		*host_at = (size_t)(a - start);
		*host_n = hn;
		int rc = parse_name(a, hn, out, err);
		if (rc)
			return rc;
		if (colon) {
			port = colon + 1;
			port_n = n - hn - 1;
		}
	}
	out->port = default_port(out->https);
	/* "host:" with nothing after the colon means the default port
	 * (RFC 3986 section 3.2.3). */
	if (port && port_n)
		return parse_port(port, port_n, &out->port, err);
	return 0;
}

static int bad_byte(const char *text, size_t i, char *err)
{
	return sk_err_set(err, SK_EURL,
			  "byte 0x%02x at offset %zu (spaces, control and "
			  "non-ASCII bytes must be percent-encoded; non-ASCII "
			  "letters are allowed in the host name)",
			  (unsigned char)text[i], i);
}

int sk_url_parse(const char *text, struct sk_url *out, char *err)
{
	memset(out, 0, sizeof *out);
	size_t len = strlen(text);
	if (len == 0)
		return sk_err_set(err, SK_EURL, "empty URL");
	if (len > SK_URL_MAXLEN)
		return sk_err_set(err, SK_EURL, "URL longer than %d bytes",
				  SK_URL_MAXLEN);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c <= ' ' || c == 0x7f)
			return bad_byte(text, i, err);
	}
	const char *p = text;
	size_t sl = scheme_len(text);
	if (sl && !strncmp(text + sl, "://", 3)) {
		if (sl == 4 && !strncasecmp(text, "http", 4))
			out->https = false;
		else if (sl == 5 && !strncasecmp(text, "https", 5))
			out->https = true;
		else
			return sk_err_set(err, SK_EURL,
					  "scheme '%.*s' not supported (http or https)",
					  (int)sl, text);
		p = text + sl + 3;
	} else if (sl && strncmp(text + sl, ":", 1) == 0 &&
		   !isdigit((unsigned char)text[sl + 1]) && text[sl + 1] != 0 &&
		   text[sl + 1] != '/') {
		/* "mailto:x" is a scheme; "localhost:8080" is a host and port. */
		return sk_err_set(err, SK_EURL,
				  "scheme '%.*s' not supported (http or https)",
				  (int)sl, text);
	} else if (!strncmp(text, "//", 2)) {
		p = text + 2;
	}
	size_t an = strcspn(p, "/?#");
	/* Non-ASCII bytes: an international host name, and nowhere else. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80 &&
		    (text + i < p || text + i >= p + an))
			return bad_byte(text, i, err);
	size_t host_at = 0, host_n = 0;
	int rc = parse_authority(p, an, out, &host_at, &host_n, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < an; i++)
		if ((unsigned char)p[i] >= 0x80 && (i < host_at || i >= host_at + host_n))
			return bad_byte(text, (size_t)(p + i - text), err);
	const char *t = p + an;
	size_t tn = strcspn(t, "#");
	if (tn + 2 > sizeof out->target)
		return sk_err_set(err, SK_EURL, "path longer than %d bytes",
				  SK_URL_TARGETLEN - 2);
	size_t o = 0;
	if (tn == 0 || t[0] == '?')
		out->target[o++] = '/';
	memcpy(out->target + o, t, tn);
	out->target[o + tn] = 0;
	return 0;
}

int sk_url_authority(const struct sk_url *url, char *buf, size_t cap)
{
	int n;
	const char *l = url->ipv6 ? "[" : "", *r = url->ipv6 ? "]" : "";
	if (url->port == default_port(url->https))
		n = snprintf(buf, cap, "%s%s%s", l, url->host, r);
	else
		n = snprintf(buf, cap, "%s%s%s:%u", l, url->host, r,
			     (unsigned)url->port);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int sk_url_format(const struct sk_url *url, char *buf, size_t cap)
{
	char auth[SK_HOSTLEN + 16];
	if (sk_url_authority(url, auth, sizeof auth) < 0)
		return -ENOSPC;
	int n = snprintf(buf, cap, "%s://%s%s", url->https ? "https" : "http",
			 auth, url->target);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

bool sk_url_same_origin(const struct sk_url *a, const struct sk_url *b)
{
	return a->https == b->https && a->port == b->port &&
	       !strcasecmp(a->host, b->host);
}

/* Drops the last segment of out[0..*o) with its leading '/'. */
static void drop_segment(const char *out, size_t *o)
{
	while (*o > 0 && out[*o - 1] != '/')
		(*o)--;
	if (*o > 0)
		(*o)--;
}

/* RFC 3986 section 5.2.4 on the path part of path (query untouched),
 * in place; path has room for SK_URL_TARGETLEN bytes. */
static int remove_dots(char *path)
{
	size_t qpos = strcspn(path, "?");
	char query[SK_URL_TARGETLEN], out[SK_URL_TARGETLEN];
	snprintf(query, sizeof query, "%s", path + qpos);
	path[qpos] = 0;
	size_t o = 0;
	const char *in = path;
	while (*in) {
		if (!strncmp(in, "../", 3)) {
			in += 3;
		} else if (!strncmp(in, "./", 2) || !strncmp(in, "/./", 3)) {
			in += 2;
		} else if (!strcmp(in, "/.")) {
			in = "/";
		} else if (!strncmp(in, "/../", 4)) {
			in += 3;
			drop_segment(out, &o);
		} else if (!strcmp(in, "/..")) {
			in = "/";
			drop_segment(out, &o);
		} else if (!strcmp(in, ".") || !strcmp(in, "..")) {
			break;
		} else {
			size_t seg = (*in == '/') + strcspn(in + (*in == '/'), "/");
			memcpy(out + o, in, seg);
			o += seg;
			in += seg;
		}
	}
	out[o] = 0;
	int n = snprintf(path, SK_URL_TARGETLEN, "%s%s%s",
			 out[0] == '/' ? "" : "/", out, query);
	return n < 0 || n >= SK_URL_TARGETLEN ? -ENOSPC : 0;
}

int sk_url_resolve(const struct sk_url *base, const char *ref,
		   struct sk_url *out, char *err)
{
	char text[SK_URL_MAXLEN + 64], auth[SK_HOSTLEN + 16];
	const char *scheme = base->https ? "https" : "http";
	size_t sl = scheme_len(ref);
	int n;
	if (sl && !strncmp(ref + sl, "://", 3))
		return sk_url_parse(ref, out, err);
	if (sl)
		return sk_err_set(err, SK_EURL,
				  "redirect to scheme '%.*s' not supported",
				  (int)sl, ref);
	if (!strncmp(ref, "//", 2)) {
		n = snprintf(text, sizeof text, "%s:%s", scheme, ref);
		if (n < 0 || (size_t)n >= sizeof text)
			return sk_err_set(err, SK_EURL, "location too long");
		return sk_url_parse(text, out, err);
	}
	if (sk_url_authority(base, auth, sizeof auth) < 0)
		return sk_err_set(err, SK_EURL, "host too long");
	size_t rn = strcspn(ref, "#");
	char path[SK_URL_TARGETLEN];
	if (rn == 0) {
		n = snprintf(path, sizeof path, "%s", base->target);
	} else if (ref[0] == '/') {
		n = snprintf(path, sizeof path, "%.*s", (int)rn, ref);
	} else if (ref[0] == '?') {
		size_t bp = strcspn(base->target, "?");
		n = snprintf(path, sizeof path, "%.*s%.*s", (int)bp,
			     base->target, (int)rn, ref);
	} else {
		size_t bp = strcspn(base->target, "?");
		size_t dir = bp;
		while (dir > 0 && base->target[dir - 1] != '/')
			dir--;
		n = snprintf(path, sizeof path, "%.*s%.*s", (int)dir,
			     base->target, (int)rn, ref);
	}
	if (n < 0 || (size_t)n >= sizeof path)
		return sk_err_set(err, SK_EURL, "location too long");
	if (remove_dots(path))
		return sk_err_set(err, SK_EURL, "location too long");
	n = snprintf(text, sizeof text, "%s://%s%s", scheme, auth, path);
	if (n < 0 || (size_t)n >= sizeof text)
		return sk_err_set(err, SK_EURL, "location too long");
	return sk_url_parse(text, out, err);
}
