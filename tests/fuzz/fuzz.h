/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzz targets share: exact-size string copies of the fuzzer's
 * bytes (so AddressSanitizer sees any read past the terminating NUL), the
 * input split into NUL-separated pieces, and the property check itself.
 */
#ifndef KP_FUZZ_H
#define KP_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A broken property is a crash: libFuzzer keeps the input and stops. */
#define FZ_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "property failed: %s:%d: %s: ",	\
			__FILE__, __LINE__, #cond);			\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n");					\
		abort();						\
	}								\
} while (0)

/* The bytes d[0..n) up to the first NUL, as a string in a buffer of exactly its size. */
static inline char *fz_str(const uint8_t *d, size_t n)
{
	size_t len = strnlen((const char *)d, n);
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, d, len);
	s[len] = '\0';
	return s;
}

/* A string in a buffer of exactly its size. */
static inline char *fz_dup(const char *t)
{
	return fz_str((const uint8_t *)t, strlen(t));
}

/*
 * Splits d[0..n) at NUL bytes into at most max exact-size strings (the
 * last piece keeps whatever follows, up to its own NUL). Returns the count.
 */
static inline int fz_split(const uint8_t *d, size_t n, char **out, int max)
{
	int k = 0;

	while (k < max) {
		size_t len = strnlen((const char *)d, n);

		out[k++] = fz_str(d, len);
		if (len >= n)
			break;
		d += len + 1;
		n -= len + 1;
	}
	return k;
}

static inline void fz_free_all(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i]);
}

/* A reason for the operator: set, short, one line of printable ASCII. */
static inline int fz_one_line(const char *s, size_t max)
{
	size_t i;

	if (!s || !*s)
		return 0;
	for (i = 0; s[i]; i++)
		if (i >= max || (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* s without one trailing newline: the length the parsers treat as the value. */
static inline size_t fz_len_sans_nl(const char *s)
{
	size_t n = strlen(s);

	return n && s[n - 1] == '\n' ? n - 1 : n;
}

#endif
