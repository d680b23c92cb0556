#include "sockit/parse.h"
#include "sockit/error.h"

#include <string.h>

int sk_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!*text)
		return SK_EBADNUMBER;
	uint64_t v = 0;
	bool overflow = false;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return SK_EBADNUMBER;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	if (overflow || v < min || v > max)
		return SK_ERANGE;
	*out = v;
	return 0;
}

int sk_parse_duration(const char *text, uint64_t *ms)
{
	/* Whole and fractional parts kept as integers: no float rounding. */
	uint64_t whole = 0, frac = 0, frac_scale = 1;
	const char *p = text;
	if (*p < '0' || *p > '9')
		return SK_EBADDURATION;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 1000000000ull)
			return SK_EBADDURATION;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return SK_EBADDURATION;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (frac_scale >= 1000000000ull)
				return SK_EBADDURATION;
			frac = frac * 10 + (uint64_t)(*p - '0');
			frac_scale *= 10;
		}
	}
	uint64_t unit_ms;
	if (!*p || !strcmp(p, "s"))
		unit_ms = 1000;
	else if (!strcmp(p, "ms"))
		unit_ms = 1;
	else if (!strcmp(p, "m"))
		unit_ms = 60000;
	else if (!strcmp(p, "h"))
		unit_ms = 3600000;
	else
		return SK_EBADDURATION;
	uint64_t total = whole * unit_ms;
	uint64_t frac_ms = frac * unit_ms;
	if (frac_ms % frac_scale)
		return SK_EBADDURATION; /* finer than a millisecond */
	total += frac_ms / frac_scale;
	if (total > 365ull * 24 * 3600 * 1000)
		return SK_EBADDURATION;
	*ms = total;
	return 0;
}
