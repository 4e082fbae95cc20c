/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reader of the kernel's BTF (the blob /sys/kernel/btf/vmlinux shows),
 * enough to render a function's prototype as C would write it without
 * parameter names, e.g. "bool get_pfn_folio(unsigned long, struct mem_cgroup *)".
 * Pure (src/compat/btf.c): built into the module, where src/compat/protos.c
 * checks the prototypes kpromoted relies on, and into the host unit tests
 * and fuzz target. Every offset and id in the blob is bounds-checked: a
 * malformed blob gives an error, never a read outside it.
 *
 * Use: kp_btf_open() validates the header and counts the types; the caller
 * provides room for kp_btf_index() (one u32 per type); then look up and
 * render. Nothing is allocated here.
 */
#ifndef KPROMOTED_BTF_H
#define KPROMOTED_BTF_H

#include "kpromoted/policy.h"

struct kp_btf {
	const unsigned char *types;	/* type section */
	u32 types_len;
	const char *strs;		/* string section */
	u32 strs_len;
	u32 nr_types;			/* ids 1..nr_types; 0 is void */
	const u32 *offs;		/* offs[id - 1]: offset in types, from kp_btf_index() */
};

/* Errors (negative); kp_btf_strerror() says each in words. */
enum {
	KP_BTF_EBADHDR = -1,	/* not a BTF blob (magic, version, section bounds) */
	KP_BTF_EBADTYPE = -2,	/* a type record runs past its section or has an unknown kind */
	KP_BTF_ENOENT = -3,	/* no function of that name */
	KP_BTF_EBADREF = -4,	/* a type id or string offset out of range, or a loop */
	KP_BTF_E2BIG = -5,	/* the rendered prototype does not fit */
};

const char *kp_btf_strerror(int err);

/* Validates the header and every type record; sets b->nr_types. 0 or error. */
int kp_btf_open(struct kp_btf *b, const void *data, size_t len);
/* Fills offs[0..b->nr_types) and points b at it. */
void kp_btf_index(struct kp_btf *b, u32 *offs);

/*
 * The id of the n-th (from 0) BTF_KIND_FUNC called name, or KP_BTF_ENOENT.
 * Kernel BTF has one per function, but a static function's name may be
 * reused in another file.
 */
long kp_btf_find_func(const struct kp_btf *b, const char *name, unsigned int n);
/*
 * The next BTF_KIND_FUNC after id after (0: the first), its name in *name;
 * KP_BTF_ENOENT after the last. For looking up many names in one pass.
 */
long kp_btf_next_func(const struct kp_btf *b, u32 after, const char **name);
/* Functions called name: 0 when none. */
unsigned int kp_btf_count_funcs(const struct kp_btf *b, const char *name);

/*
 * Renders func_id's prototype into buf (always NUL-terminated when len > 0):
 * "<return type> <name>(<type>, <type>)", "(void)" without parameters, "..."
 * for varargs. Types as C spells them: "struct folio *", "const char *",
 * typedef names as they are ("bool", "nodemask_t"), "enum migrate_mode".
 * Returns the length or an error.
 */
int kp_btf_render_func(const struct kp_btf *b, u32 func_id, char *buf, size_t len);

/*
 * true when two prototypes are the same text, runs of blanks counting as
 * one and blanks next to '*', '(', ')' and ',' as none.
 */
bool kp_btf_proto_equal(const char *a, const char *b);

#endif
