/* The libidn2 functions sockit uses, loaded on first call (see lazy.h):
 * libidn2 pulls in libunistring (1.7 MB), and only a host name with
 * non-ASCII letters needs it.  SK_SONAME_IDN2 comes from the Makefile. */
#include "lazy.h"

#include <idn2.h>

static struct lazy_lib lib_idn2 = { SK_SONAME_IDN2, NULL };

SK_LAZY(lib_idn2, int, idn2_lookup_u8, (const uint8_t *src, uint8_t **lookupname, int flags), (src, lookupname, flags))
SK_LAZY(lib_idn2, const char *, idn2_strerror, (int rc), (rc))
SK_LAZY_VOID(lib_idn2, idn2_free, (void *ptr), (ptr))
