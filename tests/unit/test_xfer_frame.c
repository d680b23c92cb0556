#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/xfer.h"

/* Inputs are copied against a guard page so that any read past the end
 * crashes, as picohttpparser's tests do. */
static uint8_t *guarded(const uint8_t *src, size_t len)
{
	static uint8_t *region;
	static size_t page;
	static size_t pages;
	if (!region) {
		page = (size_t)sysconf(_SC_PAGESIZE);
		pages = (SK_XFER_FRAME_MAX + 64 + page - 1) / page + 1;
		region = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		cr_assert_neq(region, MAP_FAILED);
		cr_assert_eq(mprotect(region + (pages - 1) * page, page, PROT_NONE), 0);
	}
	uint8_t *end = region + (pages - 1) * page;
	cr_assert_leq(len, (size_t)(end - region));
	if (len)
		memcpy(end - len, src, len);
	return end - len;
}

static int decode(const uint8_t *p, size_t len, struct sk_xfer_msg *m)
{
	return sk_xfer_decode(guarded(p, len), len, m);
}

static int enc(uint8_t *buf, size_t cap, struct sk_xfer_msg m)
{
	return sk_xfer_encode(buf, cap, &m);
}

static const uint8_t name_ab[] = "dir/a.txt";

/* One valid frame of every type, encoded by the encoder. */
static size_t valid_frames(uint8_t out[][5000], size_t *lens)
{
	static uint8_t payload[300];
	memset(payload, 0xab, sizeof payload);
	struct sk_xfer_msg ms[] = {
		{ .type = SK_XFER_HELLO, .u.hello = { 1, SK_XFER_FLAG_RESUME, 0 } },
		{ .type = SK_XFER_FILE, .u.file = { SK_XFER_REG, 1234567890123ull, 0644,
						   -5, name_ab, sizeof name_ab - 1 } },
		{ .type = SK_XFER_FILE, .u.file = { SK_XFER_DIR, 0, 0755, 1700000000,
						   (const uint8_t *)"d", 1 } },
		{ .type = SK_XFER_OFFER, .u.offer = { 77, { 1, 2, 3 }, 32 } },
		{ .type = SK_XFER_START, .u.start = { 77 } },
		{ .type = SK_XFER_DATA, .u.data = { payload, sizeof payload } },
		{ .type = SK_XFER_END, .u.end = { { 9, 8, 7 }, 32 } },
		{ .type = SK_XFER_VERDICT, .u.verdict = { 1, SK_XFER_R_EXISTS,
							  (const uint8_t *)"already there", 13 } },
		{ .type = SK_XFER_VERDICT, .u.verdict = { 0, 0, NULL, 0 } },
		{ .type = SK_XFER_BYE },
		{ .type = SK_XFER_HELLO, .u.hello = { 2, 0, SK_XFER_DIGEST_XXH128 } },
		{ .type = SK_XFER_OFFER, .u.offer = { 5, { 4, 5, 6 }, 16 } },
		{ .type = SK_XFER_END, .u.end = { { 6, 5, 4 }, 16 } },
	};
	size_t n = sizeof ms / sizeof ms[0];
	for (size_t i = 0; i < n; i++) {
		int rc = sk_xfer_encode(out[i], 5000, &ms[i]);
		cr_assert_gt(rc, 0, "frame %zu: %d", i, rc);
		lens[i] = (size_t)rc;
	}
	return n;
}

Test(xfer_frame, every_prefix_of_every_frame_needs_more)
{
	static uint8_t frames[16][5000];
	size_t lens[16];
	size_t n = valid_frames(frames, lens);
	for (size_t i = 0; i < n; i++) {
		struct sk_xfer_msg m;
		for (size_t cut = 0; cut < lens[i]; cut++)
			cr_expect_eq(decode(frames[i], cut, &m), SK_EFRAMESHORT,
				     "frame %zu cut at %zu", i, cut);
		cr_expect_eq(decode(frames[i], lens[i], &m), (int)lens[i], "frame %zu", i);
		cr_expect_eq(m.type, frames[i][0]);
	}
}

Test(xfer_frame, round_trip_fields)
{
	static uint8_t frames[16][5000];
	size_t lens[16];
	valid_frames(frames, lens);
	struct sk_xfer_msg m;
	cr_assert_eq(decode(frames[0], lens[0], &m), 11);
	cr_expect_eq(m.u.hello.version, 1);
	cr_expect_eq(m.u.hello.flags, SK_XFER_FLAG_RESUME);
	cr_expect_eq(memcmp(frames[0], "\x01\x00\x00\x00\x06SKXF\x01", 10), 0);

	cr_assert_gt(decode(frames[1], lens[1], &m), 0);
	cr_expect_eq(m.u.file.kind, SK_XFER_REG);
	cr_expect_eq(m.u.file.size, 1234567890123ull);
	cr_expect_eq(m.u.file.mode, 0644);
	cr_expect_eq(m.u.file.mtime, -5);
	cr_expect_eq(m.u.file.name_len, 9);
	cr_expect_eq(memcmp(m.u.file.name, "dir/a.txt", 9), 0);

	cr_assert_gt(decode(frames[3], lens[3], &m), 0);
	cr_expect_eq(m.u.offer.offset, 77);
	cr_expect_eq(m.u.offer.digest[2], 3);
	cr_expect_eq(m.u.offer.digest_len, 32);

	cr_assert_gt(decode(frames[5], lens[5], &m), 0);
	cr_expect_eq(m.u.data.len, 300);
	cr_expect_eq(m.u.data.data[299], 0xab);

	cr_assert_eq(decode(frames[10], lens[10], &m), 12);
	cr_expect_eq(m.u.hello.version, 2);
	cr_expect_eq(m.u.hello.digest, SK_XFER_DIGEST_XXH128);
	cr_assert_eq(decode(frames[11], lens[11], &m), 5 + 24);
	cr_expect_eq(m.u.offer.digest_len, 16);
	cr_expect_eq(m.u.offer.digest[2], 6);
	cr_assert_eq(decode(frames[12], lens[12], &m), 5 + 16);
	cr_expect_eq(m.u.end.digest_len, 16);

	cr_assert_gt(decode(frames[7], lens[7], &m), 0);
	cr_expect_eq(m.u.verdict.status, 1);
	cr_expect_eq(m.u.verdict.reason, SK_XFER_R_EXISTS);
	cr_expect_eq(m.u.verdict.text_len, 13);
	cr_expect_str_eq(sk_xfer_reason_name(m.u.verdict.reason), "exists");
	cr_expect_null(sk_xfer_reason_name(999));
}

Test(xfer_frame, two_frames_back_to_back_decode_one_at_a_time)
{
	uint8_t buf[64];
	int a = enc(buf, sizeof buf, (struct sk_xfer_msg){ .type = SK_XFER_START,
							   .u.start = { 5 } });
	int b = enc(buf + a, sizeof buf - (size_t)a, (struct sk_xfer_msg){ .type = SK_XFER_BYE });
	struct sk_xfer_msg m;
	cr_expect_eq(decode(buf, (size_t)(a + b), &m), a);
	cr_expect_eq(sk_xfer_decode(buf + a, (size_t)b, &m), b);
	cr_expect_eq(m.type, SK_XFER_BYE);
}

struct head_case {
	uint8_t type;
	uint32_t len;
	int want; /* 5, SK_EFRAMEBAD or SK_EFRAMEBIG */
};

Test(xfer_frame, every_length_bound)
{
	static const struct head_case cases[] = {
		{ SK_XFER_HELLO, 6, 5 }, { SK_XFER_HELLO, 5, SK_EFRAMEBAD },
		{ SK_XFER_HELLO, 7, 5 }, { SK_XFER_HELLO, 8, SK_EFRAMEBAD },
		{ SK_XFER_FILE, 24, 5 }, { SK_XFER_FILE, 23, SK_EFRAMEBAD },
		{ SK_XFER_FILE, 23 + 4096, 5 }, { SK_XFER_FILE, 23 + 4097, SK_EFRAMEBIG },
		{ SK_XFER_FILE, 0xffffffffu, SK_EFRAMEBIG },
		{ SK_XFER_OFFER, 40, 5 }, { SK_XFER_OFFER, 39, SK_EFRAMEBAD },
		{ SK_XFER_OFFER, 41, SK_EFRAMEBAD }, { SK_XFER_OFFER, 24, 5 },
		{ SK_XFER_OFFER, 23, SK_EFRAMEBAD }, { SK_XFER_OFFER, 25, SK_EFRAMEBAD },
		{ SK_XFER_START, 8, 5 }, { SK_XFER_START, 9, SK_EFRAMEBAD },
		{ SK_XFER_DATA, 1, 5 }, { SK_XFER_DATA, 0, SK_EFRAMEBAD },
		{ SK_XFER_DATA, 1u << 20, 5 }, { SK_XFER_DATA, (1u << 20) + 1, SK_EFRAMEBIG },
		{ SK_XFER_DATA, 0x80000000u, SK_EFRAMEBIG },
		{ SK_XFER_END, 32, 5 }, { SK_XFER_END, 31, SK_EFRAMEBAD },
		{ SK_XFER_END, 33, SK_EFRAMEBAD }, { SK_XFER_END, 16, 5 },
		{ SK_XFER_END, 15, SK_EFRAMEBAD }, { SK_XFER_END, 17, SK_EFRAMEBAD },
		{ SK_XFER_VERDICT, 3, 5 }, { SK_XFER_VERDICT, 2, SK_EFRAMEBAD },
		{ SK_XFER_VERDICT, 515, 5 }, { SK_XFER_VERDICT, 516, SK_EFRAMEBIG },
		{ SK_XFER_BYE, 0, 5 }, { SK_XFER_BYE, 1, SK_EFRAMEBAD },
		{ 0x00, 0, SK_EFRAMEBAD }, { 0x02, 6, SK_EFRAMEBAD },
		{ 0x15, 1, SK_EFRAMEBAD }, { 0xff, 0, SK_EFRAMEBAD },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t h[5];
		sk_xfer_head_encode(h, cases[i].type, cases[i].len);
		uint8_t type = 0;
		uint32_t len = 0;
		int rc = sk_xfer_head_decode(guarded(h, 5), 5, &type, &len);
		cr_expect_eq(rc, cases[i].want, "case %zu (type 0x%02x len %u): %d", i,
			     cases[i].type, cases[i].len, rc);
		if (rc == 5)
			cr_expect(type == cases[i].type && len == cases[i].len);
		/* The whole-frame decoder reports the same verdict from the
		 * header alone, before any payload arrives. */
		struct sk_xfer_msg m;
		if (rc < 0)
			cr_expect_eq(decode(h, 5, &m), rc, "case %zu", i);
	}
}

/* Builds a frame by hand: header then the payload bytes as given. */
static size_t raw(uint8_t *out, uint8_t type, const void *payload, uint32_t n)
{
	sk_xfer_head_encode(out, type, n);
	memcpy(out + 5, payload, n);
	return 5 + n;
}

static uint8_t *file_payload(uint8_t *p, uint8_t kind, uint64_t size,
			     uint32_t mode, uint16_t name_len)
{
	p[0] = kind;
	for (int i = 0; i < 8; i++)
		p[1 + i] = (uint8_t)(size >> (56 - 8 * i));
	p[9] = (uint8_t)(mode >> 24);
	p[10] = (uint8_t)(mode >> 16);
	p[11] = (uint8_t)(mode >> 8);
	p[12] = (uint8_t)mode;
	memset(p + 13, 0, 8);
	p[21] = (uint8_t)(name_len >> 8);
	p[22] = (uint8_t)name_len;
	return p + 23;
}

Test(xfer_frame, malformed_payloads)
{
	uint8_t buf[8192], pl[5000];
	struct sk_xfer_msg m;

	cr_expect_eq(decode(buf, raw(buf, SK_XFER_HELLO, "SKXG\x01\x00", 6), &m), SK_EFRAMEBAD);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_HELLO, "SKXF\x01\x02", 6), &m), SK_EFRAMEBAD);
	/* Version 1 has no digest byte; version 2 must have one. */
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_HELLO, "SKXF\x01\x00\x02", 7), &m),
		     SK_EFRAMEBAD);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_HELLO, "SKXF\x02\x00", 6), &m), SK_EFRAMEBAD);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_HELLO, "SKXF\x02\x02\x02", 7), &m),
		     SK_EFRAMEBAD);
	/* An unknown digest decodes: the session refuses it by name. */
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_HELLO, "SKXF\x02\x01\x09", 7), &m), 12);
	cr_expect_eq(m.u.hello.digest, 9);
	/* A future version's flags are its own business; its HELLO has the
	 * digest byte, and one without it would not encode back the same. */
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_HELLO, "SKXF\x03\xff\x01", 7), &m), 12);
	cr_expect_eq(m.u.hello.version, 3);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_HELLO, "SKXF\x37\x01", 6), &m), SK_EFRAMEBAD);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_HELLO, "SKXF\x00\x00\x02", 7), &m),
		     SK_EFRAMEBAD);

	uint8_t *name = file_payload(pl, SK_XFER_REG, 10, 0644, 3);
	memcpy(name, "abc", 3);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_FILE, pl, 26), &m), 31);
	/* name length disagrees with the frame length, both ways */
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_FILE, pl, 25), &m), SK_EFRAMEBAD);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_FILE, pl, 27), &m), SK_EFRAMEBAD);
	file_payload(pl, SK_XFER_REG, 10, 0644, 0);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_FILE, pl, 24), &m), SK_EFRAMEBAD);
	file_payload(pl, SK_XFER_REG, 10, 0644, 4097);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_FILE, pl, 24), &m), SK_EFRAMEBAD);
	file_payload(pl, 2, 10, 0644, 3);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_FILE, pl, 26), &m), SK_EFRAMEBAD);
	file_payload(pl, SK_XFER_REG, 1ull << 63, 0644, 3);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_FILE, pl, 26), &m), SK_EFRAMEBAD);
	file_payload(pl, SK_XFER_REG, (1ull << 63) - 1, 07777, 3);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_FILE, pl, 26), &m), 31);
	file_payload(pl, SK_XFER_REG, 1, 010000, 3);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_FILE, pl, 26), &m), SK_EFRAMEBAD);
	file_payload(pl, SK_XFER_DIR, 1, 0755, 3);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_FILE, pl, 26), &m), SK_EFRAMEBAD);
	/* the longest name */
	name = file_payload(pl, SK_XFER_REG, 1, 0644, 4096);
	memset(name, 'x', 4096);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_FILE, pl, 23 + 4096), &m), 5 + 23 + 4096);
	cr_expect_eq(m.u.file.name_len, 4096);

	uint8_t off[40] = { 0x80 };
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_OFFER, off, 40), &m), SK_EFRAMEBAD);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_START, off, 8), &m), SK_EFRAMEBAD);

	cr_expect_eq(decode(buf, raw(buf, SK_XFER_VERDICT, "\x02\x00\x00", 3), &m), SK_EFRAMEBAD);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_VERDICT, "\x00\x00\x01", 3), &m), SK_EFRAMEBAD);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_VERDICT, "\x01\x00\x00", 3), &m), SK_EFRAMEBAD);
	cr_expect_eq(decode(buf, raw(buf, SK_XFER_VERDICT, "\x01\x03\xe7", 3), &m), 8);
	cr_expect_eq(m.u.verdict.reason, 999);
}

Test(xfer_frame, largest_data_frame)
{
	static uint8_t buf[SK_XFER_FRAME_MAX], data[SK_XFER_DATA_MAX];
	memset(data, 0x5a, sizeof data);
	struct sk_xfer_msg m = { .type = SK_XFER_DATA, .u.data = { data, sizeof data } };
	cr_assert_eq(sk_xfer_encode(buf, sizeof buf, &m), (int)SK_XFER_FRAME_MAX);
	cr_expect_eq(sk_xfer_encode(buf, sizeof buf - 1, &m), -ENOSPC);
	cr_expect_eq(decode(buf, sizeof buf, &m), (int)SK_XFER_FRAME_MAX);
	cr_expect_eq(decode(buf, sizeof buf - 1, &m), SK_EFRAMESHORT);
	m.u.data.len = SK_XFER_DATA_MAX + 1;
	cr_expect_eq(sk_xfer_encode(buf, sizeof buf, &m), SK_EFRAMEBIG);
	m.u.data.len = 0;
	cr_expect_eq(sk_xfer_encode(buf, sizeof buf, &m), SK_EFRAMEBAD);
}

Test(xfer_frame, encoder_refuses_what_the_decoder_would)
{
	uint8_t buf[8192];
	static uint8_t longname[4097];
	memset(longname, 'n', sizeof longname);
	cr_expect_eq(enc(buf, sizeof buf, (struct sk_xfer_msg){ .type = SK_XFER_FILE,
			.u.file = { .name = longname, .name_len = 4097 } }), SK_EFRAMEBIG);
	cr_expect_eq(enc(buf, sizeof buf, (struct sk_xfer_msg){ .type = SK_XFER_FILE,
			.u.file = { .name = longname, .name_len = 0 } }), SK_EFRAMEBIG);
	cr_expect_eq(enc(buf, sizeof buf, (struct sk_xfer_msg){ .type = SK_XFER_FILE,
			.u.file = { .mode = 010000, .name = longname, .name_len = 1 } }),
		     SK_EFRAMEBAD);
	cr_expect_eq(enc(buf, sizeof buf, (struct sk_xfer_msg){ .type = SK_XFER_VERDICT,
			.u.verdict = { 1, 1, longname, 513 } }), SK_EFRAMEBIG);
	cr_expect_eq(enc(buf, sizeof buf, (struct sk_xfer_msg){ .type = 0x42 }), SK_EFRAMEBAD);
	cr_expect_eq(enc(buf, 4, (struct sk_xfer_msg){ .type = SK_XFER_BYE }), -ENOSPC);
	cr_expect_eq(enc(buf, 5, (struct sk_xfer_msg){ .type = SK_XFER_BYE }), 5);
}

struct name_case {
	const char *name;
	size_t len; /* 0: strlen */
	bool ok;
	const char *why;
};

Test(xfer_frame, names)
{
	static const struct name_case cases[] = {
		{ "a", 0, true, NULL },
		{ "dir/sub/file.txt", 0, true, NULL },
		{ ".hidden", 0, true, NULL },
		{ "..a/b..", 0, true, NULL },
		{ "a/.../b", 0, true, NULL },
		{ "caf\xc3\xa9", 0, true, NULL },
		{ "", 0, false, "empty name" },
		{ "/etc/passwd", 0, false, "absolute" },
		{ "..", 0, false, "component '..'" },
		{ "../x", 0, false, "component '..'" },
		{ "a/../../x", 0, false, "component '..'" },
		{ "a/..", 0, false, "component '..'" },
		{ ".", 0, false, "component '.'" },
		{ "a/./b", 0, false, "component '.'" },
		{ "a//b", 0, false, "empty component" },
		{ "a/", 0, false, "empty component" },
		{ "a\0b", 3, false, "NUL byte at offset 1" },
		{ "\0", 1, false, "NUL byte" },
		{ "a\nb", 0, false, "control byte 0x0a" },
		{ "\x1b[2J", 0, false, "control byte 0x1b" },
		{ "a\x7f", 0, false, "control byte 0x7f" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct name_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->name);
		char err[SK_ERRLEN] = "";
		int rc = sk_xfer_name_check(guarded((const uint8_t *)c->name, len), len, err);
		cr_expect_eq(rc, c->ok ? 0 : SK_ENAMEBAD, "case %zu", i);
		if (c->why)
			cr_expect(strstr(err, c->why), "case %zu: %s", i, err);
	}
}

Test(xfer_frame, name_length_bounds)
{
	static uint8_t n[5000];
	memset(n, 'a', sizeof n);
	cr_expect_eq(sk_xfer_name_check(n, 249, NULL), 0);
	cr_expect_eq(sk_xfer_name_check(n, 250, NULL), SK_ENAMEBAD);
	/* 4096 bytes in components of 249 */
	for (size_t i = 249; i < 4096; i += 250)
		n[i] = '/';
	n[4095] = 'a';
	cr_expect_eq(sk_xfer_name_check(n, 4096, NULL), 0);
	char err[SK_ERRLEN];
	cr_expect_eq(sk_xfer_name_check(n, 4097, err), SK_ENAMEBAD);
	cr_expect(strstr(err, "at most 4096"), "%s", err);
}
