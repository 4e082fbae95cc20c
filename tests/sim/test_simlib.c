// SPDX-License-Identifier: GPL-2.0
/* Unit test of the simulator's pure helpers (simlib.c). TAP. */
#include <math.h>
#include <stdlib.h>
#include "simlib.h"
#include "../unit/tap.h"

static void test_perm(void)
{
	struct perm p;
	uint64_t n = 1000003 * 3, x, bad = 0;
	unsigned char *seen = calloc(1000, 1);

	perm_init(&p, n, 42);
	for (x = 0; x < 200000; x++)
		bad += perm_inv(&p, perm_fwd(&p, x)) != x || perm_fwd(&p, x) >= n;
	CHECK(!bad, "perm_inv undoes perm_fwd and stays in range (%llu bad)", (unsigned long long)bad);
	perm_init(&p, 1000, 7);
	for (x = 0; x < 1000; x++)
		seen[perm_fwd(&p, x)]++;
	for (x = 0, bad = 0; x < 1000; x++)
		bad += seen[x] != 1;
	CHECK(!bad, "perm_fwd is a bijection of [0, n)");
	free(seen);
	perm_init(&p, 1ull << 32, 3);
	CHECK(perm_inv(&p, perm_fwd(&p, (1ull << 32) - 1)) == (1ull << 32) - 1,
	      "perm at 4G pages (16 TiB) without overflow");
}

static void test_zipf(double s)
{
	struct zipf z;
	struct sim_rng r;
	enum { N = 100000, DRAWS = 2000000 };
	static uint64_t cnt[11];
	uint64_t i, k, tail = 0;
	double worst = 0, ptail = 0;

	for (i = 0; i < 11; i++)
		cnt[i] = 0;
	zipf_init(&z, N, s);
	rng_seed(&r, 9);
	for (i = 0; i < DRAWS; i++) {
		k = zipf_draw(&z, &r);
		if (k <= 10)
			cnt[k]++;
		else if (k > N / 2)
			tail++;
	}
	for (k = 1; k <= 10; k++) {
		double e = zipf_pmf(&z, k) * DRAWS, d = fabs(cnt[k] - e) / sqrt(e);

		worst = d > worst ? d : worst;
	}
	for (k = N / 2 + 1; k <= N; k++)
		ptail += zipf_pmf(&z, k);
	CHECK(worst < 5, "Zipf s=%.1f: ranks 1..10 drawn as the pmf says (worst %.1f sigma)", s, worst);
	CHECK(fabs(tail - ptail * DRAWS) < 5 * sqrt(ptail * DRAWS) + 1,
	      "Zipf s=%.1f: the tail half drawn as the pmf says (%llu vs %.0f)", s,
	      (unsigned long long)tail, ptail * DRAWS);
}

static void test_harmonic(void)
{
	double exact = 0;
	uint64_t k;

	for (k = 1; k <= 3000000; k++)
		exact += pow((double)k, -0.8);
	CHECK(fabs(zipf_harmonic(3000000, 0.8) / exact - 1) < 1e-6,
	      "generalised harmonic number beyond the exact part within 1e-6");
}

static void test_draws(void)
{
	struct sim_rng r;
	double sum = 0;
	int i;

	rng_seed(&r, 5);
	for (i = 0; i < 200000; i++)
		sum += (double)rng_geometric(&r, 0.01);
	CHECK(fabs(sum / 200000 - 99) < 2, "geometric(0.01): mean 99 failures (%.1f)", sum / 200000);
	for (i = 0, sum = 0; i < 200000; i++)
		sum += (double)rng_poisson(&r, 3.5);
	CHECK(fabs(sum / 200000 - 3.5) < 0.03, "poisson(3.5): mean 3.5 (%.3f)", sum / 200000);
	for (i = 0, sum = 0; i < 200000; i++)
		sum += rng_exp(&r, 4);
	CHECK(fabs(sum / 200000 - 0.25) < 0.005, "exp(4): mean 0.25 (%.4f)", sum / 200000);
}

int main(void)
{
	test_perm();
	test_zipf(0.8);
	test_zipf(1.0);
	test_zipf(1.2);
	test_harmonic();
	test_draws();
	return tap_done("simlib");
}
