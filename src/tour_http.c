/* The tour's HTTP step: the lesson's raw GET, against sockit's own server. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tour.h"

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

int tour_http_get(void)
{
	tour_say("HTTP is text over a TCP connection.  The lesson connects to a web\n"
		 "server, writes 'GET / HTTP/1.1', a Host line and a blank line, reads\n"
		 "until the server closes, and splits what came back at the first blank\n"
		 "line (\\r\\n\\r\\n): the status line and headers before it, the page\n"
		 "after it.  Here sockit serves a small directory on a free port, and\n"
		 "'http get --raw' shows the exact bytes each way, split the same way.");
	char dir[] = "/tmp/sockit-tour-http-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	tour_scratch_add(dir);
	char page[sizeof dir + 32], saved[sizeof dir + 32];
	snprintf(page, sizeof page, "%s/index.html", dir);
	snprintf(saved, sizeof saved, "%s/saved.html", dir);
	int rc = 1;
	if (!write_file(page, "<html><body><h1>Hello from sockit</h1></body></html>\n")) {
		rmdir(dir);
		tour_scratch_drop(dir);
		return 1;
	}
	const char *const serve[] = { "http", "serve", dir, "--bind", "127.0.0.1:0", "-q", NULL };
	int err_fd = -1;
	pid_t pid = tour_spawn(serve, &err_fd);
	char addr[256], url[300];
	if (pid > 0 && tour_listening(err_fd, addr, sizeof addr)) {
		snprintf(url, sizeof url, "http://%s/", addr);
		const char *const raw[] = { "http", "get", "--raw", url, NULL };
		rc = tour_run(raw) == 0 ? 0 : 1;
		if (rc == 0) {
			tour_say("\nThe body is only part of what arrived.  A real client saves just\n"
				 "the body, and only once all of it arrived (Content-Length says how\n"
				 "much): sockit writes FILE.part and renames it when complete.");
			const char *const save[] = { "http", "get", url, "-o", saved, NULL };
			rc = tour_run(save) == 0 ? 0 : 1;
			if (rc == 0) {
				printf("\n$ cat %s\n", saved);
				fflush(stdout);
				FILE *f = fopen(saved, "r");
				char buf[256];
				size_t n;
				while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
					fwrite(buf, 1, n, stdout);
				if (f)
					fclose(f);
				fflush(stdout);
			}
		}
	}
	tour_stop(pid);
	if (err_fd >= 0)
		close(err_fd);
	unlink(saved);
	unlink(page);
	rmdir(dir);
	tour_scratch_drop(dir);
	return rc;
}
