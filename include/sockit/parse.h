/* Numbers and durations as users write them on the command line. */
#ifndef SOCKIT_PARSE_H
#define SOCKIT_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Parses a decimal integer in [min, max] (no sign, no spaces, no suffix).
 * Returns 0, SK_EBADNUMBER or SK_ERANGE. */
int sk_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Parses a duration into milliseconds: "500ms", "2s", "1.5s", "1m", "1h",
 * or a bare number meaning seconds (netcat's -w SECS).  Anything finer than
 * a millisecond, negative, or above a year is refused.
 * Returns 0 or SK_EBADDURATION. */
int sk_parse_duration(const char *text, uint64_t *ms);

#endif
