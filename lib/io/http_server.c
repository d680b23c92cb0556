/* http serve: a static file server on libuv.  Connections are raw
 * non-blocking sockets in an epoll set of the server's own, which the
 * loop watches with one uv_poll: a uv_poll per connection would cost
 * seven epoll_ctl and ioctl calls per connection, and each connection then
 * costs one epoll_ctl to add (closing the socket takes it out).  File
 * bodies go out with sendfile(2) straight from the page cache, or from
 * memory for small hot files; requests are parsed with
 * the llhttp wrapper; files are opened with openat2(RESOLVE_BENEATH) so
 * that neither ".." nor a symbolic link can lead outside the root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "io/http_files.h"
#include "io/peer_count.h"
#include "sockit/array.h"
#include "sockit/error.h"
#include "sockit/http_io.h"
#include "sockit/resolve.h"

#define IN_BUF 16384
#define MAX_LISTENERS 8
#define LISTING_MAX (8u << 20)
#define SPARE_PARSERS 16 /* parsers kept for reuse, each about 70 KiB */

struct server;

/* A connection holds memory only for what it is in the middle of: the
 * parser (with its 64 KiB head buffer) is borrowed from the server while a
 * request is being read, and received bytes live in the server's one read
 * buffer unless a partial or pipelined request must wait for more, when
 * they are kept in a buffer of their own size. */
struct conn {
	struct conn *prev, *next; /* the server's open connections */
	uv_timer_t idle;
	uv_timer_t head_timer; /* the whole request head must come in time */
	bool head_timing;      /* head_timer runs */
	uint32_t events;       /* what epoll watches now */
	bool nodelay;          /* TCP_NODELAY is set (keep-alive only) */
	uint64_t active;       /* loop time of the last event, for the idle timer */
	int fd;
	struct sockaddr_storage addr; /* the peer, as counted per address */
	struct server *srv;
	struct sk_http_parser *parser; /* NULL between requests */
	uint8_t *in; /* NULL, the server's rbuf, or a malloc'd leftover */
	size_t in_len;
	bool writing;  /* a response is being sent; reading waits */
	bool close_after;
	bool line_checked; /* the request line was looked at (version) */
	bool head_seen;    /* the head of a request with a body was handled */
	bool body_pending; /* answered before the request body was read */
	bool interim;      /* what is being sent is a 100 Continue */
	struct sk_str out; /* head, and the whole body when not a file */
	size_t out_off;
	struct sk__http_file *file; /* the cached file answered, or NULL */
	const uint8_t *mem;         /* the rest of its body in memory */
	size_t mem_left;
	int file_fd; /* the file sent from: file's or owned */
	off_t file_off;
	uint64_t file_left;
	int closing; /* handles still to close */
	char peer[SK_ADDRSTRLEN]; /* formatted when a request is logged */
	struct sk_http_log log;
	char method[16], target[512];
};

struct listener {
	uv_poll_t poll;
	int fd;
	struct server *srv;
};

struct server {
	const struct sk_http_serve_opts *o;
	uv_loop_t loop;
	int root_fd;
	struct listener lis[MAX_LISTENERS];
	size_t nlis;
	uv_signal_t sigint, sigterm;
	uv_timer_t emfile; /* pauses accepting when out of descriptors */
	int reserve_fd;    /* given up to answer 503 when out of descriptors */
	uint64_t short_noticed; /* loop time of the last shortage notice */
	struct sk__peer_count peers;
	struct sk__http_files files;
	int epfd;        /* every connection's socket */
	uv_poll_t ep;    /* the loop's watch on epfd */
	struct conn *conns;
	bool stopping;
	struct sk_http_parser *spare[SPARE_PARSERS];
	size_t nspare;
	time_t date_at; /* the second date[] shows */
	char date[40];
	uint8_t rbuf[IN_BUF]; /* where every connection receives */
};

static void log_request(struct conn *c)
{
	if (!c->srv->o->on_request)
		return;
	if (!c->peer[0])
		sk_sockaddr_format((struct sockaddr *)&c->addr, true, c->peer, sizeof c->peer);
	c->log.peer = c->peer;
	c->srv->o->on_request(c->srv->o->ctx, &c->log);
}

/* A response cut short (the client went away, the file shrank, the server
 * is stopping) is logged too, with the body bytes that did go out. */
static void log_aborted(struct conn *c)
{
	if (!c->srv->o->on_request)
		return;
	uint64_t sent;
	if (c->file_fd >= 0 || c->file_left || c->mem_left) {
		sent = c->out_off < c->out.len ? 0 : c->log.bytes - c->mem_left - c->file_left;
	} else {
		size_t body = c->out.len - (size_t)c->log.bytes;
		sent = c->out_off > body ? c->out_off - body : 0;
	}
	c->log.bytes = sent;
	log_request(c);
}

/* Out of descriptors: said at most once a second, so a flood does not
 * become a flood of notices too. */
static void fd_shortage(struct server *s)
{
	uint64_t now = uv_now(&s->loop);
	if (s->short_noticed && now - s->short_noticed < 1000)
		return;
	s->short_noticed = now;
	sk__http_files_trim(&s->files); /* cached files give their descriptors back */
	if (s->o->on_notice)
		s->o->on_notice(s->o->ctx, "out of file descriptors: answering 503 "
					   "with Retry-After until some are free");
}

static bool out_of_fds(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM;
}

static void conn_close(struct conn *c);
static void conn_process(struct conn *c);
static void conn_on_event(struct conn *c, uint32_t events);

/* ---- opening files beneath the root ---- */

static int open_beneath(int root, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root, path[0] ? path : ".", &how, sizeof how);
	return fd < 0 ? -errno : (int)fd;
}

/* ---- responses ---- */

/* The Date header changes once a second, not once a request. */
static const char *now_date(struct server *s)
{
	time_t now = time(NULL);
	if (now != s->date_at) {
		s->date_at = now;
		sk__http_date(s->date, sizeof s->date, now);
	}
	return s->date;
}

/* The status line, Server and Date. */
static void start_status(struct conn *c, int status)
{
	sk_str_clear(&c->out);
	c->out_off = 0;
	c->log.status = status;
	if (status == 200)
		sk_str_puts(&c->out, "HTTP/1.1 200 OK\r\nServer: sockit/" SK_VERSION "\r\nDate: ");
	else
		sk_str_printf(&c->out, "HTTP/1.1 %d %s\r\nServer: sockit/%s\r\nDate: ", status,
			      sk_http_reason_phrase(status), SK_VERSION);
	sk_str_puts(&c->out, now_date(c->srv));
	sk_str_puts(&c->out, "\r\n");
}

static void start_head(struct conn *c, int status, const char *type, uint64_t length)
{
	start_status(c, status);
	/* A 304 has no body: no Content-Type or Content-Length either. */
	if (status != 304)
		sk_str_printf(&c->out, "Content-Type: %s\r\nContent-Length: %llu\r\n", type,
			      (unsigned long long)length);
	if (c->close_after)
		sk_str_puts(&c->out, "Connection: close\r\n");
}

static void end_head(struct conn *c)
{
	sk_str_puts(&c->out, "\r\n");
}

static void simple(struct conn *c, int status, const char *extra)
{
	char body[128];
	int n = snprintf(body, sizeof body, "%d %s\n", status, sk_http_reason_phrase(status));
	start_head(c, status, "text/plain; charset=utf-8", (uint64_t)n);
	if (extra)
		sk_str_puts(&c->out, extra);
	end_head(c);
	if (strcmp(c->method, "HEAD")) {
		sk_str_append(&c->out, body, (size_t)n);
		c->log.bytes = (uint64_t)n;
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void listing(struct conn *c, int dirfd, const char *path)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (out_of_fds(e)) {
			fd_shortage(c->srv);
			c->close_after = true;
			simple(c, 503, "Retry-After: 1\r\n");
			return;
		}
		simple(c, 500, NULL);
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0, bytes = 0;
	struct dirent *e;
	bool ok = true;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		bool dir = fstatat(dirfd, e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
		size_t len = strlen(e->d_name);
		bytes += len;
		if (bytes > LISTING_MAX) {
			ok = false;
			break;
		}
		if (sk_array_grow(&names, &cap, n + 1, sizeof *names)) {
			ok = false;
			break;
		}
		names[n] = malloc(len + 2);
		if (!names[n]) {
			ok = false;
			break;
		}
		memcpy(names[n], e->d_name, len);
		names[n][len] = dir ? '/' : 0;
		names[n][len + 1] = 0;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, name_cmp);
	struct sk_str html = { .max = 4 * LISTING_MAX };
	if (ok)
		ok = sk_http_listing_html(&html, path, (const char *const *)names, n) == 0;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!ok) {
		sk_str_free(&html);
		simple(c, 500, NULL);
		return;
	}
	start_head(c, 200, "text/html; charset=utf-8", html.len);
	end_head(c);
	if (strcmp(c->method, "HEAD")) {
		sk_str_append(&c->out, html.p, html.len);
		c->log.bytes = html.len;
	}
	sk_str_free(&html);
}

static void redirect_slash(struct conn *c)
{
	struct sk_str loc = { 0 };
	const char *t = c->target;
	size_t pathlen = strcspn(t, "?");
	sk_str_printf(&loc, "Location: %.*s/%s\r\n", (int)pathlen, t, t + pathlen);
	simple(c, 301, loc.p);
	sk_str_free(&loc);
}

/* The file being answered is no longer needed. */
static void drop_file(struct conn *c)
{
	if (c->file)
		sk__http_files_release(&c->srv->files, c->file);
	else if (c->file_fd >= 0)
		close(c->file_fd);
	c->file = NULL;
	c->file_fd = -1;
	c->mem = NULL;
	c->mem_left = 0;
	c->file_left = 0;
}

/* Answers GET or HEAD of a regular file: a cache entry f, whose reference
 * the connection takes over, or else fd (st its fstat), which it owns. */
static void serve_file(struct conn *c, struct sk__http_file *f, int fd, const struct stat *st,
		       const char *path)
{
	struct sk_http_parser *p = c->parser;
	char etag_buf[80], lm_buf[64];
	const char *etag = etag_buf, *lm = lm_buf;
	if (f) {
		c->file = f;
		c->file_fd = f->fd;
		st = &f->st;
		etag = f->etag;
		lm = f->last_modified;
	} else {
		c->file_fd = fd;
		sk_http_etag(etag_buf, sizeof etag_buf, (uint64_t)st->st_size, st->st_mtim.tv_sec,
			     st->st_mtim.tv_nsec);
		sk__http_date(lm_buf, sizeof lm_buf, st->st_mtime);
	}
	uint64_t size = (uint64_t)st->st_size, first = 0, last = size ? size - 1 : 0;
	if (sk_http_conditional(sk_http_header_get(p, "If-None-Match"),
				sk_http_header_get(p, "If-Modified-Since"), etag,
				st->st_mtime) == 304) {
		drop_file(c);
		start_head(c, 304, NULL, 0);
		sk_str_printf(&c->out, "ETag: %s\r\nLast-Modified: %s\r\n", etag, lm);
		end_head(c);
		return;
	}
	/* A stale If-Range means the client holds another version: it gets
	 * the whole file, never a piece of this one to splice onto that. */
	int r = 0;
	if (sk_http_if_range(sk_http_header_get(p, "If-Range"), etag, st->st_mtime))
		r = sk_http_range_parse(sk_http_header_get(p, "Range"), size, &first, &last);
	if (r == SK_EHTTPRANGE) {
		char extra[64];
		snprintf(extra, sizeof extra, "Content-Range: bytes */%llu\r\n",
			 (unsigned long long)size);
		drop_file(c);
		simple(c, 416, extra);
		return;
	}
	uint64_t len = r == 1 ? last - first + 1 : size;
	if (f && r != 1) { /* the usual answer: its head is ready */
		start_status(c, 200);
		sk_str_append(&c->out, f->head, f->head_len);
		if (c->close_after)
			sk_str_puts(&c->out, "Connection: close\r\n");
	} else {
		start_head(c, r == 1 ? 206 : 200, f ? f->type : sk_http_mime_type(path), len);
		sk_str_printf(&c->out, "Accept-Ranges: bytes\r\nETag: %s\r\nLast-Modified: %s\r\n",
			      etag, lm);
	}
	if (r == 1)
		sk_str_printf(&c->out, "Content-Range: bytes %llu-%llu/%llu\r\n",
			      (unsigned long long)first, (unsigned long long)last,
			      (unsigned long long)size);
	end_head(c);
	if (!strcmp(c->method, "HEAD") || len == 0) {
		drop_file(c);
		return;
	}
	if (f && f->body) {
		c->mem = f->body + first;
		c->mem_left = (size_t)len;
	} else {
		c->file_off = (off_t)first;
		c->file_left = len;
	}
	c->log.bytes = len;
}

/* Answers path from the cache when it holds it unchanged, or opens it and
 * caches it.  Returns false when path is not a regular file beneath the
 * root reached this way (respond then judges it the long way). */
static bool serve_cached(struct conn *c, const char *path)
{
	struct sk__http_files *files = &c->srv->files;
	struct sk__http_file *f = sk__http_files_get(files, path);
	if (f) {
		serve_file(c, f, -1, NULL, path);
		return true;
	}
	int fd = open_beneath(c->srv->root_fd, path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return false;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return false;
	}
	f = sk__http_files_put(files, path, fd, &st, time(NULL));
	serve_file(c, f, fd, &st, path);
	return true;
}

/* Decides the response to the request the parser holds. */
static void respond(struct conn *c)
{
	struct sk_http_parser *p = c->parser;
	snprintf(c->method, sizeof c->method, "%s", sk_http_method(p));
	snprintf(c->target, sizeof c->target, "%s", sk_http_target(p));
	c->log.method = c->method;
	c->log.target = c->target;
	c->log.version_minor = sk_http_version_minor(p);
	c->log.bytes = 0;
	c->close_after = !sk_http_keep_alive(p) || c->srv->stopping || c->body_pending;
	int verdict = sk_http_request_verdict(p);
	if (verdict) {
		c->close_after = true;
		simple(c, verdict, NULL);
		return;
	}
	if (strcmp(c->method, "GET") && strcmp(c->method, "HEAD")) {
		simple(c, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	char path[SK_URL_TARGETLEN];
	bool slash;
	const char *target = sk_http_target(p);
	/* The absolute form ("GET http://host/x") must be accepted too
	 * (RFC 9112 section 3.2.2); its path is judged like any other. */
	struct sk_url *abs = NULL;
	if (!strncasecmp(target, "http://", 7) || !strncasecmp(target, "https://", 8)) {
		abs = malloc(sizeof *abs);
		/* Credentials have no place in a request target. */
		if (!abs || sk_url_parse(target, abs, NULL) || abs->userinfo[0]) {
			free(abs);
			simple(c, 400, NULL);
			return;
		}
		target = abs->target;
	}
	int rc = sk_http_path_clean(target, path, sizeof path, &slash);
	free(abs);
	if (rc == SK_EHTTPFORBIDDEN) {
		simple(c, 403, NULL);
		return;
	}
	if (rc == -ENOSPC) {
		simple(c, 414, NULL);
		return;
	}
	if (rc) {
		simple(c, 400, NULL);
		return;
	}
	if (!slash && path[0] && serve_cached(c, path))
		return;
	int fd = open_beneath(c->srv->root_fd, path, O_RDONLY | O_NONBLOCK);
	if (fd == -ENOENT || fd == -ENOTDIR) {
		simple(c, 404, NULL);
		return;
	}
	if (fd < 0 && out_of_fds(-fd)) {
		/* Out of descriptors is the server's trouble, not the file's. */
		fd_shortage(c->srv);
		c->close_after = true;
		simple(c, 503, "Retry-After: 1\r\n");
		return;
	}
	if (fd < 0) {
		/* EXDEV: a link leads out of the root; ELOOP, EACCES... */
		simple(c, 403, NULL);
		return;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		simple(c, 500, NULL);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!slash && path[0]) {
			close(fd);
			redirect_slash(c);
			return;
		}
		char index[SK_URL_TARGETLEN + 16];
		snprintf(index, sizeof index, "%s%sindex.html", path, path[0] ? "/" : "");
		int ifd = open_beneath(c->srv->root_fd, index, O_RDONLY | O_NONBLOCK);
		if (ifd < 0 && out_of_fds(-ifd)) {
			close(fd);
			fd_shortage(c->srv);
			c->close_after = true;
			simple(c, 503, "Retry-After: 1\r\n");
			return;
		}
		struct stat ist;
		if (ifd >= 0 && fstat(ifd, &ist) == 0 && S_ISREG(ist.st_mode)) {
			close(fd);
			serve_file(c, NULL, ifd, &ist, index);
			return;
		}
		if (ifd >= 0)
			close(ifd);
		listing(c, fd, path);
		close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		simple(c, 403, NULL);
		return;
	}
	if (slash) { /* "/file.txt/": a file is not a directory */
		close(fd);
		simple(c, 404, NULL);
		return;
	}
	serve_file(c, NULL, fd, &st, path);
}

/* Answers a request that could not be parsed, or whose request line
 * alone decides the answer, and closes the connection after. */
static void refuse(struct conn *c, int status)
{
	c->method[0] = 0;
	snprintf(c->target, sizeof c->target, "%s", "");
	c->log.method = "";
	c->log.target = "";
	c->log.version_minor = 1;
	c->log.bytes = 0;
	c->close_after = true;
	simple(c, status, NULL);
}

/* ---- connection state ---- */

/* epoll watches reading or writing, changed only when that changes. */
static void set_events(struct conn *c)
{
	uint32_t ev = c->writing ? EPOLLOUT : EPOLLIN;
	if (ev == c->events)
		return;
	struct epoll_event e = { .events = ev, .data.ptr = c };
	if (epoll_ctl(c->srv->epfd, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &e) != 0) {
		conn_close(c);
		return;
	}
	c->events = ev;
}

/* The idle timer is not restarted on every event: when it fires, it
 * looks at when the connection last moved and sleeps again for the rest. */
static void on_idle(uv_timer_t *t)
{
	struct conn *c = t->data;
	uint64_t ms = c->srv->o->idle_timeout_ms, idle = uv_now(&c->srv->loop) - c->active;
	if (idle < ms) {
		uv_timer_start(&c->idle, on_idle, ms - idle, 0);
		return;
	}
	conn_close(c);
}

static void arm_idle(struct conn *c)
{
	uint64_t ms = c->srv->o->idle_timeout_ms;
	c->active = uv_now(&c->srv->loop);
	if (ms)
		uv_timer_start(&c->idle, on_idle, ms, 0);
}

/* A parser for the request being read: a spare one when there is one. */
static bool take_parser(struct conn *c)
{
	struct server *s = c->srv;
	if (!c->parser)
		c->parser = s->nspare ? s->spare[--s->nspare]
				      : sk_http_parser_new(SK_HTTP_REQUEST, false, NULL, NULL);
	return c->parser != NULL;
}

/* The request is answered: its parser goes back to the spares. */
static void give_parser(struct conn *c)
{
	struct server *s = c->srv;
	if (!c->parser)
		return;
	if (s->nspare < SPARE_PARSERS) {
		sk_http_parser_reset(c->parser);
		s->spare[s->nspare++] = c->parser;
	} else {
		sk_http_parser_free(c->parser);
	}
	c->parser = NULL;
}

/* After an event: bytes still waiting in the shared read buffer move to
 * a buffer of the connection's own, just their size; a consumed one of
 * its own is freed. */
static void keep_input(struct conn *c)
{
	uint8_t *rbuf = c->srv->rbuf;
	if (c->in_len == 0 || c->closing) {
		if (c->in != rbuf)
			free(c->in);
		c->in = NULL;
		c->in_len = 0;
		return;
	}
	if (c->in != rbuf)
		return;
	c->in = malloc(c->in_len);
	if (!c->in) {
		c->in_len = 0;
		conn_close(c);
		return;
	}
	memcpy(c->in, rbuf, c->in_len);
}

static void on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->closing == 0) {
		sk__peer_count_del(&c->srv->peers, (struct sockaddr *)&c->addr);
		give_parser(c);
		if (c->in != c->srv->rbuf)
			free(c->in);
		sk_str_free(&c->out);
		free(c);
	}
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	if (c->writing && !c->interim)
		log_aborted(c);
	drop_file(c);
	c->closing = 2;
	struct server *s = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	uv_close((uv_handle_t *)&c->idle, on_conn_closed);
	uv_close((uv_handle_t *)&c->head_timer, on_conn_closed);
	close(c->fd);
}

/* A response is fully sent. */
static void response_done(struct conn *c)
{
	if (c->interim) { /* the 100 Continue is out: now the body */
		c->interim = false;
		c->writing = false;
		set_events(c);
		conn_process(c);
		return;
	}
	give_parser(c);
	log_request(c);
	c->writing = false;
	if (c->close_after || c->srv->stopping) {
		/* With bytes left unread (a body not waited for, a request
		 * refused half-read), the FIN goes out before the reset that
		 * close will send; otherwise close alone sends the same FIN. */
		if (c->body_pending || c->in_len)
			shutdown(c->fd, SHUT_WR);
		conn_close(c);
		return;
	}
	/* Kept alive: the next response must not wait for the ACK of this
	 * one (Nagle).  A connection closed after one answer never needs it. */
	if (!c->nodelay) {
		int one = 1;
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->nodelay = true;
	}
	c->line_checked = c->head_seen = false;
	set_events(c);
	conn_process(c); /* a pipelined request may be waiting */
}

/* Moves n sent bytes past the head, then the body in memory. */
static void advance(struct conn *c, size_t n)
{
	size_t head = c->out.len - c->out_off;
	if (n < head) {
		c->out_off += n;
		return;
	}
	c->out_off = c->out.len;
	c->mem += n - head;
	c->mem_left -= n - head;
}

/* Sends as much as the socket takes; closes the connection on an error.
 * The head and a body in memory go out in one sendmsg, a file body
 * after them with sendfile. */
static void conn_write(struct conn *c)
{
	/* MSG_MORE holds a partial segment back while a file body follows,
	 * and before a close: the FIN then rides on the last data segment. */
	bool more = c->file_left || (c->close_after && !c->interim);
	while (c->out_off < c->out.len || c->mem_left) {
		struct iovec iov[2];
		struct msghdr m = { .msg_iov = iov };
		if (c->out_off < c->out.len)
			iov[m.msg_iovlen++] = (struct iovec){ c->out.p + c->out_off,
							      c->out.len - c->out_off };
		if (c->mem_left)
			iov[m.msg_iovlen++] = (struct iovec){ (void *)c->mem, c->mem_left };
		ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				set_events(c);
				return;
			}
			conn_close(c);
			return;
		}
		advance(c, (size_t)n);
	}
	while (c->file_left) {
		size_t want = c->file_left > (1u << 30) ? (1u << 30) : (size_t)c->file_left;
		ssize_t n = sendfile(c->fd, c->file_fd, &c->file_off, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				set_events(c);
				return;
			}
			conn_close(c);
			return;
		}
		if (n == 0) { /* the file shrank under us: nothing to pad with */
			conn_close(c);
			return;
		}
		c->file_left -= (uint64_t)n;
	}
	drop_file(c);
	response_done(c);
}

static void stop_head_timer(struct conn *c)
{
	c->head_timing = false;
	uv_timer_stop(&c->head_timer);
}

/* The response is tried at once; poll watches for writing only if the
 * socket does not take it all. */
static void start_writing(struct conn *c)
{
	stop_head_timer(c);
	c->writing = true;
	conn_write(c);
}

/* The request line is judged before llhttp sees it: llhttp refuses
 * HTTP/1.2 that RFC 9112 asks to serve, takes HTTP/2.0 that deserves a
 * 505, and would wait forever for the headers of an HTTP/0.9 line.
 * Returns 0 to go on, 1 when more bytes are needed, or an HTTP status. */
static int check_request_line(struct conn *c)
{
	if (c->line_checked)
		return 0;
	int v = sk_http_request_line_check((char *)c->in, c->in_len);
	if (v == 0)
		return c->in_len == IN_BUF ? 414 : 1; /* a line longer than the buffer */
	c->line_checked = true;
	return v == 200 ? 0 : v;
}

/* The head of a request with a body is complete.  A request that will be
 * refused anyway is answered now, without reading its body; one that
 * says "Expect: 100-continue" is told to go on at once. */
static bool head_before_body(struct conn *c)
{
	struct sk_http_parser *p = c->parser;
	if (c->head_seen || !sk_http_head_done(p))
		return false;
	c->head_seen = true;
	stop_head_timer(c); /* the body is under the idle timer */
	const char *m = sk_http_method(p);
	if ((strcmp(m, "GET") && strcmp(m, "HEAD")) || sk_http_request_verdict(p)) {
		c->body_pending = true;
		respond(c);
		return true;
	}
	const char *expect = sk_http_header_get(p, "Expect");
	/* Never to an HTTP/1.0 client (RFC 9110 section 10.1.1). */
	if (!expect || strcasecmp(expect, "100-continue") || sk_http_version_minor(p) < 1)
		return false;
	sk_str_clear(&c->out);
	sk_str_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
	c->out_off = 0;
	c->interim = true;
	return true;
}

/* The head did not come in time: a client that trickles it byte by byte
 * is not held for ever (nginx's client_header_timeout). */
static void on_head_timeout(uv_timer_t *t)
{
	struct conn *c = t->data;
	c->head_timing = false;
	if (c->closing || c->writing) {
		conn_close(c);
		return;
	}
	refuse(c, 408);
	start_writing(c);
	keep_input(c);
}

static void arm_head_timer(struct conn *c)
{
	uint64_t ms = c->srv->o->header_timeout_ms;
	if (ms && !c->head_timing) {
		c->head_timing = true;
		uv_timer_start(&c->head_timer, on_head_timeout, ms, 0);
	}
}

static void conn_process(struct conn *c)
{
	if (c->closing || c->writing)
		return;
	if (c->in_len == 0)
		return;
	if (!c->line_checked)
		arm_head_timer(c); /* the first bytes of a request */
	int line = check_request_line(c);
	if (line == 1)
		return;
	if (line) {
		refuse(c, line);
		start_writing(c);
		return;
	}
	if (!take_parser(c)) {
		conn_close(c);
		return;
	}
	size_t used = 0;
	int rc = sk_http_parser_feed(c->parser, c->in, c->in_len, &used);
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	if (rc == 0) {
		if (!head_before_body(c))
			return;
		if (!c->interim) /* refused before its body: the connection closes */
			give_parser(c);
		start_writing(c);
		return;
	}
	if (rc == 1)
		respond(c);
	else
		refuse(c, rc == SK_EHTTPTOOBIG ? 431 : 400);
	give_parser(c); /* what the response needs was copied out */
	start_writing(c);
}

static void conn_on_event(struct conn *c, uint32_t events)
{
	if (c->closing)
		return;
	if (events & EPOLLERR) {
		conn_close(c);
		return;
	}
	if (events & EPOLLHUP) /* what is left to read or write tells */
		events |= EPOLLIN | EPOLLOUT;
	c->active = uv_now(&c->srv->loop);
	if (c->writing && (events & EPOLLOUT)) {
		conn_write(c);
		keep_input(c);
		return;
	}
	if (!c->writing && (events & EPOLLIN)) {
		/* Bytes kept from before go first into the shared buffer. */
		uint8_t *rbuf = c->srv->rbuf;
		if (c->in != rbuf) {
			if (c->in_len)
				memcpy(rbuf, c->in, c->in_len);
			free(c->in);
			c->in = rbuf;
		}
		ssize_t n;
		do
			n = recv(c->fd, c->in + c->in_len, IN_BUF - c->in_len, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno == EAGAIN) {
			keep_input(c);
			return;
		}
		if (n <= 0) {
			/* The peer left or failed; a request it cut short in the
			 * middle has nothing to answer. */
			conn_close(c);
			keep_input(c);
			return;
		}
		c->in_len += (size_t)n;
		conn_process(c);
		keep_input(c);
	}
}

/* The loop found the connections' epoll set ready. */
static void on_epoll(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	struct server *s = h->data;
	struct epoll_event ev[128];
	int n = epoll_wait(s->epfd, ev, 128, 0);
	/* A connection closed by an earlier event here is not freed before
	 * the loop runs again: it only says it is closing. */
	for (int i = 0; i < n; i++)
		conn_on_event(ev[i].data.ptr, ev[i].events);
}

/* ---- accepting ---- */

static void listener_on_poll(uv_poll_t *h, int status, int events);

static void resume_accept(uv_timer_t *t)
{
	struct server *s = t->data;
	for (size_t i = 0; i < s->nlis; i++)
		uv_poll_start(&s->lis[i].poll, UV_READABLE, listener_on_poll);
}

/* Answers a connection that will not be served (its address has too
 * many, or the server is out of descriptors) with a 503 and closes it.
 * The socket is new, so its send buffer takes the whole answer. */
static void turn_away(int fd, const char *why)
{
	char date[64], msg[512];
	sk__http_date(date, sizeof date, time(NULL));
	int body = (int)strlen(why) + 1;
	int n = snprintf(msg, sizeof msg,
			 "HTTP/1.1 503 Service Unavailable\r\nServer: sockit/%s\r\n"
			 "Date: %s\r\nRetry-After: 1\r\nContent-Type: text/plain; "
			 "charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n",
			 SK_VERSION, date, body, why);
	if (n > 0 && (size_t)n < sizeof msg)
		(void)!send(fd, msg, (size_t)n, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	/* Read what the client already sent, so that closing does not reset
	 * the connection and take the answer with it. */
	char sink[4096];
	while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0)
		;
	close(fd);
}

/* accept4 failed for want of descriptors: the reserve one is given up
 * to take the connection and answer it, then taken back; accepting pauses
 * a moment rather than spinning on a listener that stays readable. */
static void accept_when_short(struct listener *l)
{
	struct server *s = l->srv;
	fd_shortage(s);
	if (s->reserve_fd >= 0) {
		close(s->reserve_fd);
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			turn_away(fd, "503 Service Unavailable: out of file descriptors");
		s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	for (size_t i = 0; i < s->nlis; i++)
		uv_poll_stop(&s->lis[i].poll);
	uv_timer_start(&s->emfile, resume_accept, 100, 0);
}

static void listener_on_poll(uv_poll_t *h, int status, int events)
{
	(void)events;
	struct listener *l = h->data;
	struct server *s = l->srv;
	if (status < 0)
		return;
	for (int burst = 0; burst < 64; burst++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (out_of_fds(errno))
				accept_when_short(l);
			return;
		}
		int n = sk__peer_count_add(&s->peers, (struct sockaddr *)&ss, s->o->max_per_addr);
		if (n == SK_ELIMIT) {
			turn_away(fd, "503 Service Unavailable: too many connections from "
				      "this address");
			continue;
		}
		struct conn *c = n < 0 ? NULL : calloc(1, sizeof *c);
		if (!c) {
			if (n > 0)
				sk__peer_count_del(&s->peers, (struct sockaddr *)&ss);
			close(fd);
			continue;
		}
		c->addr = ss;
		c->fd = fd;
		c->srv = s;
		c->file_fd = -1;
		c->out.max = 16u << 20;
		uv_timer_init(&s->loop, &c->idle);
		uv_timer_init(&s->loop, &c->head_timer);
		c->idle.data = c->head_timer.data = c;
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		arm_idle(c);
		arm_head_timer(c); /* a connection that never sends is cut too */
		/* A client sends its request as soon as it is connected, so it
		 * is usually here already: read now, not a loop turn later.  A
		 * connection answered and closed at once never enters epoll. */
		conn_on_event(c, EPOLLIN);
		if (!c->closing && !c->events)
			set_events(c);
	}
}

static void on_closed_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (uv_is_closing(h))
		return;
	if (h->type == UV_POLL && h->data) /* a listener: closed on its own */
		return;
	uv_close(h, NULL);
}

static void on_signal(uv_signal_t *sig, int signum)
{
	(void)signum;
	struct server *s = sig->data;
	s->stopping = true;
	for (size_t i = 0; i < s->nlis; i++) {
		uv_poll_stop(&s->lis[i].poll);
		uv_close((uv_handle_t *)&s->lis[i].poll, NULL);
		close(s->lis[i].fd);
	}
	s->nlis = 0;
	uv_stop(&s->loop);
}

static int listen_on(struct server *s, const struct sk_addr *a, uint16_t port, char *err)
{
	struct sockaddr_storage ss = a->ss;
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	char shown[SK_ADDRSTRLEN];
	sk_sockaddr_format((struct sockaddr *)&ss, true, shown, sizeof shown);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sk_err_set(err, -errno, "socket");
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, a->len) != 0 || listen(fd, SOMAXCONN) != 0) {
		int e = errno;
		close(fd);
		return sk_err_set(err, -e, "bind %s", shown);
	}
	struct listener *l = &s->lis[s->nlis++];
	l->fd = fd;
	l->srv = s;
	uv_poll_init(&s->loop, &l->poll, fd);
	l->poll.data = l;
	uv_poll_start(&l->poll, UV_READABLE, listener_on_poll);
	struct sockaddr_storage bound;
	socklen_t bl = sizeof bound;
	getsockname(fd, (struct sockaddr *)&bound, &bl);
	if (s->o->on_listening)
		s->o->on_listening(s->o->ctx, (struct sockaddr *)&bound);
	return ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
						 : ((struct sockaddr_in6 *)&bound)->sin6_port);
}

int sk_http_serve(const struct sk_http_serve_opts *o, char *err)
{
	struct server *s = calloc(1, sizeof *s);
	if (!s)
		return sk_err_set(err, -ENOMEM, "serve");
	s->o = o;
	s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	s->root_fd = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0) {
		int e = -errno;
		if (s->reserve_fd >= 0)
			close(s->reserve_fd);
		free(s);
		return sk_err_set(err, e, "%s", o->root);
	}
	sk__http_files_init(&s->files, s->root_fd);
	struct sk_addrlist addrs;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	int rc = s->epfd < 0 ? sk_err_set(err, -errno, "epoll")
			     : sk_resolve_endpoint(o->bind, o->family, SOCK_STREAM,
						   SK_RESOLVE_PASSIVE, &addrs, err);
	if (rc < 0) {
		if (s->epfd >= 0)
			close(s->epfd);
		close(s->root_fd);
		if (s->reserve_fd >= 0)
			close(s->reserve_fd);
		free(s);
		return rc;
	}
	uv_loop_init(&s->loop);
	uv_poll_init(&s->loop, &s->ep, s->epfd); /* an epoll descriptor can be polled */
	s->ep.data = s;
	uv_poll_start(&s->ep, UV_READABLE, on_epoll);
	uint16_t port = o->bind->port;
	for (size_t i = 0; i < addrs.count && s->nlis < MAX_LISTENERS; i++) {
		rc = listen_on(s, &addrs.addrs[i], port, err);
		if (rc < 0)
			break;
		port = (uint16_t)rc; /* port 0: every address gets the same port */
	}
	sk_addrlist_free(&addrs);
	if (rc >= 0) {
		signal(SIGPIPE, SIG_IGN);
		uv_signal_init(&s->loop, &s->sigint);
		uv_signal_init(&s->loop, &s->sigterm);
		s->sigint.data = s->sigterm.data = s;
		uv_signal_start(&s->sigint, on_signal, SIGINT);
		uv_signal_start(&s->sigterm, on_signal, SIGTERM);
		uv_timer_init(&s->loop, &s->emfile);
		s->emfile.data = s;
		uv_run(&s->loop, UV_RUN_DEFAULT);
		rc = 0;
	} else {
		for (size_t i = 0; i < s->nlis; i++) {
			uv_close((uv_handle_t *)&s->lis[i].poll, NULL);
			close(s->lis[i].fd);
		}
		s->nlis = 0;
	}
	/* Close what is left: open connections, signals, timers. */
	s->stopping = true;
	for (size_t i = 0; i < s->nlis; i++) {
		uv_close((uv_handle_t *)&s->lis[i].poll, NULL);
		close(s->lis[i].fd);
	}
	while (s->conns)
		conn_close(s->conns);
	uv_close((uv_handle_t *)&s->ep, NULL);
	uv_walk(&s->loop, on_closed_walk, NULL);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	uv_loop_close(&s->loop);
	close(s->epfd);
	close(s->root_fd);
	if (s->reserve_fd >= 0)
		close(s->reserve_fd);
	sk__peer_count_free(&s->peers);
	sk__http_files_free(&s->files);
	while (s->nspare)
		sk_http_parser_free(s->spare[--s->nspare]);
	free(s);
	return rc;
}
