/* libFuzzer: a whole receiver session fed from the input bytes, as a
 * hostile sender would send them, writing into a scratch directory.  It
 * must never crash, and nothing may appear outside that directory. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/xfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
	const uint8_t *p;
	size_t n, off;
};

static ssize_t feed_read(void *ctx, void *buf, size_t n)
{
	struct feed *f = ctx;
	/* Small, uneven reads exercise every partial-frame path. */
	size_t left = f->n - f->off, take = n < 7 ? n : 7 + (f->off % 13);
	if (take > left)
		take = left;
	if (take > n)
		take = n;
	memcpy(buf, f->p + f->off, take);
	f->off += take;
	return (ssize_t)take;
}

static ssize_t feed_write(void *ctx, const void *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	return (ssize_t)n;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

static char top[64], in[80];

static void remove_top(void)
{
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	rmdir(top);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!top[0]) {
		snprintf(top, sizeof top, "/tmp/sockit-fuzz-recv-XXXXXX");
		if (!mkdtemp(top))
			abort();
		snprintf(in, sizeof in, "%s/in", top);
		atexit(remove_top);
	}
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(in, 0755))
		abort();
	/* A symbolic link inside that points outside: following it would be
	 * the escape this harness looks for. */
	char link[96];
	snprintf(link, sizeof link, "%s/up", in);
	if (symlink("..", link))
		abort();
	int dirfd = open(in, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		abort();
	struct feed f = { data, size, 0 };
	struct sk_xfer_stream s = { .fd = -1, .ctx = &f, .read = feed_read, .write = feed_write };
	struct sk_xfer_recv_opts o = { .dirfd = dirfd, .max_size = 1 << 20 };
	struct sk_xfer_recv_stats st;
	char err[SK_ERRLEN];
	sk_xfer_recv(&s, &o, &st, err);
	close(dirfd);
	/* Only "in" may exist at the top. */
	DIR *d = opendir(top);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "in"))
			abort();
	closedir(d);
	return 0;
}
