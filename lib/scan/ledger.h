/* The resume ledger (internal): which steps of a phase have their result
 * reported, and the results not yet released to the caller.  With a
 * checkpoint file, results are held here and released just before each
 * checkpoint is written, so that what the caller has written and what the
 * checkpoint says is done are the same set: a kill loses no verdict and a
 * resume repeats none. */
#ifndef SOCKIT_SCAN_LEDGER_H
#define SOCKIT_SCAN_LEDGER_H

#include "sockit/scan.h"

struct sk__ledger;

/* A ledger for plan's steps from start on, where the steps in done (from
 * the checkpoint being resumed) count as reported already.  plan must
 * outlive the ledger.  Returns 0 or -ENOMEM. */
int sk__ledger_new(struct sk__ledger **out, const struct sk_plan *plan, uint64_t start,
		   const struct sk_step_range *done, size_t ndone);
void sk__ledger_free(struct sk__ledger *l);

/* Keeps a copy of r (banner included) unless its step was reported
 * already.  Thread-safe against sk__ledger_release.  Returns 0, or -ENOMEM
 * when the copy could not be made (the result is then lost from the
 * output but not marked reported: a resume asks again). */
int sk__ledger_add(struct sk__ledger *l, const struct sk_scan_result *r);

/* Gives every held result to fn (in the order they came, from the calling
 * thread), then fills c->next and c->done (c->done points into the ledger,
 * valid until the next call) with what those and every earlier release
 * cover.  Call from one thread at a time. */
int sk__ledger_release(struct sk__ledger *l, sk_scan_result_fn fn, void *ctx,
		       struct sk_checkpoint *c);

#endif
