/* The data notation shared by every command: text with C escapes, hex
 * input, and bytes shown back as escaped text. */
#ifndef SOCKIT_BYTES_H
#define SOCKIT_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (0-15), or -1 when c is not one. */
int sk_hex_digit(char c);

/* Decodes text with the escapes \r \n \t \0 \\ \xHH (exactly two hex
 * digits) into out, which must hold n bytes (the result is never longer than
 * the input).  Returns the number of bytes written, or SK_EBADESCAPE with
 * *bad_off set to the offset of the offending backslash. */
int sk_unescape(const char *in, size_t n, uint8_t *out, size_t *bad_off);

/* Decodes hex input into out (capacity n / 2 + 1 is always enough).
 * Accepted: runs of digit pairs ("48656c"), bytes separated by spaces, tabs,
 * newlines, commas or colons ("48 65 6c", "48:65"), and 0x-prefixed bytes
 * of one or two digits ("0x48,0x65").  Returns the byte count, or
 * SK_EBADHEX with *bad_off at the first character that does not fit. */
int sk_hex_decode(const char *in, size_t n, uint8_t *out, size_t *bad_off);

/* How text typed by a user becomes bytes: as it is, with the C escapes of
 * sk_unescape, or as hex input (sk_hex_decode). */
enum sk_text_mode { SK_TEXT_RAW, SK_TEXT_ESCAPES, SK_TEXT_HEX };

/* The one text-to-bytes decoder of every face: decodes n characters of text
 * per mode into a new buffer in *out (n + 1 bytes, the caller frees it; also
 * set, never NULL, when the result is empty).  Returns the byte count, or
 * SK_EBADESCAPE / SK_EBADHEX with *bad_off (may be NULL) at the offending
 * character and *out left NULL, or -ENOMEM. */
int sk_text_decode(const char *text, size_t n, enum sk_text_mode mode,
		   uint8_t **out, size_t *bad_off);

/* Writes bytes as text that sk_unescape turns back into the same bytes:
 * printable ASCII as is, \r \n \t \0 \\ by name, others as \xHH.  Writes at
 * most cap - 1 characters and a NUL; returns the length the whole text
 * needs (snprintf-style).  4 * n + 1 is always enough. */
size_t sk_escape(const uint8_t *in, size_t n, char *out, size_t cap);

/* Writes bytes as lower-case hex without separators. Same contract as
 * sk_escape; 2 * n + 1 is always enough. */
size_t sk_hex_encode(const uint8_t *in, size_t n, char *out, size_t cap);

#endif
