#include "sockit/endpoint.h"
#include "sockit/cidr.h"
#include "sockit/error.h"
#include "core/hostname.h"
#include "sockit/idna.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

int sk_port_parse(const char *text, const char *proto, uint16_t *out,
		  char *err)
{
	if (!*text)
		return sk_err_set(err, SK_EBADPORT, "missing port");
	if (sk__all_digits(text, strlen(text))) {
		unsigned long v = 0;
		for (const char *p = text; *p; p++) {
			v = v * 10 + (unsigned long)(*p - '0');
			if (v > 65535)
				return sk_err_set(err, SK_EBADPORT,
						  "port %.32s out of range 0-65535",
						  text);
		}
		*out = (uint16_t)v;
		return 0;
	}
	/* Service names start with a letter, as every /etc/services entry. */
	bool letter = (*text >= 'a' && *text <= 'z') || (*text >= 'A' && *text <= 'Z');
	for (const char *p = text; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			  c == '.' || c == '+' || c == '/';
		if (!ok || !letter || p - text > 32)
			return sk_err_set(err, SK_EBADPORT, "bad port '%.40s'",
					  text);
	}
	/* getservbyname_r reads /etc/services through NSS. */
	struct servent se, *res = NULL;
	char buf[1024];
	if (getservbyname_r(text, proto ? proto : "tcp", &se, buf, sizeof buf,
			    &res) != 0 ||
	    !res)
		return sk_err_set(err, SK_ENOSERVICE, "port '%s'", text);
	*out = ntohs((uint16_t)res->s_port);
	return 0;
}

static int parse_unix(const char *path, struct sk_endpoint *out, char *err)
{
	size_t n = strlen(path);
	if (n == 0)
		return sk_err_set(err, SK_EBADENDPOINT, "unix: needs a path");
	if (n >= SK_PATHLEN)
		return sk_err_set(err, SK_ETOOLONG,
				  "unix socket path of %zu bytes (max %d)", n,
				  SK_PATHLEN - 1);
	out->kind = SK_ENDPOINT_UNIX;
	memcpy(out->path, path, n + 1);
	return 0;
}

/* Non-ASCII bytes are an international name's letters: the length that
 * counts is that of its ASCII form (sk_idna_to_ascii checks it). */
static int check_host(const char *host, size_t n, char *err)
{
	if (n >= SK_HOSTLEN && !sk_idna_needed(host, n))
		return sk_err_set(err, SK_ETOOLONG, "host name of %zu bytes",
				  n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)host[i];
		if (c <= ' ' || c == '/' || c == '[' || c == ']' || c == 0x7f)
			return sk_err_set(err, SK_EBADHOST,
					  "bad character in host '%.*s'",
					  (int)(n > 64 ? 64 : n), host);
	}
	return 0;
}

int sk_endpoint_parse(const char *text, const char *proto,
		      struct sk_endpoint *out, char *err)
{
	memset(out, 0, sizeof *out);
	if (!strncmp(text, "unix:", 5))
		return parse_unix(text + 5, out, err);
	out->kind = SK_ENDPOINT_INET;
	if (!*text)
		return sk_err_set(err, SK_EBADENDPOINT, "empty endpoint");

	const char *host = text, *port;
	size_t hostlen;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close)
			return sk_err_set(err, SK_EBADENDPOINT,
					  "'%.64s': missing ']'", text);
		if (close[1] != ':')
			return sk_err_set(err, SK_EBADENDPOINT,
					  "'%.64s': expected ':PORT' after ']'",
					  text);
		host = text + 1;
		hostlen = (size_t)(close - host);
		port = close + 2;
		if (hostlen == 0)
			return sk_err_set(err, SK_EBADHOST, "empty [] host");
		if (hostlen >= SK_HOSTLEN)
			return sk_err_set(err, SK_ETOOLONG, "host of %zu bytes",
					  hostlen);
		char tmp[SK_HOSTLEN];
		memcpy(tmp, host, hostlen);
		tmp[hostlen] = 0;
		char *pct = strchr(tmp, '%'); /* zone index: fe80::1%eth0 */
		if (pct)
			*pct = 0;
		struct in6_addr a6;
		if (inet_pton(AF_INET6, tmp, &a6) != 1)
			return sk_err_set(err, SK_EBADHOST,
					  "'%.*s' is not an IPv6 address",
					  (int)hostlen, host);
	} else {
		const char *colon = strrchr(text, ':');
		if (!colon) {
			/* "PORT" alone; a bare name is a missing port. */
			if (!sk__all_digits(text, strlen(text))) {
				uint16_t p;
				if (sk_port_parse(text, proto, &p, NULL) == 0) {
					out->port = p;
					return 0;
				}
				return sk_err_set(err, SK_EBADENDPOINT,
						  "'%.64s': expected HOST:PORT",
						  text);
			}
			return sk_port_parse(text, proto, &out->port, err);
		}
		if (strchr(text, ':') != colon)
			return sk_err_set(err, SK_EBADENDPOINT,
					  "'%.64s': write IPv6 as [ADDR]:PORT",
					  text);
		hostlen = (size_t)(colon - text);
		port = colon + 1;
		int rc = check_host(host, hostlen, err);
		if (rc)
			return rc;
	}
	/* An international name goes on in its ASCII form (the name DNS and
	 * TLS know); an address or ASCII name as it is. */
	int rc = sk_idna_to_ascii(host, hostlen, out->host, sizeof out->host, err);
	if (rc < 0)
		return rc;
	if (!*port)
		return sk_err_set(err, SK_EBADPORT, "'%.64s': missing port",
				  text);
	return sk_port_parse(port, proto, &out->port, err);
}

int sk_endpoint_format(const struct sk_endpoint *ep, char *buf, size_t cap)
{
	int n;
	if (ep->kind == SK_ENDPOINT_UNIX)
		n = snprintf(buf, cap, "unix:%s", ep->path);
	else if (strchr(ep->host, ':'))
		n = snprintf(buf, cap, "[%s]:%u", ep->host, ep->port);
	else
		n = snprintf(buf, cap, "%s:%u", ep->host, ep->port);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

int sk_sockaddr_format(const struct sockaddr *sa, bool port, char *buf,
		       size_t cap)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	int n;
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		n = port ? snprintf(buf, cap, "%s:%u", host, ntohs(s4->sin_port))
			 : snprintf(buf, cap, "%s", host);
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		struct sk_ip ip = { .family = AF_INET6 };
		memcpy(ip.bytes, &s6->sin6_addr, 16);
		sk_ip_format(&ip, host);
		if (s6->sin6_scope_id) {
			size_t l = strlen(host);
			host[l++] = '%';
			if (!if_indextoname(s6->sin6_scope_id, host + l))
				snprintf(host + l, sizeof host - l, "%u",
					 s6->sin6_scope_id);
		}
		n = port ? snprintf(buf, cap, "[%s]:%u", host,
				    ntohs(s6->sin6_port))
			 : snprintf(buf, cap, "%s", host);
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *su = (const struct sockaddr_un *)sa;
		n = snprintf(buf, cap, "unix:%.*s", (int)sizeof su->sun_path,
			     su->sun_path);
		break;
	}
	default:
		return -EAFNOSUPPORT;
	}
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

bool sk_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, 16) &&
		       x->sin6_scope_id == y->sin6_scope_id;
	}
	return false;
}

socklen_t sk_sockaddr_unmap(struct sockaddr_storage *ss, socklen_t len)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return len;
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = s6->sin6_port };
	memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
	memset(ss, 0, sizeof *ss);
	memcpy(ss, &s4, sizeof s4);
	return sizeof s4;
}
