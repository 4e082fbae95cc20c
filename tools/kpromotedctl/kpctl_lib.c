// SPDX-License-Identifier: GPL-2.0
/* kpromotedctl's pure pieces (see kpctl.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kpctl.h"
#include "kpromoted/parse.h"
#include "kpromoted/tier_select.h"
#include "kpromoted/params.h"
#include "kpromoted/stats_names.h"

/* ---- `name value` text ---- */

int kpctl_kv_parse(const char *text, struct kpctl_kvset *set)
{
	const char *line = text;

	set->n = 0;
	while (line && *line && set->n < KPCTL_MAX_KV) {
		const char *end = strchr(line, '\n'), *sp;
		size_t len = end ? (size_t)(end - line) : strlen(line), nlen, vlen;
		struct kpctl_kv *kv = &set->kv[set->n];

		sp = memchr(line, ' ', len);
		nlen = sp ? (size_t)(sp - line) : len;
		if (nlen > 0 && nlen < KPCTL_NAME_LEN) {
			memcpy(kv->name, line, nlen);
			kv->name[nlen] = '\0';
			vlen = sp ? len - nlen - 1 : 0;
			if (vlen >= KPCTL_VALUE_LEN)
				vlen = KPCTL_VALUE_LEN - 1;
			if (sp)
				memcpy(kv->value, sp + 1, vlen);
			kv->value[vlen] = '\0';
			set->n++;
		}
		line = end ? end + 1 : NULL;
	}
	return set->n;
}

const char *kpctl_kv_get(const struct kpctl_kvset *set, const char *name)
{
	int i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->kv[i].name, name))
			return set->kv[i].value;
	return NULL;
}

bool kpctl_is_u64(const char *s)
{
	if (!s || !*s || strlen(s) > 20)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int kpctl_kv_u64(const struct kpctl_kvset *set, const char *name, uint64_t *out)
{
	const char *v = kpctl_kv_get(set, name);

	if (!kpctl_is_u64(v))
		return -1;
	errno = 0;
	*out = strtoull(v, NULL, 10);
	return errno ? -1 : 0;
}

/* ---- parameters ---- */

/*
 * The parameters, their syntax and ranges come from the module's own table
 * (include/kpromoted/params.h) and are checked by the module's own parsers.
 */
const char *const kpctl_param_names[] = {
#define KPCTL_NAME(name, ...) #name,
	KP_PARAMS(KPCTL_NAME)
#undef KPCTL_NAME
	NULL
};

/* The module keeps at most 63 characters of a value. */
#define KPCTL_RAW_MAX 63

const char *kpctl_param_accepted(const char *name)
{
	int id = kp_param_index(name, strlen(name));

	return id < 0 ? NULL : kp_param_specs[id].accepted;
}

static int fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Printable form of a user's value for an error line: control bytes as '?'. */
static void printable(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
}

int kpctl_params_check(int argc, char *const *argv, const struct kpctl_nodes *nodes,
		       char *err, size_t errlen)
{
	struct kp_param_value vals[KP_NR_PARAMS];
	bool seen[KP_NR_PARAMS] = { false };
	enum kp_param_id bad, other;
	const char *why = NULL;
	char shown[80];
	int i, id;

	/* What the module will see: the defaults, then what was given. */
	memset(vals, 0, sizeof(vals));
	for (id = 0; id < KP_NR_PARAMS; id++)
		if (kp_param_parse(id, kp_param_specs[id].def, &vals[id], &why))
			return fail(err, errlen, "internal error: default of %s: %s",
				    kp_param_specs[id].name, why);
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *v;
		const struct kp_param_spec *p;

		printable(arg, shown, sizeof(shown));
		if (!eq || eq == arg)
			return fail(err, errlen, "bad parameter '%s': expected name=value", shown);
		id = kp_param_index(arg, (size_t)(eq - arg));
		if (id < 0)
			return fail(err, errlen, "unknown parameter '%.*s' (known: see kpromotedctl --help)",
				    (int)(eq - arg) < 40 ? (int)(eq - arg) : 40, shown);
		p = &kp_param_specs[id];
		if (seen[id])
			return fail(err, errlen, "parameter %s given twice", p->name);
		seen[id] = true;
		v = eq + 1;
		printable(v, shown, sizeof(shown));
		if (strlen(v) > KPCTL_RAW_MAX)
			return fail(err, errlen, "invalid %s: value too long (accepted: %s)", p->name,
				    p->accepted);
		/*
		 * The kernel's parameter parser splits on its isspace() (9..13, 32 and
		 * 160) and treats quotes.
		 */
		if (strpbrk(v, " \t\n\v\f\r\xa0\"'"))
			return fail(err, errlen, "invalid %s=%s: spaces and quotes are not allowed (accepted: %s)",
				    p->name, shown, p->accepted);
		if (kp_param_parse(id, v, &vals[id], &why))
			return fail(err, errlen, "invalid %s=%s: %s (accepted: %s)", p->name, shown,
				    why, p->accepted);
	}
	if (kp_params_check_pairs(vals, &bad, &other, &why))
		return fail(err, errlen, "invalid %s=%u: %s %s=%u (accepted: %s)",
			    kp_param_specs[bad].name, vals[bad].num, why,
			    kp_param_specs[other].name, vals[other].num, kp_param_specs[bad].accepted);
	if (vals[KP_PARAM_slow_nodes].nodes && nodes && nodes->known) {
		u64 slow = vals[KP_PARAM_slow_nodes].nodes;
		struct kp_node_info info[KP_MAX_NODES];
		struct kp_tiers tiers;
		char list[128];
		int nid;

		memset(info, 0, sizeof(info));
		for (nid = 0; nid < KP_MAX_NODES; nid++) {
			info[nid].online = nodes->online >> nid & 1;
			info[nid].has_memory = nodes->memory >> nid & 1;
			info[nid].has_cpu = nodes->cpu >> nid & 1;
		}
		kp_format_nodelist(slow, list, sizeof(list));
		if (kp_select_tiers(info, KP_MAX_NODES, slow, &tiers, &why))
			return fail(err, errlen, "invalid slow_nodes=%s: %s (accepted: %s)", list, why,
				    kp_param_specs[KP_PARAM_slow_nodes].accepted);
	}
	return 0;
}

/* ---- rates and formatting ---- */

static double delta(const struct kpctl_kvset *a, const struct kpctl_kvset *b, const char *name,
		    double secs)
{
	uint64_t x, y;

	if (secs <= 0 || kpctl_kv_u64(a, name, &x) || kpctl_kv_u64(b, name, &y) || y < x)
		return 0;
	return (double)(y - x) / secs;
}

void kpctl_rates(const struct kpctl_kvset *a, const struct kpctl_kvset *b, double secs,
		 struct kpctl_rates *r)
{
	r->mb_s = delta(a, b, "promoted_bytes", secs) / 1e6;
	r->pages_s = delta(a, b, "promoted_pages", secs);
	r->batches_s = delta(a, b, "promote_batches", secs);
	r->records_s = delta(a, b, "records", secs);
	r->dropped_s = delta(a, b, "records_dropped", secs);
	r->candidates_s = delta(a, b, "candidates", secs);
	r->hintfault_s = delta(a, b, "records_hintfault", secs);
	r->mglru_s = delta(a, b, "records_mglru", secs);
	r->skipped_rate_s = delta(a, b, "skipped_rate_limit", secs);
	r->skipped_room_s = delta(a, b, "skipped_no_room", secs);
	r->failed_s = delta(a, b, "failed_isolate", secs) + delta(a, b, "failed_migrate", secs);
}

char *kpctl_fmt_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

int kpctl_parse_interval(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= 0.05 && v <= 3600))
		return -1;
	*out = v;
	return 0;
}

int kpctl_parse_count(const char *s, long *out)
{
	uint32_t v;
	const char *why;

	if (kp_parse_uint(s, 1, 1000000, &v, &why))
		return -1;
	*out = v;
	return 0;
}

/* ---- JSON ---- */

static void json_string(const char *s, FILE *out)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void kpctl_json(const struct kpctl_kvset *set, FILE *out)
{
	int i;

	fputs("{", out);
	for (i = 0; i < set->n; i++) {
		fputs(i ? ",\n  " : "\n  ", out);
		json_string(set->kv[i].name, out);
		fputs(": ", out);
		/* Counters as numbers (no leading zeros: JSON forbids them); the rest as strings. */
		if (kpctl_is_u64(set->kv[i].value) &&
		    (set->kv[i].value[0] != '0' || !set->kv[i].value[1]))
			fputs(set->kv[i].value, out);
		else
			json_string(set->kv[i].value, out);
	}
	fputs(set->n ? "\n}\n" : "}\n", out);
}

/* ---- settings ---- */

int kpctl_settings_diff(const struct kpctl_kvset *saved, const struct kpctl_kvset *now,
			char *err, size_t errlen)
{
	int i, n = 0;

	for (i = 0; i < saved->n; i++) {
		const char *was = saved->kv[i].value, *is = kpctl_kv_get(now, saved->kv[i].name);

		if (is && !strcmp(is, was))
			continue;
		if (!n++)
			snprintf(err, errlen, "%s is %s, was %s before load", saved->kv[i].name,
				 is ? is : "(unreadable)", was);
	}
	return n;
}

/* ---- Prometheus text format (node_exporter's textfile collector) ---- */


/* The module's counters (include/kpromoted/stats_names.h); everything else in stats is a gauge. */
static const char *const kpctl_counter_names[] = {
#define KPCTL_STAT(name) #name,
	KP_STATS(KPCTL_STAT)
#undef KPCTL_STAT
	NULL
};

bool kpctl_stat_is_counter(const char *name)
{
	int i;

	for (i = 0; kpctl_counter_names[i]; i++)
		if (!strcmp(kpctl_counter_names[i], name))
			return true;
	return false;
}

/*
 * debugfs `stats` name -> metric. Per-node rows match node<N>_<stat> and get a
 * node="<N>" label; rows sharing a metric form one family (one HELP/TYPE).
 * div: the value is divided by it (ms, ns -> seconds).
 */
#define C(stat, metric, help) { stat, metric, true, false, 1, NULL, NULL, help }
#define G(stat, metric, help) { stat, metric, false, false, 1, NULL, NULL, help }
const struct kpctl_metric kpctl_metrics[] = {
	G("loads_selftest_ok", "selftest_ok", "1: the hook self-test passed at load"),
	C("records", "records_total", "Accesses recorded, all sources together"),
	{ "records_hintfault", "source_records_total", true, false, 1, "source", "hintfault",
	  "Accesses recorded, per source" },
	{ "records_mglru", "source_records_total", true, false, 1, "source", "mglru", NULL },
	{ "records_ibs", "source_records_total", true, false, 1, "source", "ibs", NULL },
	{ "records_pebs", "source_records_total", true, false, 1, "source", "pebs", NULL },
	C("records_dropped", "records_dropped_total",
	  "Sightings not recorded: table bucket full of hotter entries, or contended"),
	C("records_evicted", "records_evicted_total", "Sightings that took the slot of a colder entry"),
	C("records_not_slow", "records_not_slow_total", "Hint faults and samples on pages of a fast node, dropped"),
	C("records_filtered", "records_filtered_total", "Sightings excluded by the process filter"),
	C("records_late", "records_late_total", "Hint faults too long after the scan that armed them"),
	C("hintfault_suppressed", "hintfault_suppressed_total",
	  "Migrations taken out of the NUMA hint-fault path"),
	C("candidates", "candidates_total", "Pages classified hot"),
	C("promoted_pages", "promoted_pages_total", "Pages promoted"),
	C("promoted_bytes", "promoted_bytes_total", "Bytes promoted"),
	C("promote_batches", "promote_batches_total", "Promotion batches"),
	C("skipped_rate_limit", "skipped_rate_limit_total",
	  "Promotions deferred by the rate limit (counted per round)"),
	C("skipped_no_room", "skipped_no_room_total", "Promotions skipped: no room on the fast node"),
	C("skipped_not_slow", "skipped_not_slow_total",
	  "Promotions skipped: the page was no longer on a slow node"),
	C("skipped_offline", "skipped_offline_total", "Promotions skipped: node offline"),
	C("skipped_pinned", "skipped_pinned_total", "Promotions skipped: page pinned"),
	C("skipped_not_lru", "skipped_not_lru_total", "Promotions skipped: page not on an LRU list"),
	C("failed_isolate", "failed_isolate_total", "Pages that could not be isolated for migration"),
	C("failed_migrate", "failed_migrate_total", "Pages the migration failed to move"),
	C("mglru_scans", "mglru_scans_total", "MGLRU aging passes of the scan thread"),
	C("mglru_lruvecs_aged", "mglru_lruvecs_aged_total", "lruvecs aged by those passes"),
	{ "mglru_scan_cpu_ns", "mglru_scan_cpu_seconds_total", true, false, 1000000000, NULL, NULL,
	  "CPU time of the MGLRU aging passes" },
	C("records_forgotten", "records_forgotten_total",
	  "Pages whose earlier sightings a late hint fault erased"),
	C("nominated", "nominated_total", "Pages whose heat reached the threshold: put on trial"),
	C("nominations_refused", "nominations_refused_total",
	  "Nominations refused because the trial mailbox was full"),
	C("confirm_looks", "confirm_looks_total", "Looks at a nominee's accessed bits"),
	C("confirm_hot", "confirm_hot_total", "Nominees found in use at every look: confirmed"),
	C("confirm_cold", "confirm_cold_total", "Nominees found idle: their heat is gone"),
	C("confirm_gone", "confirm_gone_total", "Nominees freed, moved or unmapped meanwhile"),
	C("skipped_queue_full", "skipped_queue_full_total",
	  "Confirmed pages that waited a round: the workers' queue was full"),
	C("waiting_for_room", "waiting_for_room_total",
	  "Worker runs in which hot pages waited for room on a full fast node"),
	C("demoted_for_room", "demoted_for_room_total",
	  "Cold fast-tier pages demoted to make room for hot ones"),
	C("room_owed_full", "room_owed_full_total",
	  "Worker runs in which a full fast node's demoted-but-not-yet-filled bound was reached"),
	C("room_forgiven", "room_forgiven_total",
	  "Demoted pages no longer owed: other allocations took that room and nothing paid for 2 s"),
	C("room_kswapd_woken", "room_kswapd_woken_total",
	  "Of those, runs that found the node below its low watermark and woke its kswapd to lift it"),
	C("room_armed", "room_armed_total", "Fast-tier pages whose accessed bits the room clock cleared"),
	C("room_kept", "room_kept_total", "Of those, found in use at the check: kept"),
	C("room_kept_flushed", "room_kept_flushed_total",
	  "Of those, found in use only after the check's TLB flush: kept"),
	C("room_kept_promoted", "room_kept_promoted_total",
	  "Found idle, but promoted by kpromoted less than a minute ago: kept"),
	C("repromoted", "repromoted_total",
	  "Pages promoted again within a minute of kpromoted demoting them"),
	C("migrate_retried", "migrate_retried_total",
	  "Folios the asynchronous migration left, retried in MIGRATE_SYNC_LIGHT"),
	C("skipped_stale", "skipped_stale_total",
	  "Queued frames dropped: refilled by kpromoted's own demotion since"),
	C("skipped_policy", "skipped_policy_total",
	  "Confirmed pages kept on the slow tier by their memory policy or cpuset"),
	C("hwsample_samples", "hwsample_samples_total", "IBS/PEBS samples delivered to the handler"),
	C("hwsample_slow", "hwsample_slow_total", "Of those, on a slow node: recorded"),
	C("hwsample_throttled", "hwsample_throttled_total",
	  "Samples over the per-CPU ceiling: dropped"),
	C("hwsample_lost", "hwsample_lost_total", "Samples without a usable data address"),
	C("hwsample_period_raised", "hwsample_period_raised_total",
	  "Times the sampling period was raised to stay under the ceiling"),
	{ "promote_ns", "promote_seconds_total", true, false, 1000000000, NULL, NULL,
	  "Time the workers spent on batches: grabbing, isolating, migrating" },
	{ "promote_busy_ns", "promote_busy_seconds_total", true, false, 1000000000, NULL, NULL,
	  "Time a fast node had at least one worker in a batch, summed over the nodes" },
	G("table_bytes", "table_bytes", "Memory of the hotness table"),
	G("region_bytes", "region_bytes", "Memory of the region heat map"),
	G("regions_warm", "regions_warm", "Regions of slow memory still warm after the last decay"),
	G("table_entries", "table_entries", "Entries of the hotness table"),
	G("table_used", "table_used_entries",
	  "Entries in use, estimated from the last sweep's slice"),
	G("hot_threshold_effective", "hot_threshold",
	  "Heat that nominates a page now (rises by itself while promotion cannot keep up)"),
	{ "hint_latency_effective_ms", "hint_latency_seconds", false, false, 1000, NULL, NULL,
	  "A hint fault counts only this soon after its scan, now" },
	{ "sweep_interval_ms", "sweep_interval_seconds", false, false, 1000, NULL, NULL,
	  "Interval of the table sweep" },
	{ "mglru_interval_ms", "mglru_interval_seconds", false, false, 1000, NULL, NULL,
	  "Interval between MGLRU aging passes, now" },
	G("workers_bytes", "workers_bytes", "Memory of the promotion workers"),
	G("room_bytes", "room_bytes", "Memory of the room-making stage"),
	{ "room_idle_ms", "room_idle_seconds", false, false, 1000, NULL, NULL,
	  "How long a fast-tier page must go unused to be demoted for room, now" },
	{ "workers", "workers", false, true, 1, NULL, NULL,
	  "Promotion workers of a fast node (one per CPU, at most 4)" },
	{ "pending", "pending_pages", false, true, 1, NULL, NULL,
	  "Pages queued for a fast node's workers (the rate limit's or the room's backlog)" },
	{ "room_owed", "room_owed_pages", false, true, 1, NULL, NULL,
	  "Pages demoted for a fast node's room and not yet filled by a promotion" },
	{ "room_owed_max", "room_owed_max_pages", false, true, 1, NULL, NULL,
	  "Bound on room_owed_pages" },
	G("confirm_trials", "confirm_trials", "Nominees on trial now"),
	G("confirm_bytes", "confirm_bytes", "Memory of the confirmation stage"),
	G("confirm_tests_effective", "confirm_tests",
	  "Looks in a row a nominee must pass (0: the kernel lacks the functions to look)"),
	{ NULL, NULL, false, false, 0, NULL, NULL, NULL }
};
#undef C
#undef G

/* node<N>_<suffix>: N, or -1. N as the kernel prints it: "node02_x" would alias node2_x. */
static int node_of(const char *name, const char *suffix)
{
	const char *p = name + 4;
	int n = 0;

	if (strncmp(name, "node", 4) || *p < '0' || *p > '9' || (p[0] == '0' && p[1] != '_'))
		return -1;
	for (; *p >= '0' && *p <= '9' && n < 100000; p++)
		n = n * 10 + (*p - '0');
	if (*p != '_' || (suffix && strcmp(p + 1, suffix)))
		return -1;
	return n;
}

static bool metric_name_ok(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* A decimal u64 divided by div, exact ("1.5", "0.000000123"). */
static void print_value(FILE *out, const char *v, uint64_t div)
{
	unsigned long long x = strtoull(v, NULL, 10), frac;
	char buf[32];
	int digits = 0, len;
	uint64_t d;

	if (div <= 1) {
		fprintf(out, "%llu", x);
		return;
	}
	for (d = div; d > 1; d /= 10)
		digits++;
	frac = x % div;
	fprintf(out, "%llu", x / div);
	if (!frac)
		return;
	len = snprintf(buf, sizeof(buf), "%0*llu", digits, frac);
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	fprintf(out, ".%s", buf);
}

static const struct kpctl_metric *metric_of(const char *name, int *node)
{
	const struct kpctl_metric *m;
	bool per_node = name[0] == 'n' && !strncmp(name, "node", 4);

	for (m = kpctl_metrics; m->stat; m++) {
		if (m->per_node) {
			*node = per_node ? node_of(name, m->stat) : -1;
			if (*node >= 0)
				return m;
		} else if (m->stat[0] == name[0] && !strcmp(m->stat, name)) {
			*node = -1;
			return m;
		}
	}
	return NULL;
}

/* Index of the first line named as line i (a name repeated would repeat a series). */
static int first_of(const struct kpctl_kvset *set, int i)
{
	int j;

	for (j = 0; j < i; j++)
		if (!strcmp(set->kv[j].name, set->kv[i].name))
			return j;
	return i;
}

/* The first row of the table with m's metric: its family's HELP and TYPE (computed once). */
static const struct kpctl_metric *family_of(const struct kpctl_metric *m)
{
	static short first[256];
	static bool known;
	const struct kpctl_metric *f, *r;

	if (!known) {
		for (r = kpctl_metrics; r->stat && r - kpctl_metrics < 256; r++) {
			for (f = kpctl_metrics; f < r && strcmp(f->metric, r->metric); f++)
				;
			first[r - kpctl_metrics] = (short)(f - kpctl_metrics);
		}
		known = true;
	}
	return m - kpctl_metrics < 256 ? &kpctl_metrics[first[m - kpctl_metrics]] : m;
}

/* kpromoted_<metric> ends in _total (the counters' suffix). */
static bool named_total(const char *metric)
{
	size_t len = strlen(metric);

	return !strcmp(metric, "total") || (len >= 6 && !strcmp(metric + len - 6, "_total"));
}

/* Family names written so far, so that an unknown stats line never repeats one. */
struct fams {
	int n;
	char name[KPCTL_MAX_KV + 96][KPCTL_NAME_LEN + 16];
};

static bool fam_take(struct fams *t, const char *name)
{
	const struct kpctl_metric *m;
	int i;

	/* The known families first: this runs only for a name the table lacks. */
	if (!strcmp(name, "info") || !strcmp(name, "source_enabled"))
		return false;
	for (m = kpctl_metrics; m->stat; m++)
		if (!strcmp(m->metric, name))
			return false;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->name[i], name))
			return false;
	if (t->n < (int)(sizeof(t->name) / sizeof(t->name[0])))
		snprintf(t->name[t->n++], sizeof(t->name[0]), "%s", name);
	return true;
}

static void family_header(FILE *out, const char *metric, bool counter, const char *help)
{
	fprintf(out, "# HELP kpromoted_%s %s\n# TYPE kpromoted_%s %s\n", metric, help, metric,
		counter ? "counter" : "gauge");
}

int kpctl_prometheus(const struct kpctl_kvset *stats, const struct kpctl_kvset *sources,
		     const char *version, FILE *out)
{
	const struct kpctl_metric *m, *f;
	int i, node, samples = 0, row[KPCTL_MAX_KV], node_at[KPCTL_MAX_KV];
	const struct kpctl_metric *rowm[KPCTL_MAX_KV];
	bool dup[KPCTL_MAX_KV];
	struct fams *fams;

	if (version && *version) {
		family_header(out, "info", false, "The loaded kpromoted module; the value is always 1");
		fputs("kpromoted_info{version=\"", out);
		for (; *version; version++)
			if (*version != '"' && *version != '\\' && *version != '\n')
				fputc(*version, out);
		fputs("\"} 1\n", out);
		samples++;
	}
	if (sources && sources->n) {
		bool head = false;

		for (i = 0; i < sources->n; i++) {
			const char *v = sources->kv[i].value;

			/* Only the sources' own lines (ibs_pmu, ibs_cpus, ... are details). */
			if (strchr(sources->kv[i].name, '_') || !metric_name_ok(sources->kv[i].name) ||
			    first_of(sources, i) != i)
				continue;
			if (!head)
				family_header(out, "source_enabled", false,
					      "1: the access source runs; 0: disabled or unavailable");
			head = true;
			fprintf(out, "kpromoted_source_enabled{source=\"%s\"} %d\n",
				sources->kv[i].name, !strcmp(v, "enabled"));
			samples++;
		}
	}
	/* Each line's family (-1: none, not a number, or a repeated name) and row, once. */
	for (i = 0; i < stats->n; i++) {
		row[i] = -1;
		node_at[i] = -1;
		dup[i] = first_of(stats, i) != i;
		if (kpctl_is_u64(stats->kv[i].value) && !dup[i]) {
			m = metric_of(stats->kv[i].name, &node);
			if (m) {
				/* Kept as the family's first row: what the loop below compares. */
				row[i] = (int)(family_of(m) - kpctl_metrics);
				rowm[i] = m;
				node_at[i] = node;
			}
		}
	}
	/* The known families, in the table's order, each with its samples in stats' order. */
	for (f = kpctl_metrics; f->stat; f++) {
		bool head = false;

		if (family_of(f) != f)
			continue;	/* family already written */
		for (i = 0; i < stats->n; i++) {
			if (row[i] != (int)(f - kpctl_metrics))
				continue;
			m = rowm[i];
			if (!head)
				family_header(out, f->metric, f->counter, f->help);
			head = true;
			fprintf(out, "kpromoted_%s", m->metric);
			if (node_at[i] >= 0)
				fprintf(out, "{node=\"%d\"}", node_at[i]);
			else if (m->label)
				fprintf(out, "{%s=\"%s\"}", m->label, m->label_value);
			fputc(' ', out);
			print_value(out, stats->kv[i].value, m->div);
			fputc('\n', out);
			samples++;
		}
	}
	/*
	 * A name this kpromotedctl does not know (a newer module): as it is, typed by
	 * stats_names.h; never under the name of a family already written.
	 */
	fams = calloc(1, sizeof(*fams));
	if (!fams)
		return samples;
	for (i = 0; i < stats->n; i++) {
		const struct kpctl_kv *kv = &stats->kv[i];
		char metric[KPCTL_NAME_LEN + 16];
		bool counter;
		uint64_t div = 1;
		size_t len;
		int j;

		if (row[i] >= 0 || dup[i] || !kpctl_is_u64(kv->value) || !metric_name_ok(kv->name) ||
		    metric_of(kv->name, &node))
			continue;
		node = node_of(kv->name, NULL);
		if (node >= 0) {
			/* One family per suffix, written at its first node. */
			const char *suffix = strchr(kv->name, '_') + 1;

			if (!metric_name_ok(suffix) || named_total(suffix) ||
			    !fam_take(fams, suffix))
				continue;
			family_header(out, suffix, false,
				      "debugfs stats node<N>_ value (not described by this kpromotedctl)");
			for (j = i; j < stats->n; j++) {
				int n = node_of(stats->kv[j].name, suffix);

				if (n >= 0 && !dup[j] && kpctl_is_u64(stats->kv[j].value)) {
					fprintf(out, "kpromoted_%s{node=\"%d\"} %s\n", suffix, n,
						stats->kv[j].value);
					samples++;
				}
			}
			continue;
		}
		counter = kpctl_stat_is_counter(kv->name);
		/* Base units, as Prometheus wants them: x_ms, x_ns -> x_seconds. */
		len = strlen(kv->name);
		if (len > 3 && (!strcmp(kv->name + len - 3, "_ms") || !strcmp(kv->name + len - 3, "_ns"))) {
			div = kv->name[len - 2] == 'm' ? 1000 : 1000000000;
			len -= 3;
		}
		snprintf(metric, sizeof(metric), "%.*s%s%s", (int)len, kv->name,
			 div > 1 ? "_seconds" : "", counter ? "_total" : "");
		/* A gauge named like a counter would break the _total rule: skipped too. */
		if ((!counter && named_total(metric)) || !fam_take(fams, metric))
			continue;
		family_header(out, metric, counter,
			      "debugfs stats value (not described by this kpromotedctl)");
		fprintf(out, "kpromoted_%s ", metric);
		print_value(out, kv->value, div);
		fputc('\n', out);
		samples++;
	}
	free(fams);
	return samples;
}

/* ---- heatmap: debugfs `regions` ---- */

void kpctl_regions_free(struct kpctl_regions *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		free(r->span[i].heat);
	r->n = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* No span is larger than 64 TiB (32 Mi regions): anything more is corrupt text. */
#define KPCTL_MAX_SPAN_REGIONS (32ull << 20)

int kpctl_regions_parse(const char *text, struct kpctl_regions *r, char *err, size_t errlen)
{
	const char *line = text;
	struct kpctl_span *s = NULL;
	uint64_t at = 0;
	int lineno = 0;

	r->n = 0;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line), k;
		char buf[128];

		lineno++;
		if (!strncmp(line, "span ", 5)) {
			int node, used = 0;
			unsigned long long pfn, nr;

			if (s && at != s->nr)
				goto short_span;
			snprintf(buf, sizeof(buf), "%.*s", (int)(len < 127 ? len : 127), line);
			if (sscanf(buf, "span node %d start_pfn %llu regions %llu%n", &node, &pfn, &nr,
				   &used) != 3 || (size_t)used != len || node < 0 || !nr ||
			    nr > KPCTL_MAX_SPAN_REGIONS) {
				fail(err, errlen, "regions: line %d: bad span line", lineno);
				goto bad;
			}
			if (r->n == KPCTL_MAX_SPANS) {
				fail(err, errlen, "regions: more than %d spans", KPCTL_MAX_SPANS);
				goto bad;
			}
			s = &r->span[r->n];
			s->heat = calloc(nr, 1);
			if (!s->heat) {
				fail(err, errlen, "regions: out of memory");
				goto bad;
			}
			s->node = node;
			s->start_pfn = pfn;
			s->nr = nr;
			r->n++;
			at = 0;
		} else if (!s) {
			fail(err, errlen, "regions: line %d: heat before any span line", lineno);
			goto bad;
		} else if (len > 2 && line[0] == 'z' && line[1] == ' ') {
			uint64_t z = 0;

			for (k = 2; k < len; k++) {
				if (line[k] < '0' || line[k] > '9' || z > KPCTL_MAX_SPAN_REGIONS)
					break;
				z = z * 10 + (uint64_t)(line[k] - '0');
			}
			if (k != len || !z || z > s->nr - at) {
				fail(err, errlen, "regions: line %d: bad run of cold regions", lineno);
				goto bad;
			}
			at += z;
		} else {
			if (!len || len % 2 || len / 2 > s->nr - at) {
				fail(err, errlen, "regions: line %d: bad heat line", lineno);
				goto bad;
			}
			for (k = 0; k < len; k += 2) {
				int hi = hexval(line[k]), lo = hexval(line[k + 1]);

				if (hi < 0 || lo < 0) {
					fail(err, errlen, "regions: line %d: not hex", lineno);
					goto bad;
				}
				s->heat[at++] = (unsigned char)(hi << 4 | lo);
			}
		}
		line = end ? end + 1 : NULL;
	}
	if (s && at != s->nr)
		goto short_span;
	return 0;
short_span:
	fail(err, errlen, "regions: span of node %d: %llu of %llu regions", s->node,
	     (unsigned long long)at, (unsigned long long)s->nr);
bad:
	kpctl_regions_free(r);
	return -1;
}

void kpctl_fold_free(struct kpctl_fold *f)
{
	free(f->cell);
	f->cell = NULL;
}

int kpctl_fold(const struct kpctl_span *s, int cols, int max_rows, struct kpctl_fold *f)
{
	uint64_t cap = (uint64_t)cols * (uint64_t)max_rows, i;

	memset(f, 0, sizeof(*f));
	if (cols < 1 || max_rows < 1 || !s->nr)
		return -1;
	f->per_cell = (s->nr + cap - 1) / cap;
	f->cells = (s->nr + f->per_cell - 1) / f->per_cell;
	f->cols = cols;
	f->rows = (int)((f->cells + (uint64_t)cols - 1) / (uint64_t)cols);
	f->cell = calloc((size_t)f->rows * (size_t)cols, 1);
	if (!f->cell)
		return -1;
	for (i = 0; i < s->nr; i++) {
		unsigned char *c = &f->cell[i / f->per_cell];

		if (s->heat[i] > *c)
			*c = s->heat[i];
	}
	return 0;
}

int kpctl_heat_level(unsigned int heat)
{
	int log2 = 0;

	if (!heat)
		return 0;
	if (heat > 255)
		heat = 255;
	while (heat >> (log2 + 1))
		log2++;
	/* 1 -> 1, 2 -> 2, 4 -> 3, ..., 64 -> 7, 128..255 -> 9. */
	return 1 + log2 * 8 / 7;
}

/* 256-colour backgrounds, cold to hot (level 0: the terminal's own). */
static const int heat_colour[10] = { 0, 17, 19, 25, 31, 37, 178, 208, 202, 196 };

static void fmt_offset(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (1ull << 30))
		snprintf(buf, len, "%7.2fG", (double)bytes / (1ull << 30));
	else
		snprintf(buf, len, "%7.1fM", (double)bytes / (1ull << 20));
}

void kpctl_heatmap_render(const struct kpctl_span *s, const struct kpctl_fold *f, bool color,
			  FILE *out)
{
	uint64_t warm = 0, i, cell_bytes = f->per_cell * KPCTL_REGION_BYTES;
	char size[32], per[32], off[32];
	int row, col;

	for (i = 0; i < s->nr; i++)
		warm += s->heat[i] != 0;
	kpctl_fmt_bytes(s->nr * KPCTL_REGION_BYTES, size, sizeof(size));
	kpctl_fmt_bytes(cell_bytes, per, sizeof(per));
	fprintf(out, "node %d: %s from pfn %llu, %llu regions of 2 MiB, %s a cell, %llu warm\n",
		s->node, size, (unsigned long long)s->start_pfn, (unsigned long long)s->nr, per,
		(unsigned long long)warm);
	for (row = 0; row < f->rows; row++) {
		int last = -1;

		fmt_offset((uint64_t)row * (uint64_t)f->cols * cell_bytes, off, sizeof(off));
		fprintf(out, "%s |", off);
		for (col = 0; col < f->cols; col++) {
			uint64_t c = (uint64_t)row * (uint64_t)f->cols + (uint64_t)col;
			int lv;

			if (c >= f->cells)
				break;
			lv = kpctl_heat_level(f->cell[c]);
			if (color && lv != last) {
				if (lv)
					fprintf(out, "\033[48;5;%dm", heat_colour[lv]);
				else
					fputs("\033[0m", out);
				last = lv;
			}
			fputc(KPCTL_HEAT_CHARS[lv], out);
		}
		if (color && last > 0)
			fputs("\033[0m", out);
		fputs("|\n", out);
	}
	fprintf(out, "%9s cold '%s' hot: the hottest 2 MiB region of each cell\n", "",
		KPCTL_HEAT_CHARS);
}

/* A file name in a single-quoted gnuplot string: no quote, no newline. */
static bool gnuplot_safe(const char *s)
{
	return !strpbrk(s, "'\n\r");
}

void kpctl_heatmap_gnuplot(const struct kpctl_span *s, const struct kpctl_fold *frames,
			   int nframes, double interval, const char *png, FILE *out)
{
	double gib = (double)KPCTL_REGION_BYTES / (1ull << 30);
	int t;
	uint64_t c;

	if (!gnuplot_safe(png))
		return;
	fprintf(out, "set terminal png size 1000,600\n"
		     "set output '%s'\n"
		     "set title 'kpromoted: heat of slow node %d by physical region'\n"
		     "set xlabel 'time (s)'\n"
		     "set ylabel 'offset in node %d (GiB)'\n"
		     "set cblabel 'heat (log scale, 0 cold .. 9 hottest)'\n"
		     "set cbrange [0:9]\n"
		     "set palette defined (0 'black', 1 'navy', 4 'blue', 6 'orange', 9 'red')\n"
		     "set xrange [%g:%g]\n"
		     "set yrange [0:%g]\n"
		     "plot '-' using 1:2:3 with image notitle\n",
		png, s->node, s->node, -interval / 2, (nframes - 0.5) * interval,
		(double)s->nr * gib);
	for (t = 0; t < nframes; t++) {
		const struct kpctl_fold *f = &frames[t];

		for (c = 0; c < f->cells; c++)
			fprintf(out, "%g %g %d\n", t * interval,
				((double)c + 0.5) * (double)f->per_cell * gib,
				kpctl_heat_level(f->cell[c]));
	}
	fputs("e\n", out);
}

/* ---- top: debugfs `owners` ---- */

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

int kpctl_unescape_name(const char *src, size_t len, char *dst, size_t dstlen)
{
	size_t i, n = 0;
	bool cut = false;

	if (!dstlen)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == '\\') {
			if (len - i < 4 || src[i + 1] < '0' || src[i + 1] > '3' || !is_octal(src[i + 2]) ||
			    !is_octal(src[i + 3]))
				return -1;
			c = (unsigned char)((src[i + 1] - '0') << 6 | (src[i + 2] - '0') << 3 | (src[i + 3] - '0'));
			if (!c)
				return -1;
			i += 3;
		} else if (c <= ' ' || c >= 0x7f) {
			return -1;	/* the module escapes these: not its output */
		}
		if (n + 1 < dstlen)
			dst[n++] = (char)c;
		else
			cut = true;
	}
	dst[n] = '\0';
	if (cut && dstlen >= 4)
		memcpy(dst + dstlen - 4, "...", 4);
	return 0;
}

void kpctl_escape_display(const char *name, char *dst, size_t dstlen)
{
	size_t n = 0;

	if (!dstlen)
		return;
	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;
		bool esc = c < ' ' || c >= 0x7f || c == '\\';

		if (n + (esc ? 4 : 1) >= dstlen)
			break;
		if (esc)
			n += (size_t)snprintf(dst + n, dstlen - n, "\\%03o", c);
		else
			dst[n++] = (char)c;
	}
	dst[n] = '\0';
}

/* The next field of [*p, end): up to the next space; false at the end of the line. */
static bool next_field(const char **p, const char *end, const char **f, size_t *flen)
{
	const char *s = *p, *sp;

	if (s >= end)
		return false;
	sp = memchr(s, ' ', (size_t)(end - s));
	*f = s;
	*flen = (size_t)((sp ? sp : end) - s);
	*p = sp ? sp + 1 : end;
	return true;
}

/* A field that is a u64 (1..20 digits). */
static bool field_u64(const char *f, size_t len, uint64_t *v)
{
	char w[24];

	if (!len || len >= sizeof(w))
		return false;
	memcpy(w, f, len);
	w[len] = '\0';
	if (!kpctl_is_u64(w))
		return false;
	errno = 0;
	*v = strtoull(w, NULL, 10);
	return !errno;
}

int kpctl_owners_parse(const char *text, enum kpctl_by by, struct kpctl_owners *set, char *err,
		       size_t errlen)
{
	const char *kind = by == KPCTL_BY_CGROUP ? "cgroup " : "process ";
	size_t klen = strlen(kind);
	const char *line = text;
	int lineno = 0;

	set->n = 0;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line), fl;
		const char *p, *lend = line + len, *f;
		struct kpctl_owner *o = &set->o[set->n];
		bool ok;

		lineno++;
		if (len < klen || strncmp(line, kind, klen)) {
			line = end ? end + 1 : NULL;
			continue;
		}
		p = line + klen;
		line = end ? end + 1 : NULL;
		if (set->n == (int)(sizeof(set->o) / sizeof(set->o[0]))) {
			fail(err, errlen, "owners: more than %d owners", set->n);
			return -1;
		}
		memset(o, 0, sizeof(*o));
		ok = next_field(&p, lend, &f, &fl);
		if (ok && fl == 5 && !memcmp(f, "other", 5))
			o->other = true;
		else
			ok = ok && field_u64(f, fl, &o->id) && o->id;
		ok = ok && next_field(&p, lend, &f, &fl) && field_u64(f, fl, &o->sighted) &&
		     next_field(&p, lend, &f, &fl) && field_u64(f, fl, &o->promoted);
		/* The rest, if any: one escaped field, a cgroup's path. */
		if (ok && p < lend)
			ok = by == KPCTL_BY_CGROUP && !o->other && p[-1] == ' ' &&
			     !kpctl_unescape_name(p, (size_t)(lend - p), o->path, sizeof(o->path)) &&
			     o->path[0];
		else if (ok && p[-1] == ' ')
			ok = false;	/* a trailing space */
		if (!ok) {
			fail(err, errlen, "owners: line %d: bad line (not `%s<id> <sighted> <promoted>%s`)",
			     lineno, kind, by == KPCTL_BY_CGROUP ? " [escaped path]" : "");
			return -1;
		}
		set->n++;
	}
	return 0;
}

void kpctl_owners_rates(const struct kpctl_owners *prev, struct kpctl_owners *cur, double secs)
{
	int i, j;

	for (i = 0; i < cur->n; i++) {
		struct kpctl_owner *o = &cur->o[i];
		uint64_t ps = 0, pp = 0;

		for (j = 0; prev && j < prev->n; j++)
			if (prev->o[j].other == o->other && prev->o[j].id == o->id) {
				ps = prev->o[j].sighted;
				pp = prev->o[j].promoted;
				break;
			}
		o->sighted_s = secs > 0 && o->sighted >= ps ? (double)(o->sighted - ps) / secs : 0;
		o->promoted_s = secs > 0 && o->promoted >= pp ? (double)(o->promoted - pp) / secs : 0;
	}
}

static int owner_cmp(const void *a, const void *b)
{
	const struct kpctl_owner *x = a, *y = b;

	if (x->other != y->other)
		return x->other ? 1 : -1;
	if (x->promoted != y->promoted)
		return x->promoted > y->promoted ? -1 : 1;
	if (x->sighted != y->sighted)
		return x->sighted > y->sighted ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void kpctl_owners_sort(struct kpctl_owners *set)
{
	qsort(set->o, (size_t)set->n, sizeof(set->o[0]), owner_cmp);
}

void kpctl_top_render(const struct kpctl_owners *set, enum kpctl_by by, int max_rows,
		      kpctl_owner_name_fn name, void *ctx, FILE *out)
{
	uint64_t ts = 0, tp = 0;
	int i, shown = 0;

	for (i = 0; i < set->n; i++) {
		ts += set->o[i].sighted;
		tp += set->o[i].promoted;
	}
	fprintf(out, "%llu owners, %llu sightings, %llu pages promoted\n",
		(unsigned long long)(set->n - (set->n && set->o[set->n - 1].other)),
		(unsigned long long)ts, (unsigned long long)tp);
	fprintf(out, "%10s %10s %12s %10s %10s  %s\n", by == KPCTL_BY_CGROUP ? "CGROUP-ID" : "PID",
		"SIGHTED/s", "SIGHTED", "PROMOTED/s", "PROMOTED", by == KPCTL_BY_CGROUP ? "CGROUP" : "COMMAND");
	for (i = 0; i < set->n; i++) {
		const struct kpctl_owner *o = &set->o[i];
		char id[24], shown_name[4 * sizeof(o->path) + 1];
		const char *n;

		if (o->other) {
			if (!o->sighted && !o->promoted)
				continue;
		} else if (shown++ >= max_rows) {
			continue;
		}
		n = o->other ? "(other: unknown owner, or no slot left)" : name ? name(o, ctx) : NULL;
		if (!n || !*n)
			n = by == KPCTL_BY_CGROUP ? (o->path[0] ? o->path : "(removed)") : "(exited)";
		/* Names are anyone's bytes: never a raw control byte to the terminal. */
		kpctl_escape_display(n, shown_name, sizeof(shown_name));
		n = shown_name;
		if (o->other)
			snprintf(id, sizeof(id), "-");
		else
			snprintf(id, sizeof(id), "%llu", (unsigned long long)o->id);
		fprintf(out, "%10s %10.0f %12llu %10.0f %10llu  %s\n", id, o->sighted_s,
			(unsigned long long)o->sighted, o->promoted_s, (unsigned long long)o->promoted,
			n);
	}
}
