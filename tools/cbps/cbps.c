// SPDX-License-Identifier: GPL-2.0-only
/*
 * cbps: the dom0 tool for cbps, content-based page sharing in Xen.
 *
 *   cbps status            is cbps on, and host-wide counters
 *   cbps list              every registered guest, with totals
 *   cbps census            the sharing census of the last scan cycle
 *   cbps shares            shared frames per guest and in total
 *   cbps scan              the scanner's settings and counters
 *   cbps scan-set [rate=N] [interval=MS] [zero=on|off] [stable=on|off]
 *   cbps post DOMID COUNT  post COUNT test entries into DOMID's ring
 *   cbps group DOMID GROUP put DOMID in sharing group GROUP (0: none)
 *
 * It talks to Xen directly through libxencall (privcmd), with the same
 * interface header the hypervisor and the guest module use.
 *
 * Exit status: 0 done, 1 a call failed, 2 bad usage, 3 cbps not available
 * (off in Xen, or a Xen without cbps).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xencall.h>
#include <xen/xen.h>

#include "cbps.h"

#define EXIT_CALL	1
#define EXIT_USAGE	2
#define EXIT_UNAVAIL	3

static xencall_handle *xch;
static struct xen_cbps_op *op;	/* in hypercall-safe memory */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cbps status\n"
		"       cbps list\n"
		"       cbps census\n"
		"       cbps shares\n"
		"       cbps scan\n"
		"       cbps scan-set [rate=N] [interval=MS] [zero=on|off] "
		"[stable=on|off]\n"
		"       cbps post DOMID COUNT   (COUNT from 1 to %u)\n"
		"       cbps group DOMID GROUP  (GROUP from 0, no group, to %u)\n",
		CBPS_TEST_POST_MAX, UINT32_MAX);
}

/* Run *op; on failure return -errno. */
static int call(uint32_t cmd)
{
	op->cmd = cmd;
	op->pad = 0;
	if (xencall2(xch, __HYPERVISOR_memory_op, XENMEM_cbps_op,
		     (uint64_t)(uintptr_t)op) < 0)
		return -errno;
	return 0;
}

/* Report a failure of cmd_name; returns the exit status to use. */
static int fail(const char *what, int rc)
{
	if (rc == -EOPNOTSUPP) {
		fprintf(stderr, "cbps: cbps is off in Xen (boot Xen with cbps=on)\n");
		return EXIT_UNAVAIL;
	}
	if (rc == -ENOSYS) {
		fprintf(stderr, "cbps: this Xen has no cbps interface\n");
		return EXIT_UNAVAIL;
	}
	fprintf(stderr, "cbps: %s failed: %s\n", what, strerror(-rc));
	return EXIT_CALL;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -1;
	return 0;
}

/*
 * Fill op->u.dom with the registered guest after *next and move *next
 * past it.  Returns 0, -ENOENT when there is none, or another -errno.
 */
static int next_domain(uint32_t *next)
{
	int rc;

	if (*next >= DOMID_FIRST_RESERVED)
		return -ENOENT;
	memset(op, 0, sizeof(*op));
	op->u.dom.domid = *next;
	rc = call(CBPS_OP_domain_info);
	if (!rc)
		*next = op->u.dom.domid + 1u;
	return rc;
}

static int cmd_status(void)
{
	struct cbps_global_stats *s = &op->u.stats;
	int rc;

	memset(op, 0, sizeof(*op));
	rc = call(CBPS_OP_query);
	if (rc)
		return fail("query", rc);
	printf("cbps: on, hypervisor interface %u.%u, tool interface %u.%u\n",
	       CBPS_VERSION_MAJOR(op->u.query.version),
	       CBPS_VERSION_MINOR(op->u.query.version),
	       CBPS_VERSION_MAJOR(CBPS_INTERFACE_VERSION),
	       CBPS_VERSION_MINOR(CBPS_INTERFACE_VERSION));

	memset(op, 0, sizeof(*op));
	rc = call(CBPS_OP_stats);
	if (rc)
		return fail("stats", rc);
	printf("guests registered: %u of at most %u\n", s->nr_registered,
	       s->max_domains);
	printf("registrations since boot: %" PRIu64 "\n", s->registrations);
	printf("ring entries posted since boot: %" PRIu64 "\n", s->posted);
	printf("calls refused as malformed: %" PRIu64 "\n", s->bad_calls);
	return 0;
}

static int cmd_list(void)
{
	struct cbps_dom_stats t = { 0 };
	unsigned int n = 0;
	uint32_t next = 0;
	int rc;

	printf("%5s %10s %10s %10s %10s %9s %9s %8s %8s\n", "DOMID",
	       "RING_MFN", "POSTED", "CONSUMED", "PENDING", "RING_FULL",
	       "RING_ERR", "VIRQS", "KICKS");
	while ((rc = next_domain(&next)) == 0) {
		const struct cbps_dom_stats *s = &op->u.dom.stats;

		printf("%5u %#10" PRIx64 " %10" PRIu64 " %10" PRIu64
		       " %10" PRIu64 " %9" PRIu64 " %9" PRIu64 " %8" PRIu64
		       " %8" PRIu64 "\n",
		       op->u.dom.domid, op->u.dom.ring_mfn, s->posted,
		       s->consumed, s->pending, s->ring_full, s->ring_errors,
		       s->virqs, s->kicks);
		t.posted += s->posted;
		t.consumed += s->consumed;
		t.pending += s->pending;
		t.ring_full += s->ring_full;
		t.ring_errors += s->ring_errors;
		t.virqs += s->virqs;
		t.kicks += s->kicks;
		n++;
	}
	if (rc != -ENOENT)
		return fail("domain_info", rc);
	printf("%5s %10u %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %9" PRIu64
	       " %9" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
	       "total", n, t.posted, t.consumed, t.pending, t.ring_full,
	       t.ring_errors, t.virqs, t.kicks);
	return 0;
}

static void print_census(const char *who, const struct cbps_census *c)
{
	printf("%6s %8" PRIu64 " %7" PRIu64 " %8" PRIu64 " %7" PRIu64
	       " %7" PRIu64 " %8" PRIu64 " %7" PRIu64 " %7" PRIu64
	       " %7" PRIu64 "\n", who, c->scanned, c->zero, c->unstable,
	       c->uncompared, c->unique, c->self_dup, c->shared,
	       c->pagetables, c->other_skipped);
}

/* The census of each registered guest, then the total. */
/*
 * One line per registered guest: frames it holds from the share domain,
 * how its holds ended, and whether it waits for memory; then the total.
 * The host's saving is holders - frames: each shared frame replaces as
 * many guest frames as it has holders.
 */
static int cmd_shares(void)
{
	struct cbps_share_stats *d = &op->u.share.u.dom;
	struct cbps_share_total *t = &op->u.share.u.total;
	uint64_t kinds[3] = { 0, 0, 0 };
	uint32_t next = 0;
	int rc;

	printf("%6s %8s %7s %7s %7s %9s %9s %8s %8s %8s %9s %9s %7s %6s %9s"
	       " %s\n",
	       "DOMID", "HELD", "ANON", "CACHE", "IMAGE", "OFFERED",
	       "COMMITTED", "DECLINED", "REJECTED", "EXPIRED", "COW_BREAK",
	       "TAKEBACK", "ENOMEM", "GROUP", "THROTTLED", "STATE");
	while ((rc = next_domain(&next)) == 0) {
		uint16_t domid = op->u.dom.domid;

		memset(op, 0, sizeof(*op));
		op->u.share.domid = domid;
		rc = call(CBPS_OP_share_info);
		if (rc == -ENOENT || rc == -ESRCH)
			continue;	/* gone meanwhile */
		if (rc)
			return fail("share_info", rc);
		printf("%6u %8" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64
		       " %9" PRIu64 " %9" PRIu64 " %8" PRIu64
		       " %8" PRIu64 " %8" PRIu64 " %9" PRIu64 " %9" PRIu64
		       " %7" PRIu64 " %6u %9" PRIu64 " %s\n", domid, d->held,
		       d->held_anon, d->held_cache, d->held_image, d->offered,
		       d->committed, d->declined, d->rejected, d->expired,
		       d->cow_breaks, d->takebacks, d->enomem, d->group,
		       d->throttled,
		       d->paused ? "paused-no-memory" : "running");
		kinds[0] += d->held_anon;
		kinds[1] += d->held_cache;
		kinds[2] += d->held_image;
	}
	if (rc != -ENOENT)
		return fail("domain_info", rc);

	memset(op, 0, sizeof(*op));
	op->u.share.domid = CBPS_CENSUS_TOTAL;
	rc = call(CBPS_OP_share_info);
	if (rc)
		return fail("share_info", rc);
	printf("shared frames: %" PRIu64 "\n", t->frames);
	printf("holders: %" PRIu64 "\n", t->holders);
	printf("held as: anonymous %" PRIu64 ", page cache %" PRIu64
	       ", kernel image %" PRIu64 ", other %" PRIu64 "\n", kinds[0],
	       kinds[1], kinds[2],
	       t->holders - kinds[0] - kinds[1] - kinds[2]);
	printf("frames saved: %" PRIu64 " (%" PRIu64 " KiB)\n", t->saved,
	       t->saved * 4);
	printf("cow breaks: %" PRIu64 "\n", t->cow_breaks);
	printf("takebacks: %" PRIu64 "\n", t->takebacks);
	printf("unshares without memory: %" PRIu64 "\n", t->enomem);
	printf("pool: %" PRIu64 " frames, %" PRIu64 " free\n", t->pool_frames,
	       t->pool_free);
	return 0;
}

static int cmd_census(void)
{
	struct cbps_census *c = &op->u.census.census;
	uint32_t next = 0;
	char who[8];
	int rc;

	memset(op, 0, sizeof(*op));
	op->u.census.domid = CBPS_CENSUS_TOTAL;
	rc = call(CBPS_OP_census);
	if (rc)
		return fail("census", rc);
	if (!c->cycle) {
		printf("no scan cycle has completed yet\n");
		return 0;
	}
	printf("census of scan cycle %" PRIu64 " (frames; unique and shared "
	       "count distinct contents)\n", c->cycle);
	printf("%6s %8s %7s %8s %7s %7s %8s %7s %7s %7s\n", "DOMID",
	       "SCANNED", "ZERO", "UNSTABLE", "UNCMP", "UNIQUE", "SELF_DUP",
	       "SHARED", "PGTABLE", "SKIPPED");

	while ((rc = next_domain(&next)) == 0) {
		uint16_t domid = op->u.dom.domid;

		memset(op, 0, sizeof(*op));
		op->u.census.domid = domid;
		rc = call(CBPS_OP_census);
		if (rc == -ENOENT || rc == -ESRCH)
			continue;	/* gone meanwhile */
		if (rc)
			return fail("census", rc);
		snprintf(who, sizeof(who), "%u", domid);
		print_census(who, c);
	}
	if (rc != -ENOENT)
		return fail("domain_info", rc);

	memset(op, 0, sizeof(*op));
	op->u.census.domid = CBPS_CENSUS_TOTAL;
	rc = call(CBPS_OP_census);
	if (rc)
		return fail("census", rc);
	print_census("total", c);
	printf("sharing within guests would save %" PRIu64 " frames, "
	       "across guests %" PRIu64 " more\n", c->self_dup,
	       c->inter_saving);
	return 0;
}

static int get_scan(void)
{
	memset(op, 0, sizeof(*op));
	return call(CBPS_OP_scan_info);
}

static int cmd_scan(void)
{
	const struct cbps_scan_info *s = &op->u.scan;
	int rc = get_scan();

	if (rc)
		return fail("scan_info", rc);
	printf("rate: %u frames/s%s\n", s->rate, s->rate ? "" : " (stopped)");
	printf("interval: %u ms\n", s->interval_ms);
	printf("zero frames are candidates: %s\n",
	       s->flags & CBPS_SCAN_F_ZERO ? "yes" : "no");
	printf("skip unstable frames: %s\n",
	       s->flags & CBPS_SCAN_F_STABLE ? "yes" : "no");
	printf("content index: %u entries, %" PRIu64 " KiB; volatility tags: "
	       "%" PRIu64 " KiB\n", s->index_entries, s->index_bytes >> 10,
	       s->tag_bytes >> 10);
	printf("cycles: %" PRIu64 ", passes: %" PRIu64 ", interval splits: %"
	       PRIu64 "\n", s->cycles, s->passes, s->splits);
	printf("frames hashed: %" PRIu64 "\n", s->hashed);
	printf("byte compares: %" PRIu64 " identical, %" PRIu64
	       " collisions, %" PRIu64 " changed since hashed\n",
	       s->identical, s->collisions, s->changed);
	printf("time scanning: %" PRIu64 " ms\n", s->scan_ns / 1000000);
	return 0;
}

/* One "key=value" of scan-set into *s; false when it is not valid. */
static int scan_arg(const char *a, struct cbps_scan_info *s)
{
	unsigned long v;

	if (!strncmp(a, "rate=", 5) && !parse_ulong(a + 5, 10000000, &v))
		s->rate = v;
	else if (!strncmp(a, "interval=", 9) &&
		 !parse_ulong(a + 9, 3600000, &v))
		s->interval_ms = v;
	else if (!strcmp(a, "zero=on"))
		s->flags |= CBPS_SCAN_F_ZERO;
	else if (!strcmp(a, "zero=off"))
		s->flags &= ~CBPS_SCAN_F_ZERO;
	else if (!strcmp(a, "stable=on"))
		s->flags |= CBPS_SCAN_F_STABLE;
	else if (!strcmp(a, "stable=off"))
		s->flags &= ~CBPS_SCAN_F_STABLE;
	else
		return 0;
	return 1;
}

static int cmd_scan_set(int argc, char **argv)
{
	struct cbps_scan_info s;
	int i, rc = get_scan();

	if (rc)
		return fail("scan_info", rc);
	s = op->u.scan;
	for (i = 0; i < argc; i++)
		if (!scan_arg(argv[i], &s)) {
			fprintf(stderr, "cbps: bad setting '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	memset(op, 0, sizeof(*op));
	op->u.scan = s;
	rc = call(CBPS_OP_scan_set);
	if (rc)
		return fail("scan_set", rc);
	return cmd_scan();
}

static int cmd_post(const char *dom, const char *count)
{
	unsigned long d, c;
	int rc;

	if (parse_ulong(dom, DOMID_FIRST_RESERVED - 1, &d) ||
	    parse_ulong(count, CBPS_TEST_POST_MAX, &c) || !c) {
		usage(stderr);
		return EXIT_USAGE;
	}
	memset(op, 0, sizeof(*op));
	op->u.test.domid = d;
	op->u.test.count = c;
	rc = call(CBPS_OP_test_post);
	if (rc == -ENOENT) {
		fprintf(stderr, "cbps: domain %lu has no cbps ring\n", d);
		return EXIT_CALL;
	}
	if (rc == -ESRCH) {
		fprintf(stderr, "cbps: no domain %lu\n", d);
		return EXIT_CALL;
	}
	if (rc)
		return fail("post", rc);
	printf("posted %lu test entries to domain %lu\n", c, d);
	return 0;
}

static int cmd_group(const char *dom, const char *group)
{
	unsigned long d, g;
	int rc;

	if (parse_ulong(dom, DOMID_FIRST_RESERVED - 1, &d) ||
	    parse_ulong(group, UINT32_MAX, &g)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	memset(op, 0, sizeof(*op));
	op->u.group.domid = d;
	op->u.group.group = g;
	rc = call(CBPS_OP_set_group);
	if (rc == -ESRCH) {
		fprintf(stderr, "cbps: no domain %lu\n", d);
		return EXIT_CALL;
	}
	if (rc == -EINVAL) {
		fprintf(stderr, "cbps: domain %lu is not a PV guest that can "
			"share\n", d);
		return EXIT_CALL;
	}
	if (rc == -ENOMEM || rc == -EBUSY) {
		fprintf(stderr, "cbps: domain %lu is in group %lu, but still "
			"shares frames with its old group (%s): run this "
			"again\n", d, g, strerror(-rc));
		return EXIT_CALL;
	}
	if (rc)
		return fail("group", rc);
	if (g)
		printf("domain %lu: sharing group %lu\n", d, g);
	else
		printf("domain %lu: no sharing group\n", d);
	return 0;
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!((!strcmp(argv[1], "status") && argc == 2) ||
	      (!strcmp(argv[1], "list") && argc == 2) ||
	      (!strcmp(argv[1], "census") && argc == 2) ||
	      (!strcmp(argv[1], "shares") && argc == 2) ||
	      (!strcmp(argv[1], "scan") && argc == 2) ||
	      (!strcmp(argv[1], "scan-set") && argc >= 3) ||
	      (!strcmp(argv[1], "post") && argc == 4) ||
	      (!strcmp(argv[1], "group") && argc == 4))) {
		usage(stderr);
		return EXIT_USAGE;
	}

	xch = xencall_open(NULL, 0);
	if (!xch) {
		fprintf(stderr, "cbps: cannot open privcmd: %s (run in dom0)\n",
			strerror(errno));
		return EXIT_CALL;
	}
	op = xencall_alloc_buffer(xch, sizeof(*op));
	if (!op) {
		fprintf(stderr, "cbps: cannot allocate a hypercall buffer\n");
		xencall_close(xch);
		return EXIT_CALL;
	}

	if (!strcmp(argv[1], "status"))
		rc = cmd_status();
	else if (!strcmp(argv[1], "list"))
		rc = cmd_list();
	else if (!strcmp(argv[1], "census"))
		rc = cmd_census();
	else if (!strcmp(argv[1], "shares"))
		rc = cmd_shares();
	else if (!strcmp(argv[1], "scan"))
		rc = cmd_scan();
	else if (!strcmp(argv[1], "scan-set"))
		rc = cmd_scan_set(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "group"))
		rc = cmd_group(argv[2], argv[3]);
	else
		rc = cmd_post(argv[2], argv[3]);

	xencall_free_buffer(xch, op);
	xencall_close(xch);
	return rc;
}
