/* Files http serve answered recently (internal): each kept open, with the
 * parts of a response head that depend only on the file, and the bytes
 * themselves when it is small.  An entry is used again only while one
 * stat of its path (relative to the served root) finds the same file
 * unchanged: device, inode, size, modification and change times, mode.
 * A file changed less than two seconds before it would be cached is not
 * cached: file times move in clock ticks, so a change in the same tick
 * could not be told apart.  Only files first opened safely beneath the
 * root are ever put here, so a hit serves an inode already judged. */
#ifndef SOCKIT_IO_HTTP_FILES_H
#define SOCKIT_IO_HTTP_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#define SK__HTTP_FILES_MAX 64            /* entries (open descriptors) */
#define SK__HTTP_FILES_SMALL (32u << 10) /* files up to this are kept in memory */

struct sk__http_file {
	char *path;     /* the key, as the request named it */
	uint64_t hash;  /* of path */
	int fd;         /* -1 when body holds the whole file */
	struct stat st; /* what the last stat found */
	const uint8_t *body; /* the whole file when small, else NULL */
	const char *type;    /* Content-Type (a static string) */
	char etag[80];
	char last_modified[40]; /* an HTTP date */
	/* "Content-Type: ...\r\nContent-Length: ...\r\nAccept-Ranges: bytes\r\n
	 * ETag: ...\r\nLast-Modified: ...\r\n" of a whole-file answer. */
	char *head;
	size_t head_len;
	unsigned refs;  /* responses still sending from it */
	uint64_t used;  /* when last handed out, for eviction */
	bool gone;      /* dropped from the table; freed at its last release */
};

struct sk__http_files {
	int dirfd; /* paths are relative to it; not owned */
	struct sk__http_file *e[SK__HTTP_FILES_MAX];
	size_t n;
	uint64_t tick;
};

/* Writes t as an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT") into buf. */
void sk__http_date(char *buf, size_t cap, time_t t);

/* An empty cache of files under dirfd. */
void sk__http_files_init(struct sk__http_files *c, int dirfd);

/* The entry for path, with a reference taken, when it is cached and the
 * file it names is unchanged; NULL otherwise (a stale entry is dropped).
 * Costs one fstatat. */
struct sk__http_file *sk__http_files_get(struct sk__http_files *c, const char *path);

/* Caches the regular file fd (opened beneath the root, st its fstat)
 * under path and returns the entry with a reference taken; the cache then
 * owns fd.  Returns NULL and leaves fd to the caller when the file is too
 * recent (see above, now being the current time), memory is short, or
 * every entry is in use.  The least recently used entry not in use makes
 * room. */
struct sk__http_file *sk__http_files_put(struct sk__http_files *c, const char *path, int fd,
					 const struct stat *st, time_t now);

/* Gives back a reference from get or put. */
void sk__http_files_release(struct sk__http_files *c, struct sk__http_file *f);

/* Drops every entry not in use, closing their descriptors (when the
 * process runs out of them).  Returns how many were dropped. */
size_t sk__http_files_trim(struct sk__http_files *c);

/* Drops everything; entries still referenced are freed at release. */
void sk__http_files_free(struct sk__http_files *c);

#endif
