/* One HTTP/1.x message at a time on llhttp: the head is copied into a
 * bounded buffer owned by the parser, the body is handed to the caller as
 * it arrives.  Interim 1xx responses are parsed and forgotten. */
#include <llhttp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockit/error.h"
#include "sockit/http.h"

enum piece { P_NONE, P_FIELD, P_VALUE, P_OTHER };

struct sk_http_parser {
	llhttp_t ll;
	llhttp_settings_t settings;
	enum sk_http_kind kind;
	bool head_request;
	struct sk_http_callbacks cb;
	void *ctx;

	char buf[SK_HTTP_HEADBYTES]; /* strings of the head, NUL-terminated */
	size_t used;
	size_t piece_start; /* where the string being received starts */
	enum piece piece;
	size_t reason_off, method_off, target_off; /* SIZE_MAX: none */
	struct slot {
		size_t name_off, name_len, value_off, value_len;
	} slot[SK_HTTP_MAXHEADERS];
	struct sk_http_header hdr[SK_HTTP_MAXHEADERS]; /* views of slot[] */
	size_t nhdr, trailer_start;

	bool final_head; /* the head delivered by on_head is the current one */
	bool complete;
	bool got_any;
	bool at_head_end; /* paused right after the final head */
	int code; /* SK_E* set by a callback before it fails */
	uint64_t head_bytes, body_bytes, wire_bytes;
	char err[SK_ERRLEN];
};

static struct sk_http_parser *of(llhttp_t *ll)
{
	return ll->data;
}

static int fail(struct sk_http_parser *p, int code, const char *what)
{
	p->code = code;
	sk_err_set(p->err, code, "%s", what);
	return HPE_USER;
}

static int on_message_begin(llhttp_t *ll)
{
	struct sk_http_parser *p = of(ll);
	p->used = 0;
	p->nhdr = 0;
	p->trailer_start = 0;
	p->piece = P_NONE;
	p->reason_off = p->method_off = p->target_off = SIZE_MAX;
	p->final_head = false;
	return 0;
}

/* Ends the string being received, if any, and records it. */
static int close_piece(struct sk_http_parser *p)
{
	if (p->piece == P_NONE)
		return 0;
	if (p->used >= sizeof p->buf)
		return fail(p, SK_EHTTPTOOBIG, "head larger than 64 KiB");
	p->buf[p->used++] = 0;
	if (p->piece == P_VALUE) {
		struct slot *h = &p->slot[p->nhdr - 1];
		size_t len = p->used - 1 - h->value_off;
		/* llhttp keeps trailing whitespace in values; RFC 9110 does
		 * not count it as part of the value. */
		while (len && (p->buf[h->value_off + len - 1] == ' ' ||
			       p->buf[h->value_off + len - 1] == '\t'))
			p->buf[h->value_off + --len] = 0;
		h->value_len = len;
	} else if (p->piece == P_FIELD) {
		struct slot *h = &p->slot[p->nhdr - 1];
		h->name_len = p->used - 1 - h->name_off;
		/* Until a value arrives, the value is the name's NUL. */
		h->value_off = h->name_off + h->name_len;
		h->value_len = 0;
	}
	p->piece = P_NONE;
	return 0;
}

static int append(struct sk_http_parser *p, enum piece kind, const char *at,
		  size_t len, size_t *off_out)
{
	if (p->piece != kind) {
		int rc = close_piece(p);
		if (rc)
			return rc;
		p->piece = kind;
		p->piece_start = p->used;
		if (kind == P_FIELD) {
			if (p->nhdr == SK_HTTP_MAXHEADERS)
				return fail(p, SK_EHTTPTOOBIG, "more than 128 header lines");
			struct slot *h = &p->slot[p->nhdr++];
			h->name_off = h->value_off = p->used;
			h->name_len = h->value_len = 0;
		} else if (kind == P_VALUE) {
			if (p->nhdr == 0)
				return fail(p, SK_EHTTPPARSE, "header value without a name");
			p->slot[p->nhdr - 1].value_off = p->used;
		} else if (off_out) {
			*off_out = p->used;
		}
	}
	if (len >= sizeof p->buf - p->used)
		return fail(p, SK_EHTTPTOOBIG, "head larger than 64 KiB");
	memcpy(p->buf + p->used, at, len);
	p->used += len;
	return 0;
}

static int on_status(llhttp_t *ll, const char *at, size_t len)
{
	return append(of(ll), P_OTHER, at, len, &of(ll)->reason_off);
}

static int on_method(llhttp_t *ll, const char *at, size_t len)
{
	return append(of(ll), P_OTHER, at, len, &of(ll)->method_off);
}

static int on_url(llhttp_t *ll, const char *at, size_t len)
{
	struct sk_http_parser *p = of(ll);
	/* The method was a separate piece; close it so the URL starts anew. */
	if (p->piece == P_OTHER && p->target_off == SIZE_MAX &&
	    p->method_off != SIZE_MAX && p->piece_start == p->method_off) {
		int rc = close_piece(p);
		if (rc)
			return rc;
	}
	return append(p, P_OTHER, at, len, &p->target_off);
}

static int on_piece_complete(llhttp_t *ll)
{
	return close_piece(of(ll));
}

static int on_header_field(llhttp_t *ll, const char *at, size_t len)
{
	return append(of(ll), P_FIELD, at, len, NULL);
}

static int on_header_value(llhttp_t *ll, const char *at, size_t len)
{
	return append(of(ll), P_VALUE, at, len, NULL);
}

/* The public views of header slots from index `from` on. */
static void fix_pointers(struct sk_http_parser *p, size_t from)
{
	for (size_t i = from; i < p->nhdr; i++) {
		p->hdr[i].name = p->buf + p->slot[i].name_off;
		p->hdr[i].name_len = p->slot[i].name_len;
		p->hdr[i].value = p->buf + p->slot[i].value_off;
		p->hdr[i].value_len = p->slot[i].value_len;
	}
}

static int on_headers_complete(llhttp_t *ll)
{
	struct sk_http_parser *p = of(ll);
	int rc = close_piece(p);
	if (rc)
		return rc;
	int status = llhttp_get_status_code(ll);
	if (p->kind == SK_HTTP_RESPONSE && (status < 100 || status > 999))
		return fail(p, SK_EHTTPPARSE, "status code out of range 100-999");
	if (p->kind == SK_HTTP_RESPONSE && status >= 100 && status < 200 &&
	    status != 101)
		return 0; /* interim: no body, the real response follows */
	fix_pointers(p, 0);
	p->trailer_start = p->nhdr;
	p->final_head = true;
	if (p->cb.on_head && p->cb.on_head(p->ctx))
		return fail(p, SK_EHTTPABORT, "stopped after the head");
	/* Pause so that feed() learns where the head ends on the wire; it
	 * resumes at once.  A response to HEAD, a 204 and a 304 have no body
	 * whatever their headers say (RFC 9110 section 6.4.1). */
	p->at_head_end = true;
	if (p->kind == SK_HTTP_RESPONSE &&
	    (p->head_request || status == 204 || status == 304))
		ll->flags |= F_SKIPBODY;
	return HPE_PAUSED;
}

static int on_body(llhttp_t *ll, const char *at, size_t len)
{
	struct sk_http_parser *p = of(ll);
	p->body_bytes += len;
	if (p->cb.on_body && p->cb.on_body(p->ctx, (const uint8_t *)at, len))
		return fail(p, SK_EHTTPABORT, "stopped in the body");
	return 0;
}

static int on_message_complete(llhttp_t *ll)
{
	struct sk_http_parser *p = of(ll);
	if (!p->final_head)
		return 0; /* the end of an interim response */
	int rc = close_piece(p);
	if (rc)
		return rc;
	fix_pointers(p, p->trailer_start);
	p->complete = true;
	return HPE_PAUSED;
}

struct sk_http_parser *sk_http_parser_new(enum sk_http_kind kind,
					  bool head_request,
					  const struct sk_http_callbacks *cb,
					  void *ctx)
{
	struct sk_http_parser *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->kind = kind;
	p->head_request = head_request;
	if (cb)
		p->cb = *cb;
	p->ctx = ctx;
	llhttp_settings_init(&p->settings);
	p->settings.on_message_begin = on_message_begin;
	p->settings.on_status = on_status;
	p->settings.on_status_complete = on_piece_complete;
	p->settings.on_method = on_method;
	p->settings.on_method_complete = on_piece_complete;
	p->settings.on_url = on_url;
	p->settings.on_url_complete = on_piece_complete;
	p->settings.on_header_field = on_header_field;
	p->settings.on_header_field_complete = on_piece_complete;
	p->settings.on_header_value = on_header_value;
	p->settings.on_header_value_complete = on_piece_complete;
	p->settings.on_headers_complete = on_headers_complete;
	p->settings.on_body = on_body;
	p->settings.on_message_complete = on_message_complete;
	llhttp_init(&p->ll, kind == SK_HTTP_REQUEST ? HTTP_REQUEST : HTTP_RESPONSE,
		    &p->settings);
	p->ll.data = p;
	on_message_begin(&p->ll);
	return p;
}

void sk_http_parser_free(struct sk_http_parser *p)
{
	free(p);
}

void sk_http_parser_reset(struct sk_http_parser *p)
{
	llhttp_reset(&p->ll);
	on_message_begin(&p->ll);
	p->complete = p->got_any = p->at_head_end = false;
	p->code = 0;
	p->head_bytes = p->body_bytes = p->wire_bytes = 0;
	p->err[0] = 0;
}

int sk_http_parser_feed(struct sk_http_parser *p, const uint8_t *data,
			size_t len, size_t *used)
{
	size_t off = 0;
	int ret = 0;
	if (used)
		*used = 0;
	if (p->complete)
		return 1;
	if (p->code)
		return p->code;
	if (len)
		p->got_any = true;
	/* At least one call even with nothing left: a message that ends with
	 * its head completes only when llhttp runs past the pause. */
	for (;;) {
		const char *start = (const char *)data + off;
		llhttp_errno_t e = llhttp_execute(&p->ll, start, len - off);
		if (e == HPE_OK) {
			p->wire_bytes += len - off;
			off = len;
			break;
		}
		if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
			size_t n = (size_t)(llhttp_get_error_pos(&p->ll) - start);
			off += n;
			p->wire_bytes += n;
			if (p->at_head_end) {
				p->at_head_end = false;
				p->head_bytes = p->wire_bytes;
			}
			if (e == HPE_PAUSED_UPGRADE) {
				/* A 101 (or CONNECT): the message ends with its head. */
				p->complete = true;
			}
			if (p->complete) {
				ret = 1;
				break;
			}
			llhttp_resume(&p->ll);
			continue;
		}
		if (p->code) {
			if (p->code == SK_EHTTPPARSE) {
				char what[SK_ERRLEN];
				snprintf(what, sizeof what, "%s", p->err);
				char *colon = strstr(what, ": malformed");
				if (colon)
					*colon = 0;
				sk_err_set(p->err, p->code, "%s at byte %llu", what,
					   (unsigned long long)(p->wire_bytes +
								(size_t)(llhttp_get_error_pos(&p->ll) -
									 start)));
			}
			ret = p->code;
			break;
		}
		const char *reason = llhttp_get_error_reason(&p->ll);
		sk_err_set(p->err, SK_EHTTPPARSE, "%s at byte %llu",
			   reason && *reason ? reason : llhttp_errno_name(e),
			   (unsigned long long)(p->wire_bytes +
						(size_t)(llhttp_get_error_pos(&p->ll) - start)));
		p->code = SK_EHTTPPARSE;
		ret = p->code;
		break;
	}
	if (used)
		*used = off;
	return ret;
}

int sk_http_parser_finish(struct sk_http_parser *p)
{
	if (p->complete)
		return 1;
	if (p->code)
		return p->code;
	if (!p->got_any)
		return 0;
	llhttp_errno_t e = llhttp_finish(&p->ll);
	if (p->complete)
		return 1;
	(void)e;
	if (!p->final_head)
		sk_err_set(p->err, SK_EHTTPSHORT, "closed in the head, after %llu bytes",
			   (unsigned long long)p->wire_bytes);
	else if (sk_http_content_length(p) >= 0 && !sk_http_chunked(p))
		sk_err_set(p->err, SK_EHTTPSHORT,
			   "body cut short: %llu of %lld bytes",
			   (unsigned long long)p->body_bytes,
			   (long long)sk_http_content_length(p));
	else
		sk_err_set(p->err, SK_EHTTPSHORT,
			   "chunked body cut short after %llu bytes",
			   (unsigned long long)p->body_bytes);
	p->code = SK_EHTTPSHORT;
	return p->code;
}

const char *sk_http_parser_error(const struct sk_http_parser *p)
{
	return p->err[0] ? p->err : "no error";
}

uint64_t sk_http_head_bytes(const struct sk_http_parser *p)
{
	return p->head_bytes;
}

uint64_t sk_http_body_bytes(const struct sk_http_parser *p)
{
	return p->body_bytes;
}

uint64_t sk_http_wire_bytes(const struct sk_http_parser *p)
{
	return p->wire_bytes;
}

int sk_http_status(const struct sk_http_parser *p)
{
	return llhttp_get_status_code((llhttp_t *)&p->ll);
}

static const char *string_at(const struct sk_http_parser *p, size_t off)
{
	return off == SIZE_MAX ? "" : p->buf + off;
}

const char *sk_http_reason(const struct sk_http_parser *p)
{
	return string_at(p, p->reason_off);
}

int sk_http_version_major(const struct sk_http_parser *p)
{
	return llhttp_get_http_major((llhttp_t *)&p->ll);
}

int sk_http_version_minor(const struct sk_http_parser *p)
{
	return llhttp_get_http_minor((llhttp_t *)&p->ll);
}

const char *sk_http_method(const struct sk_http_parser *p)
{
	return string_at(p, p->method_off);
}

const char *sk_http_target(const struct sk_http_parser *p)
{
	return string_at(p, p->target_off);
}

int64_t sk_http_content_length(const struct sk_http_parser *p)
{
	const char *v = sk_http_header_get(p, "Content-Length");
	if (!v)
		return -1;
	int64_t n = 0;
	if (!*v)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > INT64_MAX / 10 - 10)
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

bool sk_http_chunked(const struct sk_http_parser *p)
{
	return (p->ll.flags & F_CHUNKED) != 0;
}

bool sk_http_keep_alive(const struct sk_http_parser *p)
{
	return llhttp_should_keep_alive(&p->ll) != 0;
}

size_t sk_http_header_count(const struct sk_http_parser *p)
{
	return p->final_head ? p->nhdr : 0;
}

const struct sk_http_header *sk_http_header_at(const struct sk_http_parser *p,
					       size_t i)
{
	return i < sk_http_header_count(p) ? &p->hdr[i] : NULL;
}

size_t sk_http_trailer_start(const struct sk_http_parser *p)
{
	return p->trailer_start;
}

const char *sk_http_header_get(const struct sk_http_parser *p,
			       const char *name)
{
	if (!p->final_head)
		return NULL;
	for (size_t i = 0; i < p->trailer_start; i++)
		if (!strcasecmp(p->hdr[i].name, name))
			return p->hdr[i].value;
	return NULL;
}

bool sk_http_head_done(const struct sk_http_parser *p)
{
	return p->final_head;
}
