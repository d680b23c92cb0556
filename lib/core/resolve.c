#include "sockit/resolve.h"
#include "sockit/error.h"
#include "sockit/idna.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sk_resolve_error(int eai)
{
	switch (eai) {
	case 0:
		return 0;
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
		return SK_ENONAME;
	case EAI_ADDRFAMILY:
		return SK_ENOFAMILY;
	case EAI_AGAIN:
		return SK_EDNSAGAIN;
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_SYSTEM:
		return errno ? -errno : SK_EDNSFAIL;
	default:
		return SK_EDNSFAIL;
	}
}

static bool seen(const struct sk_addrlist *l, const struct addrinfo *ai)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->addrs[i].len == ai->ai_addrlen &&
		    !memcmp(&l->addrs[i].ss, ai->ai_addr, ai->ai_addrlen))
			return true;
	return false;
}

int sk_resolve(const char *host, uint16_t port, int family, int socktype,
	       int flags, struct sk_addrlist *out, char *err)
{
	memset(out, 0, sizeof *out);
	if (host && !*host)
		host = NULL;
	/* getaddrinfo asks DNS for the ASCII form of an international name. */
	char ascii[SK_HOSTLEN];
	if (host && sk_idna_needed(host, strlen(host))) {
		int rc = sk_idna_to_ascii(host, strlen(host), ascii, sizeof ascii, err);
		if (rc < 0)
			return rc;
		host = ascii;
	}
	struct addrinfo hints = {
		.ai_family = family,
		.ai_socktype = socktype ? socktype : SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	if (flags & SK_RESOLVE_PASSIVE)
		hints.ai_flags |= AI_PASSIVE;
	if (flags & SK_RESOLVE_NUMERIC)
		hints.ai_flags |= AI_NUMERICHOST;
	if (flags & SK_RESOLVE_CANON && host)
		hints.ai_flags |= AI_CANONNAME;
	char service[8];
	snprintf(service, sizeof service, "%u", port);

	struct addrinfo *res = NULL;
	errno = 0;
	int rc = getaddrinfo(host, service, &hints, &res);
	if (rc) {
		int code = sk_resolve_error(rc);
		/* glibc reports "no address of this family" as EAI_NONAME
		 * for numeric hosts and EAI_ADDRFAMILY/NODATA for names;
		 * tell the user which half failed. */
		if (code == SK_ENONAME && family != AF_UNSPEC && host) {
			struct addrinfo *any = NULL;
			hints.ai_family = AF_UNSPEC;
			hints.ai_flags &= ~AI_CANONNAME;
			if (getaddrinfo(host, service, &hints, &any) == 0) {
				freeaddrinfo(any);
				code = SK_ENOFAMILY;
			}
		}
		return sk_err_set(err, code, "%s", host ? host : "(local)");
	}
	size_t n = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
		n++;
	out->addrs = calloc(n, sizeof *out->addrs);
	if (!out->addrs) {
		freeaddrinfo(res);
		return sk_err_set(err, -ENOMEM, "%s", host ? host : "(local)");
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(struct sockaddr_storage) ||
		    seen(out, ai))
			continue;
		memcpy(&out->addrs[out->count].ss, ai->ai_addr, ai->ai_addrlen);
		out->addrs[out->count].len = ai->ai_addrlen;
		out->count++;
	}
	if (res->ai_canonname) {
		out->canonical = strdup(res->ai_canonname);
		if (!out->canonical) {
			freeaddrinfo(res);
			sk_addrlist_free(out);
			return sk_err_set(err, -ENOMEM, "%s", host);
		}
	}
	freeaddrinfo(res);
	if (out->count == 0) {
		sk_addrlist_free(out);
		return sk_err_set(err, SK_ENOFAMILY, "%s", host ? host : "(local)");
	}
	return (int)out->count;
}

int sk_resolve_endpoint(const struct sk_endpoint *ep, int family,
			int socktype, int flags, struct sk_addrlist *out,
			char *err)
{
	if (ep->kind != SK_ENDPOINT_INET)
		return sk_err_set(err, SK_EFAMILY, "unix:%s is not an IP endpoint",
				  ep->path);
	return sk_resolve(ep->host, ep->port, family, socktype, flags, out,
			  err);
}

void sk_addrlist_free(struct sk_addrlist *list)
{
	free(list->addrs);
	free(list->canonical);
	memset(list, 0, sizeof *list);
}
