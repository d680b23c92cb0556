/* The protocol-less transfer: sk_xfer_raw_send copies a file or a pipe to
 * a socket, sk_xfer_store keeps a stream under a name only once it ended,
 * and the SHA-256 it reports is the stream's (checked with OpenSSL here). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/xfer.h"

static char dir[] = "/tmp/sockit-test-raw-XXXXXX";
static int dirfd = -1;

static void setup(void)
{
	strcpy(dir, "/tmp/sockit-test-raw-XXXXXX");
	cr_assert(mkdtemp(dir));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert(dirfd >= 0);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	close(dirfd);
}

TestSuite(xfer_raw, .init = setup, .fini = teardown);

static uint8_t *random_bytes(size_t n)
{
	uint8_t *p = malloc(n);
	cr_assert(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 2654435761u >> 13);
	return p;
}

static int file_with(const char *name, const uint8_t *p, size_t n)
{
	int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static uint8_t *read_back(const char *name, size_t *n)
{
	int fd = openat(dirfd, name, O_RDONLY);
	if (fd < 0)
		return NULL;
	off_t size = lseek(fd, 0, SEEK_END);
	uint8_t *p = malloc((size_t)size + 1);
	cr_assert(p);
	cr_assert_eq(pread(fd, p, (size_t)size, 0), size);
	close(fd);
	*n = (size_t)size;
	return p;
}

struct sender {
	int sock, fd;
	uint64_t sent;
	bool input_failed;
	int rc;
};

static void *send_thread(void *arg)
{
	struct sender *s = arg;
	struct sk_xfer_stream st = { .fd = s->sock };
	s->rc = sk_xfer_raw_send(&st, s->fd, &s->sent, &s->input_failed);
	sk_xfer_close_after_peer(s->sock, 5000);
	return NULL;
}

/* Sends fd through a socket pair into sk_xfer_store with opts. */
static int transfer(int fd, struct sk_xfer_store_opts *o, struct sk_xfer_store_stats *st,
		    char *err, struct sender *snd)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	*snd = (struct sender){ .sock = sv[0], .fd = fd };
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, send_thread, snd), 0);
	struct sk_xfer_stream in = { .fd = sv[1] };
	int rc = sk_xfer_store(&in, o, st, err);
	close(sv[1]);
	pthread_join(t, NULL);
	return rc;
}

Test(xfer_raw, a_file_arrives_whole_under_its_name_with_its_sha256)
{
	size_t n = 3u << 20;
	uint8_t *p = random_bytes(n), want[32];
	unsigned len = 0;
	cr_assert(EVP_Digest(p, n, want, &len, EVP_sha256(), NULL));
	int fd = file_with("src", p, n);
	struct sk_xfer_store_opts o = { .name = "copy", .dirfd = dirfd };
	struct sk_xfer_store_stats st;
	struct sender snd;
	char err[SK_ERRLEN] = "";
	cr_assert_eq(transfer(fd, &o, &st, err, &snd), 0, "%s", err);
	cr_assert_eq(snd.rc, 0);
	cr_assert_eq(snd.sent, n);
	cr_assert_eq(st.bytes, n);
	cr_assert_arr_eq(st.sha256, want, 32);
	size_t got_n;
	uint8_t *got = read_back("copy", &got_n);
	cr_assert(got);
	cr_assert_eq(got_n, n);
	cr_assert_arr_eq(got, p, n);
	cr_assert_eq(faccessat(dirfd, ".copy.part", F_OK, 0), -1, "the .part file stayed");
	close(fd);
	free(p);
	free(got);
}

Test(xfer_raw, a_pipe_is_read_to_its_end_and_may_go_straight_into_an_fd)
{
	int pp[2];
	cr_assert_eq(pipe(pp), 0);
	cr_assert_eq(write(pp[1], "through a pipe", 14), 14);
	close(pp[1]);
	int out = openat(dirfd, "direct", O_RDWR | O_CREAT, 0644);
	struct sk_xfer_store_opts o = { .fd = out, .dirfd = -1 };
	struct sk_xfer_store_stats st;
	struct sender snd;
	char err[SK_ERRLEN] = "";
	cr_assert_eq(transfer(pp[0], &o, &st, err, &snd), 0, "%s", err);
	cr_assert_eq(snd.sent, 14);
	cr_assert_eq(st.bytes, 14);
	char buf[32] = "";
	cr_assert_eq(pread(out, buf, sizeof buf, 0), 14);
	cr_assert_str_eq(buf, "through a pipe");
	close(out);
	close(pp[0]);
}

Test(xfer_raw, an_existing_name_is_kept_and_the_data_stays_in_the_part_file)
{
	int keep = file_with("taken", (const uint8_t *)"old", 3);
	close(keep);
	int fd = file_with("src", (const uint8_t *)"new bytes", 9);
	struct sk_xfer_store_opts o = { .name = "taken", .dirfd = dirfd };
	struct sk_xfer_store_stats st;
	struct sender snd;
	char err[SK_ERRLEN] = "";
	cr_assert_eq(transfer(fd, &o, &st, err, &snd), -EEXIST);
	cr_assert(strstr(err, "the data is in .taken.part"), "%s", err);
	size_t n;
	uint8_t *old = read_back("taken", &n);
	cr_assert_eq(n, 3);
	cr_assert_arr_eq(old, "old", 3);
	uint8_t *part = read_back(".taken.part", &n);
	cr_assert_eq(n, 9);
	free(old);
	free(part);
	/* With overwrite the same stream replaces it. */
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	o.overwrite = true;
	cr_assert_eq(transfer(fd, &o, &st, err, &snd), 0, "%s", err);
	uint8_t *now = read_back("taken", &n);
	cr_assert_eq(n, 9);
	free(now);
	close(fd);
}

/* A stream that gives some bytes, then fails as a reset connection does. */
static ssize_t broken_read(void *ctx, void *buf, size_t n)
{
	int *calls = ctx;
	if ((*calls)++)
		return -ECONNRESET;
	size_t k = n < 5 ? n : 5;
	memcpy(buf, "first", k);
	return (ssize_t)k;
}

Test(xfer_raw, a_broken_stream_never_reaches_the_name)
{
	int calls = 0;
	struct sk_xfer_stream in = { .fd = -1, .ctx = &calls, .read = broken_read };
	struct sk_xfer_store_opts o = { .name = "cut", .dirfd = dirfd };
	struct sk_xfer_store_stats st;
	char err[SK_ERRLEN] = "";
	cr_assert_eq(sk_xfer_store(&in, &o, &st, err), -ECONNRESET);
	cr_assert(strstr(err, "5 bytes kept in .cut.part, not renamed"), "%s", err);
	cr_assert_eq(faccessat(dirfd, "cut", F_OK, 0), -1);
	cr_assert_eq(faccessat(dirfd, ".cut.part", F_OK, 0), 0);
}

Test(xfer_raw, an_input_that_cannot_be_read_is_told_apart_from_a_send_failure)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct sk_xfer_stream out = { .fd = sv[0] };
	uint64_t sent;
	bool input_failed;
	cr_assert_eq(sk_xfer_raw_send(&out, dfd, &sent, &input_failed), -EISDIR);
	cr_assert(input_failed);
	close(sv[1]);
	int fd = file_with("src", (const uint8_t *)"x", 1);
	int pp[2];
	cr_assert_eq(pipe(pp), 0);
	cr_assert_eq(write(pp[1], "y", 1), 1);
	close(pp[1]);
	cr_assert_eq(sk_xfer_raw_send(&out, pp[0], &sent, &input_failed), -EPIPE);
	cr_assert(!input_failed);
	close(sv[0]);
	close(fd);
	close(pp[0]);
	close(dfd);
}

Test(xfer_raw, a_path_is_stored_through_its_part_or_written_into_a_device)
{
	size_t n = 100000;
	uint8_t *p = random_bytes(n);
	int fd = file_with("src", p, n);
	char path[sizeof dir + 16];
	snprintf(path, sizeof path, "%s/by-path", dir);
	struct sk_xfer_store_opts o = { .path = path, .dirfd = -1, .fd = -1 };
	struct sk_xfer_store_stats st;
	struct sender snd;
	char err[SK_ERRLEN] = "";
	cr_assert_eq(transfer(fd, &o, &st, err, &snd), 0, "%s", err);
	cr_expect_eq(st.bytes, n);
	size_t got_n;
	uint8_t *got = read_back("by-path", &got_n);
	cr_assert(got);
	cr_assert_eq(got_n, n);
	cr_assert_arr_eq(got, p, n);
	cr_expect_eq(faccessat(dirfd, ".by-path.part", F_OK, 0), -1, "the .part file stayed");
	free(got);
	/* A device is written into, never renamed over. */
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	o = (struct sk_xfer_store_opts){ .path = "/dev/null", .dirfd = -1, .fd = -1 };
	cr_assert_eq(transfer(fd, &o, &st, err, &snd), 0, "%s", err);
	cr_expect_eq(st.bytes, n);
	struct stat sb;
	cr_expect_eq(stat("/dev/null", &sb), 0);
	cr_expect(S_ISCHR(sb.st_mode));
	/* A directory that is not there: nothing stored, said why. */
	o = (struct sk_xfer_store_opts){ .path = "/nonexistent/dir/x", .dirfd = -1, .fd = -1 };
	struct sk_xfer_stream none = { .fd = -1 };
	cr_expect_lt(sk_xfer_store(&none, &o, &st, err), 0);
	cr_expect(strstr(err, "/nonexistent/dir"), "%s", err);
	close(fd);
	free(p);
}
