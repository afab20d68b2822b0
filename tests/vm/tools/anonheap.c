// SPDX-License-Identifier: GPL-2.0-only
/*
 * cbps-anonheap: anonymous memory for the sharing tests, in a guest.
 *
 * Every guest that runs it with the same SEED builds the same heap:
 * PAGES anonymous pages, page i holding gen(SEED, i, 0).  Nothing keeps a
 * copy: a page's expected bytes are recomputed from its version (a
 * private reference heap would be shared too).
 *
 *   cbps-anonheap steps SEED PAGES
 *       wait until the heap is shared, then run each path Linux has for
 *       anonymous memory on its own region of it (write, mprotect,
 *       MADV_DONTNEED, munmap, mremap, MADV_PAGEOUT, soft-offline
 *       migration, compaction, three children, fork) and check the
 *       contents after each.
 *       One line per check: "NAME ok|FAIL detail".
 *   cbps-anonheap hold SEED PAGES
 *       build the heap, print "hold PID ADDR PAGES", wait for a signal:
 *       SIGUSR1 checks the heap ("hold-intact ok|FAIL") and exits.
 *   cbps-anonheap torture SEED PAGES SECONDS [GOFILE]
 *       (once GOFILE exists) write random pages of a window that moves over the heap, put
 *       them back to their first bytes (so they share again), check
 *       them, and fork now and then; prints
 *       "torture rounds N forks F mismatches M".
 *
 * /proc/cbps_probe (cs.ko) says which pages are shared.  Built static:
 * the guest image has no C library.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif

#define PG 4096UL
#define WORDS (PG / 8)

static uint64_t seed;
static long pages;
static char *heap;
static unsigned char *ver;	/* each page's version: 0 is the original */
static int failures;
static long writable_seen;

/* Page i's bytes at version v: xorshift64*, never all zero. */
static void gen(uint64_t *p, long i, unsigned int v)
{
	uint64_t x = seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1)) ^
		     ((uint64_t)v << 56) ^ 0x5555;
	unsigned long w;

	for (w = 0; w < WORDS; w++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p[w] = x * 0x2545f4914f6cdd1dULL;
	}
}

static void put(char *base, long i, unsigned int v)
{
	gen((uint64_t *)(base + i * PG), i, v);
	ver[i] = v;
}

/* Pages of [first, first + n) of base that differ from their versions. */
static long mismatches(const char *base, long first, long n)
{
	static uint64_t want[WORDS];
	long i, bad = 0;

	for (i = first; i < first + n; i++) {
		if (ver[i] == 255) {	/* dropped: must read zero */
			static const char zero[PG];

			bad += !!memcmp(base + i * PG, zero, PG);
			continue;
		}
		gen(want, i, ver[i]);
		bad += !!memcmp(base + i * PG, want, PG);
	}
	return bad;
}

static void report(const char *name, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s ", name, ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failures += !ok;
}

/* "anon pages N present P shared S writable W" for n pages at addr. */
static long shared_in(pid_t pid, const char *addr, long n)
{
	unsigned long np, present, shared, writable;
	char cmd[96], out[160];
	ssize_t got;
	int fd;

	snprintf(cmd, sizeof(cmd), "anon %d %lx %ld", pid,
		 (unsigned long)addr, n);
	fd = open("/proc/cbps_probe", O_WRONLY);
	if (fd < 0 || write(fd, cmd, strlen(cmd)) < 0)
		return -1;
	close(fd);
	fd = open("/proc/cbps_probe", O_RDONLY);
	if (fd < 0)
		return -1;
	got = read(fd, out, sizeof(out) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	out[got] = 0;
	if (sscanf(out, "anon pages %lu present %lu shared %lu writable %lu",
		   &np, &present, &shared, &writable) != 4)
		return -1;
	writable_seen += writable;
	return shared;
}

/* Wait up to secs for at least want of n pages at addr to be shared. */
static long wait_shared(pid_t pid, const char *addr, long n, long want,
			int secs)
{
	long s = -1;

	while (secs-- > 0) {
		s = shared_in(pid, addr, n);
		if (s >= want)
			break;
		sleep(1);
	}
	return s;
}

/* pagemap entry of the page at va: bit 63 present, 62 swapped, PFN. */
static uint64_t pagemap(const char *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd >= 0) {
		if (pread(fd, &e, 8, (unsigned long)va / PG * 8) != 8)
			e = 0;
		close(fd);
	}
	return e;
}

static void build(void)
{
	long i;

	heap = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ver = calloc(pages, 1);
	if (heap == MAP_FAILED || !ver) {
		perror("cbps-anonheap: mmap");
		exit(2);
	}
	for (i = 0; i < pages; i++)
		put(heap, i, 0);
}

/* Write region r's pages with version v; then the whole heap checks. */
static void write_region(long first, long n, unsigned int v)
{
	long i;

	for (i = first; i < first + n; i++)
		put(heap, i, v);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);

	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * fork while shared: the child's page tables are copies of the parent's
 * shared entries, validated by Xen when Linux pins them.  Child and
 * parent each write half of the region and must see only their own.
 */
static void step_fork(long first, long n)
{
	int to_child[2], to_parent[2], status;
	long i, bad, s;
	char c;
	pid_t pid;

	if (pipe(to_child) || pipe(to_parent)) {
		report("fork", 0, "pipe: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		report("fork", 0, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		/* Parent and child map the same pages: shared with two PTEs. */
		s = wait_shared(getpid(), heap + first * PG, n, n / 2, 90);
		report("fork-reshared", s > 0,
		       "%ld of %ld pages mapped by parent and child", s, n);
		bad = mismatches(heap, 0, pages);
		for (i = first; i < first + n; i += 2)
			put(heap, i, 2);
		bad += mismatches(heap, 0, pages);
		if (write(to_parent[1], "w", 1) != 1 ||
		    read(to_child[0], &c, 1) != 1)
			bad++;
		/* The parent has written the odd pages: not in our view. */
		bad += mismatches(heap, 0, pages);
		fflush(stdout);
		_exit(bad > 250 ? 250 : bad);
	}
	if (read(to_parent[0], &c, 1) != 1) {
		report("fork", 0, "child died early");
		waitpid(pid, &status, 0);
		return;
	}
	/* Even pages: the child's writes, not ours. */
	bad = mismatches(heap, 0, pages);
	for (i = first + 1; i < first + n; i += 2)
		put(heap, i, 3);
	bad += mismatches(heap, 0, pages);
	if (write(to_child[1], "p", 1) != 1)
		bad++;
	waitpid(pid, &status, 0);
	report("fork-child", WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "status %#x", status);
	report("fork-parent", !bad, "mismatches %ld", bad);
}

/*
 * Three children map the region with the parent, and one of them drops
 * it (MADV_DONTNEED): each page is mapped three times while its anon_vma
 * has four VMAs.  The pages are shared with three user PTEs each, the
 * most a commit names; then every process checks its own view.
 */
static void step_fork3(long first, long n)
{
	int ready[2], go[2], status, ok = 1, i;
	pid_t kids[3];
	long s, bad;
	char c;

	if (pipe(ready) || pipe(go)) {
		report("fork3-shared", 0, "pipe: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	for (i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			if (i == 0) {
				madvise(heap + first * PG, n * PG, MADV_DONTNEED);
				memset(ver + first, 255, n);
			}
			if (write(ready[1], "r", 1) != 1 ||
			    read(go[0], &c, 1) != 1)
				_exit(3);
			bad = mismatches(heap, 0, pages);
			put(heap, first + i, 4 + i);
			bad += mismatches(heap, 0, pages);
			_exit(bad ? 1 : 0);
		}
		if (kids[i] < 0)
			ok = 0;
	}
	for (i = 0; i < 3; i++)
		if (kids[i] > 0 && read(ready[0], &c, 1) != 1)
			ok = 0;
	s = wait_shared(getpid(), heap + first * PG, n, n / 2, 90);
	report("fork3-shared", ok && s > 0,
	       "%ld of %ld pages mapped by three processes", s, n);
	for (i = 0; i < 3; i++)
		if (kids[i] > 0 && write(go[1], "g", 1) != 1)
			ok = 0;
	for (i = 0; i < 3; i++) {
		if (kids[i] <= 0)
			continue;
		waitpid(kids[i], &status, 0);
		ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	report("fork3-children", ok, "each child saw its own data");
	bad = mismatches(heap, 0, pages);
	report("fork3-parent", !bad, "mismatches %ld", bad);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/*
 * The end of a path on the region [first, first + n): write half of it
 * anew and check the whole heap.  The path passed if the region was
 * shared before it (s0) and its own check (ok) held; more adds to the
 * report.
 */
static void region_done(const char *name, long first, long n, long bad,
			long s0, int ok, const char *more)
{
	write_region(first, n / 2, 1);
	bad += mismatches(heap, 0, pages);
	report(name, !bad && s0 > 0 && ok, "mismatches %ld, shared before %ld%s",
	       bad, s0, more);
}

static void steps(void)
{
	long r = pages / 8, i, s, s0, bad, moved, swapped;
	char *p, *q, more[48];

	s = wait_shared(getpid(), heap, pages, pages * 9 / 10, 300);
	report("heap-shared", s >= pages * 9 / 10, "%ld of %ld pages", s,
	       pages);
	report("heap-read", !mismatches(heap, 0, pages), "after sharing");

	/* 1: plain writes into shared pages (CoW breaks in Xen). */
	s0 = shared_in(getpid(), heap, r);
	write_region(0, r, 1);
	bad = mismatches(heap, 0, pages);
	s = shared_in(getpid(), heap, r);
	report("write", !bad && s0 > 0 && s == 0,
	       "mismatches %ld, region shared %ld -> %ld", bad, s0, s);

	/* 2: mprotect read-only (Linux rewrites each PTE), then writable. */
	p = heap + r * PG;
	s0 = shared_in(getpid(), p, r);
	bad = mprotect(p, r * PG, PROT_READ) ? -1 : mismatches(heap, r, r);
	bad += mprotect(p, r * PG, PROT_READ | PROT_WRITE) ? 1 : 0;
	region_done("mprotect", r, r, bad, s0, 1, "");

	/* 3: MADV_DONTNEED drops the pages: zeros, then new writes. */
	p = heap + 2 * r * PG;
	s0 = shared_in(getpid(), p, r);
	madvise(p, r * PG, MADV_DONTNEED);
	memset(ver + 2 * r, 255, r);
	bad = mismatches(heap, 2 * r, r);
	region_done("dontneed", 2 * r, r, bad, s0, 1, "");

	/* 4: munmap, and a new mapping in the hole reads zero. */
	p = heap + 3 * r * PG;
	s0 = shared_in(getpid(), p, r);
	q = munmap(p, r * PG) ? MAP_FAILED :
		mmap(p, r * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	memset(ver + 3 * r, 255, r);
	bad = q == p ? mismatches(heap, 3 * r, r) : -1;
	region_done("munmap", 3 * r, r, bad, s0, 1, "");

	/* 5: mremap the region elsewhere and back (each move rewrites PTEs). */
	p = heap + 4 * r * PG;
	s0 = shared_in(getpid(), p, r);
	q = mmap(NULL, r * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q = q == MAP_FAILED ? q : mremap(p, r * PG, r * PG,
					 MREMAP_MAYMOVE | MREMAP_FIXED, q);
	bad = q == MAP_FAILED ? -1 : mismatches(q - 4 * r * PG, 4 * r, r);
	q = q == MAP_FAILED ? q : mremap(q, r * PG, r * PG,
					 MREMAP_MAYMOVE | MREMAP_FIXED, p);
	bad += q == p ? 0 : 1;
	region_done("mremap", 4 * r, r, bad, s0, 1, "");

	/* 6: swap out (zram) and back in. */
	p = heap + 5 * r * PG;
	s0 = shared_in(getpid(), p, r);
	bad = madvise(p, r * PG, MADV_PAGEOUT) ? -1 : 0;
	for (i = 0, swapped = 0; i < r; i++)
		swapped += (pagemap(p + i * PG) >> 62) & 1;
	bad += mismatches(heap, 5 * r, r);
	snprintf(more, sizeof(more), ", swapped out %ld", swapped);
	region_done("pageout", 5 * r, r, bad, s0, swapped > 0, more);

	/* 7: migration: soft-offline moves each page to a new frame. */
	p = heap + 6 * r * PG;
	s0 = shared_in(getpid(), p, r);
	for (i = 0, moved = 0; i < 16 && i < r; i++) {
		uint64_t before = pagemap(p + i * PG) & ((1ULL << 55) - 1);

		if (madvise(p + i * PG, PG, MADV_SOFT_OFFLINE))
			continue;
		moved += (pagemap(p + i * PG) & ((1ULL << 55) - 1)) != before;
	}
	bad = mismatches(heap, 6 * r, r);
	/* Compaction may move others. */
	if (!write_file("/proc/sys/vm/compact_memory", "1"))
		bad++;
	snprintf(more, sizeof(more), ", moved %ld of 16", moved);
	region_done("migrate", 6 * r, r, bad, s0, moved > 0, more);

	/* 8: three children, and fork with writes on both sides. */
	step_fork3(7 * r, pages - 7 * r);
	s0 = shared_in(getpid(), heap + 7 * r * PG, pages - 7 * r);
	printf("fork: region shared before %ld\n", s0);
	step_fork(7 * r, pages - 7 * r);

	report("never-writable", !writable_seen,
	       "shared pages seen mapped writable: %ld", writable_seen);
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void hold(void)
{
	long bad;

	signal(SIGUSR1, on_usr1);
	printf("hold %d %lx %ld\n", getpid(), (unsigned long)heap, pages);
	fflush(stdout);
	while (!got_usr1)
		pause();
	bad = mismatches(heap, 0, pages);
	shared_in(getpid(), heap, pages);
	report("hold-intact", !bad && !writable_seen,
	       "mismatches %ld, writable %ld", bad, writable_seen);
}

/*
 * Writes move over the heap a window at a time (64 pages, a second
 * each), so that the rest stays still long enough for Xen to share it
 * again; a window's pages go back to their first bytes when it moves on,
 * and the other guest has those.  No probe here: other writers use it.
 */
static void torture(int secs, const char *go)
{
	struct timespec tick = { 0, 100000000 };
	time_t start, end, now;
	long rounds = 0, forks = 0, bad = 0, i, win = 64, w0, last = -1;
	unsigned int r = (unsigned int)seed ^ (unsigned int)getpid();
	struct timespec pause_ = { 0, 2000000 };
	int status;
	pid_t pid;

	/* Built first, so that it is shared before the writes start. */
	while (go && access(go, F_OK))
		nanosleep(&tick, NULL);
	start = time(NULL);
	end = start + secs;
	while ((now = time(NULL)) < end) {
		w0 = (now - start) * win % pages;
		if (w0 != last) {
			if (last >= 0) {
				for (i = last; i < last + win; i++)
					put(heap, i, 0);
				bad += mismatches(heap, 0, pages);
			}
			last = w0;
		}
		i = w0 + rand_r(&r) % win;
		put(heap, i, rand_r(&r) % 2 ? 0 : 1 + rand_r(&r) % 200);
		bad += mismatches(heap, i, 1);
		nanosleep(&pause_, NULL);
		if (++rounds % 1024 == 0) {
			fflush(stdout);
			pid = fork();
			if (pid == 0) {
				long b = mismatches(heap, 0, pages);

				put(heap, w0, 201);
				b += mismatches(heap, 0, pages);
				_exit(b ? 1 : 0);
			}
			if (pid > 0 && waitpid(pid, &status, 0) == pid) {
				forks++;
				bad += !WIFEXITED(status) || WEXITSTATUS(status);
			}
		}
	}
	bad += mismatches(heap, 0, pages);
	printf("torture rounds %ld forks %ld mismatches %ld\n", rounds, forks,
	       bad);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4 || (strcmp(argv[1], "steps") && strcmp(argv[1], "hold") &&
			 strcmp(argv[1], "torture")) ||
	    (!strcmp(argv[1], "torture") && argc < 5)) {
		fprintf(stderr, "usage: cbps-anonheap steps|hold SEED PAGES\n"
				"       cbps-anonheap torture SEED PAGES SECONDS [GOFILE]\n");
		return 2;
	}
	seed = strtoull(argv[2], NULL, 0);
	pages = atol(argv[3]);
	if (pages < 64 || pages > (1L << 20)) {
		fprintf(stderr, "cbps-anonheap: PAGES from 64 to %ld\n",
			1L << 20);
		return 2;
	}
	build();
	if (!strcmp(argv[1], "steps"))
		steps();
	else if (!strcmp(argv[1], "hold"))
		hold();
	else
		torture(atoi(argv[4]), argc > 5 ? argv[5] : NULL);
	return failures ? 1 : 0;
}
