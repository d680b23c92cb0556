/* libFuzzer: the request parser http serve uses, on arbitrary bytes with
 * pipelined requests, and the path and Range rules on what it accepts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_REQUEST, false, NULL, NULL);
	if (!p)
		return 0;
	size_t off = 0;
	for (int n = 0; n < 16 && off <= size; n++) {
		size_t used = 0;
		int rc = sk_http_parser_feed(p, data + off, size - off, &used);
		if (used > size - off)
			abort();
		off += used;
		if (rc != 1)
			break;
		char path[SK_URL_TARGETLEN];
		bool slash;
		if (sk_http_path_clean(sk_http_target(p), path, sizeof path, &slash) == 0) {
			for (const char *s = path; (s = strstr(s, "..")); s++)
				if ((s == path || s[-1] == '/') && (s[2] == 0 || s[2] == '/'))
					abort();
			if (path[0] == '/')
				abort();
		}
		uint64_t first, last;
		if (sk_http_range_parse(sk_http_header_get(p, "Range"), 4096, &first,
					&last) == 1 &&
		    (first > last || last >= 4096))
			abort();
		sk_http_parser_reset(p);
		if (used == 0)
			break;
	}
	sk_http_parser_free(p);
	return 0;
}
