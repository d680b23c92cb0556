/* libFuzzer: the dissect walk over every link type, each layer's fields,
 * both summaries, and the decoders that the walk reaches only through
 * their callers (TCP options, neighbour discovery) on the raw input.
 * Input: a 2-byte big-endian link type, then the frame (the seeds in
 * fuzz/corpus/dissect are scapy's frames from tests/e2e/packet_corpus.py).
 * Invariants: no layer reaches past the captured bytes, the field list
 * names what sk_layer_fields names, and the summary's length is what
 * snprintf would say. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/dissect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = { SK_LINK_ETHERNET, SK_LINK_SLL, SK_LINK_SLL2,
				 SK_LINK_NULL, SK_LINK_LOOP, SK_LINK_RAW,
				 SK_LINK_IPV4, SK_LINK_IPV6, SK_LINK_PPP, SK_LINK_PPP_HDLC,
				 SK_LINK_C_HDLC, SK_LINK_IEEE802_11, SK_LINK_RADIOTAP };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int lt = sk_be16(data);
	bool known = false;
	for (size_t i = 0; i < sizeof linktypes / sizeof linktypes[0]; i++)
		known |= linktypes[i] == lt;
	if (!known)
		lt = linktypes[lt % (sizeof linktypes / sizeof linktypes[0])];
	const uint8_t *f = data + 2;
	size_t n = size - 2;
	/* A private copy so that ASan sees the exact end of the frame. */
	uint8_t *frame = malloc(n ? n : 1);
	memcpy(frame, f, n);
	struct sk_dissection d;
	int rc = sk_dissect(lt, frame, n, n + (n & 7), &d);
	if (rc < 0 || (unsigned)rc != d.n)
		abort();
	for (unsigned i = 0; i < d.n; i++) {
		const struct sk_layer *l = &d.layer[i];
		if ((size_t)l->offset + l->hdr_len > n)
			abort();
		struct sk_field fields[SK_FIELDS_MAX];
		int nf = sk_layer_fields(&d, i, fields, SK_FIELDS_MAX);
		for (int k = 0; k < nf; k++)
			if (fields[k].kind == SK_FIELD_STR &&
			    strnlen(fields[k].str, SK_FIELD_STRLEN) == SK_FIELD_STRLEN)
				abort();
		/* The list names the same fields; its texts stay under the
		 * bound emitters make room by, and are read whole here. */
		struct sk_field_list fl;
		if (sk_layer_list(&d, i, &fl) != nf || fl.used > sizeof fl.scratch)
			abort();
		for (unsigned k = 0; k < fl.n; k++) {
			const struct sk_field_ref *r = &fl.f[k];
			if (r->kind == SK_REF_TEXT &&
			    (r->text_len >= SK_FIELD_STRLEN || memchr(r->text, 0, r->text_len)))
				abort();
		}
	}
	char line[1024], small[16];
	size_t want = sk_dissect_summary(&d, true, line, sizeof line);
	if (want < sizeof line && strlen(line) != want)
		abort();
	size_t want2 = sk_dissect_summary(&d, true, small, sizeof small);
	if (want2 != want)
		abort();
	sk_dissect_summary(&d, false, line, sizeof line);
	struct sk_tcp_opts o;
	sk_tcp_options(frame, n, &o);
	struct sk_nd nd;
	sk_nd_decode(frame, n, &nd);
	free(frame);
	return 0;
}
