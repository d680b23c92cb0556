/* libFuzzer: the response parser on arbitrary bytes, fed in two pieces at
 * a point chosen by the first byte, then closed.  It must never crash or
 * read out of bounds, and the body it hands out never exceeds the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct count {
	uint64_t body;
	int heads;
};

static int on_head(void *ctx)
{
	((struct count *)ctx)->heads++;
	return 0;
}

static int on_body(void *ctx, const uint8_t *d, size_t n)
{
	(void)d;
	((struct count *)ctx)->body += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	bool head = data[0] & 1;
	size_t split = (size_t)data[1] % size;
	data += 2;
	size -= 2;
	if (split > size)
		split = size;
	struct count c = { 0, 0 };
	struct sk_http_callbacks cb = { on_head, on_body };
	struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_RESPONSE, head, &cb, &c);
	if (!p)
		return 0;
	size_t u1 = 0, u2 = 0;
	int rc = sk_http_parser_feed(p, data, split, &u1);
	if (rc == 0)
		rc = sk_http_parser_feed(p, data + split, size - split, &u2);
	if (rc == 0)
		rc = sk_http_parser_finish(p);
	if (u1 + u2 > size || c.body > size || c.heads > 1)
		abort();
	if (rc == 1) {
		if (c.heads != 1 || sk_http_status(p) < 100)
			abort();
		for (size_t i = 0; i < sk_http_header_count(p); i++) {
			const struct sk_http_header *h = sk_http_header_at(p, i);
			if (strlen(h->name) != h->name_len || strlen(h->value) != h->value_len)
				abort();
		}
	}
	if (rc < 0 && strchr(sk_http_parser_error(p), '\n'))
		abort();
	sk_http_parser_free(p);
	return 0;
}
