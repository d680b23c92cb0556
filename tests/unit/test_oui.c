/* The IEEE registry parser and the longest-prefix lookup. */
#include <criterion/criterion.h>
#include <string.h>

#include "sockit/oui.h"

static const char registry[] =
	"Registry,Assignment,Organization Name,Organization Address\n"
	"MA-L,002272,American Micro-Fuel Device Corp.,2181 Buchanan Loop \n"
	"MA-L,208593,IEEE Registration Authority,445 Hoes Lane\n"
	"MA-M,208593B,IOG Products LLC,9737 LURLINE AVENUE\n"
	"MA-S,208593B12,\"Tiny, Inc.\",\"Somewhere, \"\"quoted\"\"\"\n"
	"MA-L,zz0000,Bad Hex,\n"
	"MA-L,0011,Too Short,\n"
	"MA-L,001122,,no name\n"
	"\n"
	"MA-L,AABBCC,No Newline At End";

Test(oui, parses_csv_and_finds_the_longest_prefix)
{
	struct sk_oui *db = sk_oui_new();
	cr_assert(db);
	cr_assert_eq(sk_oui_add_csv(db, registry, strlen(registry)), 5);
	static const struct {
		uint8_t mac[6];
		const char *want;
	} cases[] = {
		{ { 0x00, 0x22, 0x72, 0xab, 0xcd, 0xef }, "American Micro-Fuel Device Corp." },
		{ { 0x20, 0x85, 0x93, 0x01, 0x00, 0x00 }, "IEEE Registration Authority" },
		{ { 0x20, 0x85, 0x93, 0xb0, 0x00, 0x00 }, "IOG Products LLC" },
		{ { 0x20, 0x85, 0x93, 0xb1, 0x20, 0x00 }, "Tiny, Inc." },
		{ { 0x20, 0x85, 0x93, 0xb1, 0x30, 0x00 }, "IOG Products LLC" },
		{ { 0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x00 }, "No Newline At End" },
		{ { 0x00, 0x11, 0x22, 0x00, 0x00, 0x00 }, NULL },
		{ { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = sk_oui_lookup(db, cases[i].mac);
		if (cases[i].want)
			cr_expect_str_eq(got ? got : "(null)", cases[i].want, "case %zu", i);
		else
			cr_expect_null(got, "case %zu", i);
	}
	sk_oui_free(db);
}

Test(oui, every_prefix_of_the_text_is_safe)
{
	for (size_t n = 0; n <= strlen(registry); n++) {
		struct sk_oui *db = sk_oui_new();
		cr_assert_geq(sk_oui_add_csv(db, registry, n), 0);
		const uint8_t mac[6] = { 0x20, 0x85, 0x93, 0xb1, 0x20, 0x00 };
		sk_oui_lookup(db, mac);
		sk_oui_free(db);
	}
}

Test(oui, empty_or_missing_registry)
{
	struct sk_oui *db = sk_oui_new();
	char err[256];
	cr_expect_eq(sk_oui_load(db, "/nonexistent-dir", err), 0);
	const uint8_t mac[6] = { 0 };
	cr_expect_null(sk_oui_lookup(db, mac));
	cr_expect_null(sk_oui_lookup(NULL, mac));
	sk_oui_free(db);
	sk_oui_free(NULL);
}

Test(oui, debian_registry_loads)
{
	struct sk_oui *db = sk_oui_new();
	char err[256];
	int n = sk_oui_load(db, NULL, err);
	if (n == 0)
		cr_skip_test("ieee-data is not installed (make deps installs it)");
	cr_expect_gt(n, 30000);
	const uint8_t mac[6] = { 0x00, 0x22, 0x72, 0, 0, 1 };
	cr_expect_not_null(sk_oui_lookup(db, mac));
	sk_oui_free(db);
}
