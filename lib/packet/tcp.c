/* TCP (RFC 9293): header, options, flag names. */
#include <stdio.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/packet.h"

int sk_tcp_decode(const uint8_t *p, size_t len, struct sk_tcp *out)
{
	if (len < 13)
		return SK_ETRUNCATED;
	out->sport = sk_be16(p);
	out->dport = sk_be16(p + 2);
	out->seq = sk_be32(p + 4);
	out->ack = sk_be32(p + 8);
	size_t hl = (size_t)(p[12] >> 4) * 4;
	out->hl = (uint8_t)hl;
	out->options = out->payload = NULL;
	out->options_len = out->payload_len = 0;
	if (len < 20)
		return SK_ETRUNCATED;
	out->flags = (uint16_t)((p[12] & 1) << 8 | p[13]);
	out->window = sk_be16(p + 14);
	out->checksum = sk_be16(p + 16);
	out->urg = sk_be16(p + 18);
	if (hl < 20)
		return SK_EMALFORMED;
	if (len < hl)
		return SK_ETRUNCATED;
	out->options = p + 20;
	out->options_len = hl - 20;
	out->payload = p + hl;
	out->payload_len = len - hl;
	return (int)hl;
}

unsigned sk_tcp_uto_seconds(uint16_t value)
{
	/* RFC 5482: 15 bits of timeout after a granularity bit; tcpdump reads
	 * the granularity from the low bit, so sockit does too, for the same
	 * line. */
	return value & 1 ? (unsigned)(value >> 1) * 60 : (unsigned)(value >> 1);
}

const char *sk_mptcp_subtype_name(unsigned subtype)
{
	static const char *const names[] = { "capable", "join", "dss", "add-addr", "rem-addr",
					     "prio", "fail", "fast-close", "tcprst" };
	return subtype < sizeof names / sizeof names[0] ? names[subtype] : NULL;
}

int sk_tcp_options(const uint8_t *p, size_t len, struct sk_tcp_opts *out)
{
	memset(out, 0, sizeof *out);
	size_t i = 0;
	while (i < len) {
		uint8_t kind = p[i];
		if (kind == 0) {
			out->eol = true;
			return 0;
		}
		if (kind == 1) {
			out->n_nop++;
			i++;
			continue;
		}
		if (i + 2 > len)
			return SK_EMALFORMED;
		size_t olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return SK_EMALFORMED;
		const uint8_t *o = p + i + 2;
		switch (kind) {
		case 2:
			if (olen != 4)
				return SK_EMALFORMED;
			out->has_mss = true;
			out->mss = sk_be16(o);
			break;
		case 3:
			if (olen != 3)
				return SK_EMALFORMED;
			out->has_wscale = true;
			out->wscale = o[0];
			break;
		case 4:
			if (olen != 2)
				return SK_EMALFORMED;
			out->sack_ok = true;
			break;
		case 5:
			if ((olen - 2) % 8)
				return SK_EMALFORMED;
			for (size_t b = 0; b < (olen - 2) / 8 && out->n_sack < 4; b++) {
				out->sack[out->n_sack][0] = sk_be32(o + 8 * b);
				out->sack[out->n_sack][1] = sk_be32(o + 8 * b + 4);
				out->n_sack++;
			}
			break;
		case 8:
			if (olen != 10)
				return SK_EMALFORMED;
			out->has_ts = true;
			out->ts_val = sk_be32(o);
			out->ts_ecr = sk_be32(o + 4);
			break;
		case SK_TCPOPT_MD5:
			if (olen != 18)
				return SK_EMALFORMED;
			out->md5 = o;
			break;
		case SK_TCPOPT_UTO:
			if (olen != 4)
				return SK_EMALFORMED;
			out->has_uto = true;
			out->uto = sk_tcp_uto_seconds(sk_be16(o));
			break;
		case SK_TCPOPT_MPTCP:
			if (olen < 3)
				return SK_EMALFORMED;
			if (!out->has_mptcp) {
				out->mptcp = o;
				out->mptcp_len = (uint8_t)(olen - 2);
			}
			out->has_mptcp = true;
			out->mptcp_subtype = out->mptcp[0] >> 4;
			break;
		case SK_TCPOPT_TFO:
			if (olen != 2 && (olen < 6 || olen > 18))
				return SK_EMALFORMED;
			out->tfo = true;
			out->tfo_cookie = o;
			out->tfo_cookie_len = (uint8_t)(olen - 2);
			break;
		default:
			out->n_unknown++;
			break;
		}
		i += olen;
	}
	return 0;
}

/* Each name in 4 bytes (NUL-padded), so that it is copied whole. */
static const char flag_names[9][4] = { "FIN", "SYN", "RST", "PSH", "ACK",
				       "URG", "ECE", "CWR", "NS" };

/* Without snprintf: a TCP header's flags are named for every frame that
 * --json and --layers show.  The whole list is composed, then as much as
 * fits is kept, as snprintf keeps it. */
void sk_tcp_flags_str(uint16_t flags, char *buf, size_t cap)
{
	char all[9 * 4 + 1];
	size_t k = 0;
	for (int i = 0; i < 9; i++) {
		if (!(flags & (1u << i)))
			continue;
		if (k)
			all[k++] = ',';
		memcpy(all + k, flag_names[i], 4);
		k += i == 8 ? 2 : 3;
	}
	if (!k) {
		memcpy(all, "none", 4);
		k = 4;
	}
	if (!cap)
		return;
	size_t n = k < cap ? k : cap - 1;
	memcpy(buf, all, n);
	buf[n] = 0;
}

void sk_tcp_flags_letters(uint16_t flags, char *buf, size_t cap)
{
	/* tcpdump's table order and letters (print-tcp.c): F S R P, '.' for
	 * ACK, U E W.  SYN with ECE and CWR reads [SEW]. */
	static const struct {
		uint16_t bit;
		char c;
	} order[] = { { SK_TCP_FIN, 'F' }, { SK_TCP_SYN, 'S' }, { SK_TCP_RST, 'R' },
		      { SK_TCP_PSH, 'P' }, { SK_TCP_ACK, '.' }, { SK_TCP_URG, 'U' },
		      { SK_TCP_ECE, 'E' }, { SK_TCP_CWR, 'W' } };
	size_t k = 0;
	for (size_t i = 0; i < sizeof order / sizeof order[0] && k + 1 < cap; i++)
		if (flags & order[i].bit)
			buf[k++] = order[i].c;
	if (!k) {
		snprintf(buf, cap, "none");
		return;
	}
	buf[k] = 0;
}
