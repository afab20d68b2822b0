// SPDX-License-Identifier: GPL-2.0-only
/*
 * cbps-recount: an offline sharing census of guest memory dumps, to check
 * the live census Xen keeps (cbps census) against.
 *
 *   cbps-recount DOMID=CORE [DOMID=CORE ...]
 *
 * Each CORE is an `xl dump-core` file.  Its .xen_pages section holds every
 * frame of the guest.  The census uses the same definitions as Xen's
 * (include/cbps.h, struct cbps_census) but none of its code: frames are
 * told apart by a 128-bit key of two unrelated hashes (FNV-1a and a
 * multiply-rotate sum), not by xxHash64 and byte compares, and there are
 * no filters, so page tables and other special frames are counted too.
 * Zero frames are counted apart, as with zero=off.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096

struct frame {
	uint64_t k1, k2;	/* content key */
	uint32_t dom;		/* index into doms[] */
};

struct dom {
	unsigned long domid;
	uint64_t frames, zero, unique, self_dup, shared;
};

static struct frame *frames;
static size_t nframes, capframes;

static void key(const uint8_t *p, uint64_t *k1, uint64_t *k2)
{
	uint64_t h = 0xcbf29ce484222325ULL, s = 0;
	size_t i;

	for (i = 0; i < PAGE; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	for (i = 0; i < PAGE; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		s = ((s << 13) | (s >> 51)) + w * 0x9e3779b97f4a7c15ULL + i;
	}
	*k1 = h;
	*k2 = s;
}

static int is_zero(const uint8_t *p)
{
	size_t i;

	for (i = 0; i < PAGE; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The .xen_pages section of an ELF64 core: its bytes and length. */
static const uint8_t *xen_pages(const uint8_t *f, size_t len, size_t *out)
{
	const Elf64_Ehdr *eh = (const void *)f;
	const Elf64_Shdr *sh, *str;
	unsigned int i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > len ||
	    eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	sh = (const void *)(f + eh->e_shoff);
	str = &sh[eh->e_shstrndx];
	for (i = 0; i < eh->e_shnum; i++) {
		const char *name = (const char *)f + str->sh_offset +
				   sh[i].sh_name;

		if (str->sh_offset + sh[i].sh_name >= len)
			continue;
		if (!strcmp(name, ".xen_pages") &&
		    sh[i].sh_offset + sh[i].sh_size <= len) {
			*out = sh[i].sh_size;
			return f + sh[i].sh_offset;
		}
	}
	return NULL;
}

static int add_core(const char *path, uint32_t dom, struct dom *d)
{
	const uint8_t *map, *pages;
	size_t len, n, i;
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "cbps-recount: %s: %s\n", path, strerror(errno));
		return -1;
	}
	len = st.st_size;
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		fprintf(stderr, "cbps-recount: %s: %s\n", path, strerror(errno));
		return -1;
	}
	pages = xen_pages(map, len, &n);
	if (!pages || n % PAGE) {
		fprintf(stderr, "cbps-recount: %s: no .xen_pages section\n",
			path);
		munmap((void *)map, len);
		return -1;
	}
	for (i = 0; i < n / PAGE; i++) {
		const uint8_t *p = pages + i * PAGE;

		d->frames++;
		if (is_zero(p)) {
			d->zero++;
			continue;
		}
		if (nframes == capframes) {
			capframes = capframes ? 2 * capframes : 65536;
			frames = realloc(frames, capframes * sizeof(*frames));
			if (!frames) {
				fprintf(stderr, "cbps-recount: out of memory\n");
				exit(1);
			}
		}
		key(p, &frames[nframes].k1, &frames[nframes].k2);
		frames[nframes++].dom = dom;
	}
	munmap((void *)map, len);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	const struct frame *x = a, *y = b;

	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	if (x->k2 != y->k2)
		return x->k2 < y->k2 ? -1 : 1;
	return (x->dom > y->dom) - (x->dom < y->dom);
}

int main(int argc, char **argv)
{
	struct dom *doms = calloc(argc, sizeof(*doms));
	uint64_t inter = 0;
	struct dom t = { 0 };
	size_t i, j;
	int a, nd = argc - 1;

	if (argc < 2 || !doms) {
		fprintf(stderr, "usage: cbps-recount DOMID=CORE [DOMID=CORE ...]\n");
		return 2;
	}
	for (a = 1; a < argc; a++) {
		char *eq = strchr(argv[a], '='), *end;

		doms[a - 1].domid = strtoul(argv[a], &end, 10);
		if (!eq || end != eq || end == argv[a]) {
			fprintf(stderr, "cbps-recount: '%s' is not DOMID=CORE\n",
				argv[a]);
			return 2;
		}
		if (add_core(eq + 1, a - 1, &doms[a - 1]))
			return 1;
	}

	qsort(frames, nframes, sizeof(*frames), cmp);
	for (i = 0; i < nframes; i = j) {
		unsigned int ndoms = 0;
		size_t k;

		for (j = i; j < nframes && frames[j].k1 == frames[i].k1 &&
			    frames[j].k2 == frames[i].k2; j++)
			;
		/* Runs are sorted by domain within one content. */
		for (k = i; k < j; k++) {
			if (k > i && frames[k].dom == frames[k - 1].dom)
				doms[frames[k].dom].self_dup++;
			else
				ndoms++;
		}
		for (k = i; k < j; k++)
			if (k == i || frames[k].dom != frames[k - 1].dom) {
				if (ndoms > 1)
					doms[frames[k].dom].shared++;
				else
					doms[frames[k].dom].unique++;
			}
		inter += ndoms - 1;
	}

	printf("%6s %8s %7s %7s %8s %7s\n", "DOMID", "FRAMES", "ZERO",
	       "UNIQUE", "SELF_DUP", "SHARED");
	for (a = 0; a < nd; a++) {
		struct dom *d = &doms[a];

		printf("%6lu %8" PRIu64 " %7" PRIu64 " %7" PRIu64 " %8" PRIu64
		       " %7" PRIu64 "\n", d->domid, d->frames, d->zero,
		       d->unique, d->self_dup, d->shared);
		t.frames += d->frames;
		t.zero += d->zero;
		t.unique += d->unique;
		t.self_dup += d->self_dup;
		t.shared += d->shared;
	}
	printf("%6s %8" PRIu64 " %7" PRIu64 " %7" PRIu64 " %8" PRIu64 " %7"
	       PRIu64 "\n", "total", t.frames, t.zero, t.unique, t.self_dup,
	       t.shared);
	printf("sharing within guests would save %" PRIu64 " frames, "
	       "across guests %" PRIu64 " more\n", t.self_dup, inter);
	free(frames);
	free(doms);
	return 0;
}
