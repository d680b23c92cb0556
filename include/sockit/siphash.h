/* SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit hash, fast on short
 * inputs and unpredictable without the key.  The scanner keys SYN sequence
 * numbers with it so that replies validate with no per-probe state. */
#ifndef SOCKIT_SIPHASH_H
#define SOCKIT_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* The hash of len bytes at data under a 128-bit key. */
uint64_t sk_siphash24(const uint8_t key[16], const void *data, size_t len);

#endif
