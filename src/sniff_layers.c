/* sniff --layers: each layer's byte range, then its fields one a line,
 * written straight into the output buffer as the library's walk hands
 * them over. */
#include <arpa/inet.h>
#include <string.h>

#include "sniff_view.h"
#include "sockit/error.h"

/* Why a padding layer is there, in the lesson's words. */
static void padding_note(struct sk_str *s, const struct sk_dissection *d,
			 const struct sk_layer *l)
{
	if (d->link < 0 || d->layer[d->link].proto != SK_P_ETH)
		return;
	if (l->offset + l->hdr_len != 60) {
		sk_str_puts(s, "    note       bytes after the end the headers declare (trailer)\n");
		return;
	}
	sk_str_puts(s, "    note       Ethernet's payload is at least 46 bytes: ");
	sk_str_u64(s, l->offset - 14);
	sk_str_puts(s, " bytes of ");
	sk_str_puts(s, d->net >= 0 ? sk_layer_name(&d->layer[d->net]) : "data");
	sk_str_puts(s, " + ");
	sk_str_u64(s, l->hdr_len);
	sk_str_puts(s, " of padding = 46\n");
}

/* "  tcp           bytes 34-53 (header 20, payload 0)" */
static void layer_heading(struct sk_str *s, const struct sk_layer *l)
{
	static const char truncated[] = " TRUNCATED: the capture ends inside this header",
			  malformed[] = " MALFORMED: the header contradicts itself";
	char *p = sk_str_room(s, 160);
	if (!p)
		return;
	const char *name = sk_layer_name(l);
	size_t n = strlen(name);
	/* Indent, and the name over thirteen spaces of padding. */
	memcpy(p, "                ", 16);
	sniff_put_short(p + 2, name, n);
	p += 2 + (n < 13 ? 13 : n);
	SNIFF_PUT(p, " bytes ");
	unsigned last = l->offset + l->hdr_len;
	p = sniff_put_num(p, l->offset);
	*p++ = '-';
	p = sniff_put_num(p, last ? last - 1 : 0);
	if (l->proto == SK_P_DATA || l->proto == SK_P_PADDING) {
		SNIFF_PUT(p, " (");
		p = sniff_put_num(p, l->hdr_len);
		SNIFF_PUT(p, " bytes)");
	} else {
		SNIFF_PUT(p, " (header ");
		p = sniff_put_num(p, l->hdr_len);
		SNIFF_PUT(p, ", payload ");
		p = sniff_put_num(p, l->payload_len);
		*p++ = ')';
	}
	if (l->status == SK_ETRUNCATED)
		SNIFF_PUT(p, truncated);
	else if (l->status)
		SNIFF_PUT(p, malformed);
	*p++ = '\n';
	sk_str_commit(s, p);
}

/* "0x" and at least four hex digits, as the text has always shown them. */
static char *put_hex(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	unsigned n = 4;
	while (n < 16 && v >> (4 * n))
		n++;
	*p++ = '0';
	*p++ = 'x';
	for (unsigned i = n; i-- > 0; v >>= 4)
		p[i] = digits[v & 15];
	return p + n;
}

static inline char *put_value(char *p, const struct sk_field_ref *f)
{
	switch (f->kind) {
	case SK_REF_UINT: return f->flags & SK_REF_HEX ? put_hex(p, f->num) : sniff_put_num(p, f->num);
	case SK_REF_BOOL:
		memcpy(p, f->num ? "yes" : "no", 3);
		return p + (f->num ? 3 : 2);
	case SK_REF_TEXT: return sniff_put_short(p, f->text, f->text_len);
	case SK_REF_IPV4: return p + sk_ipv4_format(f->addr, p);
	case SK_REF_MAC: sk_mac_format(f->addr, p); return p + 17;
	case SK_REF_IPV6:
		inet_ntop(AF_INET6, f->addr, p, INET6_ADDRSTRLEN);
		return p + strlen(p);
	}
	return p;
}

/* The most one line can take: indent, a name of up to 255 bytes and its
 * padding, the longest value, a name for it and the checksum's verdict. */
#define LINE_MAX (4 + 255 + 1 + 2 * (SK_FIELD_STRLEN - 1) + 3 + sizeof bad_note)

static const char bad_note[] = "  BAD CHECKSUM";

/* One line a field, "type 0x0806 (ARP)" when the next field names the
 * value; data's and padding's length are in their heading. */
static void layer_fields(struct sk_str *s, enum sk_proto proto, const struct sk_field_list *fl)
{
	if (proto == SK_P_DATA)
		return;
	char *p = sk_str_room(s, (size_t)fl->n * LINE_MAX);
	if (!p)
		return;
	for (unsigned k = 0; k < fl->n; k++) {
		const struct sk_field_ref *f = &fl->f[k];
		if (proto == SK_P_PADDING && f->name_len == 6 && !memcmp(f->name, "length", 6))
			continue;
		/* Indent, and the name over ten spaces of padding. */
		memcpy(p, "              ", 14);
		sniff_put_short(p + 4, f->name, f->name_len);
		p += 4 + (f->name_len < 10 ? 10 : f->name_len);
		*p++ = ' ';
		p = put_value(p, f);
		/* A name for the value is always text. */
		if (k + 1 < fl->n && (fl->f[k + 1].flags & SK_REF_NAMES_PREV)) {
			const struct sk_field_ref *name = &fl->f[++k];
			*p++ = ' ';
			*p++ = '(';
			p = sniff_put_short(p, name->text, name->text_len);
			*p++ = ')';
		}
		if (f->kind == SK_REF_BOOL && !f->num && f->name_len == 11 &&
		    !memcmp(f->name, "checksum_ok", 11))
			SNIFF_PUT(p, bad_note);
		*p++ = '\n';
	}
	sk_str_commit(s, p);
}

void sniff_layers_view(struct sk_str *s, const struct sk_dissection *d)
{
	struct sk_field_list fl;
	for (unsigned i = 0; i < d->n; i++) {
		const struct sk_layer *l = &d->layer[i];
		layer_heading(s, l);
		sk_layer_list(d, i, &fl);
		layer_fields(s, l->proto, &fl);
		if (l->proto == SK_P_PADDING)
			padding_note(s, d, l);
	}
	/* Bytes no layer accounts for: after a header that could not be read. */
	if (d->n) {
		size_t end = sniff_undecoded_from(d);
		if (end < d->caplen) {
			sk_str_puts(s, "  undecoded     bytes ");
			sk_str_u64(s, end);
			sk_str_putc(s, '-');
			sk_str_u64(s, d->caplen - 1);
			sk_str_puts(s, " (");
			sk_str_u64(s, d->caplen - end);
			sk_str_puts(s, " bytes)\n");
		}
	}
	if (d->caplen < d->wirelen) {
		sk_str_puts(s, "  (");
		sk_str_u64(s, d->wirelen - d->caplen);
		sk_str_puts(s, " bytes on the wire were not captured: snap length)\n");
	}
}
