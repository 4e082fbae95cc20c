// SPDX-License-Identifier: GPL-2.0
/*
 * What libnuma sees in the guest, printed once before the mm selftests
 * (tests/mm/run.sh): the figures tools/testing/selftests/mm/migration.c
 * decides to skip on ("NUMA not available", "Not enough threads or NUMA
 * nodes available"). Linked statically against the release's libnuma.a,
 * as migration is.
 */
#include <numa.h>
#include <stdio.h>

int main(void)
{
	int n, first = -1, second = -1;

	printf("numa_available %d\n", numa_available());
	printf("numa_num_task_cpus %d\n", numa_num_task_cpus());
	printf("numa_max_possible_node %d\n", numa_max_possible_node());
	printf("numa_max_node %d\n", numa_max_node());
	printf("numa_all_nodes_ptr:");
	for (n = 0; n <= numa_max_possible_node(); n++)
		if (numa_bitmask_isbitset(numa_all_nodes_ptr, n)) {
			printf(" %d", n);
			if (first < 0)
				first = n;
			else if (second < 0)
				second = n;
		}
	printf("\nnuma_nodes_ptr:");
	for (n = 0; n <= numa_max_possible_node(); n++)
		if (numa_bitmask_isbitset(numa_nodes_ptr, n))
			printf(" %d", n);
	printf("\nmigration.c would use n1=%d n2=%d threads=%d\n", first, second,
	       numa_num_task_cpus() - 1);
	return 0;
}
