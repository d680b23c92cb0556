/* The IEEE registries: every assignment as (prefix, bits, name), sorted
 * once, looked up by binary search from the longest prefix down. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/array.h"
#include "sockit/bytes.h"
#include "sockit/error.h"
#include "sockit/oui.h"

struct entry {
	uint64_t prefix; /* the assignment's bits, left-aligned in 48 */
	uint8_t bits;    /* 24, 28 or 36 */
	char *name;
};

struct sk_oui {
	struct entry *e;
	size_t n, cap;
	bool sorted;
};

struct sk_oui *sk_oui_new(void)
{
	return calloc(1, sizeof(struct sk_oui));
}

void sk_oui_free(struct sk_oui *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n; i++)
		free(db->e[i].name);
	free(db->e);
	free(db);
}

/* One CSV field starting at *p (before end): quoted or not.  Writes the
 * unquoted text into out (cap bytes) and moves *p past the comma. */
static void field(const char **p, const char *end, char *out, size_t cap)
{
	const char *s = *p;
	size_t k = 0;
	if (s < end && *s == '"') {
		s++;
		while (s < end) {
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					s++;
				} else {
					s++;
					break;
				}
			}
			if (k + 1 < cap)
				out[k++] = *s;
			s++;
		}
		while (s < end && *s != ',')
			s++;
	} else {
		while (s < end && *s != ',') {
			if (k + 1 < cap)
				out[k++] = *s;
			s++;
		}
	}
	if (s < end)
		s++;
	out[k] = 0;
	*p = s;
}

static int add(struct sk_oui *db, uint64_t prefix, uint8_t bits, const char *name)
{
	if (sk_array_grow(&db->e, &db->cap, db->n + 1, sizeof *db->e))
		return -ENOMEM;
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	/* Trim the trailing spaces the registry leaves. */
	size_t len = strlen(copy);
	while (len && (copy[len - 1] == ' ' || copy[len - 1] == '\r'))
		copy[--len] = 0;
	db->e[db->n++] = (struct entry){ .prefix = prefix, .bits = bits, .name = copy };
	db->sorted = false;
	return 0;
}

int sk_oui_add_csv(struct sk_oui *db, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int added = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		char reg[16], hex[16], name[128];
		const char *q = p;
		field(&q, le, reg, sizeof reg);
		field(&q, le, hex, sizeof hex);
		field(&q, le, name, sizeof name);
		p = eol ? eol + 1 : end;
		size_t digits = strlen(hex);
		if (digits != 6 && digits != 7 && digits != 9)
			continue; /* the header line, or junk */
		uint64_t v = 0;
		bool ok = true;
		for (size_t i = 0; i < digits; i++) {
			int h = sk_hex_digit(hex[i]);
			if (h < 0)
				ok = false;
			v = v << 4 | (uint64_t)(h < 0 ? 0 : h);
		}
		if (!ok || !name[0])
			continue;
		uint8_t bits = (uint8_t)(digits * 4);
		int rc = add(db, v << (48 - bits), bits, name);
		if (rc)
			return rc;
		added++;
	}
	return added;
}

int sk_oui_load(struct sk_oui *db, const char *dir, char *err)
{
	static const char *const files[] = { "oui.csv", "mam.csv", "oui36.csv", "iab.csv" };
	int total = 0;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", dir ? dir : SK_OUI_DIR, files[i]);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		/* The registries are a few MB: read whole, bounded at 64 MiB. */
		char *buf = NULL;
		size_t len = 0, cap = 0;
		for (;;) {
			if (len == cap) {
				if (cap >= (64u << 20))
					break;
				if (sk_array_grow(&buf, &cap, cap ? cap * 2 : 1 << 20, 1)) {
					free(buf);
					fclose(f);
					return sk_err_set(err, -ENOMEM, "%s", path);
				}
			}
			size_t got = fread(buf + len, 1, cap - len, f);
			if (!got)
				break;
			len += got;
		}
		fclose(f);
		int rc = sk_oui_add_csv(db, buf ? buf : "", len);
		free(buf);
		if (rc < 0)
			return sk_err_set(err, rc, "%s", path);
		total += rc;
	}
	return total;
}

static int cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->bits != y->bits)
		return x->bits < y->bits ? -1 : 1;
	return x->prefix < y->prefix ? -1 : x->prefix > y->prefix;
}

const char *sk_oui_lookup(struct sk_oui *db, const uint8_t mac[6])
{
	if (!db || !db->n)
		return NULL;
	if (!db->sorted) {
		qsort(db->e, db->n, sizeof *db->e, cmp);
		db->sorted = true;
	}
	uint64_t m = 0;
	for (int i = 0; i < 6; i++)
		m = m << 8 | mac[i];
	static const uint8_t lengths[] = { 36, 28, 24 };
	for (size_t l = 0; l < sizeof lengths; l++) {
		uint8_t bits = lengths[l];
		struct entry key = { .prefix = m >> (48 - bits) << (48 - bits), .bits = bits };
		const struct entry *hit = bsearch(&key, db->e, db->n, sizeof *db->e, cmp);
		if (hit)
			return hit->name;
	}
	return NULL;
}
