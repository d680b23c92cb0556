/* International domain names through libidn2, converted the way curl does:
 * TR46 non-transitional processing first ("faß.de" keeps its ß), then
 * transitional for names only IDNA 2003 accepted. */
#include "sockit/idna.h"
#include "sockit/bytes.h"
#include "sockit/error.h"

#include <idn2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The longest UTF-8 name taken: 253 characters of up to 4 bytes. */
#define IDNA_IN_MAX 1024

bool sk_idna_needed(const char *name, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] >= 0x80)
			return true;
	return false;
}

int sk_idna_to_ascii(const char *name, size_t n, char *out, size_t cap, char *err)
{
	if (!sk_idna_needed(name, n)) {
		if (n >= cap)
			return sk_err_set(err, SK_ETOOLONG, "host name of %zu bytes", n);
		memcpy(out, name, n);
		out[n] = 0;
		return (int)n;
	}
	if (n >= IDNA_IN_MAX)
		return sk_err_set(err, SK_ETOOLONG, "host name of %zu bytes", n);
	char in[IDNA_IN_MAX];
	memcpy(in, name, n);
	in[n] = 0;
	uint8_t *ace = NULL;
	int rc = idn2_lookup_u8((const uint8_t *)in, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		rc = idn2_lookup_u8((const uint8_t *)in, &ace, IDN2_TRANSITIONAL);
	if (rc != IDN2_OK) {
		/* Escaped: the bytes may not even be UTF-8. */
		char shown[4 * 64 + 1];
		sk_escape((const uint8_t *)in, n < 64 ? n : 64, shown, sizeof shown);
		return sk_err_set(err, SK_EBADHOST, "host '%s': not a valid international name (%s)",
				  shown, idn2_strerror(rc));
	}
	size_t len = strlen((const char *)ace);
	/* Compatibility mapping turns some letters into ASCII punctuation
	 * (U+00A0 into a space, full-width '／' into '/'): a name that comes
	 * out holding what no host name holds is refused, not passed on. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = ace[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
		if (!ok) {
			char shown[4 * 64 + 1];
			sk_escape((const uint8_t *)in, n < 64 ? n : 64, shown, sizeof shown);
			sk_err_set(err, SK_EBADHOST,
				   "host '%s': its ASCII form holds '%c', not allowed in a host name",
				   shown, c);
			idn2_free(ace);
			return SK_EBADHOST;
		}
	}
	if (len >= cap) {
		sk_err_set(err, SK_ETOOLONG, "host '%.64s': %zu characters in ASCII form",
			   (const char *)ace, len);
		idn2_free(ace);
		return SK_ETOOLONG;
	}
	memcpy(out, ace, len + 1);
	idn2_free(ace);
	return (int)len;
}
