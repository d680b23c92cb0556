/* Internal to lib/xfer: the file digest a session negotiated (SHA-256 over
 * OpenSSL's EVP, or XXH3-128), behind one interface. */
#ifndef SOCKIT_XFER_DIGEST_H
#define SOCKIT_XFER_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "sockit/xfer.h"

struct evp_md_ctx_st;
struct XXH3_state_s;

struct sk__digest {
	enum sk_xfer_digest kind;
	struct evp_md_ctx_st *sha;
	struct XXH3_state_s *xxh;
};

/* Starts a digest of kind.  Returns 0 or -ENOMEM (-EINVAL for an unknown
 * kind); free with sk__digest_free either way. */
int sk__digest_init(struct sk__digest *d, enum sk_xfer_digest kind);
/* Starts over, as after init. */
int sk__digest_reset(struct sk__digest *d);
int sk__digest_update(struct sk__digest *d, const void *p, size_t n);
/* The digest so far, the context going on; out holds SK_XFER_DIGEST_MAX
 * bytes, sk_xfer_digest_len(kind) of them written.  0 or -ENOMEM. */
int sk__digest_peek(struct sk__digest *d, uint8_t *out);
void sk__digest_free(struct sk__digest *d);

/* Adds the first n bytes of fd (from offset 0, with pread) to d. */
int sk__digest_file(struct sk__digest *d, int fd, uint64_t n, uint8_t *buf, size_t cap);

#endif
