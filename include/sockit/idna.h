/* International domain names: a host name with non-ASCII (UTF-8) labels
 * in the ASCII form that DNS, HTTP's Host header and TLS's server name
 * carry ("bücher.example" -> "xn--bcher-kva.example"), as curl converts
 * them: IDNA 2008 with Unicode TR46 mapping, through libidn2. */
#ifndef SOCKIT_IDNA_H
#define SOCKIT_IDNA_H

#include <stdbool.h>
#include <stddef.h>

/* True when the n bytes of name hold a non-ASCII byte, so that the name
 * needs sk_idna_to_ascii before it names anything on the network. */
bool sk_idna_needed(const char *name, size_t n);

/* Writes the ASCII form of the n bytes of name (UTF-8) to out, NUL
 * terminated; an ASCII name is copied as it is.  Returns its length, or
 * SK_EBADHOST when name is not a valid international name (bad UTF-8, a
 * character IDNA disallows), SK_ETOOLONG when the result does not fit in
 * cap bytes; err says which. */
int sk_idna_to_ascii(const char *name, size_t n, char *out, size_t cap, char *err);

#endif
