// SPDX-License-Identifier: GPL-2.0-only
/*
 * Isolation probes of cbps_hostile.ko ("isolate"): a guest tries to reach
 * frames that are not its own through cbps and the page-table calls.
 * Each probe prints one line "iso NAME PASS|FAIL detail"; each must find
 * the call refused, or made safe (an install of a shared frame gives the
 * guest its own copy first):
 *
 *   control-ops       every control-domain sub-op: -EPERM
 *   commit-foreign    commits naming other domains' frames, shared
 *                     frames, or offers never made: refused, no change
 *   map-unheld        mapping a shared frame we were offered and never
 *                     took (update_va_mapping, mmu_update, M2P update)
 *   keep-given-back   the frame a commit gave back: no mapping, no M2P
 *                     entry, no ring, no second commit
 *   foreign-l1        real offers committed with entries that are not
 *                     our L1 entries of the frame, a bad p2m address, or
 *                     a mapping we did not name: refused, frame intact
 *   write-fault       a kernel write into a shared page: our own copy
 *   xen-write         Xen itself writes a hypercall's result into a
 *                     shared page (xen_version): our copy, or -EFAULT
 *   map-writable      a shared frame we hold mapped writable (both
 *                     calls): never S writable; our copy, written
 *   map-stale         a shared frame we held and gave up: never S
 */
#define pr_fmt(fmt) "cbps_hostile: " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/xxhash.h>
#include <xen/interface/xen.h>
#include <xen/interface/version.h>
#include <xen/page.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "hostile.h"

#define HS_AD		((u64)(_PAGE_ACCESSED | _PAGE_DIRTY))

static unsigned int iso_pass, iso_fail, xen_minor;

/* Return codes seen, and how often: "rc -3 x40 -22 x2". */
struct iso_rcs {
	int rc[12];
	unsigned int cnt[12], n, zero;
};

static void rcs_add(struct iso_rcs *r, int rc)
{
	unsigned int i;

	if (!rc)
		r->zero++;
	for (i = 0; i < r->n; i++)
		if (r->rc[i] == rc)
			break;
	if (i == r->n) {
		if (r->n == ARRAY_SIZE(r->rc))
			return;
		r->rc[r->n++] = rc;
	}
	r->cnt[i]++;
}

static void rcs_det(struct iso_detail *d, const struct iso_rcs *r)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		hs_det(d, " %d x%u", r->rc[i], r->cnt[i]);
}

static void verdict(const char *name, bool ok, const struct iso_detail *d)
{
	hs_out("iso %s %s%s\n", name, ok ? "PASS" : "FAIL", d->s);
	if (ok)
		iso_pass++;
	else
		iso_fail++;
}

static bool same_pte(u64 a, u64 b)
{
	return (a & ~HS_AD) == (b & ~HS_AD);
}

static u64 page_pte(int idx)
{
	return READ_ONCE(hs_kpte((unsigned long)hs.pg[idx].va)->pte);
}

static bool written(int idx)
{
	unsigned int i;

	for (i = 0; i < hs.nr_writes; i++)
		if (hs.writes[i].idx == idx)
			return true;
	return false;
}

/* The n-th pattern page that holds a shared frame now and is unwritten. */
static int held_page(unsigned int n)
{
	int i;

	for (i = 0; i < HS_PROBE_FIRST; i++)
		if (hs_shared(i) && !written(i) && !n--)
			return i;
	return -1;
}

static u64 rnd_ma(void)
{
	return (get_random_u64() % machine_to_phys_nr) << PAGE_SHIFT |
	       (get_random_u32() & 0xff8);
}

static int commit(u64 from, u64 to, u64 pte, u64 p2m)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_commit };

	op.u.commit.from_mfn = from;
	op.u.commit.to_mfn = to;
	op.u.commit.p2m_maddr = p2m;
	op.u.commit.nr_ptes = 1;
	op.u.commit.kind = CBPS_KIND_OTHER;
	op.u.commit.pte_maddr[0] = pte;
	return hs_op(&op);
}

static int reg(u64 gfn)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_register };

	op.u.reg.ring_gfn = gfn;
	return hs_op_retry(&op);
}

static int m2p_set(u64 mfn, unsigned long pfn)
{
	struct mmu_update u = {
		.ptr = (mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE,
		.val = pfn,
	};

	return HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
}

static unsigned long scratch_pfn(void)
{
	return page_to_pfn(hs.scratch);
}

static u64 scratch_mfn(void)
{
	return pfn_to_mfn(scratch_pfn());
}

/*
 * Install frame mfn at the scratch entry (read-only or writable, by
 * update_va_mapping or mmu_update).  The frame is not ours to map: the
 * call must fail and leave the entry alone, or, if Xen redirects a stale
 * name to a frame of ours, map that one, never mfn.  The entry is put
 * back either way.
 */
static bool install_refused(u64 mfn, bool rw, bool mmu, struct iso_rcs *r,
			    struct iso_detail *d)
{
	u64 val = (mfn << PAGE_SHIFT) | HS_FLAGS(hs.scratch_pte);
	u64 raw, m;
	bool ok;
	int rc;

	if (!rw)
		val &= ~(u64)_PAGE_RW;
	rc = hs_map_scratch(val, mmu);
	rcs_add(r, rc);
	raw = hs_scratch_now();
	m = hs_pte_mfn(raw);
	if (rc) {
		ok = same_pte(raw, hs.scratch_pte);
		if (!ok)
			hs_det(d, " [%#llx: refused but entry %#llx]", mfn, raw);
	} else {
		ok = m != mfn && hs_own(m, NULL) && !hs_is_held(m);
		hs_det(d, " [%#llx %s %s: mapped %#llx%s]", mfn, rw ? "rw" : "ro",
		    mmu ? "mmu" : "uvm", m, ok ? ", our own copy" : "");
	}
	hs_unmap_scratch();
	return ok;
}

static void iso_control(void)
{
	static const struct {
		u32 cmd;
		u16 domid;
	} c[] = {
		{ CBPS_OP_domain_info, 0 },
		{ CBPS_OP_stats, 0 },
		{ CBPS_OP_test_post, 0 },
		{ CBPS_OP_test_post, 1 },
		{ CBPS_OP_census, CBPS_CENSUS_TOTAL },
		{ CBPS_OP_census, 0 },
		{ CBPS_OP_scan_info, 0 },
		{ CBPS_OP_scan_set, 0 },
		{ CBPS_OP_set_group, 0 },
		{ CBPS_OP_set_group, 1 },
		{ CBPS_OP_share_info, 0 },
		{ CBPS_OP_share_info, 1 },
		{ CBPS_OP_share_info, 2 },
		{ CBPS_OP_share_info, CBPS_CENSUS_TOTAL },
	};
	struct iso_detail d = {};
	struct xen_cbps_op op;
	bool ok = true;
	unsigned int i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		memset(&op, 0, sizeof(op));
		op.cmd = c[i].cmd;
		switch (c[i].cmd) {
		case CBPS_OP_domain_info:
			op.u.dom.domid = c[i].domid;
			break;
		case CBPS_OP_test_post:
			op.u.test.domid = c[i].domid;
			op.u.test.count = 1;
			break;
		case CBPS_OP_census:
			op.u.census.domid = c[i].domid;
			break;
		case CBPS_OP_scan_set:
			/* Would stop the scanner for everyone. */
			op.u.scan.rate = 0;
			op.u.scan.interval_ms = 0;
			break;
		case CBPS_OP_set_group:
			op.u.group.domid = c[i].domid;
			op.u.group.group = 7;
			break;
		case CBPS_OP_share_info:
			op.u.share.domid = c[i].domid;
			break;
		}
		rc = hs_op_retry(&op);
		hs_det(&d, " %u/%u=%d", c[i].cmd, c[i].domid, rc);
		if (rc == -EPERM)
			continue;
		/* A Xen before interface 1.2 knows no set_group at all. */
		if (c[i].cmd == CBPS_OP_set_group && rc == -EINVAL &&
		    xen_minor < 2)
			continue;
		ok = false;
	}
	verdict("control-ops", ok, &d);
}

/* Pattern pages' p2m words and entries: a refused call changes none. */
struct iso_snap {
	u64 p2m[HS_PAGES], pte[HS_PAGES];
	u64 held;
};

static void snap(struct iso_snap *s)
{
	struct cbps_share_stats st = {};
	int i;

	for (i = 0; i < HS_PAGES; i++) {
		s->p2m[i] = hs_p2m(hs.pg[i].pfn);
		s->pte[i] = page_pte(i);
	}
	hs_share_info(&st);
	s->held = st.held;
}

static bool snap_same(const struct iso_snap *a, struct iso_detail *d)
{
	struct iso_snap *b = kmalloc(sizeof(*b), GFP_KERNEL);
	bool same = true;
	int i;

	if (!b)
		return false;
	snap(b);
	for (i = 0; i < HS_PAGES; i++)
		if (a->p2m[i] != b->p2m[i] || !same_pte(a->pte[i], b->pte[i])) {
			hs_det(d, " [page %d changed]", i);
			same = false;
		}
	if (a->held != b->held) {
		hs_det(d, " [held %llu -> %llu]", a->held, b->held);
		same = false;
	}
	kfree(b);
	return same;
}

static void iso_commit_foreign(void)
{
	int pages[4] = { held_page(0), held_page(1), HS_PROBE_FIRST, -1 };
	struct iso_detail d = {};
	struct iso_rcs r = {};
	struct iso_snap *s;
	unsigned int k, found, n = 0;
	u64 S, S2, X = scratch_mfn(), base, f;
	int i, delta;

	if (pages[0] < 0 || pages[1] < 0) {
		hs_det(&d, " no two shared frames held");
		verdict("commit-foreign", false, &d);
		return;
	}
	S = hs.pg[pages[0]].s;
	S2 = hs.pg[pages[1]].s;
	for (i = 0; i < HS_PROBE_FIRST; i++)
		if (!hs_shared(i)) {
			pages[3] = i;
			break;
		}
	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return;
	snap(s);

	/* Frames around ours and around S: other domains', shared, free. */
	for (k = 0; k < ARRAY_SIZE(pages); k++) {
		const struct hs_page *p;

		if (pages[k] < 0)
			continue;
		p = &hs.pg[pages[k]];
		base = hs_p2m(p->pfn);
		found = 0;
		for (delta = -256; delta <= 256 && found < 8; delta++) {
			f = base + delta;
			if (hs_own(f, NULL))
				continue;
			found++;
			rcs_add(&r, commit(f, S, p->pte_ma,
					   hs_p2m_ma(p->pfn)));
			rcs_add(&r, commit(f, f, p->pte_ma,
					   hs_p2m_ma(p->pfn)));
			rcs_add(&r, commit(f, S2, rnd_ma(), rnd_ma()));
			n += 3;
		}
	}
	/* Our own frames, to shared frames never offered for them. */
	rcs_add(&r, commit(X, S, hs.scratch_pte_ma, hs_p2m_ma(scratch_pfn())));
	rcs_add(&r, commit(X, S2, hs.scratch_pte_ma,
			   hs_p2m_ma(scratch_pfn())));
	if (hs.nr_unheld)
		rcs_add(&r, commit(X, hs.unheld[0], hs.scratch_pte_ma,
				   hs_p2m_ma(scratch_pfn())));
	/* Shared frames as the frame to give up. */
	rcs_add(&r, commit(S, S, hs.pg[pages[0]].pte_ma,
			   hs_p2m_ma(hs.pg[pages[0]].pfn)));
	rcs_add(&r, commit(S2, S, hs.pg[pages[1]].pte_ma,
			   hs_p2m_ma(hs.pg[pages[1]].pfn)));
	rcs_add(&r, commit(S, S2, S << PAGE_SHIFT, S2 << PAGE_SHIFT));
	n += 5 + !!hs.nr_unheld;

	hs_det(&d, " calls %u rc", n);
	rcs_det(&d, &r);
	verdict("commit-foreign", !r.zero && snap_same(s, &d), &d);
	kfree(s);
}

/* An S nobody ever let us hold: offered in a join we declined. */
static bool never_held(u64 s)
{
	unsigned int i, n = min_t(unsigned int, hs.nr_given, HS_GIVEN);

	if (hs_own(s, NULL) || hs_is_held(s))
		return false;
	for (i = 0; i < n; i++)
		if (hs.given[i].to == s)
			return false;
	return true;
}

static void iso_map_unheld(void)
{
	unsigned int i, tried = 0, n = min_t(unsigned int, hs.nr_unheld,
					     HS_UNHELD);
	struct iso_detail d = {};
	struct iso_rcs r = {};
	bool ok = true;
	int rc;

	for (i = 0; i < n && tried < 3; i++) {
		u64 s = hs.unheld[i];

		if (!never_held(s))
			continue;
		tried++;
		ok &= install_refused(s, false, false, &r, &d);
		ok &= install_refused(s, true, false, &r, &d);
		ok &= install_refused(s, false, true, &r, &d);
		ok &= install_refused(s, true, true, &r, &d);
		rc = m2p_set(s, scratch_pfn());
		rcs_add(&r, rc);
		if (!rc) {
			hs_det(&d, " [M2P of %#llx set]", s);
			ok = false;
		}
	}
	if (!tried) {
		hs_det(&d, " no shared frame offered and never held");
		ok = false;
	}
	hs_det(&d, " frames %u rc", tried);
	rcs_det(&d, &r);
	verdict("map-unheld", ok && !r.zero, &d);
}

static void iso_keep_given_back(void)
{
	unsigned int i, tried = 0, n = min_t(unsigned int, hs.nr_given,
					     HS_GIVEN);
	struct iso_detail d = {};
	struct iso_rcs r = {};
	bool ok = true;
	int rc, held = held_page(0);

	for (i = n; i-- > 0 && tried < 4;) {
		const struct hs_offer *g = &hs.given[i];
		const struct hs_page *p = &hs.pg[g->idx];

		/* Xen may have handed the frame to us again: it is ours. */
		if (hs_own(g->from, NULL))
			continue;
		tried++;
		ok &= install_refused(g->from, false, false, &r, &d);
		ok &= install_refused(g->from, true, false, &r, &d);
		ok &= install_refused(g->from, true, true, &r, &d);
		rc = m2p_set(g->from, scratch_pfn());
		rcs_add(&r, rc);
		ok &= rc != 0;
		rc = reg(g->from);
		rcs_add(&r, rc);
		ok &= rc != 0;
		/* The offer it was given back on, replayed. */
		rc = commit(g->from, g->to, p->pte_ma, hs_p2m_ma(p->pfn));
		rcs_add(&r, rc);
		ok &= rc != 0;
		rc = hs_decline(g->from, g->to, CBPS_DECLINE_BUSY);
		rcs_add(&r, rc);
		ok &= rc != 0;
	}
	if (!tried) {
		hs_det(&d, " no frame given back");
		ok = false;
	}
	/* A ring at a shared frame we hold; a second ring of our own. */
	if (held >= 0) {
		rc = reg(hs.pg[held].s);
		rcs_add(&r, rc);
		ok &= rc != 0;
	}
	rc = reg(scratch_mfn());
	hs_det(&d, " frames %u second-ring %d rc", tried, rc);
	ok &= rc == -EEXIST;
	rcs_det(&d, &r);
	verdict("keep-given-back", ok && !r.zero, &d);
}

/* foreign-l1: one real offer spent on each case. */
enum {
	FL_PTE_S, FL_PTE_M, FL_PTE_RANDOM, FL_PTE_UNALIGNED, FL_PTE_RING,
	FL_PTE_DATA, FL_PTE_L2, FL_PTE_OTHER, FL_PTE_SHARED, FL_PTE_DUP,
	FL_PTE_EXTRA, FL_HIDDEN, FL_P2M_PTE, FL_P2M_RING, FL_P2M_OTHER,
	FL_P2M_UNALIGNED, FL_P2M_S, FL_NR
};

static const char *const fl_name[FL_NR] = {
	"pte-S", "pte-M", "pte-random", "pte-unaligned", "pte-ring",
	"pte-data", "pte-l2", "pte-other", "pte-shared", "pte-dup",
	"pte-extra", "hidden-map", "p2m-pte", "p2m-ring", "p2m-other",
	"p2m-unaligned", "p2m-S",
};

/*
 * A fresh offer for one of the probe pages (hs.lock held; dropped while
 * waiting).  Offers expire after two scan cycles: decline old ones, Xen
 * offers them again in its next pass.
 */
static bool take_offer(struct hs_offer *o, unsigned int secs)
{
	unsigned long deadline = jiffies + secs * HZ;
	int i, best;

	for (;;) {
		best = -1;
		for (i = 0; i < HS_STASH; i++) {
			struct hs_offer *s = &hs.stash[i];

			if (!s->from)
				continue;
			if (time_after(jiffies, s->when + 20 * HZ)) {
				hs_decline(s->from, s->to, CBPS_DECLINE_BUSY);
				s->from = 0;
				continue;
			}
			if (best < 0 ||
			    time_after(s->when, hs.stash[best].when))
				best = i;
		}
		if (best >= 0) {
			*o = hs.stash[best];
			hs.stash[best].from = 0;
			return true;
		}
		if (time_after(jiffies, deadline))
			return false;
		mutex_unlock(&hs.lock);
		msleep(100);
		mutex_lock(&hs.lock);
	}
}

/* One case: 0 when refused as it must be, else what went wrong. */
static int fl_case(int c, const struct hs_offer *o, int *rcp)
{
	const struct hs_page *p = &hs.pg[o->idx];
	struct xen_cbps_op op = { .cmd = CBPS_OP_commit };
	int sp = held_page(0), other = p->pfn + 1 < xen_p2m_size ? 1 : -1;
	u64 S = sp >= 0 ? hs.pg[sp].s : (hs.nr_unheld ? hs.unheld[0] : 0);
	u64 M = hs.nr_given ? hs.given[0].from : rnd_ma() >> PAGE_SHIFT;
	u64 before = page_pte(o->idx), raw;
	int rc;

	op.u.commit.from_mfn = o->from;
	op.u.commit.to_mfn = o->to;
	op.u.commit.p2m_maddr = hs_p2m_ma(p->pfn);
	op.u.commit.nr_ptes = 1;
	op.u.commit.kind = CBPS_KIND_OTHER;
	op.u.commit.pte_maddr[0] = p->pte_ma;
	switch (c) {
	case FL_PTE_S:
		op.u.commit.pte_maddr[0] = S << PAGE_SHIFT |
					   (p->pte_ma & ~PAGE_MASK);
		break;
	case FL_PTE_M:
		op.u.commit.pte_maddr[0] = M << PAGE_SHIFT |
					   (p->pte_ma & ~PAGE_MASK);
		break;
	case FL_PTE_RANDOM:
		op.u.commit.pte_maddr[0] = rnd_ma();
		break;
	case FL_PTE_UNALIGNED:
		op.u.commit.pte_maddr[0] = p->pte_ma + 4;
		break;
	case FL_PTE_RING:
		op.u.commit.pte_maddr[0] = hs_ring_ma() + 64;
		break;
	case FL_PTE_DATA:
		op.u.commit.pte_maddr[0] = scratch_mfn() << PAGE_SHIFT | 0x800;
		break;
	case FL_PTE_L2:
		op.u.commit.pte_maddr[0] = hs_l2e_ma((unsigned long)p->va);
		break;
	case FL_PTE_OTHER:
		op.u.commit.pte_maddr[0] = hs.scratch_pte_ma;
		break;
	case FL_PTE_SHARED:
		op.u.commit.pte_maddr[0] = sp >= 0 ? hs.pg[sp].pte_ma : 0;
		break;
	case FL_PTE_DUP:
		op.u.commit.nr_ptes = 2;
		op.u.commit.pte_maddr[1] = p->pte_ma;
		break;
	case FL_PTE_EXTRA:
		op.u.commit.nr_ptes = 2;
		op.u.commit.pte_maddr[1] = hs.scratch_pte_ma;
		break;
	case FL_HIDDEN:
		/* A writable mapping of the frame the commit does not name. */
		rc = hs_map_scratch(o->from << PAGE_SHIFT |
				    HS_FLAGS(hs.scratch_pte) | _PAGE_RW, false);
		if (rc) {
			*rcp = rc;
			hs_decline(o->from, o->to, CBPS_DECLINE_BUSY);
			return -EIO;
		}
		break;
	case FL_P2M_PTE:
		op.u.commit.p2m_maddr = p->pte_ma;
		break;
	case FL_P2M_RING:
		op.u.commit.p2m_maddr = hs_ring_ma();
		break;
	case FL_P2M_OTHER:
		op.u.commit.p2m_maddr = hs_p2m_ma(p->pfn + other);
		break;
	case FL_P2M_UNALIGNED:
		op.u.commit.p2m_maddr += 4;
		break;
	case FL_P2M_S:
		op.u.commit.p2m_maddr = S << PAGE_SHIFT;
		break;
	}
	rc = hs_op(&op);
	*rcp = rc;
	if (c == FL_HIDDEN)
		hs_unmap_scratch();
	/* Free the slot if the offer is still there. */
	hs_decline(o->from, o->to, CBPS_DECLINE_BUSY);
	if (!rc) {
		/* Taken: the page holds a shared frame now. */
		hs.pg[o->idx].s = hs_p2m(p->pfn);
		return -EEXIST;
	}
	raw = page_pte(o->idx);
	if (hs_p2m(p->pfn) != o->from || !same_pte(raw, before))
		return -EFAULT;
	if (!hs_page_ok(o->idx))
		return -EILSEQ;
	return 0;
}

static void iso_foreign_l1(void)
{
	struct iso_detail d = {};
	struct hs_offer o;
	bool ok = true;
	int c, i, rc, bad, tries, spent = 0;

	for (c = 0; c < FL_NR; c++) {
		rc = -ESRCH;
		bad = 0;
		for (tries = 0; tries < 6; tries++) {
			if (!take_offer(&o, 120)) {
				hs_det(&d, " %s:no-offer", fl_name[c]);
				ok = false;
				goto out;
			}
			/* Still our frame at that pfn (not stale)? */
			if (hs_p2m(hs.pg[o.idx].pfn) != o.from)
				continue;
			spent++;
			bad = fl_case(c, &o, &rc);
			/* Expired between our look and the call: again. */
			if (!bad && rc == -ESRCH)
				continue;
			break;
		}
		hs_det(&d, " %s=%d", fl_name[c], rc);
		if (bad || rc == -ESRCH) {
			hs_det(&d, "%s", bad == -EEXIST ? "(COMMITTED)" :
			    bad == -EFAULT ? "(changed)" :
			    bad == -EILSEQ ? "(bytes)" :
			    bad == -EIO ? "(no map)" : "(expired)");
			ok = false;
		}
	}
out:
	hs_det(&d, " offers %d", spent);
	/* The probe pages are for sharing now: offer them again. */
	hs.foreign_done = true;
	for (i = 0; i < HS_STASH; i++)
		if (hs.stash[i].from) {
			hs_decline(hs.stash[i].from, hs.stash[i].to,
				   CBPS_DECLINE_BUSY);
			hs.stash[i].from = 0;
		}
	verdict("foreign-l1", ok, &d);
}

static void iso_write_fault(void)
{
	struct cbps_share_stats a = {}, b = {};
	struct iso_detail d = {};
	int idx = held_page(0);
	const struct hs_page *p;
	unsigned int off = 64;
	u64 orig, now, raw, s;
	bool ok;

	if (idx < 0) {
		hs_det(&d, " no shared page");
		verdict("write-fault", false, &d);
		return;
	}
	p = &hs.pg[idx];
	s = p->s;
	hs_share_info(&a);
	hs_note_write(idx, off, 8);
	orig = READ_ONCE(*(u64 *)(p->va + off));
	WRITE_ONCE(*(u64 *)(p->va + off), ~orig);
	now = READ_ONCE(*(u64 *)(p->va + off));
	raw = page_pte(idx);
	hs_share_info(&b);
	ok = now == ~orig && hs_p2m(p->pfn) != s && hs_pte_mfn(raw) != s &&
	     hs_pte_mfn(raw) == hs_p2m(p->pfn) && (raw & _PAGE_RW) &&
	     b.cow_breaks + b.takebacks > a.cow_breaks + a.takebacks &&
	     hs_page_ok(idx);
	hs_det(&d, " page %d S %#llx now %#llx pte %#llx held %llu->%llu", idx,
	    s, hs_p2m(p->pfn), raw, a.held, b.held);
	verdict("write-fault", ok, &d);
}

static void iso_xen_write(void)
{
	struct iso_detail d = {};
	char ref[XEN_EXTRAVERSION_LEN], orig[XEN_EXTRAVERSION_LEN];
	int idx = held_page(0), rc;
	const struct hs_page *p;
	unsigned int off = 256;
	bool ok;
	u64 s;

	if (idx < 0) {
		hs_det(&d, " no shared page");
		verdict("xen-write", false, &d);
		return;
	}
	p = &hs.pg[idx];
	s = p->s;
	memset(ref, 0, sizeof(ref));
	HYPERVISOR_xen_version(XENVER_extraversion, ref);
	memcpy(orig, p->va + off, sizeof(orig));
	hs_note_write(idx, off, sizeof(orig));
	/* Xen's copy-out into a page that holds a shared frame. */
	rc = HYPERVISOR_xen_version(XENVER_extraversion, p->va + off);
	if (!memcmp(p->va + off, orig, sizeof(orig))) {
		/* Nothing written: not ours to undo. */
		hs.nr_writes--;
		ok = rc != 0 && hs_p2m(p->pfn) == s;
	} else {
		ok = !rc && !memcmp(p->va + off, ref, sizeof(ref)) &&
		     hs_p2m(p->pfn) != s && hs_page_ok(idx);
	}
	hs_det(&d, " page %d rc %d S %#llx now %#llx%s", idx, rc, s,
	    hs_p2m(p->pfn), hs_p2m(p->pfn) == s ? " (still shared)" :
	    " (own copy)");
	verdict("xen-write", ok, &d);
}

/* A shared frame we hold, installed writable at the scratch entry. */
static bool install_held(int idx, bool mmu, struct iso_detail *d)
{
	const struct hs_page *p = &hs.pg[idx];
	unsigned long sva = hs_scratch_va();
	unsigned int off = 192;
	u64 s = p->s, raw, m, orig;
	bool ok;
	int rc;

	rc = hs_map_scratch(s << PAGE_SHIFT | HS_FLAGS(hs.scratch_pte) |
			    _PAGE_RW, mmu);
	raw = hs_scratch_now();
	m = hs_pte_mfn(raw);
	hs_det(d, " [%s page %d S %#llx rc %d pte %#llx", mmu ? "mmu" : "uvm",
	    idx, s, rc, raw);
	if (rc) {
		ok = same_pte(raw, hs.scratch_pte);
		hs_det(d, " refused]");
		hs_unmap_scratch();
		return ok;
	}
	if (m == s) {
		hs_det(d, " maps S%s]", raw & _PAGE_RW ? " WRITABLE" : "");
		hs_unmap_scratch();
		return false;
	}
	/* Xen gave us our own copy first, with the bytes of S. */
	ok = m == hs_p2m(p->pfn) && !hs_shared(idx) && hs_own(m, NULL) &&
	     !hs_is_held(m) && xxh64((void *)sva, PAGE_SIZE, 0) == p->hash;
	if (ok && (raw & _PAGE_RW)) {
		hs_note_write(idx, off, 8);
		orig = READ_ONCE(*(u64 *)(p->va + off));
		WRITE_ONCE(*(u64 *)(sva + off), ~orig);
		ok = READ_ONCE(*(u64 *)(p->va + off)) == ~orig;
	}
	hs_det(d, " own copy%s]", ok ? "" : " BAD");
	hs_unmap_scratch();
	return ok;
}

static u64 stale_s;

static void iso_map_writable(void)
{
	int a = held_page(0), b = held_page(1);
	struct iso_detail d = {};
	bool ok;

	if (a < 0 || b < 0) {
		hs_det(&d, " no two shared pages");
		verdict("map-writable", false, &d);
		return;
	}
	stale_s = hs.pg[a].s;
	ok = install_held(a, false, &d);
	ok &= install_held(b, true, &d);
	verdict("map-writable", ok, &d);
}

/* S of a page we unshared: Xen may map our copy of it, never S. */
static void iso_map_stale(void)
{
	struct iso_detail d = {};
	struct iso_rcs r = {};
	bool ok;

	if (!stale_s) {
		hs_det(&d, " no frame held and given up");
		verdict("map-stale", false, &d);
		return;
	}
	ok = install_refused(stale_s, false, false, &r, &d);
	ok &= install_refused(stale_s, true, true, &r, &d);
	rcs_det(&d, &r);
	verdict("map-stale", ok, &d);
}

void hs_isolate(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_query };

	iso_pass = 0;
	iso_fail = 0;
	stale_s = 0;
	if (!hs_op_retry(&op))
		xen_minor = CBPS_VERSION_MINOR(op.u.query.version);
	mutex_lock(&hs.lock);
	hs_out("isolate: interface 1.%u, %llu commits, %u joins declined\n",
	       xen_minor, hs.commits, min_t(unsigned int, hs.nr_unheld,
					    HS_UNHELD));
	iso_control();
	iso_commit_foreign();
	iso_map_unheld();
	iso_keep_given_back();
	iso_foreign_l1();
	iso_write_fault();
	iso_xen_write();
	iso_map_writable();
	iso_map_stale();
	mutex_unlock(&hs.lock);
	hs_out("isolate done pass %u fail %u\n", iso_pass, iso_fail);
}
