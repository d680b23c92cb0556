/* A whole GET (or HEAD) as a client runs it: one exchange per hop
 * (sockit/http_io.h), redirects followed with the method they call for,
 * loops and long chains refused, the user's credentials kept to their
 * origin, and addresses overridden as curl's --resolve does. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/say.h"
#include "sockit/error.h"
#include "sockit/http_io.h"
#include "sockit/idna.h"

int sk_http_resolve_parse(const char *text, struct sk_http_resolve *out,
			  char *err)
{
	const char *c1 = strchr(text, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || c1 == text)
		return sk__err_say(err, SK_EBADENDPOINT, "'%s': expected HOST:PORT:ADDR", text);
	char why[SK_ERRLEN], port[8];
	if (sk_idna_to_ascii(text, (size_t)(c1 - text), out->host, sizeof out->host, why) < 0)
		return sk__err_say(err, SK_EBADHOST, "'%s': %s", text, why);
	snprintf(port, sizeof port, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
	if (c2 - c1 - 1 >= (ptrdiff_t)sizeof port || sk_port_parse(port, "tcp", &out->port, why))
		return sk__err_say(err, SK_EBADPORT, "'%s': bad port", text);
	const char *a = c2 + 1;
	size_t an = strlen(a);
	if (an >= 2 && a[0] == '[' && a[an - 1] == ']') {
		a++;
		an -= 2;
	}
	uint8_t bin[16];
	snprintf(out->addr, sizeof out->addr, "%.*s", (int)an, a);
	if (an >= sizeof out->addr || (inet_pton(AF_INET, out->addr, bin) != 1 &&
				       inet_pton(AF_INET6, out->addr, bin) != 1))
		return sk__err_say(err, SK_EBADADDR, "'%s': '%.*s' is not an IP address", text,
				  (int)an, a);
	return 0;
}

struct get {
	const struct sk_http_get_opts *o;
	struct sk_http_parser *parser;
	bool redirect; /* this hop's response will be followed */
};

static int on_head(void *ctx)
{
	struct get *g = ctx;
	int status = sk_http_status(g->parser);
	g->redirect = g->o->follow && sk_http_redirect_method(status, "GET") &&
		      sk_http_header_get(g->parser, "Location");
	return g->o->on_head ? g->o->on_head(g->o->ctx, g->parser, g->redirect) : 0;
}

static int on_body(void *ctx, const uint8_t *data, size_t n)
{
	struct get *g = ctx;
	if (g->redirect || !g->o->on_body)
		return 0;
	return g->o->on_body(g->o->ctx, g->parser, data, n);
}

/* The --resolve address for url's host and port, or NULL. */
static const char *resolved(const struct sk_http_get_opts *o, const struct sk_url *url)
{
	for (size_t i = 0; i < o->nresolve; i++)
		if (o->resolve[i].port == url->port && !strcasecmp(o->resolve[i].host, url->host))
			return o->resolve[i].addr;
	return NULL;
}

/* The request for a hop.  Credentials and cookies given for one origin
 * are not sent to another after a redirect; user:password@ in the URL is
 * Basic authentication for the URL's own origin only, and an
 * Authorization header among the user's wins. */
static int build_request(const struct sk_http_get_opts *o, const struct sk_url *url,
			 const char *method, struct sk_str *req, char *err)
{
	const char **hdrs = calloc(o->nheaders + 1, sizeof *hdrs);
	if (!hdrs)
		return -ENOMEM;
	size_t nh = 0;
	bool same = sk_url_same_origin(o->url, url), user_auth = false;
	for (size_t i = 0; i < o->nheaders; i++) {
		bool auth = !strncasecmp(o->headers[i], "Authorization:", 14);
		user_auth |= auth;
		if (!same && (auth || !strncasecmp(o->headers[i], "Cookie:", 7) ||
			      !strncasecmp(o->headers[i], "Host:", 5)))
			continue;
		hdrs[nh++] = o->headers[i];
	}
	struct sk_str basic = { 0 };
	int rc = 0;
	if (o->url->userinfo[0] && same && !user_auth) {
		sk_str_puts(&basic, "Authorization: ");
		if (sk_http_basic_auth(&basic, o->url->userinfo))
			rc = sk__err_say(err, SK_EURL,
					"URL: bad percent-escape in the user or password");
		hdrs[nh++] = basic.p;
	}
	if (!rc && sk_http_request_build(req, method, url, hdrs, nh))
		rc = sk__err_say(err, SK_ETOOLONG, "request too large");
	sk_str_free(&basic);
	free(hdrs);
	return rc;
}

/* One hop: the request sent, the response parsed into g->parser. */
static int hop(struct get *g, const struct sk_url *url, const char *method,
	       struct sk_tls_ctx *tls, char *err)
{
	const struct sk_http_get_opts *o = g->o;
	struct sk_str req = { 0 };
	int rc = build_request(o, url, method, &req, err);
	if (rc)
		return rc;
	struct sk_http_callbacks cb = { on_head, on_body };
	g->redirect = false;
	g->parser = sk_http_parser_new(SK_HTTP_RESPONSE, !strcmp(method, "HEAD"), &cb, g);
	if (!g->parser) {
		sk_str_free(&req);
		return sk__err_say(err, -ENOMEM, "out of memory");
	}
	struct sk_http_exchange_opts xo = {
		.url = url,
		.connect_host = resolved(o, url),
		.request = (const uint8_t *)req.p,
		.request_len = req.len,
		.family = o->family,
		.connect_timeout_ms = o->timeout_ms,
		.idle_timeout_ms = o->timeout_ms,
		.tls = url->https ? tls : NULL,
		.ctx = o->ctx,
		.on_connected = o->on_connected,
		.on_wire = o->on_wire,
	};
	rc = sk_http_exchange(&xo, g->parser, err);
	sk_str_free(&req);
	return rc;
}

/* The URL a followed redirect leads to, refused when the chain is too
 * long or comes back to a URL fetched already. */
static int next_url(struct get *g, char (*visited)[SK_URL_MAXLEN], unsigned n,
		    struct sk_url *url, char *err)
{
	const char *at = visited[n - 1];
	const char *loc = sk_http_header_get(g->parser, "Location");
	if (n > g->o->max_redirs)
		return sk__err_say(err, SK_ELIMIT, "%s: too many redirects", at);
	struct sk_url next;
	char why[SK_ERRLEN];
	if (sk_url_resolve(url, loc, &next, why))
		return sk__err_say(err, SK_EHTTPREDIRECT, "%s: redirect to '%s': %s", at, loc,
				  why);
	char to[SK_URL_MAXLEN];
	sk_url_format(&next, to, sizeof to);
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(visited[i], to))
			return sk__err_say(err, SK_EHTTPREDIRECT,
					  "%s: redirect loop: %s was already fetched", at, to);
	*url = next;
	return 0;
}

int sk_http_get(const struct sk_http_get_opts *o, struct sk_http_parser **out,
		char *err)
{
	struct get g = { .o = o };
	struct sk_url url = *o->url;
	const char *method = o->head ? "HEAD" : "GET";
	struct sk_tls_ctx *tls = NULL;
	/* Every URL fetched, for loop detection. */
	char (*visited)[SK_URL_MAXLEN] = NULL;
	int rc = 0;
	*out = NULL;
	for (unsigned n = 0; !rc; n++) {
		void *v = realloc(visited, (n + 1) * sizeof *visited);
		if (!v) {
			rc = sk__err_say(err, -ENOMEM, "out of memory");
			break;
		}
		visited = v;
		sk_url_format(&url, visited[n], sizeof visited[n]);
		if (o->on_request)
			o->on_request(o->ctx, &url);
		if (url.https && !tls) {
			struct sk_tls_client_opts to = { .cafile = o->cafile,
							 .alpn = "http/1.1",
							 .insecure = o->insecure };
			if ((rc = sk_tls_ctx_client(&tls, &to, err)) < 0)
				break;
		}
		rc = hop(&g, &url, method, tls, err);
		if (rc || !g.redirect)
			break;
		int status = sk_http_status(g.parser);
		rc = next_url(&g, visited, n + 1, &url, err);
		method = sk_http_redirect_method(status, method);
		sk_http_parser_free(g.parser);
		g.parser = NULL;
	}
	if (rc)
		sk_http_parser_free(g.parser);
	else
		*out = g.parser;
	sk_tls_ctx_free(tls);
	free(visited);
	return rc;
}
