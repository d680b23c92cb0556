/* libFuzzer: target specs (no DNS).  Invariants: whatever is accepted
 * finishes or fails cleanly; every index maps to an address inside the
 * count, in ascending order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp_ip(const struct sk_ip *a, const struct sk_ip *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512];
	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	struct sk_targets *t;
	if (sk_targets_new(&t))
		return 0;
	char err[SK_ERRLEN];
	/* Items separated by ' '; a leading '!' makes an exclusion. */
	char *save = NULL;
	int rc = 0;
	for (char *tok = strtok_r(text, " ", &save); tok && !rc; tok = strtok_r(NULL, " ", &save))
		rc = tok[0] == '!' ? sk_targets_exclude(t, tok + 1, SK_TARGETS_NORESOLVE, err)
				   : sk_targets_add(t, tok, SK_TARGETS_NORESOLVE, err);
	if (!rc && sk_targets_finish(t, 1u << 20, err) == 0) {
		uint64_t n = sk_targets_count(t);
		struct sk_ip prev, cur;
		uint64_t step = n / 64 + 1;
		for (uint64_t i = 0; i < n; i += step) {
			sk_targets_get(t, i, &cur);
			if (i && cmp_ip(&prev, &cur) >= 0)
				abort();
			prev = cur;
		}
		sk_targets_get(t, n - 1, &cur);
	}
	sk_targets_free(t);
	return 0;
}
