// SPDX-License-Identifier: GPL-2.0-only
/*
 * cbps-anoncow: the native anonymous copy-on-write fault, timed in the
 * guest: map PAGES anonymous pages, touch them, fork; the child writes
 * one byte per page (each a CoW fault) and reports the mean time.
 * Prints "anoncow pages N ns T" (T for all N faults).  Built static: the
 * guest image has no C library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long pages = argc > 1 ? atol(argv[1]) : 1024, psz = sysconf(_SC_PAGESIZE);
	unsigned long long ns = 0;
	int fd[2], status;
	char *p;
	pid_t pid;
	long i;

	if (pages <= 0 || pipe(fd))
		return 2;
	p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 1, pages * psz);	/* present and private in the parent */
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		for (i = 0; i < pages; i++) {
			unsigned long long t = now_ns();

			p[i * psz] = 2;	/* a CoW fault: the parent maps it too */
			ns += now_ns() - t;
		}
		if (write(fd[1], &ns, sizeof(ns)) != sizeof(ns))
			_exit(1);
		_exit(0);
	}
	if (read(fd[0], &ns, sizeof(ns)) != sizeof(ns) ||
	    waitpid(pid, &status, 0) != pid || status)
		return 1;
	printf("anoncow pages %ld ns %llu\n", pages, ns);
	return 0;
}
