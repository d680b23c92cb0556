/* libFuzzer: URL parsing and Location resolution never crash, and an
 * accepted URL formats back into text that parses to the same URL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct sk_url *u)
{
	static char back[SK_URL_MAXLEN + 64];
	static struct sk_url again;
	if (sk_url_format(u, back, sizeof back) < 0)
		abort();
	if (sk_url_parse(back, &again, NULL) != 0 || again.https != u->https ||
	    again.port != u->port || strcmp(again.host, u->host) ||
	    strcmp(again.target, u->target))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[SK_URL_MAXLEN + 16];
	static struct sk_url u, base, out;
	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	char err[SK_ERRLEN];
	if (sk_url_parse(text, &u, err) == 0)
		roundtrip(&u);
	if (sk_url_parse("http://h.example:8080/a/b/c?q", &base, NULL))
		abort();
	if (sk_url_resolve(&base, text, &out, err) == 0)
		roundtrip(&out);
	bool slash;
	char path[SK_URL_TARGETLEN];
	if (sk_http_path_clean(text, path, sizeof path, &slash) == 0) {
		/* A cleaned path never climbs and is never absolute. */
		for (const char *s = path; (s = strstr(s, "..")); s++)
			if ((s == path || s[-1] == '/') && (s[2] == 0 || s[2] == '/'))
				abort();
		if (path[0] == '/')
			abort();
	}
	uint64_t first, last;
	if (sk_http_range_parse(text, 1000, &first, &last) == 1 &&
	    (first > last || last >= 1000))
		abort();
	return 0;
}
