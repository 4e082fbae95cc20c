// SPDX-License-Identifier: GPL-2.0
/*
 * The rate limit's token bucket (kpromoted/bucket.h): it accrues at the
 * rate, holds a second's worth, never overflows, and gives what it has.
 */
#include "tap.h"
#include "kpromoted/bucket.h"

#define MB (1ULL << 20)

static void test_accrual(void)
{
	struct kp_bucket b = { 0, 0 };
	u64 rate = 256 * MB;

	kp_bucket_refill(&b, 100000000ULL, rate, rate);	/* 100 ms */
	CHECK(b.tokens == rate / 10 || b.tokens == rate / 10 - 1, "100 ms at 256 MB/s is 25.6 MB");
	kp_bucket_refill(&b, 50000000ULL, rate, rate);
	CHECK(b.tokens <= rate / 10 && b.last_ns == 100000000ULL, "a clock going back adds nothing");
	kp_bucket_refill(&b, 5000000000ULL, rate, rate);
	CHECK(b.tokens == rate, "a long idle fills it to the cap, not beyond");
	CHECK(kp_bucket_take(&b, 64 * MB) == 64 * MB && b.tokens == rate - 64 * MB,
	      "a batch takes what it needs at once");
	CHECK(kp_bucket_take(&b, 1024 * MB) == rate - 64 * MB && b.tokens == 0,
	      "more than there is: it gets what there is");
	kp_bucket_refund(&b, 10 * MB, rate);
	CHECK(b.tokens == 10 * MB, "unused bytes come back");
	kp_bucket_refund(&b, ~0ULL, rate);
	CHECK(b.tokens == rate, "a refund never passes the cap, nor wraps");
}

static void test_no_overflow(void)
{
	/* The largest rate_limit_mbps (100000) and a gap just under a second. */
	u64 rate = 100000ULL * MB, cap = rate;
	struct kp_bucket b = { 0, 0 };

	kp_bucket_refill(&b, 999999999ULL, rate, cap);
	/* (now - last) * rate would be 1.05e20: past 2^64. */
	CHECK(b.tokens > rate / 100 * 99 && b.tokens <= cap, "0.999999999 s at 100000 MB/s: %llu",
	      (unsigned long long)b.tokens);
	b = (struct kp_bucket){ 0, 0 };
	kp_bucket_refill(&b, 1, ~0ULL, ~0ULL);
	CHECK(b.tokens == ~0ULL / KP_NSEC_PER_SEC + (~0ULL % KP_NSEC_PER_SEC) / KP_NSEC_PER_SEC,
	      "1 ns at the largest u64 rate: exact, no wrap");
	b = (struct kp_bucket){ ~0ULL - 5, 0 };
	kp_bucket_refill(&b, 999ULL, rate, ~0ULL);
	CHECK(b.tokens == ~0ULL, "adding to a nearly full u64 bucket saturates");
	b = (struct kp_bucket){ 0, 0 };
	kp_bucket_refill(&b, 1000, 1, 1 << 21);
	CHECK(b.tokens == 0, "1 B/s for 1 us rounds to nothing, never negative");
}

int main(void)
{
	test_accrual();
	test_no_overflow();
	return tap_done("bucket");
}
