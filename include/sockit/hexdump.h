/* A hexdump in the layout of `hexdump -C`. */
#ifndef SOCKIT_HEXDUMP_H
#define SOCKIT_HEXDUMP_H

#include <stddef.h>
#include <stdint.h>

/* Size of a buffer that always holds the dump of n bytes, NUL included. */
#define SK_HEXDUMP_SIZE(n) ((((n) + 15) / 16 + 2) * 80)

/* Writes the dump of in[0..n) into out, byte offsets counted from base:
 *   00000000  48 65 6c 6c 6f 0a                                 |Hello.|
 *   00000006
 * Repeated identical full lines are squeezed to "*" as hexdump -C does, and
 * the last line is the end offset.  An empty input writes nothing.  Same
 * return contract as snprintf. */
size_t sk_hexdump(const uint8_t *in, size_t n, size_t base, char *out,
		  size_t cap);

#endif
