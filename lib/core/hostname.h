/* What a host spec looks like before it is looked up (internal): the one
 * test the scan targets, the host lists and the endpoint parser share. */
#ifndef SOCKIT_CORE_HOSTNAME_H
#define SOCKIT_CORE_HOSTNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "sockit/idna.h"

/* s[0..n) is one or more decimal digits. */
static inline bool sk__all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* A host name as DNS allows: letters, digits, '-', '.', '_', and the
 * non-ASCII letters of an international name (the resolver converts it). */
static inline bool sk__name_like(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > (sk_idna_needed(s, n) ? 1000 : 253))
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c >= 0x80))
			return false;
	}
	return true;
}

#endif
