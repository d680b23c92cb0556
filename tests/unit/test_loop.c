/* sk_loop_drain: whatever is left open on a loop is closed, and the loop
 * can then be closed cleanly, even after a uv_stop. */
#include <criterion/criterion.h>
#include <uv.h>

#include "sockit/loop.h"

static void on_timer(uv_timer_t *t)
{
	uv_stop(t->loop);
}

Test(loop, drain_closes_what_is_left_after_a_stop)
{
	uv_loop_t loop;
	cr_assert_eq(uv_loop_init(&loop), 0);
	uv_timer_t t, repeating;
	uv_idle_t idle;
	uv_timer_init(&loop, &t);
	uv_timer_init(&loop, &repeating);
	uv_idle_init(&loop, &idle);
	uv_timer_start(&t, on_timer, 1, 0);
	uv_timer_start(&repeating, on_timer, 1000, 1000);
	uv_run(&loop, UV_RUN_DEFAULT); /* stopped by the first timer */
	uv_stop(&loop);                /* a stop pending at the drain */
	sk_loop_drain(&loop);
	cr_expect_eq(uv_loop_alive(&loop), 0);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(loop, drain_of_an_empty_loop)
{
	uv_loop_t loop;
	cr_assert_eq(uv_loop_init(&loop), 0);
	sk_loop_drain(&loop);
	cr_expect_eq(uv_loop_close(&loop), 0);
}
