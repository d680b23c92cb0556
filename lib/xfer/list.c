/* The sender's list of files: command-line paths expanded, directories
 * walked recursively in name order, with the names the receiver will see. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sockit/array.h"
#include "sockit/error.h"
#include "sockit/xfer.h"

static int push(struct sk_xfer_list *l, const char *path, const char *name,
		bool dir, uint64_t size, char *err)
{
	if (sk_array_grow(&l->items, &l->cap, l->count + 1, sizeof *l->items))
		return sk_err_set(err, -ENOMEM, "%s", path);
	struct sk_xfer_item *it = &l->items[l->count];
	it->path = strdup(path);
	it->name = strdup(name);
	if (!it->path || !it->name) {
		free(it->path);
		free(it->name);
		return sk_err_set(err, -ENOMEM, "%s", path);
	}
	it->dir = dir;
	it->size = size;
	l->count++;
	if (!dir)
		l->total += size;
	return 0;
}

static int walk(struct sk_xfer_list *l, const char *path, const char *name,
		int depth, char *err)
{
	if (depth > 64)
		return sk_err_set(err, SK_ELIMIT, "%s: directories nested too deep", path);
	int rc = push(l, path, name, true, 0, err);
	if (rc)
		return rc;
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort);
	if (n < 0)
		return sk_err_set(err, -errno, "%s", path);
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;
		char sub[PATH_MAX], subname[PATH_MAX];
		struct stat st;
		if (rc || !strcmp(e, ".") || !strcmp(e, ".."))
			goto next;
		if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, e) >= sizeof sub ||
		    (size_t)snprintf(subname, sizeof subname, "%s/%s", name, e) >= sizeof subname) {
			rc = sk_err_set(err, -ENAMETOOLONG, "%s/%s", path, e);
			goto next;
		}
		if (lstat(sub, &st)) {
			rc = sk_err_set(err, -errno, "%s", sub);
			goto next;
		}
		if (S_ISDIR(st.st_mode))
			rc = walk(l, sub, subname, depth + 1, err);
		else if (S_ISREG(st.st_mode))
			rc = push(l, sub, subname, false, (uint64_t)st.st_size, err);
		else
			l->skipped++; /* links and devices are not copied */
	next:
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int sk_xfer_list_add(struct sk_xfer_list *l, const char *path, char *err)
{
	struct stat st;
	if (stat(path, &st))
		return sk_err_set(err, -errno, "%s", path);
	/* The name is the last component, trailing slashes ignored; "." and
	 * ".." are named after the directory they are. */
	char buf[PATH_MAX];
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof buf)
		return sk_err_set(err, -ENAMETOOLONG, "%s", path);
	memcpy(buf, path, len);
	buf[len] = 0;
	const char *base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	char real[PATH_MAX];
	if (!strcmp(base, ".") || !strcmp(base, "..") || !*base) {
		if (!realpath(buf, real))
			return sk_err_set(err, -errno, "%s", path);
		base = strrchr(real, '/') + 1;
		if (!*base)
			return sk_err_set(err, SK_ENAMEBAD, "%s: the root directory has no name to send", path);
	}
	if (S_ISDIR(st.st_mode))
		return walk(l, buf, base, 0, err);
	if (!S_ISREG(st.st_mode))
		return sk_err_set(err, SK_EUNSUPPORTED, "%s: not a regular file or directory", path);
	return push(l, buf, base, false, (uint64_t)st.st_size, err);
}

void sk_xfer_list_free(struct sk_xfer_list *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free(l->items[i].path);
		free(l->items[i].name);
	}
	free(l->items);
	memset(l, 0, sizeof *l);
}
