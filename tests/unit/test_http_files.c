#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/http_files.h"
#include "sockit/http.h"

static char dir[64];
static int dirfd_;

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/sockit-http-files-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(dirfd_, 0);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
	close(dirfd_);
}

/* Writes name with len bytes of c, its modification time set to mtime. */
static void write_file(const char *name, size_t len, char c, time_t mtime)
{
	int fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	char *b = malloc(len ? len : 1);
	memset(b, c, len);
	cr_assert_eq(write(fd, b, len), (ssize_t)len);
	free(b);
	struct timespec t[2] = { { mtime, 0 }, { mtime, 0 } };
	cr_assert_eq(futimens(fd, t), 0);
	close(fd);
}

/* Opens name as http serve would and stats it. */
static int open_file(const char *name, struct stat *st)
{
	int fd = openat(dirfd_, name, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, st), 0);
	return fd;
}

/* A time at which every file written by the test counts as settled. */
static time_t later(void)
{
	return time(NULL) + 10;
}

static struct sk__http_file *put(struct sk__http_files *c, const char *name)
{
	struct stat st;
	int fd = open_file(name, &st);
	struct sk__http_file *f = sk__http_files_put(c, name, fd, &st, later());
	cr_assert_not_null(f);
	return f;
}

TestSuite(http_files, .init = setup, .fini = teardown);

Test(http_files, small_file_kept_in_memory_with_its_head)
{
	struct sk__http_files c;
	sk__http_files_init(&c, dirfd_);
	write_file("a.txt", 100, 'x', 1000000000);
	struct sk__http_file *f = put(&c, "a.txt");
	cr_expect_eq(f->fd, -1, "the bytes are held: no descriptor");
	cr_assert_not_null(f->body);
	cr_expect_eq(f->body[0], 'x');
	cr_expect_eq(f->body[99], 'x');
	char etag[80];
	sk_http_etag(etag, sizeof etag, 100, 1000000000, 0);
	cr_expect_str_eq(f->etag, etag);
	cr_expect_str_eq(f->last_modified, "Sun, 09 Sep 2001 01:46:40 GMT");
	cr_expect_str_eq(f->type, sk_http_mime_type("a.txt"));
	char head[512];
	snprintf(head, sizeof head,
		 "Content-Type: %s\r\nContent-Length: 100\r\nAccept-Ranges: bytes\r\n"
		 "ETag: %s\r\nLast-Modified: Sun, 09 Sep 2001 01:46:40 GMT\r\n",
		 f->type, etag);
	cr_expect_str_eq(f->head, head);
	cr_expect_eq(f->head_len, strlen(head));
	sk__http_files_release(&c, f);

	struct sk__http_file *g = sk__http_files_get(&c, "a.txt");
	cr_expect_eq(g, f, "an unchanged file is found again");
	cr_expect_eq(g->refs, 1u);
	sk__http_files_release(&c, g);
	cr_expect_null(sk__http_files_get(&c, "b.txt"));
	sk__http_files_free(&c);
}

Test(http_files, large_file_kept_open)
{
	struct sk__http_files c;
	sk__http_files_init(&c, dirfd_);
	write_file("big", SK__HTTP_FILES_SMALL + 1, 'y', 1000000000);
	struct stat st;
	int fd = open_file("big", &st);
	struct sk__http_file *f = sk__http_files_put(&c, "big", fd, &st, later());
	cr_assert_not_null(f);
	cr_expect_eq(f->fd, fd);
	cr_expect_null(f->body);
	sk__http_files_release(&c, f);
	sk__http_files_free(&c);
	cr_expect_eq(fcntl(fd, F_GETFD), -1, "freeing the cache closed the file");
}

Test(http_files, a_recent_file_is_not_cached)
{
	struct sk__http_files c;
	sk__http_files_init(&c, dirfd_);
	write_file("new", 10, 'n', time(NULL));
	struct stat st;
	int fd = open_file("new", &st);
	cr_expect_null(sk__http_files_put(&c, "new", fd, &st, time(NULL)));
	cr_expect_geq(fcntl(fd, F_GETFD), 0, "the descriptor is still the caller's");
	cr_expect_eq(c.n, 0u);
	/* Its change time is now too: an old mtime does not make it settled. */
	write_file("old-mtime", 10, 'n', 1000000000);
	int fd2 = open_file("old-mtime", &st);
	cr_expect_null(sk__http_files_put(&c, "old-mtime", fd2, &st, time(NULL)));
	close(fd);
	close(fd2);
	sk__http_files_free(&c);
}

Test(http_files, a_changed_replaced_or_removed_file_is_stale)
{
	struct sk__http_files c;
	sk__http_files_init(&c, dirfd_);
	write_file("a", 10, 'a', 1000000000);
	write_file("b", 10, 'b', 1000000000);
	write_file("c", 10, 'c', 1000000000);
	write_file("other", 10, 'o', 1000000000);
	sk__http_files_release(&c, put(&c, "a"));
	sk__http_files_release(&c, put(&c, "b"));
	sk__http_files_release(&c, put(&c, "c"));
	cr_expect_eq(c.n, 3u);

	write_file("a", 10, 'A', 1000000001); /* same size, another mtime */
	cr_expect_null(sk__http_files_get(&c, "a"));
	cr_expect_eq(c.n, 2u, "the stale entry is dropped");

	cr_assert_eq(unlinkat(dirfd_, "b", 0), 0);
	cr_assert_eq(symlinkat("other", dirfd_, "b"), 0);
	cr_expect_null(sk__http_files_get(&c, "b"), "now another inode");

	cr_assert_eq(unlinkat(dirfd_, "c", 0), 0);
	cr_expect_null(sk__http_files_get(&c, "c"));
	cr_expect_eq(c.n, 0u);

	/* Cached again, the new version is what it holds. */
	struct sk__http_file *f = put(&c, "a");
	cr_expect_eq(f->body[0], 'A');
	sk__http_files_release(&c, f);
	sk__http_files_free(&c);
}

Test(http_files, an_entry_in_use_outlives_its_staleness)
{
	struct sk__http_files c;
	sk__http_files_init(&c, dirfd_);
	write_file("a", 10, 'a', 1000000000);
	struct sk__http_file *f = put(&c, "a"); /* a response sends from it */
	write_file("a", 12, 'b', 1000000000);
	cr_expect_null(sk__http_files_get(&c, "a"));
	cr_expect(f->gone);
	cr_expect_eq(f->body[9], 'a', "still whole for the response using it");
	sk__http_files_release(&c, f); /* freed here (ASan would tell) */
	sk__http_files_free(&c);
}

Test(http_files, least_recently_used_goes_first_but_never_one_in_use)
{
	struct sk__http_files c;
	sk__http_files_init(&c, dirfd_);
	char name[32];
	struct sk__http_file *held[SK__HTTP_FILES_MAX];
	for (int i = 0; i < SK__HTTP_FILES_MAX + 1; i++) {
		snprintf(name, sizeof name, "f%d", i);
		write_file(name, 4, 'f', 1000000000);
	}
	for (int i = 0; i < SK__HTTP_FILES_MAX; i++) {
		snprintf(name, sizeof name, "f%d", i);
		held[i] = put(&c, name);
	}
	struct stat st;
	snprintf(name, sizeof name, "f%d", SK__HTTP_FILES_MAX);
	int fd = open_file(name, &st);
	cr_expect_null(sk__http_files_put(&c, name, fd, &st, later()), "every entry in use");
	for (int i = 0; i < SK__HTTP_FILES_MAX; i++)
		sk__http_files_release(&c, held[i]);
	/* f0 used again: f1 is now the least recently used. */
	sk__http_files_release(&c, sk__http_files_get(&c, "f0"));
	struct sk__http_file *f = sk__http_files_put(&c, name, fd, &st, later());
	cr_assert_not_null(f);
	sk__http_files_release(&c, f);
	cr_expect_eq(c.n, (size_t)SK__HTTP_FILES_MAX);
	cr_expect_null(sk__http_files_get(&c, "f1"));
	struct sk__http_file *g = sk__http_files_get(&c, "f0");
	cr_expect_not_null(g);

	cr_expect_eq(sk__http_files_trim(&c), (size_t)SK__HTTP_FILES_MAX - 1,
		     "every entry but the one in use");
	cr_expect_eq(c.n, 1u);
	sk__http_files_release(&c, g);
	sk__http_files_free(&c);
	cr_expect_eq(c.n, 0u);
}

Test(http_files, date)
{
	char b[40];
	sk__http_date(b, sizeof b, 784111777);
	cr_expect_str_eq(b, "Sun, 06 Nov 1994 08:49:37 GMT");
}
