/* libFuzzer: the data notation.  Escaped text and hex input never crash,
 * never write past their bound, and escaping any bytes reads back exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	/* Outputs sized exactly to the documented bound, so ASan catches any
	 * write past it. */
	uint8_t *out = malloc(size ? size : 1);
	size_t bad = 0;
	int n = sk_unescape((const char *)data, size, out, &bad);
	if (n > (int)size || (n < 0 && bad >= size))
		abort();
	n = sk_hex_decode((const char *)data, size, out, &bad);
	if (n > (int)(size / 2 + 1) || (n < 0 && bad > size))
		abort();
	free(out);

	char *text = malloc(4 * size + 1);
	size_t len = sk_escape(data, size, text, 4 * size + 1);
	if (len > 4 * size || strlen(text) != len)
		abort();
	uint8_t *back = malloc(len ? len : 1);
	n = sk_unescape(text, len, back, &bad);
	if (n != (int)size || memcmp(back, data, size))
		abort();
	free(back);
	free(text);
	return 0;
}
