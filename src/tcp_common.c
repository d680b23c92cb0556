/* Output and process setup, shared by tcp connect and tcp listen. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sockit/bytes.h"
#include "sockit/fdio.h"
#include "sockit/hexdump.h"
#include "sockit/progress.h"
#include "status.h"
#include "tcp.h"

/* Shown per chunk in -v tags; the rest is summarised. */
#define TAG_BYTES 1024

void tcp_tag(char dir, const char *peer, const uint8_t *p, size_t n)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	localtime_r(&tv.tv_sec, &tm);
	char text[4 * TAG_BYTES + 1];
	size_t shown = n > TAG_BYTES ? TAG_BYTES : n;
	sk_escape(p, shown, text, sizeof text);
	fflush(stdout);
	fprintf(stderr, "%c %02d:%02d:%02d.%06ld %s %zu bytes\n  %s%s\n", dir,
		tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec, peer, n, text,
		shown < n ? "..." : "");
}

int tcp_stdout_write(const void *p, size_t n)
{
	if (!status_on())
		return sk_fd_write_all(STDOUT_FILENO, p, n);
	return status_write(STDOUT_FILENO, p, n) ? 0 : -errno;
}

int tcp_output(struct tcp_show *s, const uint8_t *p, size_t n)
{
	if (!s->hex)
		return tcp_stdout_write(p, n);
	char dump[SK_HEXDUMP_SIZE(16 * 1024)];
	while (n) {
		size_t part = n > 16 * 1024 ? 16 * 1024 : n;
		size_t len = sk_hexdump(p, part, (size_t)s->hex_off, dump, sizeof dump);
		/* Drop the closing offset line: the dump continues with the
		 * next chunk, and tcp_output_end writes the final one. */
		while (len && dump[len - 1] == '\n')
			len--;
		while (len && dump[len - 1] != '\n')
			len--;
		int rc = tcp_stdout_write(dump, len);
		if (rc)
			return rc;
		s->hex_off += part;
		p += part;
		n -= part;
	}
	return 0;
}

void tcp_output_end(struct tcp_show *s)
{
	if (!s->hex || !s->hex_off)
		return;
	char line[32];
	int len = snprintf(line, sizeof line, "%08llx\n", (unsigned long long)s->hex_off);
	tcp_stdout_write(line, (size_t)len);
}

void tcp_stats_line(const char *who, uint64_t rx, uint64_t tx, uint64_t ms)
{
	char r[32], t[32], rr[40], tr[40];
	sk_size_format(rx, r, sizeof r);
	sk_size_format(tx, t, sizeof t);
	sk_rate_format(rx, ms, "B", rr, sizeof rr);
	sk_rate_format(tx, ms, "B", tr, sizeof tr);
	fflush(stdout);
	fprintf(stderr,
		"sockit: %s: stats: %s rx %s tx %s in %.2f s (%s in, %s out)\n",
		cli_command(), who, r, t, (double)ms / 1000.0, rr, tr);
}

void tcp_process_setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}
