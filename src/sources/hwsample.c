// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware sampling as a source: the core shared by AMD IBS (ibs.c) and
 * Intel PEBS (pebs.c).
 *
 * The PMU is found by name in /sys/bus/event_source/devices/<name>/type,
 * the perf ABI for dynamic PMU types that perf(1) itself uses: it works for
 * every PMU the kernel registered, the real ibs_op and cpu, and the test
 * PMU that stands in for them in the guest tests (tests/testpmu), with
 * nothing that depends on the CPU model. The PMU's format files say which
 * config bits it has (format/l3missonly).
 *
 * One pinned kernel counter per online CPU, created and released by a
 * cpuhp multi-instance state: counters follow CPUs going and coming. A CPU
 * whose counter the kernel refuses (the PMU in use by another perf user,
 * a PMU missing there) keeps its reason; the source runs if one CPU has a
 * counter, and says which did not (debugfs `sources`).
 *
 * The overflow handler runs in NMI: it takes no lock, allocates nothing,
 * prints nothing. It counts, applies the per-CPU ceiling, asks the
 * description for the physical address, keeps slow-node pages and calls
 * kp_record_access() (lock-free, NMI-safe: per-CPU counters, cmpxchg on
 * the table, cmpxchg into the confirmation mailbox). Changing a period
 * needs process context: the handler leaves the wish in its per-CPU state
 * and an irq_work hands it to a work item, which calls perf_event_period().
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/workqueue.h>
#include "kpromoted/kpromoted.h"
#include "kpromoted/hwsample.h"
#include "kpromoted/sources.h"
#include "kpromoted/stats.h"
#include "hwsample.h"

#define KP_PMU_DIR "/sys/bus/event_source/devices/"

struct kp_hws_cpu {
	struct perf_event *event;
	int err;			/* why this CPU has no counter (0: it has one) */
	u64 win_start;			/* ns (NMI-safe monotonic clock): the rate window */
	u64 win_period;			/* the period the window began at */
	u32 win_count;
	u64 period;			/* the counter's period now */
	u64 want;			/* the period the handler asks for */
};

struct kp_hws {
	const struct kp_hws_desc *desc;
	struct perf_event_attr attr;
	struct kp_hws_pmu pmu;
	struct kp_hws_cpu __percpu *pcpu;
	struct hlist_node node;
	int hp_state;			/* > 0 while the cpuhp state exists */
	struct mutex lock;		/* pcpu->event against the period work */
	struct irq_work kick;
	struct work_struct adjust;
	u64 base;			/* the configured period */
	u32 quota;			/* samples per window per CPU */
	char note[96];			/* how it samples: for debugfs */
	char why[160];			/* why it could not start */
};

/* ---- NMI ---- */

/* The frame holds memory of a slow node (NMI-safe: section lookup and page flags). */
static bool kp_hws_slow_pfn(unsigned long pfn)
{
	if (!pfn_valid(pfn) || !online_section(__pfn_to_section(pfn)))
		return false;
	return kp_node_is_slow(page_to_nid(pfn_to_page(pfn)));
}

/* Asks the period work for `next` (from NMI: a flag and an irq_work). */
static void kp_hws_want(struct kp_hws *h, struct kp_hws_cpu *c, u64 next)
{
	if (next != READ_ONCE(c->period) && next != READ_ONCE(c->want)) {
		WRITE_ONCE(c->want, next);
		irq_work_queue(&h->kick);
	}
}

static u64 kp_hws_next(struct kp_hws *h, struct kp_hws_cpu *c, u32 count, u64 elapsed)
{
	return kp_hws_next_period(count, elapsed, h->quota, KP_HWS_WINDOW_MS * NSEC_PER_MSEC,
				  READ_ONCE(c->period), h->base);
}

/*
 * The per-CPU ceiling: true when this sample is over it. A window is judged
 * when it ends, unless the period changed in it (its count mixes two
 * rates); the sample that passes the quota asks for a longer period at once.
 */
static bool kp_hws_over_ceiling(struct kp_hws *h, struct kp_hws_cpu *c)
{
	u64 now = ktime_get_mono_fast_ns(), period = READ_ONCE(c->period);

	if (now - c->win_start >= KP_HWS_WINDOW_MS * NSEC_PER_MSEC) {
		if (period == c->win_period)
			kp_hws_want(h, c, kp_hws_next(h, c, c->win_count, now - c->win_start));
		c->win_start = now;
		c->win_period = period;
		c->win_count = 0;
	}
	if (++c->win_count == h->quota + 1)
		kp_hws_want(h, c, kp_hws_next(h, c, c->win_count, now - c->win_start));
	return c->win_count > h->quota;
}

static void kp_hws_overflow(struct perf_event *event, struct perf_sample_data *data,
			    struct pt_regs *regs)
{
	struct kp_hws *h = event->overflow_handler_context;
	struct kp_hws_cpu *c = this_cpu_ptr(h->pcpu);
	unsigned long pfn;
	u64 phys;

	kp_stat_inc(KP_STAT_hwsample_samples);
	if (kp_hws_over_ceiling(h, c)) {
		kp_stat_inc(KP_STAT_hwsample_throttled);
		return;
	}
	phys = h->desc->phys(event, data);
	if (!phys) {
		kp_stat_inc(KP_STAT_hwsample_lost);
		return;
	}
	pfn = PHYS_PFN(phys);
	if (!kp_hws_slow_pfn(pfn)) {
		kp_stat_inc(KP_STAT_records_not_slow);
		return;
	}
	kp_stat_inc(KP_STAT_hwsample_slow);
	/* The sample interrupts the CPU that ran the access: current made it. */
	kp_record_access(pfn, numa_node_id(), h->desc->src,
			 kp_hws_weight(data->period, h->desc->ref_period), current, NULL);
}

/* ---- period changes, in process context ---- */

static void kp_hws_kick(struct irq_work *w)
{
	struct kp_hws *h = container_of(w, struct kp_hws, kick);

	schedule_work(&h->adjust);
}

static void kp_hws_adjust(struct work_struct *w)
{
	struct kp_hws *h = container_of(w, struct kp_hws, adjust);
	int cpu;

	mutex_lock(&h->lock);
	for_each_possible_cpu(cpu) {
		struct kp_hws_cpu *c = per_cpu_ptr(h->pcpu, cpu);
		u64 want = READ_ONCE(c->want);

		if (!c->event || !want || want == c->period)
			continue;
		if (!perf_event_period(c->event, want)) {
			if (want > c->period)
				kp_stat_inc(KP_STAT_hwsample_period_raised);
			WRITE_ONCE(c->period, want);
		}
		WRITE_ONCE(c->want, 0);
	}
	mutex_unlock(&h->lock);
}

/* ---- counters per CPU ---- */

static int kp_hws_cpu_online(unsigned int cpu, struct hlist_node *node)
{
	struct kp_hws *h = hlist_entry(node, struct kp_hws, node);
	struct kp_hws_cpu *c = per_cpu_ptr(h->pcpu, cpu);
	struct perf_event_attr attr = h->attr;
	struct perf_event *ev;

	attr.sample_period = h->base;
	ev = perf_event_create_kernel_counter(&attr, cpu, NULL, kp_hws_overflow, h);
	mutex_lock(&h->lock);
	c->win_start = ktime_get_mono_fast_ns();
	c->win_count = 0;
	c->want = 0;
	c->period = h->base;
	c->win_period = h->base;
	if (IS_ERR(ev)) {
		c->err = PTR_ERR(ev);
		c->event = NULL;
	} else if (ev->state != PERF_EVENT_STATE_ACTIVE) {
		/* Pinned and not scheduled in: the PMU refused it (another user holds it). */
		c->err = -EBUSY;
		c->event = NULL;
	} else {
		c->err = 0;
		c->event = ev;
		ev = NULL;
	}
	mutex_unlock(&h->lock);
	if (!IS_ERR_OR_NULL(ev))
		perf_event_release_kernel(ev);
	/* Never fail the CPU's hotplug: the source reports the CPU instead. */
	return 0;
}

static int kp_hws_cpu_offline(unsigned int cpu, struct hlist_node *node)
{
	struct kp_hws *h = hlist_entry(node, struct kp_hws, node);
	struct kp_hws_cpu *c = per_cpu_ptr(h->pcpu, cpu);
	struct perf_event *ev;

	mutex_lock(&h->lock);
	ev = c->event;
	c->event = NULL;
	c->err = 0;
	mutex_unlock(&h->lock);
	if (ev)
		perf_event_release_kernel(ev);
	return 0;
}

static const char *kp_hws_errstr(int err)
{
	switch (err) {
	case -EBUSY:
	case -ENOSPC:
		return "busy: another perf user holds the PMU";
	case -ENODEV:
	case -ENOENT:
		return "no such PMU on this CPU";
	case -EINVAL:
	case -EOPNOTSUPP:
		return "the PMU refused the counter's configuration";
	case -EACCES:
	case -EPERM:
		return "not permitted";
	case -ENOMEM:
		return "out of memory";
	default:
		return "refused";
	}
}

/* CPUs with a counter, into cpus; the first refusal's CPU and error. */
static void kp_hws_census(struct kp_hws *h, struct cpumask *cpus, int *bad_cpu, int *bad_err,
			  unsigned int *nr_bad)
{
	int cpu;

	cpumask_clear(cpus);
	*bad_cpu = -1;
	*bad_err = 0;
	*nr_bad = 0;
	for_each_online_cpu(cpu) {
		struct kp_hws_cpu *c = per_cpu_ptr(h->pcpu, cpu);

		if (c->event) {
			cpumask_set_cpu(cpu, cpus);
		} else {
			if (*bad_cpu < 0) {
				*bad_cpu = cpu;
				*bad_err = c->err;
			}
			(*nr_bad)++;
		}
	}
}

/* ---- finding the PMU ---- */

static int kp_hws_pmu_type(const char *pmu, u32 *type)
{
	char path[96], val[16];

	snprintf(path, sizeof(path), KP_PMU_DIR "%s/type", pmu);
	if (kp_setting_read(path, val, sizeof(val)))
		return -ENOENT;
	return kstrtou32(val, 10, type) ? -EINVAL : 0;
}

int kp_hws_format_bit(const char *pmu, const char *name)
{
	char path[128], val[32];
	unsigned int bit;

	snprintf(path, sizeof(path), KP_PMU_DIR "%s/format/%s", pmu, name);
	if (kp_setting_read(path, val, sizeof(val)) || strncmp(val, "config:", 7) ||
	    kstrtouint(val + 7, 10, &bit) || bit > 63)
		return -1;
	return bit;
}

static bool kp_hws_find_pmu(const struct kp_hws_desc *d, struct kp_hws_pmu *pmu)
{
	int i;

	for (i = 0; d->pmu_names[i]; i++) {
		if (kp_hws_pmu_type(d->pmu_names[i], &pmu->type))
			continue;
		pmu->name = d->pmu_names[i];
		pmu->l3miss_bit = kp_hws_format_bit(pmu->name, "l3missonly");
		if (!d->usable || d->usable(pmu))
			return true;
	}
	return false;
}

/* ---- the source ---- */

static const char *kp_hws_unavailable(struct kp_hws *h)
{
	struct kp_hws_pmu pmu;

	return kp_hws_find_pmu(h->desc, &pmu) ? NULL : h->desc->no_pmu();
}

static void kp_hws_stop(struct kp_hws *h)
{
	if (h->hp_state > 0) {
		cpuhp_state_remove_instance(h->hp_state, &h->node);
		cpuhp_remove_multi_state(h->hp_state);
		h->hp_state = 0;
	}
	/* No counter is left: no NMI can queue the kick any more. */
	irq_work_sync(&h->kick);
	cancel_work_sync(&h->adjust);
	free_percpu(h->pcpu);
	h->pcpu = NULL;
}

static int kp_hws_start(struct kp_hws *h, const char **why)
{
	const struct kp_hws_desc *d = h->desc;
	struct cpumask *cpus;
	unsigned int nr_bad;
	int err, bad_cpu, bad_err;

	if (!kp_hws_find_pmu(d, &h->pmu)) {
		*why = d->no_pmu();
		return -ENODEV;
	}
	memset(&h->attr, 0, sizeof(h->attr));
	h->attr.size = sizeof(h->attr);
	h->attr.type = h->pmu.type;
	h->attr.pinned = 1;
	h->note[0] = 0;
	*why = d->setup(&h->attr, &h->pmu, h->note, sizeof(h->note));
	if (*why)
		return -EINVAL;
	h->base = d->period();
	h->quota = kp_hws_window_quota(kp_cfg.hwsample_max_rate);
	mutex_init(&h->lock);
	init_irq_work(&h->kick, kp_hws_kick);
	INIT_WORK(&h->adjust, kp_hws_adjust);
	h->pcpu = alloc_percpu(struct kp_hws_cpu);
	cpus = kzalloc(cpumask_size(), GFP_KERNEL);
	if (!h->pcpu || !cpus) {
		kfree(cpus);
		free_percpu(h->pcpu);
		h->pcpu = NULL;
		*why = "out of memory";
		return -ENOMEM;
	}
	err = cpuhp_setup_state_multi(CPUHP_AP_ONLINE_DYN, d->hp_name, kp_hws_cpu_online,
				      kp_hws_cpu_offline);
	if (err < 0) {
		kfree(cpus);
		free_percpu(h->pcpu);
		h->pcpu = NULL;
		*why = "no CPU hotplug state left";
		return err;
	}
	h->hp_state = err;
	err = cpuhp_state_add_instance(h->hp_state, &h->node);
	if (err) {
		cpuhp_remove_multi_state(h->hp_state);
		h->hp_state = 0;
		kp_hws_stop(h);
		kfree(cpus);
		*why = "CPU hotplug state refused";
		return err;
	}
	cpus_read_lock();
	kp_hws_census(h, cpus, &bad_cpu, &bad_err, &nr_bad);
	cpus_read_unlock();
	if (cpumask_empty(cpus)) {
		snprintf(h->why, sizeof(h->why), "%s refused a counter on every CPU (CPU %d: %s, %d)",
			 h->pmu.name, bad_cpu, kp_hws_errstr(bad_err), bad_err);
		*why = h->why;
		kfree(cpus);
		kp_hws_stop(h);
		return bad_err ?: -ENODEV;
	}
	if (nr_bad)
		pr_warn("%s: no counter on %u CPU(s), first CPU %d: %s (%d)\n", d->name, nr_bad,
			bad_cpu, kp_hws_errstr(bad_err), bad_err);
	kfree(cpus);
	return 0;
}

/* Extra lines of debugfs `sources` for a hardware source that runs. */
static void kp_hws_show(struct kp_hws *h, struct seq_file *m)
{
	struct cpumask *cpus;
	unsigned int nr_bad;
	int bad_cpu, bad_err;

	if (!h->pcpu)
		return;
	cpus = kzalloc(cpumask_size(), GFP_KERNEL);
	if (!cpus)
		return;
	cpus_read_lock();
	mutex_lock(&h->lock);
	kp_hws_census(h, cpus, &bad_cpu, &bad_err, &nr_bad);
	mutex_unlock(&h->lock);
	cpus_read_unlock();
	seq_printf(m, "%s_pmu %s (type %u), period %llu, %s\n", h->desc->name, h->pmu.name,
		   h->pmu.type, h->base, h->note);
	seq_printf(m, "%s_cpus %*pbl\n", h->desc->name, cpumask_pr_args(cpus));
	if (nr_bad)
		seq_printf(m, "%s_refused %u CPU(s), first CPU %d: %s (%d)\n", h->desc->name,
			   nr_bad, bad_cpu, kp_hws_errstr(bad_err), bad_err);
	kfree(cpus);
}

/* ---- the two sources ---- */

static struct kp_hws kp_ibs = { .desc = &kp_ibs_desc };
static struct kp_hws kp_pebs = { .desc = &kp_pebs_desc };

#define KP_HWS_SOURCE(n)						\
static const char *kp_##n##_unavailable(void)				\
{									\
	return kp_hws_unavailable(&kp_##n);				\
}									\
static int kp_##n##_start(const char **why)				\
{									\
	return kp_hws_start(&kp_##n, why);				\
}									\
static void kp_##n##_stop(void)						\
{									\
	kp_hws_stop(&kp_##n);						\
}									\
static void kp_##n##_show(struct seq_file *m)				\
{									\
	kp_hws_show(&kp_##n, m);					\
}									\
const struct kp_source_ops kp_##n##_source = {				\
	.unavailable = kp_##n##_unavailable,				\
	.start = kp_##n##_start,					\
	.stop = kp_##n##_stop,						\
	.show = kp_##n##_show,						\
}

KP_HWS_SOURCE(ibs);
KP_HWS_SOURCE(pebs);
