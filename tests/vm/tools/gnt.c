// SPDX-License-Identifier: GPL-2.0-only
/*
 * cbps-gnt: act as a backend on a guest's grant, for the VM tests.
 *
 *   cbps-gnt map  DOMID REF OFFSET TEXT   map the grant writable, store
 *                                          TEXT (with its NUL) at OFFSET
 *   cbps-gnt copy DOMID REF OFFSET TEXT   the same through GNTTABOP_copy
 *
 * Exit status: 0 done, 1 the grant operation failed, 2 bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xengnttab.h>

static int parse(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return !*s || *end || errno || *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long dom, ref, off;
	xengnttab_handle *xgt;
	size_t len;
	int rc = 1;

	len = argc == 6 ? strlen(argv[5]) + 1 : 0;
	if (argc != 6 || (strcmp(argv[1], "map") && strcmp(argv[1], "copy")) ||
	    parse(argv[2], 0x7fef, &dom) || parse(argv[3], 0xffffffff, &ref) ||
	    parse(argv[4], 4095, &off) || off + len > 4096) {
		fprintf(stderr, "usage: cbps-gnt map|copy DOMID REF OFFSET TEXT\n");
		return 2;
	}
	xgt = xengnttab_open(NULL, 0);
	if (!xgt) {
		perror("cbps-gnt: xengnttab_open");
		return 1;
	}

	if (!strcmp(argv[1], "map")) {
		char *p = xengnttab_map_grant_ref(xgt, dom, ref,
						  PROT_READ | PROT_WRITE);

		if (!p) {
			perror("cbps-gnt: map");
			goto out;
		}
		memcpy(p + off, argv[5], len);
		if (xengnttab_unmap(xgt, p, 1)) {
			perror("cbps-gnt: unmap");
			goto out;
		}
	} else {
		xengnttab_grant_copy_segment_t seg = {
			.source.virt = argv[5],
			.dest.foreign = { .ref = ref, .offset = off,
					  .domid = dom },
			.len = len,
			.flags = GNTCOPY_dest_gref,
		};

		if (xengnttab_grant_copy(xgt, 1, &seg)) {
			perror("cbps-gnt: copy");
			goto out;
		}
		if (seg.status != GNTST_okay) {
			fprintf(stderr, "cbps-gnt: copy: grant status %d\n",
				seg.status);
			goto out;
		}
	}
	printf("%s: wrote %zu bytes at %lu of d%lu's grant %lu\n", argv[1],
	       len, off, dom, ref);
	rc = 0;
 out:
	xengnttab_close(xgt);
	return rc;
}
