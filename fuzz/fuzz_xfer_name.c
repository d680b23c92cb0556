/* libFuzzer: the receiver's name check.  Whatever it accepts must be a
 * relative path with no empty, '.' or '..' component and no NUL or control
 * byte, checked here independently of the checker's own code. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/xfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_be_safe(const uint8_t *p, size_t n)
{
	if (n == 0 || n > SK_XFER_NAME_MAX || p[0] == '/')
		abort();
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			abort();
	const uint8_t *c = p, *end = p + n;
	while (c <= end) {
		const uint8_t *slash = memchr(c, '/', (size_t)(end - c));
		const uint8_t *stop = slash ? slash : end;
		size_t len = (size_t)(stop - c);
		if (len == 0 || len > SK_XFER_COMPONENT_MAX)
			abort();
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			abort();
		c = stop + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SK_ERRLEN];
	int rc = sk_xfer_name_check(data, size, err);
	if (rc == 0)
		must_be_safe(data, size);
	else if (rc != SK_ENAMEBAD || strchr(err, '\n'))
		abort();
	return 0;
}
