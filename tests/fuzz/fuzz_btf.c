// SPDX-License-Identifier: GPL-2.0
/*
 * The BTF reader of src/compat/btf.c on any bytes, and its prototype
 * comparison, and the call-site counter of src/compat/callsite.c.
 *
 * Input: one selector byte, then the payload.
 *   'c' <8 bytes target> <code>   kp_callsite_count() over code, whole and in two pieces
 *   anything else: the payload is a BTF blob (a corpus seed is a real header)
 *
 * Properties: a blob either opens or is refused, never read outside; the
 * index covers exactly the type section; every function renders into
 * buffers of every size from 0 to 256 without writing past them, always
 * terminated, a longer buffer giving the same text or more of it; a
 * rendered prototype equals itself with blanks added around punctuation;
 * the call count does not depend on where the code is cut.
 */
#include "fuzz.h"
#include "kpromoted/btf.h"
#include "kpromoted/callsite.h"

static void fuzz_callsite(const uint8_t *d, size_t n)
{
	u64 target, base = 0xffffffff81000000ull;
	unsigned int whole = 0, split = 0;
	size_t cut, tail;

	if (n < 8)
		return;
	memcpy(&target, d, 8);
	d += 8;
	n -= 8;
	kp_callsite_count(d, n, 0, base, &target, 1, &whole);
	cut = n ? target % (n + 1) : 0;
	tail = n - cut < KP_CALLSITE_TAIL ? n - cut : KP_CALLSITE_TAIL;
	kp_callsite_count(d, cut, tail, base, &target, 1, &split);
	kp_callsite_count(d + cut, n - cut, 0, base + cut, &target, 1, &split);
	FZ_ASSERT(whole == split, "cut at %zu: %u whole, %u in two pieces", cut, whole, split);
}

/* s with a blank after every '*', '(' and ',' and before every ')'. */
static char *spaced(const char *s)
{
	char *out = malloc(strlen(s) * 2 + 1), *o = out;

	if (!out)
		abort();
	for (; *s; s++) {
		if (*s == ')')
			*o++ = ' ';
		*o++ = *s;
		if (*s == '*' || *s == '(' || *s == ',')
			*o++ = ' ';
	}
	*o = '\0';
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct kp_btf b;
	uint8_t *blob;
	u32 *offs, id;
	int funcs = 0;

	if (n && d[0] == 'c') {
		fuzz_callsite(d + 1, n - 1);
		return 0;
	}
	if (n)
		d++, n--;
	/* A copy of exactly its size: ASan sees any read past it. */
	blob = malloc(n ? n : 1);
	if (!blob)
		abort();
	memcpy(blob, d, n);
	if (kp_btf_open(&b, blob, n)) {
		free(blob);
		return 0;
	}
	FZ_ASSERT(b.nr_types <= b.types_len / 12, "%u types in %u bytes", b.nr_types, b.types_len);
	offs = malloc((b.nr_types ? b.nr_types : 1) * sizeof(*offs));
	if (!offs)
		abort();
	kp_btf_index(&b, offs);
	for (id = 1; id <= b.nr_types && funcs < 64; id++) {
		char full[256], part[256];
		int len = kp_btf_render_func(&b, id, full, sizeof(full));
		size_t size;

		FZ_ASSERT(strlen(full) < sizeof(full), "unterminated");
		if (len < 0)
			continue;
		funcs++;
		FZ_ASSERT((size_t)len == strlen(full), "length %d of '%s'", len, full);
		for (size = 0; size <= sizeof(part); size += 1 + size / 4) {
			char *buf = malloc(size ? size : 1);
			int l;

			if (!buf)
				abort();
			l = kp_btf_render_func(&b, id, buf, size);
			if (size) {
				FZ_ASSERT(strlen(buf) < size, "past a %zu-byte buffer", size);
				FZ_ASSERT(!strncmp(buf, full, strlen(buf)), "'%s' not a prefix of '%s'",
					  buf, full);
				FZ_ASSERT(l == len || (l == KP_BTF_E2BIG && (size_t)len >= size - 1),
					  "size %zu: %d, full %d", size, l, len);
			}
			free(buf);
		}
		{
			char *sp = spaced(full);

			FZ_ASSERT(kp_btf_proto_equal(full, sp), "'%s' != '%s'", full, sp);
			free(sp);
		}
	}
	free(offs);
	free(blob);
	return 0;
}
