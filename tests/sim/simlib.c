// SPDX-License-Identifier: GPL-2.0
/* The simulator's pure helpers: see simlib.h. */
#include <math.h>
#include "simlib.h"

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void rng_seed(struct sim_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
uint64_t rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

double rng_unit(struct sim_rng *r)
{
	return (rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(struct sim_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

double rng_exp(struct sim_rng *r, double lambda)
{
	if (lambda <= 0)
		return INFINITY;
	return -log1p(-rng_unit(r)) / lambda;
}

uint64_t rng_geometric(struct sim_rng *r, double p)
{
	double g;

	if (p >= 1)
		return 0;
	if (p <= 0)
		return UINT64_MAX;
	g = floor(log1p(-rng_unit(r)) / log1p(-p));
	return g >= 1.8e19 ? UINT64_MAX : (uint64_t)g;
}

uint64_t rng_poisson(struct sim_rng *r, double m)
{
	double l, p;
	uint64_t k;

	if (m <= 0)
		return 0;
	if (m > 64) {
		double u1 = rng_unit(r) + 1e-300, u2 = rng_unit(r);
		double x = m + sqrt(m) * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2) + 0.5;

		return x < 0 ? 0 : (uint64_t)x;
	}
	l = exp(-m);
	p = rng_unit(r);
	for (k = 0; p > l; k++)
		p *= rng_unit(r);
	return k;
}

/* log(1 + x) / x and (exp(x) - 1) / x, accurate near 0. */
static double helper1(double x)
{
	return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

static double helper2(double x)
{
	return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
}

static double zh(const struct zipf *z, double x)	/* x^-s */
{
	return exp(-z->s * log(x));
}

static double zH(const struct zipf *z, double x)	/* its integral */
{
	double lx = log(x);

	return helper2((1 - z->s) * lx) * lx;
}

static double zHinv(const struct zipf *z, double x)
{
	double t = x * (1 - z->s);

	if (t < -1)
		t = -1;
	return exp(helper1(t) * x);
}

double zipf_harmonic(uint64_t n, double s)
{
	uint64_t k, m = n < 1000000 ? n : 1000000;
	double sum = 0, a, b;

	for (k = m; k >= 1; k--)
		sum += exp(-s * log((double)k));
	if (n == m)
		return sum;
	/* Sum over (m, n] ~ integral from m to n of x^-s + (n^-s - m^-s) / 2. */
	a = (double)m;
	b = (double)n;
	if (fabs(s - 1) < 1e-12)
		sum += log(b / a);
	else
		sum += (pow(b, 1 - s) - pow(a, 1 - s)) / (1 - s);
	return sum + (pow(b, -s) - pow(a, -s)) / 2;
}

void zipf_init(struct zipf *z, uint64_t n, double s)
{
	z->n = n;
	z->s = s;
	z->h_x1 = zH(z, 1.5) - 1;
	z->h_n = zH(z, (double)n + 0.5);
	z->shift = 2 - zHinv(z, zH(z, 2.5) - zh(z, 2));
	z->norm = zipf_harmonic(n, s);
}

uint64_t zipf_draw(struct zipf *z, struct sim_rng *r)
{
	for (;;) {
		double u = z->h_n + rng_unit(r) * (z->h_x1 - z->h_n);
		double x = zHinv(z, u);
		uint64_t k = (uint64_t)(x + 0.5);

		if (k < 1)
			k = 1;
		else if (k > z->n)
			k = z->n;
		if ((double)k - x <= z->shift || u >= zH(z, (double)k + 0.5) - zh(z, (double)k))
			return k;
	}
}

double zipf_pmf(const struct zipf *z, uint64_t k)
{
	return zh(z, (double)k) / z->norm;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* a^-1 mod n by the extended Euclid algorithm (gcd(a, n) = 1). */
static uint64_t mod_inverse(uint64_t a, uint64_t n)
{
	__int128 t = 0, nt = 1, r = n, nr = a;

	while (nr) {
		__int128 q = r / nr, tmp;

		tmp = t - q * nt;
		t = nt;
		nt = tmp;
		tmp = r - q * nr;
		r = nr;
		nr = tmp;
	}
	return (uint64_t)(t < 0 ? t + n : t);
}

void perm_init(struct perm *p, uint64_t n, uint64_t seed)
{
	struct sim_rng r;

	rng_seed(&r, seed);
	p->n = n;
	if (n <= 1) {
		p->a = p->a_inv = 1;
		p->c = 0;
		return;
	}
	/* A multiplier far from 0 and 1 scatters neighbours across the tier. */
	do
		p->a = n / 3 + rng_below(&r, n / 3 + 1);
	while (p->a == 0 || gcd(p->a, n) != 1);
	p->a_inv = mod_inverse(p->a, n);
	p->c = rng_below(&r, n);
}

uint64_t perm_fwd(const struct perm *p, uint64_t x)
{
	return (uint64_t)(((unsigned __int128)p->a * x + p->c) % p->n);
}

uint64_t perm_inv(const struct perm *p, uint64_t y)
{
	return (uint64_t)(((unsigned __int128)p->a_inv * ((y + p->n - p->c) % p->n)) % p->n);
}
