/* Output helpers: a bounded growable string, JSON text, and colour. */
#ifndef SOCKIT_OUTPUT_H
#define SOCKIT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable string with a hard maximum: appends past max fail with
 * SK_ELIMIT and leave the contents as they were.  Zero-initialise, then
 * sk_str_free.  p is always NUL-terminated once anything was appended. */
struct sk_str {
	char *p;
	size_t len, cap;
	size_t max; /* 0 means 64 MiB */
};

int sk_str_append(struct sk_str *s, const char *text, size_t n);
int sk_str_puts(struct sk_str *s, const char *text);
int sk_str_printf(struct sk_str *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sk_str_clear(struct sk_str *s);
void sk_str_free(struct sk_str *s);

/* Appends bytes as a JSON string, quotes included.  Valid UTF-8 passes
 * through; control characters, '"' and '\\' are escaped; each byte that is
 * not part of valid UTF-8 becomes \u00XX, so any input gives valid JSON and
 * the bytes can be recovered as Latin-1 code points. */
int sk_json_string(struct sk_str *s, const uint8_t *bytes, size_t n);

/* Appends "key": as a JSON object member name (key is trusted ASCII). */
int sk_json_key(struct sk_str *s, const char *key);

enum sk_color_mode { SK_COLOR_AUTO, SK_COLOR_ALWAYS, SK_COLOR_NEVER };

/* Parses "auto", "always" or "never".  Returns 0 or -EINVAL. */
int sk_color_parse(const char *text, enum sk_color_mode *out);

/* Whether to colour output: ALWAYS, NEVER, or AUTO = is_tty and NO_COLOR
 * unset (https://no-color.org). */
bool sk_color_enabled(enum sk_color_mode mode, bool is_tty);

#endif
