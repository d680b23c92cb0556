/* sniff --json: one object per frame, written straight into the output
 * buffer.  Each piece makes room once for its largest form and is then
 * written without further checks; the fields arrive from the library's
 * walk without being copied on the way. */
#include <arpa/inet.h>
#include <string.h>

#include "sniff_view.h"
#include "sockit/error.h"

static inline char *put_value(char *p, const struct sk_field_ref *f)
{
	switch (f->kind) {
	case SK_REF_UINT: return sniff_put_num(p, f->num);
	case SK_REF_BOOL: return f->num ? SNIFF_PUT(p, "true") : SNIFF_PUT(p, "false");
	case SK_REF_TEXT: return sk_put_json_string(p, (const uint8_t *)f->text, f->text_len);
	case SK_REF_IPV4:
		*p++ = '"';
		p += sk_ipv4_format(f->addr, p);
		break;
	case SK_REF_MAC:
		*p++ = '"';
		sk_mac_format(f->addr, p);
		p += 17;
		break;
	case SK_REF_IPV6:
		*p++ = '"';
		inet_ntop(AF_INET6, f->addr, p, INET6_ADDRSTRLEN);
		p += strlen(p);
		break;
	}
	*p++ = '"';
	return p;
}

/* The most one field can take: a name of up to 255 bytes, quotes, colon
 * and comma, and the longest value (text of SK_FIELD_STRLEN - 1 bytes,
 * each escaped to 6). */
#define FIELD_MAX (255 + 4 + 6 * (SK_FIELD_STRLEN - 1) + 2)

/* The members of "fields": room made once for the layer. */
static void json_fields(struct sk_str *s, const struct sk_field_list *fl)
{
	char *p = sk_str_room(s, (size_t)fl->n * FIELD_MAX + 2);
	if (!p)
		return;
	for (unsigned k = 0; k < fl->n; k++) {
		const struct sk_field_ref *f = &fl->f[k];
		*p = ',';
		p += k != 0;
		*p++ = '"';
		p = sniff_put_short(p, f->name, f->name_len);
		*p++ = '"';
		*p++ = ':';
		p = put_value(p, f);
	}
	*p++ = '}';
	*p++ = '}';
	sk_str_commit(s, p);
}

/* The fixed members of a layer, up to the opening of its "fields". */
#define LAYER_HEAD_MAX 160

/* '{"name":"tcp","offset":' for each kind of layer, laid out once. */
struct layer_prefix {
	char text[48];
	size_t len;
};

static const struct layer_prefix *prefix_of(struct layer_prefix *c, const char *name)
{
	if (!c->len) {
		char *p = c->text;
		SNIFF_PUT(p, "{\"name\":\"");
		p = sniff_put_short(p, name, strlen(name));
		SNIFF_PUT(p, "\",\"offset\":");
		c->len = (size_t)(p - c->text);
	}
	return c;
}

/* An extension header's name depends on which one it is: laid out in
 * scratch each time. */
static const struct layer_prefix *layer_prefix(const struct sk_layer *l,
					       struct layer_prefix *scratch)
{
	static struct layer_prefix cache[SK_P_PADDING + 1];
	unsigned k = (unsigned)l->proto;
	if (k < sizeof cache / sizeof cache[0] && l->proto != SK_P_IPV6_EXT)
		return prefix_of(&cache[k], sk_layer_name(l));
	scratch->len = 0;
	return prefix_of(scratch, sk_layer_name(l));
}

static char *layer_head(char *p, bool first, const struct layer_prefix *pre, uint64_t offset,
			uint64_t length, uint64_t payload, int status)
{
	if (!first)
		*p++ = ',';
	p = sniff_put_short(p, pre->text, pre->len);
	p = sniff_put_num(p, offset);
	SNIFF_PUT(p, ",\"length\":");
	p = sniff_put_num(p, length);
	SNIFF_PUT(p, ",\"payload\":");
	p = sniff_put_num(p, payload);
	if (!status) {
		SNIFF_PUT(p, ",\"status\":\"ok\",\"fields\":{");
		return p;
	}
	SNIFF_PUT(p, ",\"status\":\"");
	const char *word = status == SK_ETRUNCATED ? "truncated" : "malformed";
	p = sniff_put_short(p, word, strlen(word));
	SNIFF_PUT(p, "\",\"fields\":{");
	return p;
}

static void json_layers(struct sk_str *s, const struct sk_dissection *d)
{
	struct sk_field_list fl;
	for (unsigned i = 0; i < d->n; i++) {
		const struct sk_layer *l = &d->layer[i];
		char *p = sk_str_room(s, LAYER_HEAD_MAX);
		if (!p)
			return;
		struct layer_prefix scratch;
		sk_str_commit(s, layer_head(p, i == 0, layer_prefix(l, &scratch), l->offset,
					    l->hdr_len, l->payload_len, l->status));
		sk_layer_list(d, i, &fl);
		json_fields(s, &fl);
	}
	/* The bytes after a header that could not be read belong to no
	 * decoded layer: listed as such, so that every byte is in one. */
	size_t end = sniff_undecoded_from(d);
	if (end < d->caplen) {
		char *p = sk_str_room(s, LAYER_HEAD_MAX);
		if (!p)
			return;
		static struct layer_prefix undecoded;
		p = layer_head(p, d->n == 0, prefix_of(&undecoded, "undecoded"), end,
			       d->caplen - end, 0, 0);
		sk_str_commit(s, SNIFF_PUT(p, "}}"));
	}
}

/* The frame's own members: up to 5 numbers of 20 digits, the summary. */
#define FRAME_HEAD_MAX 200

void sniff_json_view(struct sk_str *s, struct sniff_fmt *f, unsigned long long n,
		     const struct timeval *ts, const struct sk_dissection *d)
{
	char line[1024];
	size_t len = sk_dissect_summary(d, f->link, line, sizeof line);
	if (len >= sizeof line)
		len = sizeof line - 1;
	char *p = sk_str_room(s, FRAME_HEAD_MAX + 6 * len);
	if (!p)
		return;
	SNIFF_PUT(p, "{\"n\":");
	p = sniff_put_num(p, n);
	SNIFF_PUT(p, ",\"time\":");
	p = sniff_put_num(p, (uint64_t)sniff_capture_seconds(ts));
	if (sniff_fraction_ok(ts)) {
		*p++ = '.';
		p = sniff_put_usec(p, ts->tv_usec);
	} else {
		SNIFF_PUT(p, ",\"time_fraction_bad\":true");
	}
	SNIFF_PUT(p, ",\"caplen\":");
	p = sniff_put_num(p, d->caplen);
	SNIFF_PUT(p, ",\"len\":");
	p = sniff_put_num(p, d->wirelen);
	SNIFF_PUT(p, ",\"linktype\":");
	p = sniff_put_num(p, (uint64_t)(unsigned)d->linktype);
	SNIFF_PUT(p, ",\"summary\":");
	p = sk_put_json_string(p, (const uint8_t *)line, len);
	SNIFF_PUT(p, ",\"layers\":[");
	sk_str_commit(s, p);
	json_layers(s, d);
	sk_str_append(s, "]}\n", 3);
}
