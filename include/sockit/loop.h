/* Ending a libuv loop that a program ran until it was done. */
#ifndef SOCKIT_LOOP_H
#define SOCKIT_LOOP_H

#include <uv.h>

/* Closes every handle still open on loop (with no close callback: the
 * owners have let go of them) and runs the loop until all the close
 * callbacks have run, so that uv_loop_close can follow.  A uv_stop made
 * before is absorbed: its pass returns at once and a second one runs. */
void sk_loop_drain(uv_loop_t *loop);

#endif
