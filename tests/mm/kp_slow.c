// SPDX-License-Identifier: GPL-2.0
/*
 * kp_slow: run a program with its memory on the slow node (node 1), in the
 * guest, for the kernel's mm selftests (scripts/mm-selftests.sh).
 *
 *   kp_slow [-m policy|demote] [-i MS] [-t SECONDS] -- PROGRAM [ARG ...]
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
 * -t SECONDS kill the process group after that long (exit status 124).
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

/* Move every process of group pgid from node 0 to node 1; returns processes seen. */
static int demote_group(pid_t pgid)
{
	unsigned long from = 1UL << 0, to = 1UL << 1;
	struct dirent *d;
	int seen = 0;
	DIR *dir = opendir("/proc");

	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		char path[64], buf[512], *p;
		pid_t pid = atoi(d->d_name);
		long grp;
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		if (!p || !(p = strrchr(buf, ')')))
			continue;
		/* ") S ppid pgrp ..." */
		if (sscanf(p + 2, "%*c %*d %ld", &grp) != 1 || grp != pgid)
			continue;
		seen++;
		/* Pages that cannot move (pinned, busy) are counted by the kernel, not here. */
		syscall(SYS_migrate_pages, pid, 8 * sizeof(from), &from, &to);
	}
	closedir(dir);
	return seen;
}

int main(int argc, char **argv)
{
	const char *mode = "demote";
	long interval = 500, timeout = 0, start;
	int opt, status, ret;
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
	    (strcmp(mode, "policy") && strcmp(mode, "demote")))
		goto usage;

	if (!strcmp(mode, "policy")) {
		unsigned long mask = 1UL << 1;

		if (syscall(SYS_set_mempolicy, MPOL_PREFERRED, &mask, 8 * sizeof(mask))) {
			perror("kp_slow: set_mempolicy(MPOL_PREFERRED, node 1)");
			return 125;
		}
	}
	child = fork();
	if (child < 0) {
		perror("kp_slow: fork");
		return 125;
	}
	if (!child) {
		setpgid(0, 0);
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
			for (;;) {
				demote_group(child);
				usleep(interval * 1000);
			}
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
	/* Children the program left behind in its group go with it, and the demoter. */
	kill(-child, SIGKILL);
	if (demoter > 0) {
		kill(demoter, SIGKILL);
		/* Not waited for: one stuck in the kernel must not hold us. */
		waitpid(demoter, NULL, WNOHANG);
	}
	return ret;
usage:
	fprintf(stderr, "usage: kp_slow [-m policy|demote] [-i MS] [-t SECONDS] -- PROGRAM [ARG ...]\n");
	return 125;
}
