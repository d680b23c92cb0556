/* Files written whole or not at all (sockit/outfile.h). */
#include "sockit/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/say.h"
#include "sockit/error.h"

/* "PATH: why" for the errno just set. */
static int fail(char *err, const char *path)
{
	int e = -errno;
	return sk__err_say(err, e, "%s: %s", path, sk_strerror(e));
}

int sk_outfile_open(struct sk_outfile *f, const char *path, char *err)
{
	*f = (struct sk_outfile){ .fd = -1 };
	snprintf(f->path, sizeof f->path, "%s", path);
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return sk__err_say(err, -EISDIR, "%s: is a directory", path);
		f->fd = open(path, O_WRONLY | O_CLOEXEC);
		return f->fd < 0 ? fail(err, path) : 0;
	}
	int n = snprintf(f->part_path, sizeof f->part_path, "%s.part", path);
	if (n < 0 || (size_t)n >= sizeof f->part_path)
		return sk__err_say(err, -ENAMETOOLONG, "%s: file name too long", path);
	f->fd = open(f->part_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (f->fd < 0)
		return fail(err, f->part_path);
	f->part = true;
	return 0;
}

int sk_outfile_commit(struct sk_outfile *f, char *err)
{
	int rc = 0;
	if (f->fd >= 0 && close(f->fd) != 0)
		rc = fail(err, f->part ? f->part_path : f->path);
	f->fd = -1;
	if (!rc && f->part && rename(f->part_path, f->path) != 0) {
		int e = -errno;
		rc = sk__err_say(err, e, "rename %s to %s: %s", f->part_path, f->path,
				 sk_strerror(e));
	}
	if (rc && f->part)
		unlink(f->part_path);
	f->part = false;
	return rc;
}

void sk_outfile_abort(struct sk_outfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->part)
		unlink(f->part_path);
	f->part = false;
}
