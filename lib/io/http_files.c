/* The cache of http serve's hot files: see http_files.h.  A plain array:
 * 64 entries are searched by hash in less time than a hash table's
 * upkeep would take. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/http_files.h"
#include "sockit/http.h"

void sk__http_date(char *buf, size_t cap, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static uint64_t path_hash(const char *p)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	return h;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mode == b->st_mode && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void entry_free(struct sk__http_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free((void *)f->body);
	free(f->head);
	free(f->path);
	free(f);
}

/* Takes entry i out of the table; freed now unless still in use. */
static void drop(struct sk__http_files *c, size_t i)
{
	struct sk__http_file *f = c->e[i];
	c->e[i] = c->e[--c->n];
	if (f->refs)
		f->gone = true;
	else
		entry_free(f);
}

void sk__http_files_init(struct sk__http_files *c, int dirfd)
{
	memset(c, 0, sizeof *c);
	c->dirfd = dirfd;
}

struct sk__http_file *sk__http_files_get(struct sk__http_files *c, const char *path)
{
	uint64_t h = path_hash(path);
	for (size_t i = 0; i < c->n; i++) {
		struct sk__http_file *f = c->e[i];
		if (f->hash != h || strcmp(f->path, path))
			continue;
		struct stat st;
		if (fstatat(c->dirfd, path, &st, 0) != 0 || !same_file(&st, &f->st)) {
			drop(c, i);
			return NULL;
		}
		f->refs++;
		f->used = ++c->tick;
		return f;
	}
	return NULL;
}

/* The whole of a small file, or NULL when it cannot be read as its stat
 * says (it changed meanwhile: the next stat will tell). */
static uint8_t *read_small(int fd, size_t size)
{
	uint8_t *b = malloc(size ? size : 1);
	size_t got = 0;
	while (b && got < size) {
		ssize_t n = pread(fd, b + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(b);
			return NULL;
		}
		got += (size_t)n;
	}
	return b;
}

static bool fill(struct sk__http_file *f, const char *path, int fd, const struct stat *st)
{
	f->path = strdup(path);
	f->hash = path_hash(path);
	f->fd = fd;
	f->st = *st;
	f->type = sk_http_mime_type(path);
	sk_http_etag(f->etag, sizeof f->etag, (uint64_t)st->st_size, st->st_mtim.tv_sec,
		     st->st_mtim.tv_nsec);
	sk__http_date(f->last_modified, sizeof f->last_modified, st->st_mtime);
	int n = snprintf(NULL, 0,
			 "Content-Type: %s\r\nContent-Length: %llu\r\nAccept-Ranges: bytes\r\n"
			 "ETag: %s\r\nLast-Modified: %s\r\n",
			 f->type, (unsigned long long)st->st_size, f->etag, f->last_modified);
	f->head = malloc((size_t)n + 1);
	if (!f->path || !f->head)
		return false;
	f->head_len = (size_t)snprintf(f->head, (size_t)n + 1,
				       "Content-Type: %s\r\nContent-Length: %llu\r\n"
				       "Accept-Ranges: bytes\r\nETag: %s\r\nLast-Modified: %s\r\n",
				       f->type, (unsigned long long)st->st_size, f->etag,
				       f->last_modified);
	return true;
}

/* Room for one more entry: the least recently used one not in use goes. */
static bool make_room(struct sk__http_files *c)
{
	if (c->n < SK__HTTP_FILES_MAX)
		return true;
	size_t victim = SIZE_MAX;
	for (size_t i = 0; i < c->n; i++)
		if (!c->e[i]->refs && (victim == SIZE_MAX || c->e[i]->used < c->e[victim]->used))
			victim = i;
	if (victim == SIZE_MAX)
		return false;
	drop(c, victim);
	return true;
}

struct sk__http_file *sk__http_files_put(struct sk__http_files *c, const char *path, int fd,
					 const struct stat *st, time_t now)
{
	if (st->st_mtim.tv_sec + 2 > now || st->st_ctim.tv_sec + 2 > now || !S_ISREG(st->st_mode))
		return NULL;
	for (size_t i = 0; i < c->n; i++)
		if (c->e[i]->hash == path_hash(path) && !strcmp(c->e[i]->path, path)) {
			drop(c, i); /* an older version, found stale by the caller */
			break;
		}
	if (!make_room(c))
		return NULL;
	struct sk__http_file *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->fd = -1;
	if (!fill(f, path, -1, st)) {
		entry_free(f);
		return NULL;
	}
	if ((uint64_t)st->st_size <= SK__HTTP_FILES_SMALL)
		f->body = read_small(fd, (size_t)st->st_size);
	if (f->body)
		close(fd); /* the bytes are here: no descriptor held */
	else
		f->fd = fd;
	f->refs = 1;
	f->used = ++c->tick;
	c->e[c->n++] = f;
	return f;
}

void sk__http_files_release(struct sk__http_files *c, struct sk__http_file *f)
{
	(void)c;
	if (--f->refs == 0 && f->gone)
		entry_free(f);
}

size_t sk__http_files_trim(struct sk__http_files *c)
{
	size_t dropped = 0;
	for (size_t i = c->n; i-- > 0;)
		if (!c->e[i]->refs) {
			drop(c, i);
			dropped++;
		}
	return dropped;
}

void sk__http_files_free(struct sk__http_files *c)
{
	while (c->n)
		drop(c, c->n - 1);
}
