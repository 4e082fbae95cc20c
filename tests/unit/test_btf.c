// SPDX-License-Identifier: GPL-2.0
/*
 * The BTF reader and prototype comparison of src/compat/btf.c on blobs
 * built here record by record, well-formed and broken; and the call-site
 * counter of src/compat/callsite.c on hand-assembled code.
 */
#include <stdlib.h>
#include <string.h>
#include "kpromoted/btf.h"
#include "kpromoted/callsite.h"
#include "tap.h"

/* ---- a BTF blob writer ---- */
static unsigned char types[8192], strs[4096];
static u32 types_len, strs_len, nr_types;

static void reset(void)
{
	types_len = 0;
	strs_len = 1;	/* offset 0 is the empty name */
	strs[0] = '\0';
	nr_types = 0;
}

static u32 str(const char *s)
{
	u32 off = strs_len;

	memcpy(strs + strs_len, s, strlen(s) + 1);
	strs_len += strlen(s) + 1;
	return off;
}

static void put32(u32 v)
{
	memcpy(types + types_len, &v, 4);
	types_len += 4;
}

/* A record; returns its id. */
static u32 rec(const char *name, u32 kind, u32 vlen, u32 kflag, u32 size_or_type)
{
	put32(name ? str(name) : 0);
	put32((kflag << 31) | (kind << 24) | vlen);
	put32(size_or_type);
	return ++nr_types;
}

enum { INT = 1, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT,
	FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 };

static u32 t_int(const char *name, u32 size)
{
	u32 id = rec(name, INT, 0, 0, size);

	put32(size * 8);
	return id;
}

/* A FUNC_PROTO with n parameter types, then the FUNC called name. */
static u32 func(const char *name, u32 ret, int n, const u32 *params)
{
	u32 proto = rec(NULL, FUNC_PROTO, n, 0, ret);
	int i;

	for (i = 0; i < n; i++) {
		put32(0);
		put32(params[i]);
	}
	(void)proto;
	return rec(name, FUNC, 1, 0, nr_types);
}

static unsigned char blob[16384];

static size_t finish(void)
{
	u32 hdr[6];
	unsigned short magic = 0xeb9f;

	memcpy(blob, &magic, 2);
	blob[2] = 1;
	blob[3] = 0;
	hdr[1] = 24;
	hdr[2] = 0;
	hdr[3] = types_len;
	hdr[4] = types_len;
	hdr[5] = strs_len;
	memcpy(blob + 4, &hdr[1], 20);
	memcpy(blob + 24, types, types_len);
	memcpy(blob + 24 + types_len, strs, strs_len);
	return 24 + types_len + strs_len;
}

static u32 offs[1024];

static int open_blob(struct kp_btf *b, size_t len)
{
	int err = kp_btf_open(b, blob, len);

	if (!err)
		kp_btf_index(b, offs);
	return err;
}

static const char *render(const struct kp_btf *b, const char *name)
{
	static char buf[512];
	long id = kp_btf_find_func(b, name, 0);

	if (id < 0)
		return kp_btf_strerror((int)id);
	if (kp_btf_render_func(b, (u32)id, buf, sizeof(buf)) < 0)
		return "render error";
	return buf;
}

static void test_render(void)
{
	struct kp_btf b;
	u32 i_int, ulong, folio, pfolio, bool_, cchar, pcchar, nm, pcnm, fp, mm, tag, arr, uf;
	size_t len;

	reset();
	i_int = t_int("int", 4);
	ulong = t_int("long unsigned int", 8);
	folio = rec("folio", STRUCT, 0, 0, 0);
	pfolio = rec(NULL, PTR, 0, 0, folio);
	bool_ = rec("bool", TYPEDEF, 0, 0, t_int("_Bool", 1));
	cchar = rec(NULL, CONST, 0, 0, t_int("char", 1));
	pcchar = rec(NULL, PTR, 0, 0, cchar);
	nm = rec("nodemask_t", TYPEDEF, 0, 0, rec(NULL, STRUCT, 0, 0, 0));
	pcnm = rec(NULL, PTR, 0, 0, rec(NULL, CONST, 0, 0, nm));
	mm = rec("migrate_mode", ENUM, 0, 0, 4);
	uf = rec("u", FWD, 0, 1, 0);
	/* int (*)(int) */
	{
		u32 p[] = { i_int };
		u32 proto = rec(NULL, FUNC_PROTO, 1, 0, i_int);

		put32(0);
		put32(p[0]);
		fp = rec(NULL, PTR, 0, 0, proto);
	}
	tag = rec("user", TYPE_TAG, 0, 0, pfolio);
	arr = rec(NULL, ARRAY, 0, 0, 0);
	put32(i_int);
	put32(i_int);
	put32(16);
	{
		u32 p[] = { pfolio, ulong, pcchar };
		u32 q[] = { rec(NULL, PTR, 0, 0, pfolio), pcnm, mm, rec(NULL, PTR, 0, 0, uf) };
		u32 v[] = { i_int, 0 };
		u32 r[] = { fp, tag, rec(NULL, CONST, 0, 0, pfolio), arr };

		func("f", bool_, 3, p);
		func("g", 0, 0, NULL);
		func("h", pfolio, 4, q);
		func("v", i_int, 2, v);
		func("r", 0, 4, r);
		func("f", bool_, 3, p);		/* the same name again */
	}
	len = finish();
	CHECK(!open_blob(&b, len), "a well-formed blob opens");
	CHECK(b.nr_types == nr_types, "%u types counted", b.nr_types);
	CHECK(!strcmp(render(&b, "f"),
		      "bool f(struct folio *, long unsigned int, const char *)"), "%s", render(&b, "f"));
	CHECK(!strcmp(render(&b, "g"), "void g(void)"), "%s", render(&b, "g"));
	CHECK(!strcmp(render(&b, "h"), "struct folio *h(struct folio **, const nodemask_t *, "
		      "enum migrate_mode, union u *)"), "%s", render(&b, "h"));
	CHECK(!strcmp(render(&b, "v"), "int v(int, ...)"), "%s", render(&b, "v"));
	CHECK(!strcmp(render(&b, "r"), "void r(int (*)(int), struct folio *, "
		      "struct folio * const, int[16])"), "%s", render(&b, "r"));
	CHECK(!strcmp(render(&b, "nope"), "absent from BTF"), "absent: %s", render(&b, "nope"));
	CHECK(kp_btf_count_funcs(&b, "f") == 2, "two functions called f");
	CHECK(kp_btf_find_func(&b, "f", 2) == KP_BTF_ENOENT, "no third f");
	/* Too small a buffer: an error, and still a terminated prefix. */
	{
		char small[10];
		long id = kp_btf_find_func(&b, "f", 0);

		CHECK(kp_btf_render_func(&b, (u32)id, small, sizeof(small)) == KP_BTF_E2BIG &&
		      strlen(small) == sizeof(small) - 1 && !strncmp(small, "bool f(st", 9),
		      "truncated: '%s'", small);
		CHECK(kp_btf_render_func(&b, (u32)id + 100, small, sizeof(small)) == KP_BTF_EBADREF,
		      "a wrong id");
		CHECK(kp_btf_render_func(&b, (u32)id - 1, small, sizeof(small)) == KP_BTF_EBADREF,
		      "not a FUNC");
	}
}

static void test_broken(void)
{
	struct kp_btf b;
	size_t len;
	u32 loop, bad;

	reset();
	t_int("int", 4);
	len = finish();
	CHECK(!open_blob(&b, len), "minimal blob");
	CHECK(kp_btf_open(&b, blob, 23) == KP_BTF_EBADHDR, "short header");
	blob[0] ^= 0xff;
	CHECK(kp_btf_open(&b, blob, len) == KP_BTF_EBADHDR, "bad magic");
	blob[0] ^= 0xff;
	blob[2] = 2;
	CHECK(kp_btf_open(&b, blob, len) == KP_BTF_EBADHDR, "bad version");
	blob[2] = 1;
	CHECK(kp_btf_open(&b, blob, len - 1) == KP_BTF_EBADHDR, "string section past the end");
	blob[len - 1] = 'x';
	CHECK(kp_btf_open(&b, blob, len) == KP_BTF_EBADHDR, "string section not terminated");

	/* A record's tail past the type section. */
	reset();
	rec("s", STRUCT, 5, 0, 8);
	len = finish();
	CHECK(kp_btf_open(&b, blob, len) == KP_BTF_EBADTYPE, "struct members past the end");
	reset();
	rec("x", 25, 0, 0, 0);
	len = finish();
	CHECK(kp_btf_open(&b, blob, len) == KP_BTF_EBADTYPE, "unknown kind");

	/* References out of range, and a loop. */
	reset();
	loop = rec(NULL, CONST, 0, 0, 2);	/* id 1 -> 2 -> 1 */
	rec(NULL, VOLATILE, 0, 0, loop);
	bad = rec(NULL, PTR, 0, 0, 77);
	{
		u32 p1[] = { loop }, p2[] = { bad };

		func("loops", 0, 1, p1);
		func("dangles", 0, 1, p2);
		func("badret", 99, 0, NULL);
	}
	{
		u32 id = rec(NULL, FUNC_PROTO, 0, 0, 0);

		/* A FUNC whose name is past the strings. */
		put32(5000);
		put32((FUNC << 24) | 1);
		put32(id);
		nr_types++;
	}
	len = finish();
	CHECK(!open_blob(&b, len), "broken references still open");
	CHECK(!strcmp(render(&b, "loops"), "render error"), "a type loop is an error");
	CHECK(!strcmp(render(&b, "dangles"), "render error"), "a dangling id is an error");
	CHECK(!strcmp(render(&b, "badret"), "render error"), "a dangling return type");
	CHECK(kp_btf_find_func(&b, "x", 0) == KP_BTF_ENOENT, "a bad name offset is skipped");
}

static void test_equal(void)
{
	CHECK(kp_btf_proto_equal("struct folio *f(int)", "struct folio * f( int )"), "blanks at *, (");
	CHECK(kp_btf_proto_equal("long  unsigned int f(void)", " long unsigned int f(void) "),
	      "runs of blanks");
	CHECK(!kp_btf_proto_equal("long unsigned int f(void)", "longunsigned int f(void)"),
	      "words stay apart");
	CHECK(!kp_btf_proto_equal("bool f(int)", "bool f(int, int)"), "one more parameter");
	CHECK(!kp_btf_proto_equal("bool f(int)", "int f(int)"), "another return type");
	CHECK(!kp_btf_proto_equal("bool f(struct page *)", "bool f(struct folio *)"),
	      "another parameter type");
	CHECK(!kp_btf_proto_equal("int f(int)", "int f(int) "
				  "x"), "trailing text");
	CHECK(kp_btf_proto_equal("", ""), "empty");
}

static void test_callsite(void)
{
	/* At 0x1000: call t, jmp t, jne t, jmp short t+4 (ENDBR), call t-16 (thunk), call elsewhere. */
	unsigned char code[64] = { 0 };
	u64 base = 0xffffffff81001000ull, t = base + 0x30, t2 = base + 0x400;
	u64 targets[2] = { t, t2 };
	unsigned int counts[2] = { 0, 0 };
	int rel;
	size_t i = 0;

	code[i] = 0xe8; rel = (int)(t - (base + i + 5)); memcpy(code + i + 1, &rel, 4); i += 5;
	code[i] = 0xe9; rel = (int)(t - (base + i + 5)); memcpy(code + i + 1, &rel, 4); i += 5;
	code[i] = 0x0f; code[i + 1] = 0x85; rel = (int)(t - (base + i + 6));
	memcpy(code + i + 2, &rel, 4); i += 6;
	code[i] = 0xeb; code[i + 1] = (unsigned char)(t + 4 - (base + i + 2)); i += 2;
	code[i] = 0xe8; rel = (int)(t - 16 - (base + i + 5)); memcpy(code + i + 1, &rel, 4); i += 5;
	code[i] = 0xe8; rel = (int)(t + 8 - (base + i + 5)); memcpy(code + i + 1, &rel, 4); i += 5;
	code[i] = 0xe8; rel = (int)(t2 - (base + i + 5)); memcpy(code + i + 1, &rel, 4); i += 5;
	kp_callsite_count(code, sizeof(code), 0, base, targets, 2, counts);
	CHECK(counts[0] == 5, "5 calls and jumps to t, %u counted", counts[0]);
	CHECK(counts[1] == 1, "1 call to t2, %u counted", counts[1]);

	/* A call split between two pieces counts once, in the piece it starts in. */
	counts[0] = counts[1] = 0;
	kp_callsite_count(code, 3, KP_CALLSITE_TAIL, base, targets, 1, counts);
	kp_callsite_count(code + 3, sizeof(code) - 3, 0, base + 3, targets, 1, counts);
	CHECK(counts[0] == 5, "split at 3: %u", counts[0]);
	/* The end of the text: a call cut off there is not read past the end. */
	counts[0] = 0;
	kp_callsite_count(code, 4, 0, base, targets, 1, counts);
	CHECK(counts[0] == 0, "a cut-off call does not count");
}

int main(void)
{
	test_render();
	test_broken();
	test_equal();
	test_callsite();
	return tap_done("btf");
}
