/* The xfer frame encoder and decoder (docs/PROTOCOL.md): pure functions
 * over byte buffers, no I/O, no allocation.  Fields are read with be*()
 * after one bounds check per frame, never by casting bytes to a struct. */
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/xfer.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

const char *sk_xfer_reason_name(unsigned reason)
{
	switch (reason) {
#define SK__XNAME(name, num, text) case num: return text;
		SK_XFER_REASONS(SK__XNAME)
#undef SK__XNAME
	}
	return NULL;
}

size_t sk_xfer_digest_len(unsigned digest)
{
	switch (digest) {
	case SK_XFER_DIGEST_SHA256: return 32;
	case SK_XFER_DIGEST_XXH128: return 16;
	default: return 0;
	}
}

const char *sk_xfer_digest_name(unsigned digest)
{
	switch (digest) {
	case SK_XFER_DIGEST_SHA256: return "sha256";
	case SK_XFER_DIGEST_XXH128: return "xxh128";
	default: return NULL;
	}
}

int sk_xfer_digest_parse(const char *name, enum sk_xfer_digest *out)
{
	if (!strcmp(name, "sha256"))
		*out = SK_XFER_DIGEST_SHA256;
	else if (!strcmp(name, "xxh128") || !strcmp(name, "xxh3"))
		*out = SK_XFER_DIGEST_XXH128;
	else
		return -EINVAL;
	return 0;
}

/* Each type's payload bounds: min and max length. */
static int bounds(uint8_t type, uint32_t *min, uint32_t *max)
{
	switch (type) {
	case SK_XFER_HELLO: *min = 6; *max = 7; return 0;
	case SK_XFER_FILE:
		*min = SK_XFER_FILE_FIXED + 1;
		*max = SK_XFER_FILE_FIXED + SK_XFER_NAME_MAX;
		return 0;
	case SK_XFER_OFFER: *min = 8 + 16; *max = 8 + 32; return 0;
	case SK_XFER_START: *min = *max = 8; return 0;
	case SK_XFER_DATA: *min = 1; *max = SK_XFER_DATA_MAX; return 0;
	case SK_XFER_END: *min = 16; *max = 32; return 0;
	case SK_XFER_VERDICT: *min = 3; *max = 3 + SK_XFER_TEXT_MAX; return 0;
	case SK_XFER_BYE: *min = *max = 0; return 0;
	}
	return SK_EFRAMEBAD;
}

/* The types whose length is one of two (the digest is 16 or 32 bytes; a
 * HELLO has a digest byte from version 2 on), not anything in between. */
static bool length_allowed(uint8_t type, uint32_t n)
{
	switch (type) {
	case SK_XFER_HELLO: return n == 6 || n == 7;
	case SK_XFER_OFFER: return n == 8 + 16 || n == 8 + 32;
	case SK_XFER_END: return n == 16 || n == 32;
	default: return true;
	}
}

int sk_xfer_head_decode(const uint8_t *p, size_t len, uint8_t *type,
			uint32_t *plen)
{
	if (len < SK_XFER_HEADLEN)
		return SK_EFRAMESHORT;
	uint32_t min, max, n = be32(p + 1);
	if (bounds(p[0], &min, &max))
		return SK_EFRAMEBAD;
	/* Fixed-size frames of another length are simply malformed; only a
	 * variable frame over its maximum is "too big". */
	if (n < min || (n > max && min == max) || !length_allowed(p[0], n))
		return SK_EFRAMEBAD;
	if (n > max)
		return SK_EFRAMEBIG;
	*type = p[0];
	*plen = n;
	return SK_XFER_HEADLEN;
}

static int payload_decode(uint8_t type, const uint8_t *p, uint32_t n,
			  struct sk_xfer_msg *m)
{
	memset(m, 0, sizeof *m);
	m->type = type;
	switch (type) {
	case SK_XFER_HELLO:
		if (memcmp(p, SK_XFER_MAGIC, 4))
			return SK_EFRAMEBAD;
		m->u.hello.version = p[4];
		m->u.hello.flags = p[5];
		/* Version 1 (and anything below 2) has no digest byte; version
		 * 2 and later have one.  A later version's HELLO of that shape is
		 * left for the session to refuse by number. */
		if ((p[4] < 2 && n != 6) || (p[4] >= 2 && n != 7))
			return SK_EFRAMEBAD;
		m->u.hello.digest = n == 7 ? p[6] : 0;
		/* Unknown flags are a newer peer's: the version says so first. */
		if (p[4] <= SK_XFER_VERSION && (p[5] & ~SK_XFER_FLAG_RESUME))
			return SK_EFRAMEBAD;
		return 0;
	case SK_XFER_FILE: {
		uint16_t nl = be16(p + 21);
		if (nl == 0 || nl > SK_XFER_NAME_MAX || SK_XFER_FILE_FIXED + (uint32_t)nl != n)
			return SK_EFRAMEBAD;
		m->u.file.kind = p[0];
		m->u.file.size = be64(p + 1);
		m->u.file.mode = be32(p + 9);
		m->u.file.mtime = (int64_t)be64(p + 13);
		m->u.file.name = p + SK_XFER_FILE_FIXED;
		m->u.file.name_len = nl;
		if (m->u.file.kind > SK_XFER_DIR || m->u.file.size > SK_XFER_SIZE_MAX ||
		    m->u.file.mode > 07777 ||
		    (m->u.file.kind == SK_XFER_DIR && m->u.file.size))
			return SK_EFRAMEBAD;
		return 0;
	}
	case SK_XFER_OFFER:
		if (n != 8 + 16 && n != 8 + 32)
			return SK_EFRAMEBAD;
		m->u.offer.offset = be64(p);
		m->u.offer.digest_len = (uint8_t)(n - 8);
		memcpy(m->u.offer.digest, p + 8, n - 8);
		return m->u.offer.offset > SK_XFER_SIZE_MAX ? SK_EFRAMEBAD : 0;
	case SK_XFER_START:
		m->u.start.offset = be64(p);
		return m->u.start.offset > SK_XFER_SIZE_MAX ? SK_EFRAMEBAD : 0;
	case SK_XFER_DATA:
		m->u.data.data = p;
		m->u.data.len = n;
		return 0;
	case SK_XFER_END:
		if (n != 16 && n != 32)
			return SK_EFRAMEBAD;
		m->u.end.digest_len = (uint8_t)n;
		memcpy(m->u.end.digest, p, n);
		return 0;
	case SK_XFER_VERDICT:
		m->u.verdict.status = p[0];
		m->u.verdict.reason = be16(p + 1);
		m->u.verdict.text = p + 3;
		m->u.verdict.text_len = n - 3;
		/* ok carries reason 0; a refusal carries a non-zero reason. */
		if (p[0] > 1 || (p[0] == 0) != (m->u.verdict.reason == 0))
			return SK_EFRAMEBAD;
		return 0;
	case SK_XFER_BYE:
		return 0;
	}
	return SK_EFRAMEBAD;
}

int sk_xfer_decode(const uint8_t *p, size_t len, struct sk_xfer_msg *out)
{
	uint8_t type;
	uint32_t n;
	int rc = sk_xfer_head_decode(p, len, &type, &n);
	if (rc < 0)
		return rc;
	if (len - SK_XFER_HEADLEN < n)
		return SK_EFRAMESHORT;
	rc = payload_decode(type, p + SK_XFER_HEADLEN, n, out);
	if (rc < 0)
		return rc;
	return (int)(SK_XFER_HEADLEN + n);
}

void sk_xfer_head_encode(uint8_t buf[SK_XFER_HEADLEN], uint8_t type,
			 uint32_t plen)
{
	buf[0] = type;
	put32(buf + 1, plen);
}

int sk_xfer_encode(uint8_t *buf, size_t cap, const struct sk_xfer_msg *m)
{
	uint32_t n, min, max;
	switch (m->type) {
	case SK_XFER_HELLO: n = m->u.hello.version >= 2 ? 7 : 6; break;
	case SK_XFER_FILE:
		if (!m->u.file.name_len || m->u.file.name_len > SK_XFER_NAME_MAX)
			return SK_EFRAMEBIG;
		if (m->u.file.kind > SK_XFER_DIR || m->u.file.size > SK_XFER_SIZE_MAX ||
		    m->u.file.mode > 07777)
			return SK_EFRAMEBAD;
		n = SK_XFER_FILE_FIXED + (uint32_t)m->u.file.name_len;
		break;
	case SK_XFER_OFFER:
		if (m->u.offer.digest_len != 16 && m->u.offer.digest_len != 32)
			return SK_EFRAMEBAD;
		n = 8 + (uint32_t)m->u.offer.digest_len;
		break;
	case SK_XFER_START: n = 8; break;
	case SK_XFER_DATA:
		if (!m->u.data.len)
			return SK_EFRAMEBAD;
		if (m->u.data.len > SK_XFER_DATA_MAX)
			return SK_EFRAMEBIG;
		n = (uint32_t)m->u.data.len;
		break;
	case SK_XFER_END:
		if (m->u.end.digest_len != 16 && m->u.end.digest_len != 32)
			return SK_EFRAMEBAD;
		n = m->u.end.digest_len;
		break;
	case SK_XFER_VERDICT:
		if (m->u.verdict.text_len > SK_XFER_TEXT_MAX)
			return SK_EFRAMEBIG;
		n = 3 + (uint32_t)m->u.verdict.text_len;
		break;
	case SK_XFER_BYE: n = 0; break;
	default: return SK_EFRAMEBAD;
	}
	if (bounds(m->type, &min, &max) || n < min || n > max)
		return SK_EFRAMEBAD;
	if (cap < SK_XFER_HEADLEN + (size_t)n)
		return -ENOSPC;
	sk_xfer_head_encode(buf, m->type, n);
	uint8_t *p = buf + SK_XFER_HEADLEN;
	switch (m->type) {
	case SK_XFER_HELLO:
		memcpy(p, SK_XFER_MAGIC, 4);
		p[4] = m->u.hello.version;
		p[5] = m->u.hello.flags;
		if (n == 7)
			p[6] = m->u.hello.digest;
		break;
	case SK_XFER_FILE:
		p[0] = m->u.file.kind;
		put64(p + 1, m->u.file.size);
		put32(p + 9, m->u.file.mode);
		put64(p + 13, (uint64_t)m->u.file.mtime);
		put16(p + 21, (uint16_t)m->u.file.name_len);
		memcpy(p + SK_XFER_FILE_FIXED, m->u.file.name, m->u.file.name_len);
		break;
	case SK_XFER_OFFER:
		put64(p, m->u.offer.offset);
		memcpy(p + 8, m->u.offer.digest, m->u.offer.digest_len);
		break;
	case SK_XFER_START: put64(p, m->u.start.offset); break;
	case SK_XFER_DATA: memcpy(p, m->u.data.data, m->u.data.len); break;
	case SK_XFER_END: memcpy(p, m->u.end.digest, m->u.end.digest_len); break;
	case SK_XFER_VERDICT:
		p[0] = m->u.verdict.status;
		put16(p + 1, m->u.verdict.reason);
		if (m->u.verdict.text_len)
			memcpy(p + 3, m->u.verdict.text, m->u.verdict.text_len);
		break;
	}
	return (int)(SK_XFER_HEADLEN + n);
}

int sk_xfer_name_check(const uint8_t *name, size_t len, char *err)
{
	if (len == 0)
		return sk_err_set(err, SK_ENAMEBAD, "empty name");
	if (len > SK_XFER_NAME_MAX)
		return sk_err_set(err, SK_ENAMEBAD, "name of %zu bytes (at most %d)",
				  len, SK_XFER_NAME_MAX);
	if (name[0] == '/')
		return sk_err_set(err, SK_ENAMEBAD, "absolute name");
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len) {
			uint8_t c = name[i];
			if (c == 0)
				return sk_err_set(err, SK_ENAMEBAD, "NUL byte at offset %zu", i);
			if (c < 0x20 || c == 0x7f)
				return sk_err_set(err, SK_ENAMEBAD,
						  "control byte 0x%02x at offset %zu", c, i);
			if (c != '/')
				continue;
		}
		size_t clen = i - start;
		const uint8_t *comp = name + start;
		if (clen == 0)
			return sk_err_set(err, SK_ENAMEBAD, "empty component at offset %zu", i);
		if (clen > SK_XFER_COMPONENT_MAX)
			return sk_err_set(err, SK_ENAMEBAD,
					  "component of %zu bytes at offset %zu (at most %d)",
					  clen, start, SK_XFER_COMPONENT_MAX);
		if ((clen == 1 && comp[0] == '.') ||
		    (clen == 2 && comp[0] == '.' && comp[1] == '.'))
			return sk_err_set(err, SK_ENAMEBAD, "component '%.*s'", (int)clen,
					  (const char *)comp);
		start = i + 1;
	}
	return 0;
}
