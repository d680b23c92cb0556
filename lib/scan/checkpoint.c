/* --resume checkpoints: a small text file replaced atomically. */
#include "sockit/scan.h"
#include "sockit/error.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char magic[] = "sockit-scan-checkpoint 1";

int sk_checkpoint_write(const char *path, const struct sk_checkpoint *c, char *err)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return sk_err_set(err, -ENAMETOOLONG, "%s", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return sk_err_set(err, -errno, "%s", tmp);
	fprintf(f,
		"%s\nfingerprint %016" PRIx64 "\nseed %" PRIu64 "\nshard %" PRIu64
		"/%" PRIu64 "\nphase %u\nnext %" PRIu64 "\n",
		magic, c->fingerprint, c->seed, c->shard_index + 1, c->shard_count,
		c->phase, c->next);
	if (fflush(f) || ferror(f)) {
		int e = -errno;
		fclose(f);
		unlink(tmp);
		return sk_err_set(err, e ? e : -EIO, "%s", tmp);
	}
	if (fclose(f))
		return sk_err_set(err, -errno, "%s", tmp);
	if (rename(tmp, path)) {
		int e = -errno;
		unlink(tmp);
		return sk_err_set(err, e, "%s", path);
	}
	return 0;
}

int sk_checkpoint_read(const char *path, struct sk_checkpoint *c, char *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = -errno;
		return e == -ENOENT ? e : sk_err_set(err, e, "%s", path);
	}
	char buf[1024];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	uint64_t si = 0;
	int used = 0;
	memset(c, 0, sizeof *c);
	if (sscanf(buf,
		   "sockit-scan-checkpoint 1\nfingerprint %" SCNx64 "\nseed %" SCNu64
		   "\nshard %" SCNu64 "/%" SCNu64 "\nphase %u\nnext %" SCNu64 "\n%n",
		   &c->fingerprint, &c->seed, &si, &c->shard_count, &c->phase, &c->next,
		   &used) != 6 ||
	    (size_t)used != n || si == 0 || si > c->shard_count || c->phase > 1)
		return sk_err_set(err, SK_EBADCHECKPOINT, "%s: not a sockit scan checkpoint",
				  path);
	c->shard_index = si - 1;
	return 0;
}
