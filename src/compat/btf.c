// SPDX-License-Identifier: GPL-2.0
/*
 * A reader of the BTF type format, as much as rendering a function's
 * prototype needs (see kpromoted/btf.h). Pure: built into the module and
 * into the host unit tests and fuzz target. The format (the kernel's
 * Documentation/bpf/btf.rst): a 24-byte header, a type section of records
 * (12 bytes, then a kind-dependent tail) numbered from 1, and a string
 * section of NUL-terminated names that records point into.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <string.h>
#endif
#include "kpromoted/btf.h"

#define KP_BTF_MAGIC 0xeb9f
#define KP_BTF_HDR_LEN 24
#define KP_BTF_REC 12		/* name_off, info, size/type */
#define KP_BTF_MAX_DEPTH 32	/* type chains: a loop is an error, not a hang */

enum {
	KP_BTF_KIND_INT = 1, KP_BTF_KIND_PTR, KP_BTF_KIND_ARRAY, KP_BTF_KIND_STRUCT,
	KP_BTF_KIND_UNION, KP_BTF_KIND_ENUM, KP_BTF_KIND_FWD, KP_BTF_KIND_TYPEDEF,
	KP_BTF_KIND_VOLATILE, KP_BTF_KIND_CONST, KP_BTF_KIND_RESTRICT, KP_BTF_KIND_FUNC,
	KP_BTF_KIND_FUNC_PROTO, KP_BTF_KIND_VAR, KP_BTF_KIND_DATASEC, KP_BTF_KIND_FLOAT,
	KP_BTF_KIND_DECL_TAG, KP_BTF_KIND_TYPE_TAG, KP_BTF_KIND_ENUM64,
};

static u32 kp_get32(const unsigned char *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u32 kp_kind(u32 info)
{
	return (info >> 24) & 0x1f;
}

static u32 kp_vlen(u32 info)
{
	return info & 0xffff;
}

/* Bytes after the 12-byte record, or -1 for a kind this reader does not know. */
static long kp_btf_tail(u32 kind, u32 vlen)
{
	switch (kind) {
	case KP_BTF_KIND_INT:
	case KP_BTF_KIND_VAR:
	case KP_BTF_KIND_DECL_TAG:
		return 4;
	case KP_BTF_KIND_PTR:
	case KP_BTF_KIND_FWD:
	case KP_BTF_KIND_TYPEDEF:
	case KP_BTF_KIND_VOLATILE:
	case KP_BTF_KIND_CONST:
	case KP_BTF_KIND_RESTRICT:
	case KP_BTF_KIND_FUNC:
	case KP_BTF_KIND_FLOAT:
	case KP_BTF_KIND_TYPE_TAG:
		return 0;
	case KP_BTF_KIND_ARRAY:
		return 12;
	case KP_BTF_KIND_STRUCT:
	case KP_BTF_KIND_UNION:
	case KP_BTF_KIND_DATASEC:
	case KP_BTF_KIND_ENUM64:
		return 12L * vlen;
	case KP_BTF_KIND_ENUM:
	case KP_BTF_KIND_FUNC_PROTO:
		return 8L * vlen;
	}
	return -1;
}

const char *kp_btf_strerror(int err)
{
	switch (err) {
	case KP_BTF_EBADHDR:
		return "not a BTF blob";
	case KP_BTF_EBADTYPE:
		return "malformed BTF type record";
	case KP_BTF_ENOENT:
		return "absent from BTF";
	case KP_BTF_EBADREF:
		return "malformed BTF reference";
	case KP_BTF_E2BIG:
		return "prototype too long";
	}
	return "BTF error";
}

int kp_btf_open(struct kp_btf *b, const void *data, size_t len)
{
	const unsigned char *p = data;
	u32 hdr_len, type_off, type_len, str_off, str_len, off, n = 0;
	unsigned short magic;

	memset(b, 0, sizeof(*b));
	if (len < KP_BTF_HDR_LEN)
		return KP_BTF_EBADHDR;
	memcpy(&magic, p, sizeof(magic));
	hdr_len = kp_get32(p + 4);
	type_off = kp_get32(p + 8);
	type_len = kp_get32(p + 12);
	str_off = kp_get32(p + 16);
	str_len = kp_get32(p + 20);
	if (magic != KP_BTF_MAGIC || p[2] != 1 || hdr_len < KP_BTF_HDR_LEN || hdr_len > len)
		return KP_BTF_EBADHDR;
	len -= hdr_len;
	p += hdr_len;
	if (type_off > len || type_len > len - type_off ||
	    str_off > len || str_len > len - str_off)
		return KP_BTF_EBADHDR;
	/* Names are read up to their NUL: the section must end with one. */
	if (!str_len || p[str_off + str_len - 1] != '\0')
		return KP_BTF_EBADHDR;
	b->types = p + type_off;
	b->types_len = type_len;
	b->strs = (const char *)p + str_off;
	b->strs_len = str_len;
	for (off = 0; off < type_len; n++) {
		u32 info;
		long tail;

		if (type_len - off < KP_BTF_REC)
			return KP_BTF_EBADTYPE;
		info = kp_get32(b->types + off + 4);
		tail = kp_btf_tail(kp_kind(info), kp_vlen(info));
		if (tail < 0 || (u32)tail > type_len - off - KP_BTF_REC)
			return KP_BTF_EBADTYPE;
		off += KP_BTF_REC + (u32)tail;
	}
	b->nr_types = n;
	return 0;
}

void kp_btf_index(struct kp_btf *b, u32 *offs)
{
	u32 off = 0, i;

	for (i = 0; i < b->nr_types; i++) {
		u32 info = kp_get32(b->types + off + 4);

		offs[i] = off;
		off += KP_BTF_REC + (u32)kp_btf_tail(kp_kind(info), kp_vlen(info));
	}
	b->offs = offs;
}

/* The record of id (1..nr_types), or NULL. */
static const unsigned char *kp_btf_type(const struct kp_btf *b, u32 id)
{
	if (!id || id > b->nr_types || !b->offs)
		return NULL;
	return b->types + b->offs[id - 1];
}

static const char *kp_btf_str(const struct kp_btf *b, u32 off)
{
	return off < b->strs_len ? b->strs + off : NULL;
}

long kp_btf_next_func(const struct kp_btf *b, u32 after, const char **name)
{
	u32 id;

	for (id = after + 1; id <= b->nr_types; id++) {
		const unsigned char *t = kp_btf_type(b, id);
		const char *s;

		if (!t || kp_kind(kp_get32(t + 4)) != KP_BTF_KIND_FUNC)
			continue;
		s = kp_btf_str(b, kp_get32(t));
		if (s) {
			*name = s;
			return id;
		}
	}
	return KP_BTF_ENOENT;
}

long kp_btf_find_func(const struct kp_btf *b, const char *name, unsigned int n)
{
	const char *s;
	long id = 0;

	while ((id = kp_btf_next_func(b, (u32)id, &s)) > 0)
		if (!strcmp(s, name) && !n--)
			return id;
	return KP_BTF_ENOENT;
}

unsigned int kp_btf_count_funcs(const struct kp_btf *b, const char *name)
{
	unsigned int n = 0;

	while (kp_btf_find_func(b, name, n) > 0)
		n++;
	return n;
}

/* Text being rendered: never written past len - 1, an overflow remembered. */
struct kp_out {
	char *buf;
	size_t len, pos;
	bool overflow;
};

static void kp_put(struct kp_out *o, const char *s)
{
	size_t n = strlen(s);

	if (!o->len)
		return;
	if (o->pos + n >= o->len) {
		n = o->len - 1 - o->pos;
		o->overflow = true;
	}
	memcpy(o->buf + o->pos, s, n);
	o->pos += n;
	o->buf[o->pos] = '\0';
}

static char kp_last(const struct kp_out *o)
{
	return o->pos ? o->buf[o->pos - 1] : '\0';
}

/* A name, or "(anon)" for an empty one. */
static int kp_put_name(struct kp_out *o, const struct kp_btf *b, const unsigned char *t)
{
	const char *s = kp_btf_str(b, kp_get32(t));

	if (!s)
		return KP_BTF_EBADREF;
	kp_put(o, *s ? s : "(anon)");
	return 0;
}

/* id once type tags (which change nothing in C) are skipped; 0 for void or an error. */
static u32 kp_btf_skip_tags(const struct kp_btf *b, u32 id)
{
	int depth;

	for (depth = 0; id && depth < KP_BTF_MAX_DEPTH; depth++) {
		const unsigned char *t = kp_btf_type(b, id);

		if (!t)
			return 0;
		if (kp_kind(kp_get32(t + 4)) != KP_BTF_KIND_TYPE_TAG)
			return id;
		id = kp_get32(t + 8);
	}
	return 0;
}

/* The kind of id once type tags are skipped; 0 for void or an error. */
static u32 kp_btf_kind_of(const struct kp_btf *b, u32 id)
{
	const unsigned char *t = kp_btf_type(b, kp_btf_skip_tags(b, id));

	return t ? kp_kind(kp_get32(t + 4)) : 0;
}

static int kp_render_type(struct kp_out *o, const struct kp_btf *b, u32 id, int depth);

/* "(type, type)" of a FUNC_PROTO record. */
static int kp_render_params(struct kp_out *o, const struct kp_btf *b,
			    const unsigned char *proto, int depth)
{
	u32 vlen = kp_vlen(kp_get32(proto + 4)), i;
	int err;

	kp_put(o, "(");
	if (!vlen)
		kp_put(o, "void");
	for (i = 0; i < vlen; i++) {
		u32 type = kp_get32(proto + KP_BTF_REC + 8 * i + 4);

		if (i)
			kp_put(o, ", ");
		if (!type && i == vlen - 1) {
			kp_put(o, "...");
			break;
		}
		err = kp_render_type(o, b, type, depth + 1);
		if (err)
			return err;
	}
	kp_put(o, ")");
	return 0;
}

static int kp_render_type(struct kp_out *o, const struct kp_btf *b, u32 id, int depth)
{
	const unsigned char *t;
	u32 info, kind, ref;
	int err;

	if (depth > KP_BTF_MAX_DEPTH)
		return KP_BTF_EBADREF;
	if (!id) {
		kp_put(o, "void");
		return 0;
	}
	t = kp_btf_type(b, id);
	if (!t)
		return KP_BTF_EBADREF;
	info = kp_get32(t + 4);
	kind = kp_kind(info);
	ref = kp_get32(t + 8);
	switch (kind) {
	case KP_BTF_KIND_INT:
	case KP_BTF_KIND_FLOAT:
	case KP_BTF_KIND_TYPEDEF:
		return kp_put_name(o, b, t);
	case KP_BTF_KIND_STRUCT:
		kp_put(o, "struct ");
		return kp_put_name(o, b, t);
	case KP_BTF_KIND_UNION:
		kp_put(o, "union ");
		return kp_put_name(o, b, t);
	case KP_BTF_KIND_FWD:
		kp_put(o, info >> 31 ? "union " : "struct ");
		return kp_put_name(o, b, t);
	case KP_BTF_KIND_ENUM:
	case KP_BTF_KIND_ENUM64:
		kp_put(o, "enum ");
		return kp_put_name(o, b, t);
	case KP_BTF_KIND_TYPE_TAG:
		return kp_render_type(o, b, ref, depth + 1);
	case KP_BTF_KIND_PTR:
		if (kp_btf_kind_of(b, ref) == KP_BTF_KIND_FUNC_PROTO) {
			/* A pointer to a function: "int (*)(int)". */
			const unsigned char *proto = kp_btf_type(b, kp_btf_skip_tags(b, ref));

			err = kp_render_type(o, b, kp_get32(proto + 8), depth + 1);
			if (err)
				return err;
			kp_put(o, " (*)");
			return kp_render_params(o, b, proto, depth);
		}
		err = kp_render_type(o, b, ref, depth + 1);
		if (err)
			return err;
		kp_put(o, kp_last(o) == '*' ? "*" : " *");
		return 0;
	case KP_BTF_KIND_CONST:
	case KP_BTF_KIND_VOLATILE:
	case KP_BTF_KIND_RESTRICT: {
		const char *q = kind == KP_BTF_KIND_CONST ? "const" :
				kind == KP_BTF_KIND_VOLATILE ? "volatile" : "restrict";

		/* A qualified pointer is qualified after its star. */
		if (kp_btf_kind_of(b, ref) == KP_BTF_KIND_PTR) {
			err = kp_render_type(o, b, ref, depth + 1);
			kp_put(o, " ");
			kp_put(o, q);
			return err;
		}
		kp_put(o, q);
		kp_put(o, " ");
		return kp_render_type(o, b, ref, depth + 1);
	}
	case KP_BTF_KIND_ARRAY: {
		char n[16];
		u32 nelems = kp_get32(t + KP_BTF_REC + 8), i = sizeof(n) - 1;

		err = kp_render_type(o, b, kp_get32(t + KP_BTF_REC), depth + 1);
		if (err)
			return err;
		n[i] = '\0';
		do {
			n[--i] = (char)('0' + nelems % 10);
			nelems /= 10;
		} while (nelems);
		kp_put(o, "[");
		kp_put(o, n + i);
		kp_put(o, "]");
		return 0;
	}
	case KP_BTF_KIND_FUNC_PROTO:
		err = kp_render_type(o, b, ref, depth + 1);
		if (err)
			return err;
		kp_put(o, " ");
		return kp_render_params(o, b, t, depth);
	}
	/* FUNC, VAR, DATASEC, DECL_TAG are not types of a value. */
	return KP_BTF_EBADREF;
}

int kp_btf_render_func(const struct kp_btf *b, u32 func_id, char *buf, size_t len)
{
	struct kp_out o = { .buf = buf, .len = len };
	const unsigned char *t = kp_btf_type(b, func_id), *proto;
	int err;

	if (len)
		buf[0] = '\0';
	if (!t || kp_kind(kp_get32(t + 4)) != KP_BTF_KIND_FUNC)
		return KP_BTF_EBADREF;
	proto = kp_btf_type(b, kp_get32(t + 8));
	if (!proto || kp_kind(kp_get32(proto + 4)) != KP_BTF_KIND_FUNC_PROTO)
		return KP_BTF_EBADREF;
	err = kp_render_type(&o, b, kp_get32(proto + 8), 0);
	if (err)
		return err;
	if (kp_last(&o) != '*')
		kp_put(&o, " ");
	err = kp_put_name(&o, b, t);
	if (!err)
		err = kp_render_params(&o, b, proto, 0);
	if (err)
		return err;
	return o.overflow ? KP_BTF_E2BIG : (int)o.pos;
}

static bool kp_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/*
 * The next character of s's canonical form: a run of blanks is one blank
 * between two word characters, nothing elsewhere. *prev is the last one
 * returned (0 at the start).
 */
static char kp_canon_next(const char **s, char *prev)
{
	const char *p = *s;
	bool blank = false;

	while (*p == ' ' || *p == '\t' || *p == '\n') {
		blank = true;
		p++;
	}
	if (blank && *p && kp_word_char(*p) && *prev && kp_word_char(*prev)) {
		*s = p;
		*prev = ' ';
		return ' ';
	}
	*s = *p ? p + 1 : p;
	*prev = *p;
	return *p;
}

bool kp_btf_proto_equal(const char *a, const char *b)
{
	char pa = 0, pb = 0;

	for (;;) {
		char ca = kp_canon_next(&a, &pa), cb = kp_canon_next(&b, &pb);

		if (ca != cb)
			return false;
		if (!ca)
			return true;
	}
}
