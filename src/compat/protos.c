// SPDX-License-Identifier: GPL-2.0
/*
 * The load-time check that every non-exported function kpromoted calls or
 * hooks is the one this build was written for:
 *
 * - its prototype (return type, number and type of each parameter) in the
 *   running kernel's BTF, /sys/kernel/btf/vmlinux, is the one src/compat/kabi.h
 *   states for this kernel's variant. A required function that differs
 *   refuses the load, an optional one turns its feature off, a hooked one
 *   is not hooked; each with one line naming the function, the expected
 *   and the found prototype.
 * - every hooked function's out-of-line copy, where the probe sits, is the
 *   target of as many direct calls in the kernel's core text as the source
 *   has call sites (kabi.h): fewer means the compiler inlined or cloned it
 *   at some call site, and the probe would miss those calls. The hook is
 *   refused with one line. Not covered: an inlined site that another
 *   site's duplicate (a caller itself inlined twice) makes up for, and
 *   calls from outside the core text (modules, freed init code).
 *
 * A kernel without BTF (CONFIG_DEBUG_INFO_BTF off: no /sys/kernel/btf/vmlinux)
 * loads as before with one line saying the prototypes are not verified;
 * the call sites are counted all the same. Debian's kernels all have BTF.
 *
 * inject_fail=btf:<function> (tests only) makes one prototype differ,
 * inject_fail=inline:<function> one hooked function look inlined at one
 * call site, inject_fail=nobtf the kernel look as if it had no BTF.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/btf.h"
#include "kpromoted/callsite.h"
#include "kpromoted/hooks.h"
#include "kpromoted/hook_targets.h"
#include "kpromoted/ksyms.h"
#include "kabi.h"

#define KP_BTF_PATH "/sys/kernel/btf/vmlinux"
#define KP_PROTO_LEN 256

enum kp_proto_state {
	KP_PROTO_UNCHECKED,	/* missing, or not called on this kernel */
	KP_PROTO_OK,
	KP_PROTO_UNVERIFIED,	/* no kernel BTF */
	KP_PROTO_MISMATCH,
};

struct kp_proto {
	const char *name;
	const char *expected;
	unsigned long *addr;	/* the resolved address; NULL for a hooked function */
	bool required;
	const char *feature;
	int callsites;		/* hooked: direct calls in the source */
	enum kp_proto_state state;
	unsigned int calls;	/* hooked: direct calls found */
	bool counted;		/* hooked: calls holds the count */
	bool inlined;		/* hooked: fewer of them than call sites */
};

static struct kp_proto kp_protos[] = {
	{ "kallsyms_lookup_name", KP_PROTO_kallsyms_lookup_name,
	  &kp_addr_kallsyms_lookup_name, true, "bootstrap" },
#define KP_PROTO_ENTRY(name, req, feat) { #name, KP_PROTO_##name, &kp_addr_##name, req, feat },
	KP_KSYMS(KP_PROTO_ENTRY)
#undef KP_PROTO_ENTRY
};

static struct kp_proto kp_hook_protos[KP_NR_HOOK_POINTS];

/* The whole of /sys/kernel/btf/vmlinux in a kvmalloc'd buffer. */
static int kp_btf_read(void **blob, size_t *len)
{
	struct file *f;
	loff_t size, pos = 0;
	void *buf;
	int err = 0;

	*blob = NULL;
	if (kp_inject("nobtf"))
		return -ENOENT;
	f = kp_root_open(KP_BTF_PATH, O_RDONLY);
	if (IS_ERR(f))
		return PTR_ERR(f);
	size = i_size_read(file_inode(f));
	if (size <= 0 || size > (256 << 20)) {
		filp_close(f, NULL);
		return -EFBIG;
	}
	buf = kvmalloc(size, GFP_KERNEL);
	if (!buf) {
		filp_close(f, NULL);
		return -ENOMEM;
	}
	while (pos < size) {
		ssize_t n = kernel_read(f, buf + pos, size - pos, &pos);

		if (n <= 0) {
			err = n ? (int)n : -EIO;
			break;
		}
	}
	filp_close(f, NULL);
	if (err) {
		kvfree(buf);
		return err;
	}
	*blob = buf;
	*len = size;
	return 0;
}

#define KP_NR_PROTOS (ARRAY_SIZE(kp_protos) + KP_NR_HOOK_POINTS)

static struct kp_proto *kp_proto_nr(size_t i)
{
	return i < ARRAY_SIZE(kp_protos) ? &kp_protos[i] :
	       &kp_hook_protos[i - ARRAY_SIZE(kp_protos)];
}

/* What a check compares: p's expected prototype, what BTF has, how many of it. */
struct kp_proto_cmp {
	char expected[KP_PROTO_LEN];
	char found[KP_PROTO_LEN];
	unsigned int seen;
	bool differs;
};

/*
 * Every BTF function whose name is one of cmp's, compared in one pass over
 * the types: every function of that name must be the expected one (a
 * static name may be reused in another file), and there must be one.
 */
static void kp_protos_compare(const struct kp_btf *b, struct kp_proto_cmp *cmp)
{
	char buf[KP_PROTO_LEN];
	const char *name;
	long id = 0;
	size_t i;

	while ((id = kp_btf_next_func(b, (u32)id, &name)) > 0) {
		for (i = 0; i < KP_NR_PROTOS; i++) {
			struct kp_proto *p = kp_proto_nr(i);
			int len;

			if (!cmp[i].expected[0] || strcmp(name, p->name))
				continue;
			cmp[i].seen++;
			len = kp_btf_render_func(b, (u32)id, buf, sizeof(buf));
			if (len < 0)
				strscpy(buf, kp_btf_strerror(len), sizeof(buf));
			if (cmp[i].differs || (len >= 0 && kp_btf_proto_equal(buf, cmp[i].expected)))
				continue;
			cmp[i].differs = true;
			strscpy(cmp[i].found, buf, sizeof(cmp[i].found));
		}
	}
	for (i = 0; i < KP_NR_PROTOS; i++) {
		if (cmp[i].expected[0] && !cmp[i].seen) {
			cmp[i].differs = true;
			strscpy(cmp[i].found, kp_btf_strerror(KP_BTF_ENOENT), sizeof(cmp[i].found));
		}
	}
}

/* p's outcome: false when it refuses the load. One line when it differs. */
static bool kp_proto_report(struct kp_proto *p, const struct kp_proto_cmp *c)
{
	if (!c->expected[0])
		return true;
	if (!c->differs) {
		p->state = KP_PROTO_OK;
		return true;
	}
	p->state = KP_PROTO_MISMATCH;
	if (!p->addr) {
		pr_warn("%s: prototype in kernel BTF is not this build's: expected '%s', found '%s'; not hooked, %s unavailable\n",
			p->name, c->expected, c->found, p->feature);
	} else if (p->required) {
		pr_err("%s: prototype in kernel BTF is not this build's: expected '%s', found '%s'; required for %s, not loading\n",
		       p->name, c->expected, c->found, p->feature);
		return false;
	} else {
		pr_warn("%s: prototype in kernel BTF is not this build's: expected '%s', found '%s'; %s unavailable\n",
			p->name, c->expected, c->found, p->feature);
		*p->addr = 0;
	}
	return true;
}

/* Checks every prototype against b (NULL: no BTF); -ENOEXEC when one refuses the load. */
static int kp_protos_check_btf(const struct kp_btf *b)
{
	struct kp_proto_cmp *cmp;
	int err = 0;
	size_t i;

	cmp = kcalloc(KP_NR_PROTOS, sizeof(*cmp), GFP_KERNEL);
	if (!cmp)
		return -ENOMEM;
	for (i = 0; i < KP_NR_PROTOS; i++) {
		struct kp_proto *p = kp_proto_nr(i);

		/* Missing, or not called on this kernel: nothing to check. */
		if (!p->expected || (p->addr && !*p->addr))
			continue;
		if (!b) {
			p->state = KP_PROTO_UNVERIFIED;
			continue;
		}
		/* inject_fail=btf:<name>: the kernel as if a backport had changed it. */
		if (kp_inject_named("btf:", p->name))
			snprintf(cmp[i].expected, KP_PROTO_LEN, "int %s(void)", p->name);
		else
			strscpy(cmp[i].expected, p->expected, KP_PROTO_LEN);
	}
	if (b)
		kp_protos_compare(b, cmp);
	for (i = 0; i < KP_NR_PROTOS; i++)
		if (!kp_proto_report(kp_proto_nr(i), &cmp[i]))
			err = -ENOEXEC;
	kfree(cmp);
	return err;
}

/*
 * Counts the direct calls to each hooked function in the kernel's core
 * text, a page at a time through copy_from_kernel_nofault().
 */
static void kp_count_hook_calls(void)
{
	u64 targets[KP_CALLSITE_MAX_TARGETS];
	unsigned int counts[KP_CALLSITE_MAX_TARGETS] = { 0 };
	struct kp_proto *which[KP_CALLSITE_MAX_TARGETS];
	unsigned long start, end, addr;
	unsigned int nr = 0, i;
	unsigned char *buf;

	for (i = 0; i < KP_NR_HOOK_POINTS && nr < KP_CALLSITE_MAX_TARGETS; i++) {
		struct kp_proto *p = &kp_hook_protos[i];
		unsigned long entry;

		if (p->callsites <= 0 || p->state == KP_PROTO_MISMATCH)
			continue;
		entry = kp_ksym_entry(p->name);
		if (!entry)
			continue;	/* the probe will say the function is not found */
		which[nr] = p;
		targets[nr++] = entry;
	}
	if (!nr)
		return;
	buf = kmalloc(PAGE_SIZE + KP_CALLSITE_TAIL, GFP_KERNEL);
	if (!buf || !kp_ksyms_kernel_text(&start, &end)) {
		kfree(buf);
		for (i = 0; i < nr; i++)
			pr_warn("%s: cannot read the kernel's text: its call sites not counted\n",
				which[i]->name);
		return;
	}
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		size_t len = min_t(unsigned long, PAGE_SIZE, end - addr);
		size_t tail = min_t(unsigned long, KP_CALLSITE_TAIL, end - addr - len);

		if (copy_from_kernel_nofault(buf, (void *)addr, len + tail))
			continue;
		kp_callsite_count(buf, len, tail, addr, targets, nr, counts);
		cond_resched();
	}
	kfree(buf);
	for (i = 0; i < nr; i++) {
		struct kp_proto *p = which[i];

		p->calls = counts[i];
		p->counted = true;
		if (kp_inject_named("inline:", p->name) && p->calls)
			p->calls = min_t(unsigned int, p->calls, p->callsites) - 1;
		if (p->calls >= p->callsites)
			continue;
		p->inlined = true;
		pr_warn("%s: %u of its %d call sites call it, the compiler inlined or cloned it at the others, a probe would miss them; not hooked, %s unavailable\n",
			p->name, p->calls, p->callsites, p->feature);
	}
}

int kp_protos_check(void)
{
	struct kp_btf btf, *b = NULL;
	void *blob = NULL;
	u32 *offs = NULL;
	size_t len, i;
	int err;

	for (i = 0; i < ARRAY_SIZE(kp_protos); i++)
		kp_protos[i].state = KP_PROTO_UNCHECKED;
	for (i = 0; i < KP_NR_HOOK_POINTS; i++) {
		const struct kp_hook_target *t = &kp_hook_targets[i];

		kp_hook_protos[i] = (struct kp_proto){
			.name = t->func, .expected = t->proto, .feature = t->feature,
			.callsites = t->callsites,
		};
	}
	err = kp_btf_read(&blob, &len);
	if (err == -ENOENT) {
		pr_warn("no kernel BTF (%s): the prototypes of the kernel functions kpromoted calls are not verified\n",
			KP_BTF_PATH);
	} else if (err) {
		pr_err("cannot read the kernel's BTF (%s): %d\n", KP_BTF_PATH, err);
		return err;
	} else {
		err = kp_btf_open(&btf, blob, len);
		if (!err) {
			offs = kvmalloc_array(max_t(u32, btf.nr_types, 1), sizeof(*offs),
					      GFP_KERNEL);
			if (!offs)
				err = -ENOMEM;
		}
		if (err) {
			pr_err("cannot use the kernel's BTF (%s): %s\n", KP_BTF_PATH,
			       err == -ENOMEM ? "out of memory" : kp_btf_strerror(err));
			kvfree(blob);
			return err == -ENOMEM ? err : -EINVAL;
		}
		kp_btf_index(&btf, offs);
		b = &btf;
	}
	err = kp_protos_check_btf(b);
	if (err == -ENOMEM)
		pr_err("no memory to check the kernel functions' prototypes\n");
	kvfree(offs);
	kvfree(blob);
	if (!err)
		kp_count_hook_calls();
	return err;
}

const char *kp_protos_hook_refusal(const char *func)
{
	unsigned int i;

	for (i = 0; i < KP_NR_HOOK_POINTS; i++) {
		if (!kp_hook_protos[i].name || strcmp(kp_hook_protos[i].name, func))
			continue;
		if (kp_hook_protos[i].state == KP_PROTO_MISMATCH)
			return "prototype in kernel BTF differs from this build's";
		if (kp_hook_protos[i].inlined)
			return "inlined or cloned at some call sites";
	}
	return NULL;
}

static const char *kp_proto_state_str(enum kp_proto_state s)
{
	switch (s) {
	case KP_PROTO_OK:
		return " btf ok";
	case KP_PROTO_UNVERIFIED:
		return " btf unverified";
	case KP_PROTO_MISMATCH:
		return " btf mismatch";
	case KP_PROTO_UNCHECKED:
		break;
	}
	return "";
}

/* Variables (KP_KDATA) have no BTF record on these kernels: " btf n/a". */
const char *kp_protos_state(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kp_protos); i++)
		if (!strcmp(kp_protos[i].name, name))
			return kp_proto_state_str(kp_protos[i].state);
	return " btf n/a";
}

/* One line per hooked function: "<func> hooked (optional: <feature>) btf ok, calls 3 of 3". */
void kp_protos_show_hooks(struct seq_file *m)
{
	unsigned int i;

	for (i = 0; i < KP_NR_HOOK_POINTS; i++) {
		const struct kp_proto *p = &kp_hook_protos[i];

		if (!p->name)
			continue;
		seq_printf(m, "%s %s (optional: %s)%s", p->name,
			   p->state == KP_PROTO_MISMATCH || p->inlined ? "refused" : "hooked",
			   p->feature, kp_proto_state_str(p->state));
		if (p->counted)
			seq_printf(m, ", calls %u of %d", p->calls, p->callsites);
		seq_putc(m, '\n');
	}
}
