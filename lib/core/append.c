/* Checksums and fixed suffixes for --append.  Bitwise CRCs: messages here are
 * datagrams and lines, so a table would buy nothing measurable. */
#include "sockit/append.h"

#include <string.h>

#include "sockit/bytes.h"
#include "sockit/error.h"

uint16_t sk_crc16_modbus(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xFFFF;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
	}
	return crc;
}

uint32_t sk_crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	return ~crc;
}

uint8_t sk_sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

uint8_t sk_xor8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s ^= p[i];
	return s;
}

int sk_append_parse(const char *spec, struct sk_append *out, char *err)
{
	static const struct {
		const char *name;
		enum sk_append_kind kind;
	} names[] = {
		{ "crc16-modbus", SK_APPEND_CRC16_MODBUS },
		{ "crc32", SK_APPEND_CRC32 },
		{ "sum8", SK_APPEND_SUM8 },
		{ "xor8", SK_APPEND_XOR8 },
	};
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(spec, names[i].name)) {
			out->kind = names[i].kind;
			return 0;
		}
	size_t n = strlen(spec);
	if (n > SK_APPEND_MAX)
		return sk_err_set(err, SK_ETOOLONG, "append text over %d bytes",
				  SK_APPEND_MAX);
	size_t bad = 0;
	int len = sk_unescape(spec, n, out->text, &bad);
	if (len < 0)
		return sk_err_set(err, SK_EBADESCAPE, "append text at offset %zu", bad);
	out->kind = SK_APPEND_TEXT;
	out->len = (size_t)len;
	return 0;
}

size_t sk_append_suffix(const struct sk_append *a, const uint8_t *msg,
			size_t len, uint8_t *suffix)
{
	switch (a->kind) {
	case SK_APPEND_NONE:
		return 0;
	case SK_APPEND_CRC16_MODBUS: {
		uint16_t c = sk_crc16_modbus(msg, len);
		suffix[0] = (uint8_t)(c & 0xFF);
		suffix[1] = (uint8_t)(c >> 8);
		return 2;
	}
	case SK_APPEND_CRC32: {
		uint32_t c = sk_crc32(msg, len);
		suffix[0] = (uint8_t)(c >> 24);
		suffix[1] = (uint8_t)(c >> 16);
		suffix[2] = (uint8_t)(c >> 8);
		suffix[3] = (uint8_t)c;
		return 4;
	}
	case SK_APPEND_SUM8:
		suffix[0] = sk_sum8(msg, len);
		return 1;
	case SK_APPEND_XOR8:
		suffix[0] = sk_xor8(msg, len);
		return 1;
	case SK_APPEND_TEXT:
		memcpy(suffix, a->text, a->len);
		return a->len;
	}
	return 0;
}
