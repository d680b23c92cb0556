/* libFuzzer: bytes from the network into the TLS engine, as a server
 * (a hostile ClientHello) and as a client (a hostile server's answer to
 * our hello).  Nothing may crash; errors are negative with a one-line
 * message, and output stays bounded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int rc, const char *err)
{
	if (rc >= 0)
		return;
	if (strchr(err, '\n'))
		abort();
}

/* Feeds data in pieces (the first byte sets the piece size) and drives
 * the session the way sk_conn does. */
static void drive(struct sk_tls *t, const uint8_t *data, size_t size)
{
	size_t step = size ? (size_t)data[0] + 1 : 1;
	uint8_t out[32768];
	char err[SK_ERRLEN] = "";
	for (size_t off = 0; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;
		if (sk_tls_feed(t, data + off, n))
			return;
		int rc = sk_tls_handshake(t, err);
		check_err(rc, err);
		while (sk_tls_take(t, out, sizeof out) > 0)
			;
		if (rc < 0)
			return;
		if (rc == 1) {
			int r;
			while ((r = sk_tls_read(t, out, sizeof out, err)) > 0)
				;
			check_err(r, err);
			if (r < 0)
				return;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sk_tls_ctx *server, *client;
	char err[SK_ERRLEN];
	if (!server) {
		if (sk_tls_ctx_server(&server, &(struct sk_tls_server_opts){ .alpn = "h2,http/1.1" }, err) ||
		    sk_tls_ctx_client(&client, &(struct sk_tls_client_opts){ .insecure = true, .alpn = "x" }, err))
			abort();
	}
	struct sk_tls *t;
	if (sk_tls_new(server, true, NULL, NULL, &t, err) == 0) {
		drive(t, data, size);
		sk_tls_free(t);
	}
	if (sk_tls_new(client, false, "localhost", NULL, &t, err) == 0) {
		char e2[SK_ERRLEN];
		sk_tls_handshake(t, e2); /* our hello, then their bytes */
		uint8_t hello[4096];
		while (sk_tls_take(t, hello, sizeof hello) > 0)
			;
		drive(t, data, size);
		sk_tls_free(t);
	}
	return 0;
}
