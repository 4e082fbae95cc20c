// SPDX-License-Identifier: GPL-2.0
/*
 * Resolution of the non-exported symbols in kpromoted/ksyms.h.
 *
 * kallsyms_lookup_name is not exported either. Its address comes from a
 * kprobe registered on it (the kprobe core resolves names itself) and it
 * is then called through its own IBT-safe stub, never through a function
 * pointer. Each resolved address is checked to be the start of the named
 * function before it is used.
 */
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/ksyms.h"

unsigned long kp_addr_kallsyms_lookup_name __ro_after_init;
#define KP_KSYM_ADDR_DEF(name, req, feat) unsigned long kp_addr_##name __ro_after_init;
KP_KSYMS(KP_KSYM_ADDR_DEF)
KP_KDATA(KP_KSYM_ADDR_DEF)
#undef KP_KSYM_ADDR_DEF

unsigned long kp_call_kallsyms_lookup_name(const char *name);

struct kp_ksym {
	const char *name;
	unsigned long *addr;
	bool required;
	const char *feature;
};

static const struct kp_ksym kp_ksym_table[] = {
#define KP_KSYM_ENTRY(name, req, feat) { #name, &kp_addr_##name, req, feat },
	KP_KSYMS(KP_KSYM_ENTRY)
	KP_KDATA(KP_KSYM_ENTRY)
#undef KP_KSYM_ENTRY
};

/*
 * True when addr is the entry of the function called name: the symbol at
 * addr is name itself, at offset 0 (or just past its ENDBR).
 */
static bool kp_addr_is_entry(unsigned long addr, const char *name)
{
	char sym[KSYM_SYMBOL_LEN];
	size_t n = strlen(name);

	sprint_symbol(sym, addr);
	if (strncmp(sym, name, n) || sym[n] != '+')
		return false;
	return !strncmp(sym + n, "+0x0/", 5) || !strncmp(sym + n, "+0x4/", 5);
}

static unsigned long kp_find_kallsyms_lookup_name(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long addr;

	if (register_kprobe(&kp))
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return kp_addr_is_entry(addr, "kallsyms_lookup_name") ? addr : 0;
}

/* Testing aid: inject_fail=symbol:<name> makes that symbol look missing. */
static bool kp_ksym_injected_missing(const char *name)
{
	return kp_inject_named("symbol:", name);
}

int kp_ksyms_resolve(void)
{
	size_t i;
	int err = 0;

	kp_addr_kallsyms_lookup_name = kp_find_kallsyms_lookup_name();
	if (!kp_addr_kallsyms_lookup_name) {
		pr_err("cannot locate kallsyms_lookup_name through kprobes (CONFIG_KPROBES?)\n");
		return -ENOENT;
	}
	for (i = 0; i < ARRAY_SIZE(kp_ksym_table); i++) {
		const struct kp_ksym *s = &kp_ksym_table[i];
		unsigned long addr = kp_call_kallsyms_lookup_name(s->name);

		if (addr && !kp_addr_is_entry(addr, s->name))
			addr = 0;
		if (kp_ksym_injected_missing(s->name))
			addr = 0;
		*s->addr = addr;
		if (addr)
			continue;
		if (s->required) {
			pr_err("required kernel symbol %s not found (needed for %s)\n",
			       s->name, s->feature);
			err = -ENOENT;
		} else {
			pr_info("optional kernel symbol %s not found: %s unavailable\n",
				s->name, s->feature);
		}
	}
	return err;
}

/*
 * One harmless call of a resolved function, for the hook self-test: true
 * when kallsyms_lookup_name, entered through its stub, finds itself.
 */
bool kp_ksym_canary_call(void)
{
	unsigned long addr = kp_call_kallsyms_lookup_name("kallsyms_lookup_name");

	return addr && kp_addr_is_entry(addr, "kallsyms_lookup_name");
}

/*
 * The entry of a function kpromoted hooks but never calls (for the call-site
 * count of src/compat/protos.c), or 0.
 */
unsigned long kp_ksym_entry(const char *name)
{
	unsigned long addr = kp_call_kallsyms_lookup_name(name);

	return addr && kp_addr_is_entry(addr, name) ? addr : 0;
}

/*
 * The kernel's core text, _stext to _etext (other symbols share their
 * addresses, so no entry check): false when either is missing or the
 * range is not plausible.
 */
bool kp_ksyms_kernel_text(unsigned long *start, unsigned long *end)
{
	*start = kp_call_kallsyms_lookup_name("_stext");
	*end = kp_call_kallsyms_lookup_name("_etext");
	return *start && *end > *start && *end - *start < (1UL << 30);
}

bool kp_ksym_present(unsigned long addr)
{
	return addr != 0;
}

void kp_ksyms_show(struct seq_file *m)
{
	size_t i;

	seq_printf(m, "kallsyms_lookup_name %s (required: bootstrap)%s\n",
		   kp_addr_kallsyms_lookup_name ? "ok" : "missing",
		   kp_protos_state("kallsyms_lookup_name"));
	for (i = 0; i < ARRAY_SIZE(kp_ksym_table); i++) {
		const struct kp_ksym *s = &kp_ksym_table[i];

		const char *btf = kp_protos_state(s->name);
		/* An optional symbol whose prototype differs was cleared: refused. */
		bool refused = !*s->addr && !strcmp(btf, " btf mismatch");

		seq_printf(m, "%s %s (%s: %s)%s\n", s->name,
			   *s->addr ? "ok" : refused ? "refused" : "missing",
			   s->required ? "required" : "optional", s->feature,
			   *s->addr || refused ? btf : "");
	}
	kp_protos_show_hooks(m);
}
