/* The request text http get sends, and the rules for the request after a
 * redirect. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "sockit/bytes.h"
#include "sockit/error.h"
#include "sockit/http.h"

/* RFC 9110 tchar. */
static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

int sk_http_header_check(const char *line, char *err)
{
	size_t n = 0;
	while (is_tchar((unsigned char)line[n]))
		n++;
	if (n == 0 || line[n] != ':')
		return sk_err_set(err, SK_EHTTPHEADER,
				  "header '%s': expected 'Name: value'", line);
	for (const char *v = line + n + 1; *v; v++)
		if (*v == '\r' || *v == '\n')
			return sk_err_set(err, SK_EHTTPHEADER,
					  "header '%.*s': value has a line break",
					  (int)n, line);
	return 0;
}

static size_t name_len(const char *line)
{
	return strcspn(line, ":");
}

/* The user's header of that name, or NULL (the last one wins). */
static const char *user_header(const char *name, const char *const *headers,
			       size_t nheaders)
{
	size_t n = strlen(name);
	const char *found = NULL;
	for (size_t i = 0; i < nheaders; i++)
		if (name_len(headers[i]) == n && !strncasecmp(headers[i], name, n))
			found = headers[i];
	return found;
}

static const char *value_of(const char *line)
{
	const char *v = line + name_len(line) + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	return v;
}

int sk_http_request_build(struct sk_str *out, const char *method,
			  const struct sk_url *url, const char *const *headers,
			  size_t nheaders)
{
	char host[SK_HOSTLEN + 16];
	if (sk_url_authority(url, host, sizeof host) < 0)
		return SK_ELIMIT;
	const struct {
		const char *name, *value;
	} defaults[] = {
		{ "Host", host },
		{ "User-Agent", "sockit/" SK_VERSION },
		{ "Accept", "*/*" },
	};
	int rc = sk_str_printf(out, "%s %s HTTP/1.1\r\n", method, url->target);
	for (size_t i = 0; !rc && i < sizeof defaults / sizeof defaults[0]; i++) {
		const char *u = user_header(defaults[i].name, headers, nheaders);
		const char *v = u ? value_of(u) : defaults[i].value;
		if (*v)
			rc = sk_str_printf(out, "%s: %s\r\n", defaults[i].name, v);
	}
	for (size_t i = 0; !rc && i < nheaders; i++) {
		bool is_default = false;
		for (size_t d = 0; d < sizeof defaults / sizeof defaults[0]; d++)
			if (name_len(headers[i]) == strlen(defaults[d].name) &&
			    !strncasecmp(headers[i], defaults[d].name,
					 strlen(defaults[d].name)))
				is_default = true;
		const char *v = value_of(headers[i]);
		if (is_default || !*v)
			continue;
		rc = sk_str_printf(out, "%.*s: %s\r\n", (int)name_len(headers[i]),
				   headers[i], v);
	}
	if (!rc)
		rc = sk_str_puts(out, "\r\n");
	return rc ? SK_ELIMIT : 0;
}

const char *sk_http_redirect_method(int status, const char *method)
{
	bool keep = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	switch (status) {
	case 301:
	case 302:
		return keep ? method : "GET";
	case 303:
		return !strcmp(method, "HEAD") ? "HEAD" : "GET";
	case 307:
	case 308:
		return method;
	default:
		return NULL;
	}
}

static int base64_append(struct sk_str *out, const uint8_t *p, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[4] = { abc[v >> 18], abc[(v >> 12) & 63],
			      i + 1 < n ? abc[(v >> 6) & 63] : '=', i + 2 < n ? abc[v & 63] : '=' };
		if (sk_str_append(out, q, 4))
			return SK_ELIMIT;
	}
	return 0;
}

int sk_http_basic_auth(struct sk_str *out, const char *userinfo)
{
	uint8_t plain[300];
	size_t n = 0;
	for (const char *s = userinfo; *s; s++) {
		int c = (unsigned char)*s;
		if (c == '%') {
			int hi = sk_hex_digit(s[1]);
			int lo = hi >= 0 ? sk_hex_digit(s[2]) : -1;
			if (hi < 0 || lo < 0)
				return SK_EURL;
			c = hi * 16 + lo;
			s += 2;
		}
		if (n + 2 > sizeof plain)
			return SK_ELIMIT;
		plain[n++] = (uint8_t)c;
	}
	if (!strchr(userinfo, ':'))
		plain[n++] = ':';
	if (sk_str_puts(out, "Basic "))
		return SK_ELIMIT;
	return base64_append(out, plain, n);
}
