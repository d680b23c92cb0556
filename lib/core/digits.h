/* Decimal digits two at a time (internal): "00" to "99", for the number
 * and address formatters that run for every field of every frame. */
#ifndef SOCKIT_CORE_DIGITS_H
#define SOCKIT_CORE_DIGITS_H

#include <string.h>

extern const char sk__digit_pairs[201];

/* v < 100 as its two digits at p. */
static inline void sk__put_pair(char *p, unsigned v)
{
	memcpy(p, sk__digit_pairs + 2 * v, 2);
}

#endif
