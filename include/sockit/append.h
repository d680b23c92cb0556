/* Suffixes added to each message sent: a checksum of the message, or fixed
 * bytes (`--append crc16-modbus|crc32|sum8|xor8|TEXT`).
 *
 * Pure: the caller passes the message and gets the suffix bytes back.  UDP
 * appends one suffix per datagram; TCP (`tcp connect/listen --append`)
 * appends one per message it sends (a line, or each --send).
 */
#ifndef SOCKIT_APPEND_H
#define SOCKIT_APPEND_H

#include <stddef.h>
#include <stdint.h>

#define SK_APPEND_MAX 256 /* longest suffix, bytes */

enum sk_append_kind {
	SK_APPEND_NONE,
	SK_APPEND_CRC16_MODBUS, /* 2 bytes, low byte first (Modbus RTU order) */
	SK_APPEND_CRC32,        /* 4 bytes, CRC-32/ISO-HDLC, big-endian */
	SK_APPEND_SUM8,         /* 1 byte: sum of the bytes mod 256 */
	SK_APPEND_XOR8,         /* 1 byte: xor of the bytes */
	SK_APPEND_TEXT,         /* fixed bytes (C escapes in the spec) */
};

struct sk_append {
	enum sk_append_kind kind;
	uint8_t text[SK_APPEND_MAX];
	size_t len; /* SK_APPEND_TEXT */
};

/* Parses a spec: "crc16-modbus", "crc32", "sum8", "xor8", or anything else
 * as text with C escapes ("\r\n"; write "\x63rc32" for the text "crc32").
 * Returns 0 or SK_EBADESCAPE / SK_ETOOLONG with err (may be NULL). */
int sk_append_parse(const char *spec, struct sk_append *out, char *err);

/* Writes the suffix for msg[0..len) into suffix (SK_APPEND_MAX bytes) and
 * returns its length (0 for SK_APPEND_NONE). */
size_t sk_append_suffix(const struct sk_append *a, const uint8_t *msg,
			size_t len, uint8_t *suffix);

/* The checks themselves.  CRC-16/MODBUS: poly 0x8005 reflected, init
 * 0xFFFF ("123456789" gives 0x4B37).  CRC-32/ISO-HDLC as zlib computes it
 * ("123456789" gives 0xCBF43926). */
uint16_t sk_crc16_modbus(const uint8_t *p, size_t n);
uint32_t sk_crc32(const uint8_t *p, size_t n);
uint8_t sk_sum8(const uint8_t *p, size_t n);
uint8_t sk_xor8(const uint8_t *p, size_t n);

#endif
