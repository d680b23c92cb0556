/* Vendor names for MAC addresses from the IEEE registries as Debian's
 * ieee-data package ships them (/usr/share/ieee-data/{oui,mam,oui36,iab}.csv):
 * MA-L 24-bit, MA-M 28-bit and MA-S/IAB 36-bit prefixes, the longest that
 * matches wins. */
#ifndef SOCKIT_OUI_H
#define SOCKIT_OUI_H

#include <stddef.h>
#include <stdint.h>

struct sk_oui; /* opaque */

#define SK_OUI_DIR "/usr/share/ieee-data"

struct sk_oui *sk_oui_new(void);

/* Adds the entries of one registry CSV text (header line and malformed
 * lines skipped; quoted names with commas handled).  Returns the number of
 * entries added or -ENOMEM. */
int sk_oui_add_csv(struct sk_oui *db, const char *text, size_t len);

/* Loads every registry file found in dir (NULL: SK_OUI_DIR).  Returns the
 * number of entries; 0 when none of the files is there (lookups then give
 * NULL); -ENOMEM. */
int sk_oui_load(struct sk_oui *db, const char *dir, char *err);

/* The organisation for mac, longest prefix first, or NULL.  The string
 * lives as long as db. */
const char *sk_oui_lookup(struct sk_oui *db, const uint8_t mac[6]);

void sk_oui_free(struct sk_oui *db);

#endif
