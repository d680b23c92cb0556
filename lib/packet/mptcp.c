/* Multipath TCP's option (RFC 8684 section 3, kind 30): one decoder per
 * subtype, each checking the lengths that subtype allows. */
#include <string.h>

#include "sockit/error.h"
#include "sockit/packet.h"

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)sk_be32(p) << 32 | sk_be32(p + 4);
}

const char *sk_mptcp_name(unsigned subtype)
{
	static const char *const names[] = { "MP_CAPABLE", "MP_JOIN",  "DSS",
					     "ADD_ADDR",   "REMOVE_ADDR", "MP_PRIO",
					     "MP_FAIL",    "MP_FASTCLOSE", "MP_TCPRST" };
	return subtype < sizeof names / sizeof names[0] ? names[subtype] : NULL;
}

/* Version, flags, then the keys a handshake step carries (4: SYN of v1;
 * 12: one key; 20: both; 22/24: both, data-level length, checksum). */
static int capable(const uint8_t *v, size_t n, struct sk_mptcp *m)
{
	if (n != 2 && n != 10 && n != 18 && n != 20 && n != 22)
		return SK_EMALFORMED;
	m->version = v[0] & 0x0f;
	m->flags = v[1];
	m->has_flags = true;
	if (n >= 10) {
		m->has_send_key = true;
		m->send_key = be64(v + 2);
	}
	if (n >= 18) {
		m->has_recv_key = true;
		m->recv_key = be64(v + 10);
	}
	if (n >= 20) {
		m->has_data_len = true;
		m->data_len = sk_be16(v + 18);
	}
	if (n == 22) {
		m->has_checksum = true;
		m->checksum = sk_be16(v + 20);
	}
	return 0;
}

/* SYN (12): token and nonce; SYN/ACK (16): truncated HMAC and nonce;
 * ACK (24): the whole HMAC. */
static int join(const uint8_t *v, size_t n, struct sk_mptcp *m)
{
	if (n == 22) {
		m->hmac = v + 2;
		return 0;
	}
	if (n != 10 && n != 14)
		return SK_EMALFORMED;
	m->has_backup = true;
	m->backup = v[0] & 1;
	m->has_addr_id = true;
	m->addr_id = v[1];
	if (n == 10) {
		m->has_token = true;
		m->token = sk_be32(v + 2);
		m->has_nonce = true;
		m->nonce = sk_be32(v + 6);
	} else {
		m->has_trunc_hmac = true;
		m->trunc_hmac = be64(v + 2);
		m->has_nonce = true;
		m->nonce = sk_be32(v + 10);
	}
	return 0;
}

/* The flags byte says which of data ACK (4 or 8 bytes) and mapping (data
 * sequence number of 4 or 8, subflow sequence number, data-level length,
 * checksum when negotiated) follow. */
static int dss(const uint8_t *v, size_t n, struct sk_mptcp *m)
{
	m->flags = v[1];
	m->has_flags = true;
	m->data_fin = v[1] & 0x10;
	size_t want = 2;
	if (v[1] & 0x01)
		want += v[1] & 0x02 ? 8 : 4;
	if (v[1] & 0x04)
		want += (v[1] & 0x08 ? 8 : 4) + 4 + 2;
	if (n != want && !((v[1] & 0x04) && n == want + 2))
		return SK_EMALFORMED;
	const uint8_t *q = v + 2;
	if (v[1] & 0x01) {
		m->has_data_ack = true;
		m->data_ack = v[1] & 0x02 ? be64(q) : sk_be32(q);
		q += v[1] & 0x02 ? 8 : 4;
	}
	if (v[1] & 0x04) {
		m->has_dsn = true;
		m->dsn = v[1] & 0x08 ? be64(q) : sk_be32(q);
		q += v[1] & 0x08 ? 8 : 4;
		m->has_ssn = true;
		m->ssn = sk_be32(q);
		m->has_data_len = true;
		m->data_len = sk_be16(q + 4);
		if (n == want + 2) {
			m->has_checksum = true;
			m->checksum = sk_be16(q + 6);
		}
	}
	return 0;
}

/* Address ID, an IPv4 or IPv6 address, maybe a port, and a truncated HMAC
 * unless the E (echo) bit is set: the length says which. */
static int add_addr(const uint8_t *v, size_t n, struct sk_mptcp *m)
{
	m->has_echo = true;
	m->echo = v[0] & 1;
	size_t rest = n - 2 - (m->echo ? 0 : 8);
	if (n < 2 + (m->echo ? 0 : 8) || (rest != 4 && rest != 6 && rest != 16 && rest != 18))
		return SK_EMALFORMED;
	m->has_addr_id = true;
	m->addr_id = v[1];
	m->addr_len = rest >= 16 ? 16 : 4;
	m->addr = v + 2;
	if (rest == 6 || rest == 18) {
		m->has_port = true;
		m->port = sk_be16(v + 2 + m->addr_len);
	}
	if (!m->echo) {
		m->has_trunc_hmac = true;
		m->trunc_hmac = be64(v + n - 8);
	}
	return 0;
}

int sk_mptcp_decode(const uint8_t *v, size_t n, struct sk_mptcp *m)
{
	memset(m, 0, sizeof *m);
	if (n < 1)
		return SK_EMALFORMED;
	m->subtype = v[0] >> 4;
	switch (m->subtype) {
	case SK_MPTCP_CAPABLE:
		return n >= 2 ? capable(v, n, m) : SK_EMALFORMED;
	case SK_MPTCP_JOIN:
		return n >= 2 ? join(v, n, m) : SK_EMALFORMED;
	case SK_MPTCP_DSS:
		return n >= 2 ? dss(v, n, m) : SK_EMALFORMED;
	case SK_MPTCP_ADD_ADDR:
		return n >= 2 ? add_addr(v, n, m) : SK_EMALFORMED;
	case SK_MPTCP_REMOVE_ADDR:
		if (n < 2)
			return SK_EMALFORMED;
		m->addr_ids = v + 1;
		m->n_addr_ids = (uint8_t)(n - 1);
		return 0;
	case SK_MPTCP_PRIO:
		if (n != 1 && n != 2)
			return SK_EMALFORMED;
		m->has_backup = true;
		m->backup = v[0] & 1;
		if (n == 2) { /* RFC 6824's form named the address */
			m->has_addr_id = true;
			m->addr_id = v[1];
		}
		return 0;
	case SK_MPTCP_FAIL:
		if (n != 10)
			return SK_EMALFORMED;
		m->has_dsn = true;
		m->dsn = be64(v + 2);
		return 0;
	case SK_MPTCP_FASTCLOSE:
		if (n != 10)
			return SK_EMALFORMED;
		m->has_recv_key = true;
		m->recv_key = be64(v + 2);
		return 0;
	case SK_MPTCP_TCPRST:
		if (n != 2)
			return SK_EMALFORMED;
		m->flags = v[0] & 0x0f;
		m->has_reason = true;
		m->reason = v[1];
		return 0;
	default:
		return 0; /* a subtype this decoder does not know: named by number */
	}
}
