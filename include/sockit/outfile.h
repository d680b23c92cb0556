/* A file that appears under its name only once it is complete, as curl
 * -o and wget should: the bytes go to PATH.part, renamed over PATH at the
 * end, or removed on failure.  A path that exists and is no regular file
 * (/dev/null, a fifo, a terminal) is written directly: renaming over it
 * would replace it. */
#ifndef SOCKIT_OUTFILE_H
#define SOCKIT_OUTFILE_H

#include <stdbool.h>

#define SK_OUTFILE_PATHMAX 4096

struct sk_outfile {
	int fd;    /* write here; -1 once closed */
	bool part; /* fd is part_path's, which commit renames to path */
	char path[SK_OUTFILE_PATHMAX];
	char part_path[SK_OUTFILE_PATHMAX];
};

/* Opens path as described above (PATH.part created or truncated, mode
 * 0666 less the umask).  Returns 0, or -EISDIR, -ENAMETOOLONG or another
 * -errno with err ("PATH: why"). */
int sk_outfile_open(struct sk_outfile *f, const char *path, char *err);

/* Closes the file; a .part becomes path.  On failure the .part is
 * removed.  Returns 0 or -errno with err. */
int sk_outfile_commit(struct sk_outfile *f, char *err);

/* Closes the file and removes a .part.  Safe when closed already. */
void sk_outfile_abort(struct sk_outfile *f);

#endif
