// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fuzzer of cbps_hostile.ko ("fuzz SECS SEED"): for SECS seconds,
 * XENMEM_cbps_op calls with random, boundary and replayed values (seeded:
 * a run can be repeated), a few page-table installs of frames that are
 * not ours, and abuse of the ring's header.  Never CBPS_OP_unregister:
 * registering again with a random frame would legitimately let Xen write
 * a ring header into that page of ours.
 *
 * Every call is counted by command and by return value.  A return value
 * that is not one of the errnos the interface documents is "unexpected";
 * a call that must fail (randomised commits, control ops, a second ring,
 * malformed arguments, bad pointers) and returned 0 is an "unexpected
 * success", and so is an install that left a frame mapped that is not
 * ours, or a shared frame.
 */
#define pr_fmt(fmt) "cbps_hostile: " fmt

#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <xen/page.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "hostile.h"

#define HS_AD		((u64)(_PAGE_ACCESSED | _PAGE_DIRTY))

/* Buckets: the cbps sub-ops 0..15, then what is not one. */
enum {
	FZ_HUGE = 16,		/* cmd > 15 */
	FZ_PTR,			/* the op pointer itself is bad */
	FZ_INSTALL,		/* update_va_mapping / mmu_update */
	FZ_LIVE,		/* commits of live offers, one thing wrong */
	FZ_BUCKETS
};

static const char *const fz_name[FZ_BUCKETS] = {
	"query", "register", "unregister", "kick", "domain_info", "stats",
	"test_post", "census", "scan_info", "scan_set", "commit",
	"unshare_all", "share_info", "decline", "set_group", "cmd15",
	"cmd>15", "bad-pointer", "install", "commit-live",
};

/* The errnos the interface documents; the last bucket is "other". */
static const int fz_errno[] = {
	0, -EPERM, -ENOENT, -ESRCH, -EAGAIN, -ENOMEM, -EFAULT, -EBUSY,
	-EEXIST, -EINVAL, -ENOSPC, -EOPNOTSUPP,
};

#define FZ_ERRS		(ARRAY_SIZE(fz_errno) + 1)
#define FZ_EXAMPLES	8

/*
 * Read-only data (not all zeros, so not in .bss): Xen's answer to this
 * query cannot be written back, and must not be.
 */
static const struct xen_cbps_op fz_ro_op = {
	.cmd = CBPS_OP_query,
	.u.raw[127] = 0x5a,
};

struct fz {
	u64 rng;
	u64 calls, by[FZ_BUCKETS][FZ_ERRS];
	u64 unexpected_success, unexpected_errno, busy;
	char example[FZ_EXAMPLES][160];
	unsigned int nr_examples;
	/* What the calls name, refreshed from hs now and then. */
	u64 own[HS_PAGES], pte[HS_PAGES], p2m[HS_PAGES];
	u64 held[HS_PAGES];
	unsigned int nr_held;
	struct hs_offer given[HS_GIVEN], seen[HS_SEEN];
	unsigned int nr_given, nr_seen;
	u64 unheld[HS_UNHELD];
	unsigned int nr_unheld;
	u64 ring_mfn, ring_ma, scratch_mfn, scratch_pte_ma, l2e_ma;
	u8 buf[sizeof(struct xen_cbps_op) + 16] __aligned(16);
};

static struct fz *fz;

/* splitmix64: the seed says everything about a run. */
static u64 rnd(void)
{
	u64 z = (fz->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 pick(const u64 *v, unsigned int n, u64 dflt)
{
	return n ? v[rnd() % n] : dflt;
}

static u64 delta(u64 v)
{
	return v + (rnd() % 9) - 4;
}

static u64 boundary(void)
{
	static const u64 b[] = {
		0, 1, 2, ~0ULL, ~0ULL - 1, 1ULL << 31, (1ULL << 32) - 1,
		1ULL << 32, 1ULL << 63, (1ULL << 63) - 1, 0x7fffffff,
		1ULL << 40, 1ULL << 52, (1ULL << 52) - 1, CBPS_INVALID_MFN,
		0xdeadbeef, 0x8000000000000001ULL,
	};
	unsigned int i = rnd() % (ARRAY_SIZE(b) + 2);

	if (i == ARRAY_SIZE(b))
		return machine_to_phys_nr;
	if (i == ARRAY_SIZE(b) + 1)
		return machine_to_phys_nr - 1;
	return b[i];
}

static u64 pick_mfn(void)
{
	const struct hs_offer *o;

	switch (rnd() % 11) {
	case 0:
		return boundary();
	case 1:
		return rnd();
	case 2:
		return rnd() % machine_to_phys_nr;
	case 3:
		return delta(fz->own[rnd() % HS_PAGES]);
	case 4:
		return delta(pick(fz->held, fz->nr_held, fz->own[0]));
	case 5:
		if (!fz->nr_given)
			return rnd();
		o = &fz->given[rnd() % fz->nr_given];
		return rnd() & 1 ? o->from : delta(o->to);
	case 6:
		return delta(pick(fz->unheld, fz->nr_unheld, rnd()));
	case 7:
		if (!fz->nr_seen)
			return rnd();
		o = &fz->seen[rnd() % fz->nr_seen];
		return rnd() & 1 ? o->from : o->to;
	case 8:
		return rnd() & 1 ? fz->ring_mfn : fz->scratch_mfn;
	default:
		return fz->own[rnd() % HS_PAGES];
	}
}

/* A machine address for pte_maddr[] or p2m_maddr. */
static u64 pick_ma(void)
{
	unsigned int i = rnd() % HS_PAGES;

	switch (rnd() % 12) {
	case 0:
		return pick_mfn() << PAGE_SHIFT | (rnd() & 0xfff);
	case 1:
		return fz->pte[i];		/* an L1 entry of another */
	case 2:
		return fz->pte[i] + 1 + rnd() % 7;	/* unaligned */
	case 3:
		return fz->pte[i] ^ (8 * (1 + rnd() % 16));	/* nearby */
	case 4:
		return fz->ring_ma + (rnd() & 0xff8);
	case 5:
		return fz->scratch_pte_ma;
	case 6:
		return fz->p2m[i];
	case 7:
		return boundary();
	case 8:
		return rnd();
	case 9:
		return pick(fz->held, fz->nr_held, 0) << PAGE_SHIFT |
		       (rnd() & 0xff8);
	case 10:
		return fz->l2e_ma;
	default:
		return (fz->nr_given ? fz->given[rnd() % fz->nr_given].from :
			rnd()) << PAGE_SHIFT | (rnd() & 0xff8);
	}
}

static void fz_refresh(void)
{
	unsigned int i;

	mutex_lock(&hs.lock);
	fz->nr_held = 0;
	for (i = 0; i < HS_PAGES; i++) {
		fz->own[i] = hs_p2m(hs.pg[i].pfn);
		fz->pte[i] = hs.pg[i].pte_ma;
		fz->p2m[i] = hs_p2m_ma(hs.pg[i].pfn);
		if (hs_shared(i))
			fz->held[fz->nr_held++] = hs.pg[i].s;
	}
	fz->nr_given = min_t(unsigned int, hs.nr_given, HS_GIVEN);
	memcpy(fz->given, hs.given, sizeof(fz->given));
	fz->nr_seen = min_t(unsigned int, hs.nr_seen, HS_SEEN);
	memcpy(fz->seen, hs.seen, sizeof(fz->seen));
	fz->nr_unheld = min_t(unsigned int, hs.nr_unheld, HS_UNHELD);
	memcpy(fz->unheld, hs.unheld, sizeof(fz->unheld));
	mutex_unlock(&hs.lock);
}

static unsigned int fz_errno_idx(int rc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fz_errno); i++)
		if (fz_errno[i] == rc)
			return i;
	return ARRAY_SIZE(fz_errno);
}

static void fz_example(const char *what, const struct xen_cbps_op *op,
		       int rc)
{
	if (fz->nr_examples >= FZ_EXAMPLES)
		return;
	snprintf(fz->example[fz->nr_examples++], 160,
		 "%s: cmd %u pad %u from %#llx to %#llx nr %u kind %u pte0 %#llx p2m %#llx rc %d",
		 what, op->cmd, op->pad, op->u.commit.from_mfn,
		 op->u.commit.to_mfn, op->u.commit.nr_ptes, op->u.commit.kind,
		 op->u.commit.pte_maddr[0], op->u.commit.p2m_maddr, rc);
}

static void fz_count(unsigned int bucket, int rc, bool must_fail,
		     const struct xen_cbps_op *op)
{
	unsigned int e = fz_errno_idx(rc);

	fz->calls++;
	fz->by[bucket][e]++;
	if (rc == -EBUSY)
		fz->busy++;
	if (e == ARRAY_SIZE(fz_errno)) {
		fz->unexpected_errno++;
		fz_example("unexpected errno", op, rc);
	}
	if (must_fail && !rc) {
		fz->unexpected_success++;
		fz_example("unexpected success", op, rc);
	}
}

/*
 * A commit that cannot be right: if it names one of our frames and that
 * frame's p2m word, the word of its neighbour instead (Xen checks the
 * word holds from_mfn).  Then no offer, live or not, can make it succeed.
 */
static void fz_sanitize_commit(struct xen_cbps_op *op)
{
	unsigned long pfn;

	if (!hs_own(op->u.commit.from_mfn, &pfn) ||
	    op->u.commit.p2m_maddr != hs_p2m_ma(pfn))
		return;
	op->u.commit.p2m_maddr = hs_p2m_ma(pfn + 1 < xen_p2m_size ?
					   pfn + 1 : pfn - 1);
}

static void fz_commit(struct xen_cbps_op *op)
{
	unsigned int i;
	const struct hs_offer *o;

	op->cmd = CBPS_OP_commit;
	switch (rnd() % 5) {
	case 0:		/* a stale offer, or one we took, replayed */
		if (fz->nr_seen) {
			o = &fz->seen[rnd() % fz->nr_seen];
			op->u.commit.from_mfn = o->from;
			op->u.commit.to_mfn = o->to;
			break;
		}
		fallthrough;
	case 1:		/* a frame we gave back, and its shared frame */
		if (fz->nr_given) {
			o = &fz->given[rnd() % fz->nr_given];
			op->u.commit.from_mfn = o->from;
			op->u.commit.to_mfn = o->to;
			break;
		}
		fallthrough;
	case 2:		/* one of ours to a shared frame */
		op->u.commit.from_mfn = fz->own[rnd() % HS_PAGES];
		op->u.commit.to_mfn = pick(fz->held, fz->nr_held, pick_mfn());
		break;
	default:
		op->u.commit.from_mfn = pick_mfn();
		op->u.commit.to_mfn = rnd() % 8 ? pick_mfn() :
					op->u.commit.from_mfn;
		break;
	}
	switch (rnd() % 8) {
	case 0:
		op->u.commit.nr_ptes = 0;
		break;
	case 1:
		op->u.commit.nr_ptes = CBPS_COMMIT_MAX_PTES + 1;
		break;
	case 2:
		op->u.commit.nr_ptes = rnd();
		break;
	default:
		op->u.commit.nr_ptes = 1 + rnd() % CBPS_COMMIT_MAX_PTES;
		break;
	}
	for (i = 0; i < CBPS_COMMIT_MAX_PTES; i++)
		op->u.commit.pte_maddr[i] = pick_ma();
	/* Often the frame's own entry: the other checks must hold then. */
	if (rnd() & 1) {
		unsigned long pfn;
		int k;

		if (hs_own(op->u.commit.from_mfn, &pfn))
			for (k = 0; k < HS_PAGES; k++)
				if (hs.pg[k].pfn == pfn)
					op->u.commit.pte_maddr[0] = fz->pte[k];
	}
	op->u.commit.p2m_maddr = rnd() % 3 ? pick_ma() :
				 fz->p2m[rnd() % HS_PAGES];
	switch (rnd() % 8) {
	case 0:
		op->u.commit.kind = CBPS_KIND_ANON + 1;
		break;
	case 1:
		op->u.commit.kind = rnd();
		break;
	default:
		op->u.commit.kind = rnd() % (CBPS_KIND_ANON + 1);
		break;
	}
	fz_sanitize_commit(op);
}

/* A decline must have kind 0 or 1 and nothing but from and to. */
static bool fz_decline_malformed(const struct xen_cbps_op *op)
{
	return op->u.commit.kind > CBPS_DECLINE_INELIGIBLE ||
	       op->u.commit.p2m_maddr || op->u.commit.nr_ptes ||
	       op->u.commit.pte_maddr[0] || op->u.commit.pte_maddr[1] ||
	       op->u.commit.pte_maddr[2] || op->u.commit.pte_maddr[3];
}

/* Returns whether it must fail. */
static bool fz_decline(struct xen_cbps_op *op)
{
	const struct hs_offer *o;
	unsigned int i;

	op->cmd = CBPS_OP_decline;
	if (rnd() % 5 < 3 && fz->nr_seen) {
		o = &fz->seen[rnd() % fz->nr_seen];
		op->u.commit.from_mfn = o->from;
		op->u.commit.to_mfn = o->to;
	} else {
		op->u.commit.from_mfn = pick_mfn();
		op->u.commit.to_mfn = pick_mfn();
	}
	op->u.commit.kind = rnd() % 10 < 7 ? rnd() % 2 : rnd();
	if (rnd() % 10 < 3) {
		op->u.commit.p2m_maddr = rnd() & 1 ? pick_ma() : 0;
		op->u.commit.nr_ptes = rnd() & 1 ? rnd() : 0;
		for (i = 0; i < CBPS_COMMIT_MAX_PTES; i++)
			op->u.commit.pte_maddr[i] = rnd() % 4 ? 0 : pick_ma();
	}
	return fz_decline_malformed(op);
}

static void fz_random_union(struct xen_cbps_op *op)
{
	unsigned int i;
	u64 *w = (u64 *)&op->u;

	for (i = 0; i < sizeof(op->u) / sizeof(u64); i++)
		w[i] = rnd() % 4 ? rnd() : boundary();
}

/* share_info with a random domid and pad: only DOMID_SELF may answer. */
static bool fz_share_info(struct xen_cbps_op *op)
{
	static const u16 ids[] = {
		DOMID_SELF, DOMID_SELF, 0, 1, 2, 3, CBPS_CENSUS_TOTAL,
		DOMID_IO, DOMID_XEN, 0x7ff5,
	};

	op->cmd = CBPS_OP_share_info;
	op->u.share.domid = rnd() % 8 ? ids[rnd() % ARRAY_SIZE(ids)] : rnd();
	if (!(rnd() % 6))
		op->u.share.pad[rnd() % 3] = rnd() | 1;
	return op->u.share.domid != DOMID_SELF || op->u.share.pad[0] ||
	       op->u.share.pad[1] || op->u.share.pad[2];
}

/* Any command, any bytes: whether it must fail follows from them. */
static bool fz_any(struct xen_cbps_op *op)
{
	fz_random_union(op);
	switch (rnd() % 4) {
	case 0:
		op->cmd = 16 + rnd() % 64;
		break;
	case 1:
		op->cmd = rnd() & 1 ? 0x80000000u : ~0u;
		break;
	case 2:
		op->cmd = rnd();
		break;
	default:
		op->cmd = rnd() % 16;
		break;
	}
	switch (op->cmd) {
	case CBPS_OP_unregister:	/* never: see the top */
	case CBPS_OP_unshare_all:	/* rare, on its own */
		op->cmd = CBPS_OP_kick;
		fallthrough;
	case CBPS_OP_query:
	case CBPS_OP_kick:
		return false;
	case CBPS_OP_share_info:
		return op->u.share.domid != DOMID_SELF || op->u.share.pad[0] ||
		       op->u.share.pad[1] || op->u.share.pad[2];
	case CBPS_OP_decline:
		return fz_decline_malformed(op);
	case CBPS_OP_commit:
		fz_sanitize_commit(op);
		return true;
	default:
		return true;	/* a second ring, control ops, unknown */
	}
}

static void fz_register(struct xen_cbps_op *op)
{
	op->cmd = CBPS_OP_register;
	switch (rnd() % 6) {
	case 0:
		op->u.reg.ring_gfn = fz->ring_mfn;	/* our ring, again */
		break;
	case 1:
		op->u.reg.ring_gfn = fz->own[rnd() % HS_PAGES];
		break;
	case 2:
		op->u.reg.ring_gfn = fz->nr_given ?
			fz->given[rnd() % fz->nr_given].from : rnd();
		break;
	default:
		op->u.reg.ring_gfn = pick_mfn();
		break;
	}
}

static void fz_control(struct xen_cbps_op *op)
{
	static const u32 cmds[] = {
		CBPS_OP_domain_info, CBPS_OP_stats, CBPS_OP_test_post,
		CBPS_OP_census, CBPS_OP_scan_info, CBPS_OP_scan_set,
		CBPS_OP_set_group,
	};

	op->cmd = cmds[rnd() % ARRAY_SIZE(cmds)];
	if (rnd() & 1)
		fz_random_union(op);
}

/* The op pointer: NULL, user, non-canonical, Xen's, read-only, ours. */
static void fz_pointer(void)
{
	static const unsigned long bad[] = {
		0, 8, 0x1000, 0x7ffffffff000UL, 0x00007ffffffffff0UL,
		0x0000800000000000UL, 0x8000000000000000UL,
		0xffff800000000000UL, 0xffff87fffffffff8UL,
		0xffff880000000000UL, 0xffffffffffffff80UL,
	};
	unsigned int n = rnd() % (ARRAY_SIZE(bad) + 2);
	struct xen_cbps_op dummy = { .cmd = ~0u };
	bool must_fail = true;
	void *p;
	int rc;

	if (n < ARRAY_SIZE(bad)) {
		p = (void *)bad[n];
	} else if (n == ARRAY_SIZE(bad)) {
		/* query: Xen's answer goes to our read-only data */
		p = (void *)&fz_ro_op;
	} else {
		/* The bytes of a pattern page (shared or not) as the op. */
		const u8 *va = hs.pg[rnd() % HS_PAGES].va;
		unsigned int off = (rnd() % (PAGE_SIZE - sizeof(dummy))) & ~3;

		/* Only with pad != 0: then no command runs. */
		if (!*(const u32 *)(va + off + 4))
			return;
		p = (void *)(va + off);
	}
	rc = HYPERVISOR_memory_op(XENMEM_cbps_op, p);
	fz_count(FZ_PTR, rc, must_fail, &dummy);
	if (fz_ro_op.u.query.version || fz_ro_op.u.query.flags) {
		fz->unexpected_success++;
		fz_example("read-only op written", &dummy, rc);
	}
}

/*
 * Install a frame at the scratch entry: a shared frame we hold (Xen
 * must map our own copy), one we do not, one we gave back, ours, or
 * anything.  What ends up mapped must be ours and not shared.
 */
static void fz_install(void)
{
	struct xen_cbps_op dummy = { .cmd = ~0u };
	bool rw = rnd() & 1, mmu = rnd() & 1, bad = false;
	u64 mfn, val, raw, m;
	int rc;

	switch (rnd() % 5) {
	case 0:
		mfn = pick(fz->held, fz->nr_held, pick_mfn());
		break;
	case 1:
		mfn = pick(fz->unheld, fz->nr_unheld, pick_mfn());
		break;
	case 2:
		mfn = fz->nr_given ? fz->given[rnd() % fz->nr_given].from :
		      pick_mfn();
		break;
	case 3:
		mfn = fz->own[rnd() % HS_PAGES];
		break;
	default:
		mfn = pick_mfn() & ((1ULL << 40) - 1);
		break;
	}
	val = mfn << PAGE_SHIFT | (hs.scratch_pte & ~(u64)PTE_PFN_MASK);
	if (!rw)
		val &= ~(u64)_PAGE_RW;
	dummy.u.commit.from_mfn = mfn;
	dummy.u.commit.kind = rw | mmu << 1;

	mutex_lock(&hs.lock);
	rc = hs_map_scratch(val, mmu);
	raw = hs_scratch_now();
	m = hs_pte_mfn(raw);
	if (rc)
		bad = (raw & ~HS_AD) != (hs.scratch_pte & ~HS_AD);
	else
		bad = !hs_own(m, NULL) || hs_is_held(m);
	hs_unmap_scratch();
	mutex_unlock(&hs.lock);

	fz_count(FZ_INSTALL, rc, false, &dummy);
	if (bad) {
		fz->unexpected_success++;
		dummy.u.commit.to_mfn = raw;
		fz_example("install left a foreign or shared frame", &dummy,
			   rc);
	}
}

/*
 * A live offer for a pattern page (the consumer keeps some for us while
 * we run), committed with its real arguments but for one or two things
 * wrong that Xen must catch: a p2m word or entry that is not the frame's,
 * a bad count or kind, or a writable mapping the commit does not name.
 * Xen takes the offer before it reads the entries, so this reaches the
 * commit's deeper checks, which replayed offers never do.  It must fail
 * and leave the page as it was.
 */
static void fz_live(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_commit };
	bool hidden = false, bad = false;
	const struct hs_page *p;
	struct hs_offer o;
	unsigned int i, n;
	u64 before, raw;
	int rc, best = -1;

	mutex_lock(&hs.lock);
	for (i = 0; i < HS_LIVE; i++) {
		struct hs_offer *l = &hs.live[i];

		if (!l->from)
			continue;
		if (time_after(jiffies, l->when + 20 * HZ)) {
			hs_decline(l->from, l->to, CBPS_DECLINE_BUSY);
			l->from = 0;
			continue;
		}
		best = i;
	}
	if (best < 0) {
		mutex_unlock(&hs.lock);
		return;
	}
	o = hs.live[best];
	hs.live[best].from = 0;
	p = &hs.pg[o.idx];
	if (hs_p2m(p->pfn) != o.from) {
		hs_decline(o.from, o.to, CBPS_DECLINE_BUSY);
		mutex_unlock(&hs.lock);
		return;
	}
	before = READ_ONCE(hs_kpte((unsigned long)p->va)->pte);
	op.u.commit.from_mfn = o.from;
	op.u.commit.to_mfn = o.to;
	op.u.commit.p2m_maddr = hs_p2m_ma(p->pfn);
	op.u.commit.nr_ptes = 1;
	op.u.commit.kind = rnd() % (CBPS_KIND_ANON + 1);
	op.u.commit.pte_maddr[0] = p->pte_ma;

	for (n = 1 + rnd() % 2; n--;) {
		switch (rnd() % 7) {
		case 0:
			op.u.commit.p2m_maddr = rnd() & 1 ? pick_ma() :
				hs_p2m_ma(p->pfn + 1 < xen_p2m_size ?
					  p->pfn + 1 : p->pfn - 1);
			if (op.u.commit.p2m_maddr == hs_p2m_ma(p->pfn))
				op.u.commit.p2m_maddr += 8;
			break;
		case 1:
			op.u.commit.pte_maddr[0] = pick_ma();
			if (op.u.commit.pte_maddr[0] == p->pte_ma)
				op.u.commit.pte_maddr[0] ^= 8;
			break;
		case 2:
			op.u.commit.nr_ptes = rnd() & 1 ? 0 :
				CBPS_COMMIT_MAX_PTES + 1 + rnd() % 1000;
			break;
		case 3:
			op.u.commit.kind = CBPS_KIND_ANON + 1 + rnd() % 1000;
			break;
		case 4:
			hidden = true;
			break;
		case 5:
			op.u.commit.nr_ptes = 2;
			op.u.commit.pte_maddr[1] = rnd() & 1 ? p->pte_ma :
						   pick_ma();
			break;
		default:
			op.u.commit.pte_maddr[0] = p->pte_ma + 1 + rnd() % 7;
			break;
		}
	}
	/* Naming the hidden mapping too would make the commit right. */
	for (i = 0; hidden && i < CBPS_COMMIT_MAX_PTES; i++)
		if (op.u.commit.pte_maddr[i] == hs.scratch_pte_ma)
			op.u.commit.pte_maddr[i] = p->pte_ma + 1;
	if (hidden && hs_map_scratch(o.from << PAGE_SHIFT |
				     (hs.scratch_pte & ~(u64)PTE_PFN_MASK) |
				     _PAGE_RW, false))
		op.u.commit.nr_ptes = 0;	/* no mapping: something else */
	rc = hs_op(&op);
	if (hidden)
		hs_unmap_scratch();
	if (rc) {
		hs_decline(o.from, o.to, CBPS_DECLINE_BUSY);
		raw = READ_ONCE(hs_kpte((unsigned long)p->va)->pte);
		bad = hs_p2m(p->pfn) != o.from ||
		      (raw & ~HS_AD) != (before & ~HS_AD) ||
		      !hs_page_ok(o.idx);
	} else {
		/* Shared after all: keep our books right. */
		hs.pg[o.idx].s = hs_p2m(p->pfn);
	}
	mutex_unlock(&hs.lock);

	fz_count(FZ_LIVE, rc, true, &op);
	if (bad) {
		fz->unexpected_success++;
		fz_example("refused commit changed the page", &op, rc);
	}
}

/*
 * Scribble on the ring header (cons, and magic, version, flags, pending,
 * pad, even prod, which Xen keeps its own copy of), kick, put it back.
 */
static void fz_ring(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_kick };
	struct cbps_ring *r = hs.sring;
	u8 hdr[offsetof(struct cbps_ring, ent)];
	unsigned int i, kicks;
	u32 prod, v;
	int rc;

	mutex_lock(&hs.lock);
	memcpy(hdr, r, sizeof(hdr));
	prod = READ_ONCE(r->prod);
	switch (rnd() % 10) {
	case 0:
		v = prod + 1 + rnd() % 1000;
		break;
	case 1:
		v = prod - CBPS_RING_ENTRIES - 1 - rnd() % 1000;
		break;
	case 2:
		v = prod + 0x80000000u;
		break;
	case 3:
		v = hs.cons ^ 0x80000000u;
		break;
	case 4:
		v = hs.cons - 1;	/* possible: Xen sees less room */
		break;
	case 5:
		v = prod;		/* possible: all taken, we say */
		break;
	default:
		v = rnd();
		break;
	}
	WRITE_ONCE(r->cons, v);
	if (rnd() & 1) {
		r->magic = rnd();
		r->version = rnd();
		r->flags = rnd();
		r->pending = rnd();
		for (i = 0; i < sizeof(r->pad); i++)
			r->pad[i] = rnd();
		if (rnd() % 4 == 0)
			r->prod = rnd();
	}
	kicks = 1 + rnd() % 8;
	for (i = 0; i < kicks; i++) {
		rc = hs_op(&op);
		fz_count(CBPS_OP_kick, rc, false, &op);
	}
	if (CBPS_RING_DISTANCE(prod, v) > CBPS_RING_ENTRIES)
		hs.ring_errors_provoked += kicks;
	hs.ring_abuses++;

	/* Back to sane: Xen publishes its prod again on the kick. */
	memcpy(r, hdr, sizeof(hdr));
	virt_mb();	/* the header back before the cons Xen checks */
	WRITE_ONCE(r->cons, hs.cons);
	hs_ring_kick_take();
	mutex_unlock(&hs.lock);
}

static void fz_one(void)
{
	struct xen_cbps_op op;
	bool must_fail = false;
	unsigned int r = rnd() % 1000, i, n, off;
	void *p = &op;
	int rc;

	memset(&op, 0, sizeof(op));
	if (r < 20) {
		fz_live();
		return;
	} else if (r < 300) {
		fz_commit(&op);
		must_fail = true;
	} else if (r < 420) {
		must_fail = fz_decline(&op);
	} else if (r < 530) {
		fz_control(&op);
		must_fail = true;
	} else if (r < 640) {
		must_fail = fz_any(&op);
	} else if (r < 670) {
		fz_register(&op);
		must_fail = true;
	} else if (r < 760) {
		must_fail = fz_share_info(&op);
	} else if (r < 800) {
		op.cmd = CBPS_OP_query;
		if (rnd() & 1)
			fz_random_union(&op);
	} else if (r < 850) {
		op.cmd = CBPS_OP_kick;
		/* Now and then a storm of them. */
		n = rnd() % 16 ? 1 : 64;
		for (i = 1; i < n; i++) {
			rc = hs_op(&op);
			fz_count(CBPS_OP_kick, rc, false, &op);
		}
	} else if (r < 930) {
		fz_pointer();
		return;
	} else if (r < 932) {
		fz_install();
		return;
	} else if (r == 932 && !(rnd() % 8)) {
		op.cmd = CBPS_OP_unshare_all;
	} else {
		op.cmd = CBPS_OP_query;
		fz_random_union(&op);
	}

	/* Any command with a pad: refused before anything else. */
	if (!(rnd() % 25)) {
		op.pad = rnd() | 1;
		must_fail = true;
	}
	/* An unaligned op pointer works as well as any. */
	if (!(rnd() % 16)) {
		off = 1 + rnd() % 15;
		memcpy(fz->buf + off, &op, sizeof(op));
		p = fz->buf + off;
	}
	rc = HYPERVISOR_memory_op(XENMEM_cbps_op, p);
	fz_count(op.cmd < 16 ? op.cmd : FZ_HUGE, rc, must_fail, &op);
}

/* " -22=5" or " other=5" */
static size_t fz_errno_str(char *s, size_t size, unsigned int e, u64 n)
{
	if (e < ARRAY_SIZE(fz_errno))
		return scnprintf(s, size, " %d=%llu", fz_errno[e], n);
	return scnprintf(s, size, " other=%llu", n);
}

static void fz_report(unsigned int secs, u64 seed,
		      const struct cbps_share_stats *a,
		      const struct cbps_share_stats *b)
{
	char line[256];
	unsigned int i, e, bad = 0, shared = 0;
	size_t n;
	u64 tot;

	hs_out("fuzz seed %llu secs %u calls %llu per_sec %llu\n", seed, secs,
	       fz->calls, secs ? fz->calls / secs : 0);
	for (i = 0; i < FZ_BUCKETS; i++) {
		for (tot = 0, e = 0; e < FZ_ERRS; e++)
			tot += fz->by[i][e];
		if (!tot)
			continue;
		n = scnprintf(line, sizeof(line), "fuzz cmd %s calls %llu:",
			      fz_name[i], tot);
		for (e = 0; e < FZ_ERRS; e++)
			if (fz->by[i][e])
				n += fz_errno_str(line + n, sizeof(line) - n,
						  e, fz->by[i][e]);
		hs_out("%s\n", line);
	}
	n = scnprintf(line, sizeof(line), "fuzz errno");
	for (e = 0; e < FZ_ERRS; e++) {
		for (tot = 0, i = 0; i < FZ_BUCKETS; i++)
			tot += fz->by[i][e];
		if (tot)
			n += fz_errno_str(line + n, sizeof(line) - n, e, tot);
	}
	hs_out("%s\n", line);
	for (i = 0; i < fz->nr_examples; i++)
		hs_out("fuzz example %s\n", fz->example[i]);
	hs_out("fuzz ring abuses %llu impossible-cons kicks %llu guest resyncs %llu\n",
	       hs.ring_abuses, hs.ring_errors_provoked, hs.ring_resyncs);
	hs_out("fuzz xen rejected +%llu declined +%llu throttled +%llu busy %llu\n",
	       b->rejected - a->rejected, b->declined - a->declined,
	       b->throttled - a->throttled, fz->busy);

	mutex_lock(&hs.lock);
	for (i = 0; i < HS_PAGES; i++) {
		bad += !hs_page_ok(i);
		shared += hs_shared(i);
	}
	mutex_unlock(&hs.lock);
	hs_out("fuzz pages ok %u of %d, shared %u\n", HS_PAGES - bad, HS_PAGES,
	       shared);
	hs_out("fuzz unexpected_success %llu unexpected_errno %llu\n",
	       fz->unexpected_success, fz->unexpected_errno);
}

void hs_fuzz(unsigned int secs, u64 seed)
{
	struct cbps_share_stats a = {}, b = {};
	unsigned long end, next_ring, next_refresh;
	unsigned int k = 0;

	if (!READ_ONCE(hs.registered)) {
		hs_out("fuzz not registered\n");
		return;
	}
	fz = kzalloc(sizeof(*fz), GFP_KERNEL);
	if (!fz) {
		hs_out("fuzz no memory\n");
		return;
	}
	fz->rng = seed;
	fz->ring_mfn = virt_to_mfn(hs.sring);
	fz->ring_ma = hs_ring_ma();
	fz->scratch_mfn = pfn_to_mfn(page_to_pfn(hs.scratch));
	fz->scratch_pte_ma = hs.scratch_pte_ma;
	fz->l2e_ma = hs_l2e_ma((unsigned long)hs.pg[0].va);
	fz_refresh();
	hs_share_info(&a);
	mutex_lock(&hs.lock);
	hs.fuzzing = true;
	mutex_unlock(&hs.lock);

	end = jiffies + secs * HZ;
	next_ring = jiffies + HZ / 10;
	next_refresh = jiffies + HZ;
	while (time_before(jiffies, end)) {
		fz_one();
		if (++k % 16)
			continue;
		cond_resched();
		if (time_after(jiffies, next_ring)) {
			fz_ring();
			next_ring = jiffies + HZ / 10;
		}
		if (time_after(jiffies, next_refresh)) {
			fz_refresh();
			next_refresh = jiffies + HZ;
		}
	}
	/* The ring as it must be; whatever came meanwhile, taken. */
	mutex_lock(&hs.lock);
	hs.fuzzing = false;
	for (k = 0; k < HS_LIVE; k++)
		if (hs.live[k].from) {
			hs_decline(hs.live[k].from, hs.live[k].to,
				   CBPS_DECLINE_BUSY);
			hs.live[k].from = 0;
		}
	hs_ring_kick_take();
	mutex_unlock(&hs.lock);
	hs_share_info(&b);
	fz_report(secs, seed, &a, &b);
	kfree(fz);
	fz = NULL;
}
