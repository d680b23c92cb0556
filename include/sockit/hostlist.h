/* Host lists: the addresses an access list allows or denies, written as
 * ncat and nmap write hosts.  One spec is
 *   198.18.0.1   ::1                    an address
 *   10.0.0.0/8   fe80::/10              a CIDR block
 *   198.18.0.1-20   10.0.0-3.*          IPv4 with a set per octet, nmap's
 *   192.168.1,3.-   -10.*.*.1-          syntax: N, N-M, -M (0-M), N- (N-255),
 *                                       - and * (any), comma lists; /LEN
 *                                       widens it as a mask would
 *   198.18.0.1-198.18.1.9   ::1-::9     two addresses and all between
 *   localhost   db.example/24           a name: every address it resolves
 *                                       to when added (/LEN applies to each)
 * A text (ncat's --allowfile and --denyfile) holds specs separated by
 * white space, any number a line; '#' starts a comment that runs to the
 * end of its line (sockit's addition: ncat has no comments).  Octets are
 * decimal: a leading zero ("010") is refused, since other tools read it
 * as octal.  An IPv4-mapped IPv6 spec (::ffff:10.0.0.0/104) is stored as
 * the IPv4 one it means, as peers are matched after unmapping.
 *
 * Use:
 *     struct sk_hostlist *l;
 *     sk_hostlist_new(&l);
 *     sk_hostlist_add(l, "localhost", AF_UNSPEC, 0, err);
 *     sk_hostlist_add_text(l, text, len, AF_UNSPEC, 0, &line, err);
 *     if (sk_hostlist_contains(l, &ip)) ...
 *     sk_hostlist_free(l);
 * Adding resolves names at once (getaddrinfo, blocking): call it at start,
 * not on a loop that serves clients.  Matching never allocates and never
 * resolves; it is linear in the number of entries.
 */
#ifndef SOCKIT_HOSTLIST_H
#define SOCKIT_HOSTLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "sockit/cidr.h"

struct sk_hostlist;

/* The longest spec, as ncat's (1023 bytes). */
#define SK_HOSTSPEC_MAX 1023

/* Returns 0 or -ENOMEM. */
int sk_hostlist_new(struct sk_hostlist **out);
void sk_hostlist_free(struct sk_hostlist *l);

/* Adds one spec.  family (AF_UNSPEC, AF_INET, AF_INET6) limits the
 * addresses a name brings in; flags SK_RESOLVE_NUMERIC (sockit/resolve.h)
 * refuses names.  Returns how many entries were added (> 0), or
 * SK_EBADADDR / SK_EBADPREFIX (malformed), SK_ENONAME, SK_EDNSAGAIN,
 * SK_EDNSFAIL, SK_ENOFAMILY (a name) or -ENOMEM, with err saying
 * "'SPEC': why".  Nothing is added on failure. */
int sk_hostlist_add(struct sk_hostlist *l, const char *spec, int family,
		    int flags, char *err);

/* Adds every spec of text[0..len) (see above).  Returns how many specs
 * were added (0 for a text of only comments and blanks), or the first
 * failure of sk_hostlist_add, SK_ETOOLONG (a spec over SK_HOSTSPEC_MAX)
 * or SK_EBADADDR (a NUL byte: not a text) with *line the 1-based line it
 * is on and err saying why (without the line); the specs before it stay
 * added. */
int sk_hostlist_add_text(struct sk_hostlist *l, const char *text, size_t len,
			 int family, int flags, unsigned *line, char *err);

/* The most of a file sk_hostlist_add_file reads. */
#define SK_HOSTLIST_FILE_MAX (1u << 20)

/* Adds the specs of the file at path, read whole (a directory, a read
 * error or a file over SK_HOSTLIST_FILE_MAX bytes is refused: an endless
 * /dev/zero cannot take the memory).  Returns as sk_hostlist_add_text
 * does; a failure to read the file has *line 0 and err "PATH: why" (-errno,
 * or SK_ETOOLONG). */
int sk_hostlist_add_file(struct sk_hostlist *l, const char *path, int family,
			 int flags, unsigned *line, char *err);

/* Entries held: an address, block or range each, one per address of a
 * name. */
size_t sk_hostlist_count(const struct sk_hostlist *l);

/* True when ip is in the list (false for a NULL list). */
bool sk_hostlist_contains(const struct sk_hostlist *l, const struct sk_ip *ip);

#endif
