#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>

#include "io/peer_count.h"
#include "sockit/error.h"

static struct sockaddr_storage addr(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *b = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, ip, &a->sin_addr) == 1) {
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
	} else {
		cr_assert_eq(inet_pton(AF_INET6, ip, &b->sin6_addr), 1);
		b->sin6_family = AF_INET6;
		b->sin6_port = htons(port);
	}
	return ss;
}

#define SA(x) ((const struct sockaddr *)&(x))

Test(peer_count, limit_per_address_not_per_port)
{
	struct sk__peer_count t = { 0 };
	struct sockaddr_storage a1 = addr("127.0.0.1", 1000), a2 = addr("127.0.0.1", 2000);
	struct sockaddr_storage mapped = addr("::ffff:127.0.0.1", 3000), b = addr("::1", 1);
	cr_assert_eq(sk__peer_count_add(&t, SA(a1), 3), 1);
	cr_assert_eq(sk__peer_count_add(&t, SA(a2), 3), 2);
	cr_assert_eq(sk__peer_count_add(&t, SA(mapped), 3), 3);
	cr_assert_eq(sk__peer_count_add(&t, SA(a1), 3), SK_ELIMIT);
	cr_assert_eq(sk__peer_count_add(&t, SA(b), 3), 1);
	sk__peer_count_del(&t, SA(a2));
	cr_assert_eq(sk__peer_count_add(&t, SA(a1), 3), 3);
	cr_assert_eq(sk__peer_count_add(&t, SA(b), 0), 2);
	sk__peer_count_free(&t);
}

Test(peer_count, forgotten_at_zero_and_many_addresses)
{
	struct sk__peer_count t = { 0 };
	for (int i = 0; i < 10000; i++) {
		struct sockaddr_storage a = { 0 };
		struct sockaddr_in *in = (struct sockaddr_in *)&a;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(0x0a000000u + (uint32_t)i);
		cr_assert_eq(sk__peer_count_add(&t, SA(a), 1), 1);
		cr_assert_eq(sk__peer_count_add(&t, SA(a), 1), SK_ELIMIT);
		sk__peer_count_del(&t, SA(a));
		cr_assert_eq(sk__peer_count_add(&t, SA(a), 1), 1);
	}
	struct sockaddr_storage never = addr("192.0.2.1", 1);
	sk__peer_count_del(&t, SA(never));
	sk__peer_count_free(&t);
	sk__peer_count_free(&t);
}
