#include "sockit/loop.h"

static void close_one(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void sk_loop_drain(uv_loop_t *loop)
{
	uv_walk(loop, close_one, NULL);
	/* A uv_stop before this makes the first pass return at once; the
	 * second runs the close callbacks. */
	for (int i = 0; i < 2; i++)
		uv_run(loop, UV_RUN_DEFAULT);
}
