/* Per-address connection counts: a chained hash table of the addresses
 * that have connections now, so memory follows the number of distinct
 * peers, not the number ever seen. */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "io/peer_count.h"
#include "sockit/error.h"

#define SK__PEER_BUCKETS 4096

struct sk__peer {
	struct sk__peer *next;
	uint8_t addr[16];
	uint32_t count;
};

/* The 16-byte key: IPv6 as is, IPv4 in its mapped form. */
static void key_of(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return;
	}
	if (sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	}
}

static size_t hash_of(const uint8_t key[16])
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	return (size_t)(h % SK__PEER_BUCKETS);
}

int sk__peer_count_add(struct sk__peer_count *t, const struct sockaddr *addr, uint32_t limit)
{
	if (!t->bucket) {
		t->bucket = calloc(SK__PEER_BUCKETS, sizeof *t->bucket);
		if (!t->bucket)
			return -ENOMEM;
	}
	uint8_t key[16];
	key_of(addr, key);
	struct sk__peer **head = &t->bucket[hash_of(key)], *p;
	for (p = *head; p; p = p->next)
		if (!memcmp(p->addr, key, 16))
			break;
	if (!p) {
		p = calloc(1, sizeof *p);
		if (!p)
			return -ENOMEM;
		memcpy(p->addr, key, 16);
		p->next = *head;
		*head = p;
	}
	if (limit && p->count >= limit)
		return SK_ELIMIT;
	return (int)++p->count;
}

void sk__peer_count_del(struct sk__peer_count *t, const struct sockaddr *addr)
{
	if (!t->bucket)
		return;
	uint8_t key[16];
	key_of(addr, key);
	for (struct sk__peer **pp = &t->bucket[hash_of(key)]; *pp; pp = &(*pp)->next) {
		struct sk__peer *p = *pp;
		if (memcmp(p->addr, key, 16))
			continue;
		if (--p->count == 0) {
			*pp = p->next;
			free(p);
		}
		return;
	}
}

void sk__peer_count_free(struct sk__peer_count *t)
{
	if (!t->bucket)
		return;
	for (size_t i = 0; i < SK__PEER_BUCKETS; i++) {
		struct sk__peer *p = t->bucket[i];
		while (p) {
			struct sk__peer *next = p->next;
			free(p);
			p = next;
		}
	}
	free(t->bucket);
	t->bucket = NULL;
}
