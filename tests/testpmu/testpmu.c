// SPDX-License-Identifier: GPL-2.0
/*
 * kp_testpmu: a synthetic sampling PMU for kpromoted's guest tests, where
 * no CPU samples (QEMU TCG has neither IBS nor PEBS). Test-only: never
 * packaged.
 *
 * It registers a perf PMU under the name the consumer looks for (ibs_op,
 * or cpu for the PEBS variant) with the formats the real one has
 * (l3missonly for IBS op; ldlat and events/mem-loads for PEBS) and
 * delivers samples about the pages the test wrote into debugfs `targets`
 * (pairs of u64: frame number, virtual address in the process of debugfs
 * `pid`), one at random per sample, through the kernel's own
 * perf_event_overflow(): the consumer's overflow handler is the code under
 * test.
 *
 * An event models a CPU retiring ops_per_sec ops a second: a sample every
 * sample_period / ops_per_sec seconds, from an hrtimer (hard interrupt) and,
 * with nmi=1 (default), from a self-NMI the hrtimer sends (QEMU's emulated
 * local APIC delivers it): the handler then runs in NMI as on hardware.
 * debugfs `nmis` counts samples delivered in NMI, `irqs` in hard IRQ
 * (nmi=0, or an NMI that never came).
 *
 * IBS variant: a raw record as ibs_op makes it (u32 caps, IbsOpCtl ...
 * IbsDcPhysAd: a completed load that missed to DRAM, DcPhyAddrValid) and
 * PERF_SAMPLE_PHYS_ADDR. PEBS variant: the linear address only (as PEBS
 * gives it), delivered while the task of `pid` runs; the consumer must
 * translate it. invalid_permille of the samples carry no data address.
 *
 * refuse=1: event_init fails with -EBUSY; refuse=2: scheduling the event
 * in fails with -ENOSPC (as ibs_op does when perf already has it on that
 * CPU); refuse_cpus limits either to some CPUs. debugfs `events` counts
 * the live events (0 after the consumer is gone: nothing leaked).
 */
#define pr_fmt(fmt) "kp_testpmu: " fmt
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/hrtimer.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/perf_event.h>
#include <linux/kallsyms.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/vmalloc.h>
#include <linux/version.h>
#include <asm/apic.h>
#include <asm/irq_regs.h>
#include <asm/nmi.h>

static char *name = "ibs_op";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "PMU name (ibs_op, cpu, ...)");
static char *kind = "ibs";
module_param(kind, charp, 0444);
MODULE_PARM_DESC(kind, "ibs or pebs: the sample format");
static bool l3miss = true;
module_param(l3miss, bool, 0444);
MODULE_PARM_DESC(l3miss, "IBS: expose format/l3missonly (Zen 4)");
static unsigned long ops_per_sec = 131072000;
module_param(ops_per_sec, ulong, 0644);
MODULE_PARM_DESC(ops_per_sec, "Events per second each CPU counts (sample every period of them)");
static int refuse;
module_param(refuse, int, 0644);
MODULE_PARM_DESC(refuse, "0 accept, 1 event_init -EBUSY, 2 add -ENOSPC");
static unsigned long refuse_cpus = ~0UL;
module_param(refuse_cpus, ulong, 0644);
MODULE_PARM_DESC(refuse_cpus, "CPUs refuse= applies to (mask)");
static unsigned int invalid_permille;
module_param(invalid_permille, uint, 0644);
MODULE_PARM_DESC(invalid_permille, "Samples without a data address, per mille");
static bool nmi = true;
module_param(nmi, bool, 0644);
MODULE_PARM_DESC(nmi, "Deliver samples from a self-NMI (else from the hrtimer)");

#define TP_MAX_TARGETS (1 << 18)
#define TP_MIN_INTERVAL_NS 20000

struct tp_target {
	u64 pfn;
	u64 va;
};

static struct pmu tp_pmu;
static bool tp_pebs;
static struct tp_target *tp_targets;
static atomic_t tp_nr_targets;
static atomic_t tp_events;
static atomic64_t tp_nmis, tp_irqs, tp_samples, tp_throttled, tp_no_task;
static u32 tp_pid;
static struct dentry *tp_dir;
static DEFINE_PER_CPU(struct perf_event *, tp_nmi_event);
static DEFINE_PER_CPU(struct pt_regs, tp_dummy_regs);
static DEFINE_PER_CPU(u64, tp_rand_state);

/* xorshift64 per CPU: the kernel's get_random_*() is not NMI-safe. */
static u32 tp_rand_below(u32 n)
{
	u64 x = this_cpu_read(tp_rand_state);

	if (!x)
		x = 0x9E3779B97F4A7C15ull ^ ((u64)smp_processor_id() << 32) ^ local_clock();
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	this_cpu_write(tp_rand_state, x);
	return (u32)(((x >> 32) * (u64)n) >> 32);
}

unsigned long kp_addr_perf_event_overflow;
int kp_call_perf_event_overflow(struct perf_event *event, struct perf_sample_data *data,
				struct pt_regs *regs);

static u64 tp_interval_ns(struct perf_event *event)
{
	u64 ops = max(1UL, READ_ONCE(ops_per_sec));
	u64 ns = div64_u64(event->hw.sample_period * NSEC_PER_SEC, ops);

	return max_t(u64, ns, TP_MIN_INTERVAL_NS);
}

static bool tp_refuses_here(int how, int cpu)
{
	return READ_ONCE(refuse) == how && cpu >= 0 && cpu < BITS_PER_LONG &&
	       (READ_ONCE(refuse_cpus) & (1UL << cpu));
}

/* ---- sample content ---- */

#define TP_IBS_CAPS_ZEN4 (1u << 11)
#define IBS_OPCTL_VAL (1ull << 18)
#define IBS_OPCTL_EN (1ull << 17)
#define IBS_D3_LD (1ull << 0)
#define IBS_D3_DCMISS (1ull << 7)
#define IBS_D3_LINV (1ull << 17)
#define IBS_D3_PHYV (1ull << 18)
#define IBS_D3_L2MISS (1ull << 20)
#define IBS_SRC_DRAM 3ull

struct tp_ibs_raw {
	u32 caps;
	u64 regs[7];		/* IbsOpCtl .. IbsDcPhysAd */
} __packed;

static void tp_save_raw(struct perf_sample_data *data, struct perf_event *event,
			struct perf_raw_record *raw)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	perf_sample_save_raw_data(data, event, raw);
#else
	data->raw = raw;
	data->sample_flags |= PERF_SAMPLE_RAW;
#endif
}

static void tp_deliver(struct perf_event *event, struct pt_regs *regs)
{
	struct perf_sample_data data;
	struct perf_raw_record raw;
	struct tp_ibs_raw ibs;
	int n = atomic_read(&tp_nr_targets);
	bool invalid = tp_rand_below(1000) < READ_ONCE(invalid_permille);
	const struct tp_target *t;

	if (event->hw.state & PERF_HES_STOPPED)
		return;
	if (!n)
		return;
	t = &tp_targets[tp_rand_below(n)];
	if (tp_pebs && !invalid && (!current->mm || current->tgid != READ_ONCE(tp_pid))) {
		/* A linear address means something only in its own process. */
		atomic64_inc(&tp_no_task);
		return;
	}
	if (!regs)
		regs = this_cpu_ptr(&tp_dummy_regs);
	perf_sample_data_init(&data, 0, event->hw.last_period);
	if (!tp_pebs) {
		memset(&ibs, 0, sizeof(ibs));
		ibs.caps = l3miss ? TP_IBS_CAPS_ZEN4 : 0;
		ibs.regs[0] = IBS_OPCTL_VAL | IBS_OPCTL_EN | (event->hw.sample_period >> 4 & 0xffff);
		ibs.regs[1] = instruction_pointer(regs);
		if (!invalid) {
			ibs.regs[3] = IBS_SRC_DRAM;
			ibs.regs[4] = IBS_D3_LD | IBS_D3_DCMISS | IBS_D3_L2MISS | IBS_D3_LINV |
				      IBS_D3_PHYV;
			ibs.regs[5] = t->va;
			ibs.regs[6] = (t->pfn << PAGE_SHIFT) | (tp_rand_below(64) * 64);
		}
		if (event->attr.sample_type & PERF_SAMPLE_RAW) {
			memset(&raw, 0, sizeof(raw));
			raw.frag.size = sizeof(ibs);
			raw.frag.data = &ibs;
			tp_save_raw(&data, event, &raw);
		}
		if ((event->attr.sample_type & PERF_SAMPLE_PHYS_ADDR) && !invalid) {
			data.phys_addr = ibs.regs[6];
			data.sample_flags |= PERF_SAMPLE_PHYS_ADDR;
		}
	} else if (!invalid && (event->attr.sample_type & PERF_SAMPLE_ADDR)) {
		data.addr = t->va;
		data.sample_flags |= PERF_SAMPLE_ADDR;
	}
	atomic64_inc(&tp_samples);
	if (kp_call_perf_event_overflow(event, &data, regs)) {
		/* Throttled: stopped until the kernel's tick starts it again. */
		atomic64_inc(&tp_throttled);
		event->hw.state |= PERF_HES_STOPPED;
	}
}

static int tp_nmi_handler(unsigned int cmd, struct pt_regs *regs)
{
	struct perf_event *event = this_cpu_read(tp_nmi_event);

	if (!event)
		return NMI_DONE;
	this_cpu_write(tp_nmi_event, NULL);
	atomic64_inc(&tp_nmis);
	tp_deliver(event, regs);
	return NMI_HANDLED;
}

static enum hrtimer_restart tp_tick(struct hrtimer *timer)
{
	struct perf_event *event = container_of(timer, struct perf_event, hw.hrtimer);

	if (event->hw.state & PERF_HES_STOPPED)
		return HRTIMER_NORESTART;
	if (this_cpu_read(tp_nmi_event)) {
		/* The last NMI never came: deliver that one here. */
		this_cpu_write(tp_nmi_event, NULL);
		atomic64_inc(&tp_irqs);
		tp_deliver(event, get_irq_regs());
	} else if (READ_ONCE(nmi)) {
		this_cpu_write(tp_nmi_event, event);
		/*
		 * Through the ICR with NMI delivery, as the kernel's own NMI
		 * backtrace does: x2APIC's SELF IPI register takes fixed
		 * vectors only.
		 */
		apic->send_IPI_mask(cpumask_of(smp_processor_id()), NMI_VECTOR);
	} else {
		atomic64_inc(&tp_irqs);
		tp_deliver(event, get_irq_regs());
	}
	if (event->hw.state & PERF_HES_STOPPED)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(tp_interval_ns(event)));
	return HRTIMER_RESTART;
}

/* ---- the PMU ---- */

/* NMI-safe (the kernel's throttle may call it from the handler): a flag only. */
static void tp_stop(struct perf_event *event, int flags)
{
	event->hw.state |= PERF_HES_STOPPED | PERF_HES_UPTODATE;
}

static void tp_start(struct perf_event *event, int flags)
{
	struct hw_perf_event *hwc = &event->hw;

	hwc->state = 0;
	hwc->last_period = hwc->sample_period;
	hrtimer_start(&hwc->hrtimer, ns_to_ktime(tp_interval_ns(event)),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

static int tp_add(struct perf_event *event, int flags)
{
	if (tp_refuses_here(2, event->cpu))
		return -ENOSPC;
	event->hw.state = PERF_HES_STOPPED | PERF_HES_UPTODATE;
	if (flags & PERF_EF_START)
		tp_start(event, PERF_EF_RELOAD);
	return 0;
}

static void tp_del(struct perf_event *event, int flags)
{
	tp_stop(event, PERF_EF_UPDATE);
	/* On the event's CPU with interrupts off: its timer is not running now. */
	hrtimer_try_to_cancel(&event->hw.hrtimer);
	if (this_cpu_read(tp_nmi_event) == event)
		this_cpu_write(tp_nmi_event, NULL);
}

static void tp_read(struct perf_event *event)
{
}

static void tp_destroy(struct perf_event *event)
{
	hrtimer_cancel(&event->hw.hrtimer);
	atomic_dec(&tp_events);
}

static int tp_event_init(struct perf_event *event)
{
	struct perf_event_attr *a = &event->attr;
	u64 allowed = 0;

	if (a->type != tp_pmu.type)
		return -ENOENT;
	if (tp_refuses_here(1, event->cpu))
		return -EBUSY;
	if (event->cpu < 0 || a->freq || !a->sample_period || has_branch_stack(event))
		return -EINVAL;
	if (!tp_pebs) {
		/* As ibs_op before 6.14: no exclusion, periods in units of 16. */
		if (l3miss)
			allowed = 1ull << 16;
		if ((a->config & ~allowed) || (a->sample_period & 15) || a->exclude_user ||
		    a->exclude_kernel || a->exclude_hv)
			return -EINVAL;
	} else if (a->config != 0x1cd || !a->precise_ip || a->config1 < 3 ||
		   a->config1 > 0xffff) {
		return -EINVAL;
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(&event->hw.hrtimer, tp_tick, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
#else
	hrtimer_init(&event->hw.hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	event->hw.hrtimer.function = tp_tick;
#endif
	event->hw.last_period = event->hw.sample_period;
	local64_set(&event->hw.period_left, event->hw.sample_period);
	event->destroy = tp_destroy;
	atomic_inc(&tp_events);
	return 0;
}

/* sysfs: the formats and event the consumers read. */
PMU_FORMAT_ATTR(l3missonly, "config:16");
PMU_FORMAT_ATTR(event, "config:0-7");
PMU_FORMAT_ATTR(umask, "config:8-15");
PMU_FORMAT_ATTR(ldlat, "config1:0-15");
PMU_EVENT_ATTR_STRING(mem-loads, tp_mem_loads, "event=0xcd,umask=0x1,ldlat=3");

static struct attribute *tp_ibs_format_attrs[] = { &format_attr_l3missonly.attr, NULL };
static struct attribute *tp_pebs_format_attrs[] = {
	&format_attr_event.attr, &format_attr_umask.attr, &format_attr_ldlat.attr, NULL
};
static struct attribute *tp_pebs_event_attrs[] = { &tp_mem_loads.attr.attr, NULL };
static struct attribute *tp_no_attrs[] = { NULL };

static struct attribute_group tp_format_group = { .name = "format" };
static struct attribute_group tp_events_group = { .name = "events" };
static const struct attribute_group *tp_groups[] = { &tp_format_group, &tp_events_group, NULL };

static struct pmu tp_pmu = {
	.task_ctx_nr = perf_invalid_context,
	.capabilities = PERF_PMU_CAP_NO_EXCLUDE,
	.event_init = tp_event_init,
	.add = tp_add,
	.del = tp_del,
	.start = tp_start,
	.stop = tp_stop,
	.read = tp_read,
	.attr_groups = tp_groups,
};

/* ---- debugfs ---- */

static ssize_t tp_targets_write(struct file *f, const char __user *ubuf, size_t len, loff_t *ppos)
{
	int n = atomic_read(&tp_nr_targets);
	size_t room = (TP_MAX_TARGETS - n) * sizeof(struct tp_target);

	if (len % sizeof(struct tp_target))
		return -EINVAL;
	if (len > room)
		return -ENOSPC;
	if (copy_from_user(&tp_targets[n], ubuf, len))
		return -EFAULT;
	/* Entries first, then the count that makes them visible. */
	smp_wmb();
	atomic_set(&tp_nr_targets, n + len / sizeof(struct tp_target));
	return len;
}

static const struct file_operations tp_targets_fops = {
	.owner = THIS_MODULE,
	.write = tp_targets_write,
};

static int tp_clear_set(void *data, u64 val)
{
	atomic_set(&tp_nr_targets, 0);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tp_clear_fops, NULL, tp_clear_set, "%llu\n");

static int tp_atomic64_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tp_atomic64_fops, tp_atomic64_get, NULL, "%llu\n");

static int tp_events_get(void *data, u64 *val)
{
	*val = atomic_read(&tp_events);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tp_events_fops, tp_events_get, NULL, "%llu\n");

static int tp_ntargets_get(void *data, u64 *val)
{
	*val = atomic_read(&tp_nr_targets);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tp_ntargets_fops, tp_ntargets_get, NULL, "%llu\n");

static void tp_debugfs_init(void)
{
	tp_dir = debugfs_create_dir("kp_testpmu", NULL);
	debugfs_create_file("targets", 0200, tp_dir, NULL, &tp_targets_fops);
	debugfs_create_file("clear", 0200, tp_dir, NULL, &tp_clear_fops);
	debugfs_create_file("nr_targets", 0400, tp_dir, NULL, &tp_ntargets_fops);
	debugfs_create_u32("pid", 0600, tp_dir, &tp_pid);
	debugfs_create_file("events", 0400, tp_dir, NULL, &tp_events_fops);
	debugfs_create_file("samples", 0400, tp_dir, &tp_samples, &tp_atomic64_fops);
	debugfs_create_file("nmis", 0400, tp_dir, &tp_nmis, &tp_atomic64_fops);
	debugfs_create_file("irqs", 0400, tp_dir, &tp_irqs, &tp_atomic64_fops);
	debugfs_create_file("throttled", 0400, tp_dir, &tp_throttled, &tp_atomic64_fops);
	debugfs_create_file("no_task", 0400, tp_dir, &tp_no_task, &tp_atomic64_fops);
}

static unsigned long tp_resolve(const char *sym)
{
	struct kprobe kp = { .symbol_name = sym };
	unsigned long addr;
	char buf[KSYM_SYMBOL_LEN];
	size_t n = strlen(sym);

	if (register_kprobe(&kp))
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	sprint_symbol(buf, addr);
	if (strncmp(buf, sym, n) || (strncmp(buf + n, "+0x0/", 5) && strncmp(buf + n, "+0x4/", 5)))
		return 0;
	return addr;
}

static int __init tp_init(void)
{
	int err;

	if (!strcmp(kind, "pebs")) {
		tp_pebs = true;
		tp_format_group.attrs = tp_pebs_format_attrs;
		tp_events_group.attrs = tp_pebs_event_attrs;
	} else if (!strcmp(kind, "ibs")) {
		tp_format_group.attrs = l3miss ? tp_ibs_format_attrs : tp_no_attrs;
		tp_events_group.attrs = tp_no_attrs;
	} else {
		pr_err("kind=%s: ibs or pebs\n", kind);
		return -EINVAL;
	}
	kp_addr_perf_event_overflow = tp_resolve("perf_event_overflow");
	if (!kp_addr_perf_event_overflow) {
		pr_err("perf_event_overflow not found\n");
		return -ENOENT;
	}
	tp_targets = vzalloc(TP_MAX_TARGETS * sizeof(*tp_targets));
	if (!tp_targets)
		return -ENOMEM;
	err = register_nmi_handler(NMI_LOCAL, tp_nmi_handler, 0, "kp_testpmu");
	if (err)
		goto free;
	tp_pmu.module = THIS_MODULE;
	err = perf_pmu_register(&tp_pmu, name, -1);
	if (err)
		goto nmi;
	tp_debugfs_init();
	pr_info("PMU %s (type %d, %s samples, %s)\n", name, tp_pmu.type, kind,
		nmi ? "self-NMI" : "hrtimer");
	return 0;
nmi:
	unregister_nmi_handler(NMI_LOCAL, "kp_testpmu");
free:
	vfree(tp_targets);
	return err;
}

static void __exit tp_exit(void)
{
	debugfs_remove_recursive(tp_dir);
	perf_pmu_unregister(&tp_pmu);
	unregister_nmi_handler(NMI_LOCAL, "kp_testpmu");
	vfree(tp_targets);
}

module_init(tp_init);
module_exit(tp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kpromoted test-only synthetic sampling PMU (IBS op / PEBS formats)");
