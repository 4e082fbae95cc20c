// SPDX-License-Identifier: GPL-2.0
/*
 * kp_slow: run a program with its memory on the slow node (node 1), in the
 * guest, for the kernel's mm selftests (scripts/mm-selftests.sh).
 *
 *   kp_slow [-m policy|demote|none] [-i MS] [-t SECONDS] -- PROGRAM [ARG ...]
 *
 * -m policy  set_mempolicy(MPOL_PREFERRED, node 1), then exec: every page the
 *            program faults comes from node 1 while it has room. kpromoted
 *            leaves such pages alone on purpose (include/kpromoted/placement.h:
 *            a policy preferring a slow node keeps the page where it is), so
 *            in this mode kpromoted promotes nothing of the program's.
 * -m demote  (default) the program keeps the default policy; every -i MS
 *            (default 500) this wrapper moves the pages of the program and of
 *            every process in its process group from node 0 to node 1 with
 *            migrate_pages(2), the kernel's own syscall. The program's memory
 *            thus lives on node 1 most of the time and kpromoted is free to
 *            promote it back while the program runs.
 * -m none    no placement at all: only the bound below and the clean-up of the
 *            program's process group. For a program that moves its own pages
 *            between the nodes (migration), where the wrapper's moves would only
 *            race with the program's own move_pages(2).
 * -t SECONDS kill the process group after that long (exit status 124).
 *
 * In every mode the program runs without address-space randomisation
 * (personality ADDR_NO_RANDOMIZE), the same layout in both passes. Several
 * selftests map at fixed addresses they never check (khugepaged's
 * BASE_ADDR, 1 GiB, with MREMAP_FIXED below it; uffd's shmem areas at
 * 1 GiB; mremap_test's preamble), and since 6.9 x86-64 places a program's
 * brk heap at random within 1 GiB above its end (arch_randomize_brk,
 * SZ_1G): a static program's heap lies at 1 GiB now and then, and such a
 * test unmaps it or finds its address taken (docs/mm-selftests.md).
 *
 * Exit status: the program's, 128+signal if it was killed by one, 124 on
 * timeout, 125 when the wrapper itself failed. Static, no libnuma: the
 * syscalls are called directly.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MPOL_PREFERRED 1

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

#define MAX_PROCS 4096

/*
 * The processes below root (its children, theirs, ...), except skip: up to max
 * pids into out, returns how many. Orphans of the program's tree are root's
 * children too (root is a child subreaper), so this finds every process the
 * program started, whatever process group it moved to: the kselftest harness
 * runs each test in a child that calls setpgrp().
 */
static int descendants(pid_t root, pid_t skip, pid_t *out, int max)
{
	static pid_t pid[MAX_PROCS], ppid[MAX_PROCS];
	int n = 0, found = 0, grew = 1;
	struct dirent *d;
	DIR *dir = opendir("/proc");

	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < MAX_PROCS) {
		char path[64], buf[512], *p;
		long pp;
		FILE *f;

		if (atoi(d->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/stat", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* ") S ppid ..." */
		if (!p || !(p = strrchr(buf, ')')) || sscanf(p + 2, "%*c %ld", &pp) != 1)
			continue;
		pid[n] = atoi(d->d_name);
		ppid[n++] = pp;
	}
	closedir(dir);
	/* Closure over the parent links: a few rounds, the tree is shallow. */
	while (grew && found < max) {
		grew = 0;
		for (int i = 0; i < n && found < max; i++) {
			int in = ppid[i] == root, known = 0;

			for (int j = 0; j < found && !in; j++)
				in = ppid[i] == out[j];
			for (int j = 0; j < found && !known; j++)
				known = pid[i] == out[j];
			if (in && !known && pid[i] != skip) {
				out[found++] = pid[i];
				grew = 1;
			}
		}
	}
	return found;
}

/* The number after key in a "key value kB" file (node meminfo, status), in kB; -1 if none. */
static long kb_field(const char *path, const char *key)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (kb < 0 && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, key);

		if (p)
			kb = atol(p + strlen(key));
	}
	fclose(f);
	return kb;
}

/*
 * Node 1's room, kept free: migrate_pages(2) allocates on node 1 with __GFP_THISNODE, and
 * on a full node each page that fails is a "page allocation failure" warning with a
 * stack trace (6.1 does not pass __GFP_NOWARN there), which the guest's console check
 * rightly counts as kernel trouble. A process is moved only while node 1 has room for
 * its whole resident set and this much more.
 */
#define NODE1_SPARE_KB (128L << 10)

/* Move every process the program started from node 0 to node 1, while node 1 has room. */
static void demote_tree(pid_t root, pid_t self)
{
	static pid_t procs[MAX_PROCS];
	unsigned long from = 1UL << 0, to = 1UL << 1;
	int n = descendants(root, self, procs, MAX_PROCS);

	for (int i = 0; i < n; i++) {
		char path[64];
		long rss, free1;

		snprintf(path, sizeof(path), "/proc/%d/status", procs[i]);
		rss = kb_field(path, "VmRSS:");
		free1 = kb_field("/sys/devices/system/node/node1/meminfo", "MemFree:");
		if (rss < 0 || free1 < rss + NODE1_SPARE_KB)
			continue;
		/* Pages that cannot move (pinned, busy) are counted by the kernel, not here. */
		syscall(SYS_migrate_pages, procs[i], 8 * sizeof(from), &from, &to);
	}
}

/* Was pid killed in an earlier round of kill_tree()? (a zombie still listed) */
static int killed_before(pid_t pid)
{
	static pid_t seen[MAX_PROCS];
	static int n;

	for (int i = 0; i < n; i++)
		if (seen[i] == pid)
			return 1;
	if (n < MAX_PROCS)
		seen[n++] = pid;
	return 0;
}

/*
 * Kill whatever the program left behind, wherever it is in the tree, and reap
 * it; a process that outlives its SIGKILL (stuck in the kernel) is named on
 * stderr after a 2 s bound. Returns how many processes were killed, uncounted
 * not among them.
 */
static int kill_tree(pid_t root, pid_t uncounted)
{
	static pid_t procs[MAX_PROCS];
	long start = now_ms();
	int killed = 0, n;

	/* Orphans that exited already (zombies, ours to reap) are not left behind. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	while ((n = descendants(root, 0, procs, MAX_PROCS)) > 0) {
		for (int i = 0; i < n; i++)
			if (!kill(procs[i], SIGKILL) && procs[i] != uncounted && !killed_before(procs[i]))
				killed++;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (now_ms() - start > 2000) {
			for (int i = 0; i < n; i++)
				fprintf(stderr, "kp_slow: process %d outlived SIGKILL\n", procs[i]);
			break;
		}
		usleep(20 * 1000);
	}
	return killed;
}

int main(int argc, char **argv)
{
	const char *mode = "demote";
	long interval = 500, timeout = 0, start;
	int opt, status, ret, left;
	pid_t child, demoter = -1;

	while ((opt = getopt(argc, argv, "+m:i:t:")) != -1) {
		switch (opt) {
		case 'm': mode = optarg; break;
		case 'i': interval = atol(optarg); break;
		case 't': timeout = atol(optarg); break;
		default: goto usage;
		}
	}
	if (optind >= argc || interval < 10 ||
	    (strcmp(mode, "policy") && strcmp(mode, "demote") && strcmp(mode, "none")))
		goto usage;

	if (!strcmp(mode, "policy")) {
		unsigned long mask = 1UL << 1;

		if (syscall(SYS_set_mempolicy, MPOL_PREFERRED, &mask, 8 * sizeof(mask))) {
			perror("kp_slow: set_mempolicy(MPOL_PREFERRED, node 1)");
			return 125;
		}
	}
	/* Orphans of the program's processes become ours: kill_tree() finds them. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		perror("kp_slow: PR_SET_CHILD_SUBREAPER");
	child = fork();
	if (child < 0) {
		perror("kp_slow: fork");
		return 125;
	}
	if (!child) {
		setpgid(0, 0);
		if (personality(personality(0xffffffff) | ADDR_NO_RANDOMIZE) < 0)
			perror("kp_slow: personality(ADDR_NO_RANDOMIZE)");
		execv(argv[optind], argv + optind);
		perror("kp_slow: exec");
		_exit(125);
	}
	setpgid(child, child);
	/*
	 * The moves run in a process of their own, its output on /dev/null: a
	 * migrate_pages(2) that takes long never delays the timeout below, and
	 * never holds the caller's pipe open after the program is gone.
	 */
	if (!strcmp(mode, "demote")) {
		demoter = fork();
		if (demoter == 0) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0) {
				dup2(null, 1);
				dup2(null, 2);
				close(null);
			}
			pid_t parent = getppid();

			/* Until killed, or orphaned (then nothing here is ours to move). */
			while (getppid() == parent) {
				demote_tree(parent, getpid());
				usleep(interval * 1000);
			}
			_exit(0);
		}
	}
	start = now_ms();
	for (;;) {
		pid_t r = waitpid(child, &status, WNOHANG);

		if (r == child)
			break;
		if (r < 0 && errno != EINTR) {
			perror("kp_slow: waitpid");
			ret = 125;
			goto out;
		}
		if (timeout && now_ms() - start > timeout * 1000) {
			fprintf(stderr, "kp_slow: %s: timeout after %ld s, killing its group\n",
				argv[optind], timeout);
			kill(-child, SIGKILL);
			waitpid(child, &status, 0);
			ret = 124;
			goto out;
		}
		usleep(100 * 1000);
	}
	if (WIFSIGNALED(status))
		ret = 128 + WTERMSIG(status);
	else
		ret = WEXITSTATUS(status);
out:
	/*
	 * Everything the program left behind goes with it, and the demoter first. A
	 * leftover would keep the caller's pipe open and spin: 6.1's migration test
	 * leaves a child in access_mem()'s endless loop when its shared_anon case
	 * fails (its harness moved the test to a group of its own; 6.12 added
	 * PR_SET_PDEATHSIG to that child).
	 */
	if (demoter > 0)
		kill(demoter, SIGKILL);
	kill(-child, SIGKILL);
	left = kill_tree(getpid(), demoter);
	if (left)
		fprintf(stderr, "kp_slow: %s: killed %d process(es) it left behind\n",
			argv[optind], left);
	return ret;
usage:
	fprintf(stderr, "usage: kp_slow [-m policy|demote|none] [-i MS] [-t SECONDS] -- PROGRAM [ARG ...]\n");
	return 125;
}
