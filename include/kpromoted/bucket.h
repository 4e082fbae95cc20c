/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rate limit's token bucket, pure (host unit tests): bytes accrue at
 * `rate` bytes per second up to `cap`, and a worker takes what a whole
 * batch needs at once (less when less is there).
 */
#ifndef KPROMOTED_BUCKET_H
#define KPROMOTED_BUCKET_H

#include "kpromoted/policy.h"

#define KP_NSEC_PER_SEC 1000000000ULL

struct kp_bucket {
	u64 tokens;	/* bytes that may move now */
	u64 last_ns;	/* when tokens was last brought up to date */
};

/*
 * Brings the bucket up to now. Overflow-safe for any rate and any gap: a
 * gap of a second or more fills the bucket outright (it holds at most a
 * second's worth), and a shorter one is split so that no product exceeds
 * 10^9 * 10^9: (rate / 10^9) * dt + (rate % 10^9) * dt / 10^9.
 */
static inline void kp_bucket_refill(struct kp_bucket *b, u64 now_ns, u64 rate, u64 cap)
{
	u64 dt = now_ns > b->last_ns ? now_ns - b->last_ns : 0, add;

	b->last_ns = now_ns > b->last_ns ? now_ns : b->last_ns;
	if (dt >= KP_NSEC_PER_SEC) {
		b->tokens = cap;
		return;
	}
	add = (rate / KP_NSEC_PER_SEC) * dt + (rate % KP_NSEC_PER_SEC) * dt / KP_NSEC_PER_SEC;
	b->tokens = add >= cap || b->tokens >= cap - add ? cap : b->tokens + add;
}

/* Takes up to want bytes; returns what it took. */
static inline u64 kp_bucket_take(struct kp_bucket *b, u64 want)
{
	u64 got = want < b->tokens ? want : b->tokens;

	b->tokens -= got;
	return got;
}

/* Gives back bytes taken and not used, never above cap. */
static inline void kp_bucket_refund(struct kp_bucket *b, u64 bytes, u64 cap)
{
	b->tokens = bytes >= cap || b->tokens >= cap - bytes ? cap : b->tokens + bytes;
}

#endif
