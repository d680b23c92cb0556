/* What http serve checks in a request beyond what llhttp parses: the
 * version on the request line (RFC 9112 section 2.3: a 1.x minor version
 * it does not know is answered as 1.1, another major version gets 505)
 * and the header rules of section 3.2 and 5.1 (one Host, token names). */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "sockit/http.h"

static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

int sk_http_request_line_check(char *buf, size_t len)
{
	size_t start = 0;
	/* Empty lines before a request line are ignored (section 2.2). */
	while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	char *line = buf + start;
	char *lf = memchr(line, '\n', len - start);
	if (!lf)
		return 0;
	size_t n = (size_t)(lf - line);
	if (n && line[n - 1] == '\r')
		n--;
	const char *sp1 = memchr(line, ' ', n);
	if (!sp1)
		return 200; /* llhttp says what is wrong */
	const char *sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - line));
	if (!sp2)
		return 505; /* "GET /x": HTTP/0.9 */
	char *v = (char *)sp2 + 1;
	size_t vlen = n - (size_t)(v - line);
	if (vlen != 8 || strncmp(v, "HTTP/", 5) || !isdigit((unsigned char)v[5]) ||
	    v[6] != '.' || !isdigit((unsigned char)v[7]))
		return 200;
	if (v[5] != '1')
		return 505;
	if (v[7] > '1')
		v[7] = '1'; /* llhttp knows 1.0 and 1.1 only */
	return 200;
}

int sk_http_request_verdict(const struct sk_http_parser *p)
{
	size_t n = sk_http_trailer_start(p), hosts = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sk_http_header *h = sk_http_header_at(p, i);
		if (h->name_len == 0)
			return 400;
		for (size_t j = 0; j < h->name_len; j++)
			if (!is_tchar((unsigned char)h->name[j]))
				return 400;
		if (!strcasecmp(h->name, "Host"))
			hosts++;
	}
	if (hosts > 1 || (hosts == 0 && sk_http_version_minor(p) >= 1))
		return 400;
	return 0;
}
