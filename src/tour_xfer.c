/* The tour's file-transfer step: the lesson's home-made protocol, made
 * real by `file send` / `file recv` on loopback. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tour.h"

static void cleanup(const char *top)
{
	static const char *const rel[] = { "src/lesson.txt", "dst/lesson.txt",
					   "dst/.lesson.txt.part", "src", "dst", "" };
	for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		char p[256];
		snprintf(p, sizeof p, "%s/%s", top, rel[i]);
		if (unlink(p))
			rmdir(p);
	}
}

int tour_xfer(void)
{
	tour_say("The lesson ends by sending a file over TCP with a home-made\n"
		 "protocol: a header with the name and size, then the bytes.  TCP\n"
		 "delivers a stream, not messages, so the receiver must be told where\n"
		 "the file ends; and a real one must also check what arrived and\n"
		 "never trust the name it is given.  sockit's protocol\n"
		 "(docs/PROTOCOL.md) frames everything as type + 32-bit length +\n"
		 "payload, every length bounded: a FILE header (name, size, mode,\n"
		 "mtime), DATA chunks, an END with the SHA-256, and the receiver's\n"
		 "VERDICT.  The file is written to .NAME.part and renamed only when\n"
		 "the hash matches, so a cut connection never leaves half a file\n"
		 "under the real name.");
	char top[] = "/tmp/sockit-tour-XXXXXX";
	if (!mkdtemp(top))
		return 1;
	tour_scratch_add(top);
	char src[64], dst[64], file[96];
	snprintf(src, sizeof src, "%s/src", top);
	snprintf(dst, sizeof dst, "%s/dst", top);
	snprintf(file, sizeof file, "%s/lesson.txt", src);
	int status = 1;
	if (mkdir(src, 0755) || mkdir(dst, 0755))
		goto out;
	FILE *f = fopen(file, "w");
	if (!f)
		goto out;
	for (int i = 1; i <= 200; i++)
		fprintf(f, "line %d of the lesson's file, sent over a framed protocol\n", i);
	fclose(f);

	const char *const recv_args[] = { "file", "recv", "127.0.0.1:0", "-d", dst, NULL };
	int errfd = -1;
	pid_t pid = tour_spawn(recv_args, &errfd);
	if (pid < 0)
		goto out;
	char line[256], addr[80];
	if (tour_read_line(errfd, line, sizeof line, 5000) < 0 ||
	    sscanf(line, "listening on %79s", addr) != 1) {
		tour_stop(pid);
		close(errfd);
		goto out;
	}
	printf("  [receiver] %s\n", line);
	const char *const send_args[] = { "file", "send", "-v", addr, file, NULL };
	status = tour_run(send_args) == 0 ? 0 : 1;
	/* The receiver ends after its one session: show what it said. */
	while (tour_read_line(errfd, line, sizeof line, 5000) >= 0)
		printf("  [receiver] %s\n", line);
	close(errfd);
	tour_stop(pid);
	fflush(stdout);
	tour_say("\nThe receiver refuses names with '..', absolute names and paths\n"
		 "through symbolic links, and tells the sender why; `--resume`\n"
		 "continues a cut transfer from what the receiver already holds.");
out:
	cleanup(top);
	tour_scratch_drop(top);
	return status;
}
