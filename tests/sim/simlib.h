/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulator's pure helpers (tests/sim): a seeded random generator, the
 * draws the modelled sources need, a Zipf sampler that needs no table, and
 * a permutation of a tier's pages that scatters ranks over addresses and
 * can be undone, so that no per-page array is needed for the truth.
 * Host only; unit-tested by tests/sim/test_simlib.c.
 */
#ifndef KP_SIMLIB_H
#define KP_SIMLIB_H

#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

void rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t rng_next(struct sim_rng *r);
/* Uniform in [0, 1). */
double rng_unit(struct sim_rng *r);
/* Uniform in [0, n). */
uint64_t rng_below(struct sim_rng *r, uint64_t n);
/* Exponential with rate lambda (mean 1/lambda); +inf for lambda <= 0. */
double rng_exp(struct sim_rng *r, double lambda);
/* Failures before the first success of probability p (p in (0, 1]). */
uint64_t rng_geometric(struct sim_rng *r, double p);
/* Poisson with mean m (inversion for small m, normal approximation above 64). */
uint64_t rng_poisson(struct sim_rng *r, double m);

/*
 * Zipf over ranks 1..n with exponent s > 0: rejection-inversion
 * (Hoermann & Derflinger 1996), O(1) per draw, no table.
 */
struct zipf {
	uint64_t n;
	double s, h_x1, h_n, shift, norm;
};

void zipf_init(struct zipf *z, uint64_t n, double s);
/* A rank in 1..n. */
uint64_t zipf_draw(struct zipf *z, struct sim_rng *r);
/* Probability of rank k (1..n). */
double zipf_pmf(const struct zipf *z, uint64_t k);
/* Sum of k^-s for k = 1..n (exact to 10^6, Euler-Maclaurin beyond). */
double zipf_harmonic(uint64_t n, double s);

/* A bijection of [0, n): x -> (a * x + c) mod n, gcd(a, n) = 1. */
struct perm {
	uint64_t n, a, a_inv, c;
};

void perm_init(struct perm *p, uint64_t n, uint64_t seed);
uint64_t perm_fwd(const struct perm *p, uint64_t x);
uint64_t perm_inv(const struct perm *p, uint64_t y);

#endif
