// SPDX-License-Identifier: GPL-2.0
/*
 * kpsim: one configuration of the simulator (see sim.h), one engine.
 *
 *   kpsim [--gib G] [--thp] [--zipf S] [--hot FRAC] [--tenants N] [--phase]
 *         [--scan GBPS] [--src hint,mglru,hws] [--engine kp|pghot|pghotp|damon|nb2|oracle]
 *         [--seconds T] [--rate HOT-ACCESSES/S] [--cold-rate PER-PAGE/S] [--cpus N]
 *         [--hws-period P] [--seed N] [--series FILE] [--name NAME]
 *         [--confirm-ms MS] [--confirm-tests N] [--hint-period S] [--hws-max-rate PER-CPU/S]
 *         [--threshold N] [--window-ms MS] [--trials-max N]
 *         [--nominate-raw HEAT] [--promote-mbps MB/S]
 *
 * Prints one `SIM name=... key=value ...` summary line; with --series,
 * one line per simulated second: t precision recall coverage promoted.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sim.h"

static const struct sim_engine_ops *const engines[ENG_NR] = {
	[ENG_KP] = &sim_kp_ops, [ENG_PGHOT] = &sim_pghot_ops,
	[ENG_DAMON] = &sim_damon_ops, [ENG_NB2] = &sim_nb2_ops, [ENG_PGHOTP] = &sim_pghotp_ops,
	[ENG_ORACLE] = &sim_oracle_ops,
};
static const char *const engine_words[ENG_NR] = { "kp", "pghot", "damon", "nb2", "pghotp", "oracle" };

static void defaults(struct sim_cfg *c)
{
	*c = (struct sim_cfg){
		.gib = 64, .page_kib = 4, .zipf_s = 1.0, .hot_frac = 0.01, .tenants = 1,
		.sources = SRC_HINT | SRC_HWS, .engine = ENG_KP, .seconds = 60,
		.acc_rate = 2.25e8, .cold_rate = 0.05, .cpus = 64, .hws_period = 1000,
		.hws_max_rate = 2000, .hint_period_s = 0, .rate_mbps = 256, .seed = 1,
		.confirm_ms = 20, .confirm_tests = 3, .hot_threshold = 2, .window_ms = 1000,
		.trials_max = 8192,
	};
}

static int parse_sources(const char *arg, unsigned int *out)
{
	char buf[64], *tok, *save;

	*out = 0;
	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "hint"))
			*out |= SRC_HINT;
		else if (!strcmp(tok, "mglru"))
			*out |= SRC_MGLRU;
		else if (!strcmp(tok, "hws"))
			*out |= SRC_HWS;
		else if (strcmp(tok, "none"))
			return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct sim_cfg *c, const char **name)
{
	static const struct option opts[] = {
		{ "gib", 1, 0, 'g' }, { "thp", 0, 0, 'T' }, { "zipf", 1, 0, 'z' },
		{ "hot", 1, 0, 'h' }, { "tenants", 1, 0, 'n' }, { "phase", 0, 0, 'p' },
		{ "scan", 1, 0, 'S' }, { "src", 1, 0, 's' }, { "engine", 1, 0, 'e' },
		{ "seconds", 1, 0, 't' }, { "rate", 1, 0, 'r' }, { "cold-rate", 1, 0, 'H' },
		{ "cpus", 1, 0, 'c' }, { "hws-period", 1, 0, 'P' }, { "seed", 1, 0, 'd' },
		{ "series", 1, 0, 'o' }, { "name", 1, 0, 'N' }, { "confirm-ms", 1, 0, 'C' },
		{ "confirm-tests", 1, 0, 'X' }, { "hint-period", 1, 0, 'I' },
		{ "hws-max-rate", 1, 0, 'M' }, { "threshold", 1, 0, 'h' + 256 },
		{ "window-ms", 1, 0, 'W' }, { "trials-max", 1, 0, 'L' },
		{ "nominate-raw", 1, 0, 'R' }, { "promote-mbps", 1, 0, 'B' }, { 0, 0, 0, 0 },
	};
	int o, i;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'g': c->gib = atof(optarg); break;
		case 'T': c->page_kib = 2048; break;
		case 'z': c->zipf_s = atof(optarg); break;
		case 'h': c->hot_frac = atof(optarg); break;
		case 'n': c->tenants = (unsigned int)atoi(optarg); break;
		case 'p': c->phase = true; break;
		case 'S': c->scan_gbps = atof(optarg); break;
		case 's':
			if (parse_sources(optarg, &c->sources))
				return -1;
			break;
		case 'e':
			for (i = 0; i < ENG_NR && strcmp(optarg, engine_words[i]); i++)
				;
			if (i == ENG_NR)
				return -1;
			c->engine = (enum sim_engine)i;
			break;
		case 't': c->seconds = atof(optarg); break;
		case 'r': c->acc_rate = atof(optarg); break;
		case 'H': c->cold_rate = atof(optarg); break;
		case 'c': c->cpus = (unsigned int)atoi(optarg); break;
		case 'P': c->hws_period = atof(optarg); break;
		case 'd': c->seed = strtoull(optarg, NULL, 0); break;
		case 'o':
			c->series = fopen(optarg, "w");
			if (!c->series)
				return -1;
			break;
		case 'N': *name = optarg; break;
		case 'C': c->confirm_ms = (unsigned int)atoi(optarg); break;
		case 'X': c->confirm_tests = (unsigned int)atoi(optarg); break;
		case 'I': c->hint_period_s = atof(optarg); break;
		case 'M': c->hws_max_rate = atof(optarg); break;
		case 'h' + 256: c->hot_threshold = (unsigned int)atoi(optarg); break;
		case 'W': c->window_ms = (unsigned int)atoi(optarg); break;
		case 'L': c->trials_max = (unsigned int)atoi(optarg); break;
		case 'R': c->nominate_raw = (unsigned int)atoi(optarg); break;
		case 'B': c->rate_mbps = atof(optarg); break;
		default: return -1;
		}
	}
	return optind == argc && c->gib > 0 && c->seconds > 0 && c->zipf_s >= 0 &&
	       c->hot_frac > 0 && c->hot_frac < 1 && c->hot_threshold >= 1 && c->hot_threshold <= 15 &&
	       c->window_ms >= 10 && c->window_ms <= 60000 && c->nominate_raw <= 63 ? 0 : -1;	/* KP_HEAT_MAX */
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run(struct sim *s)
{
	u64 steps = (u64)(s->c.seconds * 1000 / SIM_DT_MS), per_s = 1000 / SIM_DT_MS;

	for (s->step = 0; s->step <= steps; s->step++) {
		s->t = s->step * SIM_DT_MS / 1000.0;
		if (s->c.phase && !s->phase_no && s->t >= s->c.seconds / 2)
			sim_phase_change(s);
		sim_sources_step(s);
		sim_deliver(s);
		if (s->eng->step)
			s->eng->step(s);
		if (s->step % per_s == 0) {
			sim_measure(s);
			if (s->c.series)
				fprintf(s->c.series, "%.0f %.4f %.4f %.4f %llu\n", s->t, s->prec,
					s->recall, s->cover, (unsigned long long)s->pcount);
		}
	}
}

static void report(struct sim *s, const char *name, double cpu)
{
	double secs = s->c.seconds, gib = s->c.gib;
	u64 meta = s->eng->meta_bytes(s);

	printf("SIM name=%s engine=%s gib=%g page_kib=%u zipf=%g hot=%g tenants=%u phase=%d "
	       "scan_gbps=%g src=%s%s%s seconds=%g k=%llu "
	       "precision=%.4f recall=%.4f coverage=%.4f t90=%.0f t90_phase2=%.0f "
	       "records_ps=%.0f dropped_ps=%.0f evicted=%llu nominated=%llu refused=%llu "
	       "confirm_hot=%llu confirm_cold=%llu late=%llu forgotten=%llu promoted=%llu "
	       "demoted=%llu samples=%llu hints=%llu young=%llu meta_bytes=%llu "
	       "meta_kib_per_gib=%.1f cpu_per_sim_s=%.3f confirm=%ux%ums "
	       "nominated_hot=%llu rejected_hot=%llu late_hot=%llu hint_period_s=%g cpus=%u "
	       "threshold=%u window_ms=%u seen_hot=%llu trials_max=%u nominate_raw=%u\n",
	       name, s->eng->name, gib, s->c.page_kib, s->c.zipf_s, s->c.hot_frac, s->c.tenants,
	       s->c.phase, s->c.scan_gbps, s->c.sources & SRC_HINT ? "hint," : "",
	       s->c.sources & SRC_MGLRU ? "mglru," : "", s->c.sources & SRC_HWS ? "hws" : "",
	       secs, (unsigned long long)s->k, s->prec, s->recall, s->cover, s->t90[0], s->t90[1],
	       s->st.records / secs, s->st.dropped / secs, (unsigned long long)s->st.evicted,
	       (unsigned long long)s->st.nominated, (unsigned long long)s->st.refused,
	       (unsigned long long)s->st.confirm_hot, (unsigned long long)s->st.confirm_cold,
	       (unsigned long long)s->st.late, (unsigned long long)s->st.forgotten,
	       (unsigned long long)s->st.promoted, (unsigned long long)s->st.demoted,
	       (unsigned long long)s->st.samples, (unsigned long long)s->st.hints,
	       (unsigned long long)s->st.young, (unsigned long long)meta,
	       meta / 1024.0 / gib, cpu / secs, s->c.confirm_tests, s->c.confirm_ms,
	       (unsigned long long)s->st.nominated_hot, (unsigned long long)s->st.rejected_hot,
	       (unsigned long long)s->st.late_hot, s->c.hint_period_s, s->c.cpus,
	       s->c.hot_threshold, s->c.window_ms, (unsigned long long)s->st.seen_hot, s->c.trials_max, s->c.nominate_raw);
}

int main(int argc, char **argv)
{
	static struct sim s;
	const char *name = "run";
	double cpu0 = cpu_seconds();

	defaults(&s.c);
	if (parse_args(argc, argv, &s.c, &name)) {
		fprintf(stderr, "usage: see the comment at the top of tests/sim/sim.c\n");
		return 2;
	}
	rng_seed(&s.rng, s.c.seed);
	rng_seed(&s.erng, s.c.seed ^ 0x5EED);
	s.eng = engines[s.c.engine];
	if (sim_world_init(&s) || s.eng->init(&s)) {
		fprintf(stderr, "kpsim: cannot set up %s (memory?)\n", name);
		return 1;
	}
	sim_sources_init(&s);
	run(&s);
	report(&s, name, cpu_seconds() - cpu0);
	if (s.eng->fini)
		s.eng->fini(&s);
	sim_world_fini(&s);
	if (s.c.series)
		fclose(s.c.series);
	return 0;
}
