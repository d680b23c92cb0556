/* sk_outfile: a file appears under its name only once complete. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/outfile.h"

static char dir[64], file[96], part[104];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/sockit-outfile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(file, sizeof file, "%s/out", dir);
	snprintf(part, sizeof part, "%s/out.part", dir);
}

static void teardown(void)
{
	unlink(file);
	unlink(part);
	rmdir(dir);
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

TestSuite(outfile, .init = setup, .fini = teardown);

Test(outfile, commit_renames_the_part)
{
	struct sk_outfile f;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_outfile_open(&f, file, err), 0, "%s", err);
	cr_expect(f.part);
	cr_expect(exists(part));
	cr_expect_not(exists(file));
	cr_assert_eq(write(f.fd, "abc", 3), 3);
	cr_assert_eq(sk_outfile_commit(&f, err), 0, "%s", err);
	cr_expect_not(exists(part));
	struct stat st;
	cr_assert_eq(stat(file, &st), 0);
	cr_expect_eq(st.st_size, 3);
	sk_outfile_abort(&f); /* closed already: nothing happens */
	cr_expect(exists(file));
}

Test(outfile, abort_removes_the_part_and_keeps_what_was_there)
{
	FILE *old = fopen(file, "w");
	cr_assert_not_null(old);
	fputs("old", old);
	fclose(old);
	struct sk_outfile f;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_outfile_open(&f, file, err), 0, "%s", err);
	sk_outfile_abort(&f);
	cr_expect_not(exists(part));
	struct stat st;
	cr_assert_eq(stat(file, &st), 0);
	cr_expect_eq(st.st_size, 3);
}

Test(outfile, a_device_is_written_directly_and_a_directory_refused)
{
	struct sk_outfile f;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_outfile_open(&f, "/dev/null", err), 0, "%s", err);
	cr_expect_not(f.part);
	cr_expect_geq(f.fd, 0);
	cr_expect_eq(sk_outfile_commit(&f, err), 0, "%s", err);
	cr_expect_eq(sk_outfile_open(&f, dir, err), -EISDIR);
	cr_expect(strstr(err, "is a directory"), "%s", err);
	char missing[128];
	snprintf(missing, sizeof missing, "%s/no/such", dir);
	cr_expect_eq(sk_outfile_open(&f, missing, err), -ENOENT);
	char *longname = malloc(SK_OUTFILE_PATHMAX + 10);
	memset(longname, 'a', SK_OUTFILE_PATHMAX + 9);
	longname[SK_OUTFILE_PATHMAX + 9] = 0;
	cr_expect_eq(sk_outfile_open(&f, longname, err), -ENAMETOOLONG);
	free(longname);
}
