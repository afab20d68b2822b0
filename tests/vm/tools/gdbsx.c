// SPDX-License-Identifier: GPL-2.0-only
/*
 * cbps-gdbsx: read and write a guest's memory at a virtual address the
 * way the gdbsx debugger does (XEN_DOMCTL_gdbsx_guestmemio), for the VM
 * tests.
 *
 *   cbps-gdbsx read  DOMID ADDR LEN    print LEN bytes at ADDR, in hex
 *   cbps-gdbsx write DOMID ADDR TEXT   store TEXT (with its NUL) at ADDR,
 *                                      then read it back
 *
 * ADDR is a virtual address of the guest (its kernel's, from
 * /proc/kallsyms): Xen walks the page tables of the guest's vCPU 0.  As
 * gdbsx does while attached, the guest is paused for the access (the
 * domctl itself does not ask for it, but a debugger never writes a
 * running guest); a pause nests with the toolstack's.
 *
 * Exit status: 0 done, 1 a call failed or read back other bytes, 2 bad
 * usage.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xencall.h>
#include <xen/xen.h>
#include <xen/domctl.h>

#define MAX_LEN 4096

static xencall_handle *xch;
static struct xen_domctl *dc;	/* in hypercall-safe memory */
static uint8_t *buf;		/* the same: Xen copies to and from it */

static int domctl(uint32_t cmd, uint16_t dom)
{
	dc->cmd = cmd;
	dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc->domain = dom;
	if (xencall1(xch, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)dc) < 0)
		return -errno;
	return 0;
}

/* Read or write len bytes at gva; the bytes not copied, or -errno. */
static int memio(uint16_t dom, uint64_t gva, uint32_t len, int wr)
{
	int rc;

	memset(&dc->u, 0, sizeof(dc->u));
	dc->u.gdbsx_guest_memio.pgd3val = 0;	/* vCPU 0's page tables */
	dc->u.gdbsx_guest_memio.gva = gva;
	dc->u.gdbsx_guest_memio.uva = (uint64_t)(uintptr_t)buf;
	dc->u.gdbsx_guest_memio.len = len;
	dc->u.gdbsx_guest_memio.gwr = wr;
	rc = domctl(XEN_DOMCTL_gdbsx_guestmemio, dom);
	/* Xen copies remain back only on success; -EFAULT: some remain. */
	if (rc == -EFAULT)
		return len;
	return rc ? rc : (int)dc->u.gdbsx_guest_memio.remain;
}

static int parse(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return !*s || *end || errno || *out > max ? -1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: cbps-gdbsx read DOMID ADDR LEN\n"
			"       cbps-gdbsx write DOMID ADDR TEXT\n");
}

int main(int argc, char **argv)
{
	unsigned long dom, addr, len = 0;
	int wr, rc, paused = 0, ret = 1;
	uint32_t i;

	if (argc != 5) {
		usage();
		return 2;
	}
	wr = !strcmp(argv[1], "write");
	if ((!wr && strcmp(argv[1], "read")) || parse(argv[2], 0x7fef, &dom) ||
	    parse(argv[3], ULONG_MAX, &addr) ||
	    (wr ? (len = strlen(argv[4]) + 1) > MAX_LEN
		: parse(argv[4], MAX_LEN, &len) || !len)) {
		usage();
		return 2;
	}

	xch = xencall_open(NULL, 0);
	if (!xch) {
		perror("cbps-gdbsx: xencall_open");
		return 1;
	}
	dc = xencall_alloc_buffer(xch, sizeof(*dc));
	buf = xencall_alloc_buffer(xch, MAX_LEN);
	if (!dc || !buf) {
		perror("cbps-gdbsx: xencall_alloc_buffer");
		goto out;
	}
	memset(dc, 0, sizeof(*dc));

	rc = domctl(XEN_DOMCTL_pausedomain, dom);
	if (rc) {
		fprintf(stderr, "cbps-gdbsx: pause d%lu: %s\n", dom,
			strerror(-rc));
		goto out;
	}
	paused = 1;

	if (wr) {
		memcpy(buf, argv[4], len);
		rc = memio(dom, addr, len, 1);
		if (rc) {
			fprintf(stderr, "cbps-gdbsx: write d%lu %#lx: %s\n", dom,
				addr, rc < 0 ? strerror(-rc) : "refused");
			goto out;
		}
		memset(buf, 0, len);
	}
	rc = memio(dom, addr, len, 0);
	if (rc) {
		fprintf(stderr, "cbps-gdbsx: read d%lu %#lx: %s\n", dom, addr,
			rc < 0 ? strerror(-rc) : "refused");
		goto out;
	}
	if (wr) {
		if (memcmp(buf, argv[4], len)) {
			fprintf(stderr, "cbps-gdbsx: d%lu %#lx reads back other "
				"bytes\n", dom, addr);
			goto out;
		}
		printf("wrote %lu bytes at %#lx of d%lu\n", len, addr, dom);
	} else {
		for (i = 0; i < len; i++)
			printf("%02x", buf[i]);
		printf("\n");
	}
	ret = 0;

 out:
	if (paused && (rc = domctl(XEN_DOMCTL_unpausedomain, dom))) {
		fprintf(stderr, "cbps-gdbsx: unpause d%lu: %s\n", dom,
			strerror(-rc));
		ret = 1;
	}
	if (buf)
		xencall_free_buffer(xch, buf);
	if (dc)
		xencall_free_buffer(xch, dc);
	xencall_close(xch);
	return ret;
}
