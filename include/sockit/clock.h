/* The one clock for durations, timeouts and rates: monotonic, so that a
 * change of the wall clock (NTP, the user) never bends a measurement. */
#ifndef SOCKIT_CLOCK_H
#define SOCKIT_CLOCK_H

#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC since an unspecified start (boot). */
uint64_t sk_clock_ns(void);

/* The same clock in milliseconds. */
uint64_t sk_clock_ms(void);

#endif
