/* Resume checkpoints: a small text file replaced atomically.  After the
 * scan's identity and "next N" come the steps above N already reported,
 * as "done A-B" lines. */
#include "sockit/array.h"
#include "sockit/error.h"
#include "sockit/scan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
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
		"%s\nfingerprint %016" PRIx64 "\nseed %" PRIu64
		"\nshard %" PRIu64 "/%" PRIu64 "\nphase %u\nnext %" PRIu64 "\n",
		magic, c->fingerprint, c->seed, c->shard_index + 1,
		c->shard_count, c->phase, c->next);
	for (size_t i = 0; i < c->ndone; i++)
		fprintf(f, "done %" PRIu64 "-%" PRIu64 "\n", c->done[i].first,
			c->done[i].last);
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

/* The "done A-B" lines after the header: ascending, disjoint, at or
 * above next.  Returns 0, -ENOMEM or SK_EBADCHECKPOINT. */
static int read_done(FILE *f, struct sk_checkpoint *c)
{
	size_t cap = 0;
	uint64_t a, b;
	int used = 0;
	char line[128];
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "done %" SCNu64 "-%" SCNu64 "\n%n", &a, &b,
			   &used) != 2 ||
		    (size_t)used != strlen(line) || a > b || a < c->next ||
		    (c->ndone && a <= c->done[c->ndone - 1].last))
			return SK_EBADCHECKPOINT;
		if (sk_array_grow(&c->done, &cap, c->ndone + 1,
				  sizeof *c->done))
			return -ENOMEM;
		c->done[c->ndone++] = (struct sk_step_range){ a, b };
	}
	return ferror(f) ? -EIO : 0;
}

int sk_checkpoint_read(const char *path, struct sk_checkpoint *c, char *err)
{
	memset(c, 0, sizeof *c);
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = -errno;
		return e == -ENOENT ? e : sk_err_set(err, e, "%s", path);
	}
	uint64_t si = 0;
	int used = 0, rc = 0;
	char buf[1024] = "";
	size_t n = 0;
	/* The six lines of the header; the done lines follow. */
	for (int i = 0; i < 6 && n + 1 < sizeof buf &&
			fgets(buf + n, (int)(sizeof buf - n), f);
	     i++)
		n += strlen(buf + n);
	if (sscanf(buf,
		   "sockit-scan-checkpoint 1\nfingerprint %" SCNx64 "\nseed %" SCNu64
		   "\nshard %" SCNu64 "/%" SCNu64 "\nphase %u\nnext %" SCNu64 "\n%n",
		   &c->fingerprint, &c->seed, &si, &c->shard_count, &c->phase, &c->next,
		   &used) != 6 ||
	    (size_t)used != n || si == 0 || si > c->shard_count || c->phase > 1)
		rc = SK_EBADCHECKPOINT;
	if (!rc)
		rc = read_done(f, c);
	fclose(f);
	if (rc) {
		sk_checkpoint_free(c);
		if (rc == SK_EBADCHECKPOINT)
			return sk_err_set(
			    err, rc, "%s: not a sockit scan checkpoint", path);
		return sk_err_set(err, rc, "%s", path);
	}
	c->shard_index = si - 1;
	return 0;
}

void sk_checkpoint_free(struct sk_checkpoint *c)
{
	free(c->done);
	c->done = NULL;
	c->ndone = 0;
}
