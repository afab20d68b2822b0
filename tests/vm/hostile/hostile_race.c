// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probes of cbps_hostile.ko against Xen's unshare path (issue 16):
 *
 *   maxpages ORDER [RUNSTATE]   "max-pages": with shared frames held, the
 *       guest raises its reservation to max_pages and keeps the frames;
 *       then, in ORDER ('x', 'r', 'w'): Xen writes a hypercall result into
 *       a held shared page (xen_version), Xen writes a runstate area
 *       registered on one at context switch, and the guest writes one
 *       itself.  Each must complete: a CPU looping in Xen, or a guest
 *       paused for ever, is the defect.  RUNSTATE: the per-CPU offset of
 *       Linux's own runstate area (/proc/kallsyms), registered again
 *       after; 0: none is registered after.
 *   race SECS                   "alloc-race": two vCPUs.  One unshares a
 *       held page by writing it, the other pins, frees or exchanges the
 *       frame it predicts Xen will hand out as the copy (N), while Xen
 *       copies.  Xen must hand N over only when it holds its references.
 *   racefuzz SECS SEED          the same engine, randomised: writes, Xen's
 *       own writes, commits and unshare_all on one vCPU; pins, frees,
 *       exchanges and mappings of predicted frames on the other.
 *
 * Prediction: the writer takes a frame A from Xen (increase_reservation)
 * just before its write, and keeps it or gives it back at once.  The
 * writer learns the delta N - A seen most often, for each of the two
 * ways, and the attacker aims there.  Measured on the debug Xen 4.17
 * here: A given back came back as N in 973 of 973 tries (it seems an
 * idle CPU scrubs it at once and puts it back at the head of its list);
 * with A kept, N was within 8 frames of it in 1 try of 6.  So the writer
 * mostly gives A back.
 */
#define pr_fmt(fmt) "cbps_hostile: " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xxhash.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>
#include <xen/interface/vcpu.h>
#include <xen/interface/version.h>
#include <xen/page.h>
#include <xen/xen-ops.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "hostile.h"


static u64 page_pte_raw(int idx)
{
	return READ_ONCE(hs_kpte((unsigned long)hs.pg[idx].va)->pte);
}

/* Frames taken from Xen beyond our memory: up to max_pages. */
#define MP_MAX		8192

static int reservation(unsigned int cmd, u64 *mfn)
{
	struct xen_memory_reservation r = {
		.nr_extents = 1,
		.extent_order = 0,
		.domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, (xen_pfn_t *)mfn);
	return HYPERVISOR_memory_op(cmd, &r);
}

/* A frame from Xen, owned by us and in no p2m entry; 0: refused. */
static u64 frame_get(void)
{
	u64 mfn = 0;

	return reservation(XENMEM_increase_reservation, &mfn) == 1 ? mfn : 0;
}

static bool frame_put(u64 mfn)
{
	return reservation(XENMEM_decrease_reservation, &mfn) == 1;
}

/* The n-th held, unwritten pattern page after page 'from'. */
static int held_from(int from)
{
	int i, idx;

	for (i = 0; i < HS_PAGES; i++) {
		idx = (from + i) % HS_PAGES;
		if (hs_shared(idx) && !hs_is_written(idx))
			return idx;
	}
	return -1;
}

/* ---- max-pages ---- */

static u64 *mp_frames;
static unsigned int mp_nr;

/* Raise our reservation until Xen refuses; keep what it gave. */
static unsigned int mp_fill(void)
{
	unsigned int got = 0;
	u64 mfn;

	while (mp_nr < MP_MAX && (mfn = frame_get())) {
		mp_frames[mp_nr++] = mfn;
		got++;
	}
	return got;
}

static unsigned int mp_release(void)
{
	unsigned int bad = 0;

	while (mp_nr)
		bad += !frame_put(mp_frames[--mp_nr]);
	return bad;
}

/* Undo what Xen wrote into our copy; a page still shared is untouched. */
static void mp_restore(int idx, unsigned int off, const void *orig,
		       size_t len)
{
	void *va = hs.pg[idx].va + off;

	if (memcmp(va, orig, len))
		memcpy(va, orig, len);
}

/* (i) Xen's copy_to_guest into a held shared page. */
static bool mp_xen_version(struct iso_detail *d)
{
	char ref[XEN_EXTRAVERSION_LEN], orig[XEN_EXTRAVERSION_LEN];
	unsigned int off = 1024;
	int idx = held_from(0), rc;
	u64 s, now;
	bool ok;

	if (idx < 0) {
		hs_det(d, " [x: no held page]");
		return false;
	}
	s = hs.pg[idx].s;
	memset(ref, 0, sizeof(ref));
	HYPERVISOR_xen_version(XENVER_extraversion, ref);
	memcpy(orig, hs.pg[idx].va + off, sizeof(orig));
	mp_fill();
	hs_out("max-pages step xen-version page %d S %#llx frames %u\n", idx,
	       s, mp_nr);
	rc = HYPERVISOR_xen_version(XENVER_extraversion, hs.pg[idx].va + off);
	now = hs_p2m(hs.pg[idx].pfn);
	if (!rc)
		ok = now != s && !memcmp(hs.pg[idx].va + off, ref, sizeof(ref));
	else
		ok = rc == -EFAULT && now == s &&
		     !memcmp(hs.pg[idx].va + off, orig, sizeof(orig));
	hs_det(d, " [x: rc %d %s%s]", rc, now == s ? "still shared" : "own copy",
	    ok ? "" : " BAD");
	mp_restore(idx, off, orig, sizeof(orig));
	return ok && hs_page_ok(idx);
}

/* (ii) A runstate area on a held shared page: Xen writes it at switch. */
static bool mp_runstate(struct iso_detail *d, unsigned long linux_off)
{
	struct vcpu_register_runstate_memory_area area = {};
	unsigned int off = 2048, cpu;
	u8 orig[sizeof(struct vcpu_runstate_info)];
	int idx = held_from(1), rc, rc2;
	u64 s, now;
	bool changed, ok;

	if (idx < 0) {
		hs_det(d, " [r: no held page]");
		return false;
	}
	s = hs.pg[idx].s;
	memcpy(orig, hs.pg[idx].va + off, sizeof(orig));
	mp_fill();
	hs_out("max-pages step runstate page %d S %#llx frames %u\n", idx, s,
	       mp_nr);
	cpu = get_cpu();
	area.addr.v = (struct vcpu_runstate_info *)(hs.pg[idx].va + off);
	rc = HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area,
				xen_vcpu_nr(cpu), &area);
	put_cpu();
	msleep(300);	/* context switches: Xen writes the area each time */
	area.addr.v = linux_off ?
		per_cpu_ptr((struct vcpu_runstate_info __percpu *)linux_off,
			    cpu) : NULL;
	rc2 = HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area,
				 xen_vcpu_nr(cpu), &area);
	now = hs_p2m(hs.pg[idx].pfn);
	changed = memcmp(hs.pg[idx].va + off, orig, sizeof(orig));
	/* Written into our own copy, or not written and still shared. */
	ok = !rc && !rc2 && (changed ? now != s : true);
	hs_det(d, " [r: rc %d/%d %s %s%s]", rc, rc2,
	    changed ? "written" : "unwritten",
	    now == s ? "still shared" : "own copy", ok ? "" : " BAD");
	mp_restore(idx, off, orig, sizeof(orig));
	return ok && hs_page_ok(idx);
}

/* (iii) A guest-mode write to a held shared page. */
static bool mp_guest_write(struct iso_detail *d)
{
	unsigned int off = 3072;
	int idx = held_from(2);
	u64 s, orig, val, now;
	bool ok;

	if (idx < 0) {
		hs_det(d, " [w: no held page]");
		return false;
	}
	s = hs.pg[idx].s;
	mp_fill();
	hs_out("max-pages step guest-write page %d S %#llx frames %u\n", idx,
	       s, mp_nr);
	orig = READ_ONCE(*(u64 *)(hs.pg[idx].va + off));
	WRITE_ONCE(*(u64 *)(hs.pg[idx].va + off), ~orig);
	val = READ_ONCE(*(u64 *)(hs.pg[idx].va + off));
	now = hs_p2m(hs.pg[idx].pfn);
	ok = val == ~orig && now != s;
	WRITE_ONCE(*(u64 *)(hs.pg[idx].va + off), orig);
	hs_det(d, " [w: %s]", ok ? "own copy, written" : "BAD");
	return ok && hs_page_ok(idx);
}

void hs_max_pages(const char *order, unsigned long linux_runstate)
{
	struct iso_detail d = {};
	unsigned int got, bad;
	bool ok = true;
	const char *c;

	mp_frames = kvmalloc_array(MP_MAX, sizeof(*mp_frames), GFP_KERNEL);
	if (!mp_frames) {
		hs_out("iso max-pages FAIL no memory\n");
		return;
	}
	/* No commit while we look: it would give a frame back to us. */
	mutex_lock(&hs.lock);
	hs.hold_offers = true;
	got = mp_fill();
	hs_det(&d, " held %u frames-taken %u", hs_nr_held(), got);
	if (!got || hs_nr_held() < 3) {
		hs_det(&d, " (nothing to hold or no reservation to raise)");
		ok = false;
	}
	for (c = order; ok && *c; c++) {
		switch (*c) {
		case 'x':
			ok &= mp_xen_version(&d);
			break;
		case 'r':
			ok &= mp_runstate(&d, linux_runstate);
			break;
		case 'w':
			ok &= mp_guest_write(&d);
			break;
		}
	}
	bad = mp_release();
	hs_det(&d, " given-back %u%s", got, bad ? " (some refused)" : "");
	ok &= !bad;
	hs.hold_offers = false;
	mutex_unlock(&hs.lock);
	kvfree(mp_frames);
	hs_out("iso max-pages %s%s\n", ok ? "PASS" : "FAIL", d.s);
}

/* ---- the race engine (alloc-race, racefuzz) ---- */

enum { ACT_PIN, ACT_FREE, ACT_XCHG, ACT_MAP, ACT_NR };
static const char *const act_name[ACT_NR] = { "pin", "free", "exchange",
					      "map" };

#define DELTAS		8	/* N - A learned within [-DELTAS, DELTAS] */
#define CALLS		4	/* attacker's calls an attempt */

struct race {
	/* writer -> attacker */
	u64 cand;
	u64 not_this;		/* the frame A the writer keeps: ours */
	int act;
	unsigned int delay;	/* loops before the first call */
	bool rw;
	unsigned int armed, done;	/* generations */
	/* attacker -> writer */
	unsigned int ack, fin;
	int rc;			/* first result: 0 or an errno */
	unsigned int calls;
	u64 pinned, freed, got;	/* frame pinned, freed; from exchange */
	u64 mapped;		/* frame left mapped at the scratch entry */
	bool quit;
};

struct race_stats {
	u64 attempts, no_page, no_frame, no_ack, hits, writes_ok, writes_bad;
	u64 xen_writes, xen_writes_bad, unshare_alls, kicks;
	u64 ok[ACT_NR], fail[ACT_NR], calls;
	u64 pin_other, exploited, repaired, repair_fail, map_bad, far[2];
	u64 hist[2][2 * DELTAS + 1], tries[2], hit[2];
	int best[2];
};

static struct race *rc_;
static struct race_stats *st;
static u64 rng;

static u64 rnd(void)
{
	u64 z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int pin(u64 mfn, unsigned int cmd)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };

	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* Exchange mfn for a new frame; 0 and *got on success. */
static int exchange(u64 mfn, u64 *got)
{
	xen_pfn_t in = mfn, out = page_to_pfn(hs.scratch);
	struct xen_memory_exchange x = {
		.in = { .nr_extents = 1, .domid = DOMID_SELF },
		.out = { .nr_extents = 1, .domid = DOMID_SELF },
	};
	int rc;

	set_xen_guest_handle(x.in.extent_start, &in);
	set_xen_guest_handle(x.out.extent_start, &out);
	rc = HYPERVISOR_memory_op(XENMEM_exchange, &x);
	if (!rc && x.nr_exchanged == 1) {
		*got = out;
		return 0;
	}
	return rc ? rc : -EINVAL;
}

/* One attacker call on mfn; 0 if Xen let it through. */
static int attack(struct race *r, u64 mfn)
{
	u64 val;
	int rc;

	switch (r->act) {
	case ACT_PIN:
		rc = pin(mfn, MMUEXT_PIN_L1_TABLE);
		if (!rc)
			r->pinned = mfn;
		return rc;
	case ACT_FREE:
		/* Never one of our own pages (a live one, or A). */
		if (hs_own(mfn, NULL) || mfn == r->not_this)
			return -EPERM;
		rc = frame_put(mfn) ? 0 : -EINVAL;
		if (!rc)
			r->freed = mfn;
		return rc;
	case ACT_XCHG:
		if (hs_own(mfn, NULL) || mfn == r->not_this)
			return -EPERM;
		return exchange(mfn, &r->got);
	default:
		val = mfn << PAGE_SHIFT | HS_FLAGS(hs.scratch_pte);
		if (!r->rw)
			val &= ~(u64)_PAGE_RW;
		rc = hs_map_scratch(val, false);
		if (!rc)
			r->mapped = hs_pte_mfn(hs_scratch_now());
		return rc;
	}
}

static int attacker_fn(void *data)
{
	struct race *r = data;
	unsigned int seen = 0, g, i, idle = 0;
	u64 mfn;
	int rc;

	while (!kthread_should_stop()) {
		/* Pairs with the writer's release: cand, act etc. are set. */
		g = smp_load_acquire(&r->armed);
		if (g == seen) {
			if (++idle < 20000) {
				cpu_relax();
			} else {
				idle = 0;
				usleep_range(20, 50);
			}
			continue;
		}
		seen = g;
		idle = 0;
		mfn = r->cand;
		r->rc = -ENODATA;
		r->calls = 0;
		r->pinned = r->freed = r->got = r->mapped = 0;
		/* Our fields reset before the writer reads them. */
		smp_store_release(&r->ack, g);
		for (i = 0; i < r->delay; i++)
			cpu_relax();
		/* Into Xen's window: the write is under way on the other vCPU. */
		for (i = 0; i < CALLS; i++) {
			rc = attack(r, mfn);
			r->calls++;
			r->rc = rc;
			/* The writer's write is over: stop calling. */
			if (!rc || smp_load_acquire(&r->done) == g)
				break;
		}
		/* Our results out before the writer reads them. */
		smp_store_release(&r->fin, g);
		cond_resched();
	}
	return 0;
}

static bool wait_gen(unsigned int *p, unsigned int g, unsigned int usecs)
{
	unsigned long end = jiffies + usecs_to_jiffies(usecs) + 1;

	/* Pairs with the other side's release of *p. */
	while (smp_load_acquire(p) != g) {
		if (time_after(jiffies, end))
			return false;
		cpu_relax();
	}
	return true;
}

/*
 * Our frame N freed behind our back after Xen handed it over (our own
 * doing, on a fixed Xen): the page is still mapped, but no longer ours
 * to keep.  Move its bytes to a fresh frame and forget N.
 */
static bool repair(int idx)
{
	struct hs_page *p = &hs.pg[idx];
	u64 x = frame_get(), old = READ_ONCE(hs_kpte((unsigned long)p->va)->pte);
	struct mmu_update u = {
		.ptr = (x << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE,
		.val = p->pfn,
	};

	if (!x)
		return false;
	if (hs_map_scratch(x << PAGE_SHIFT | HS_FLAGS(hs.scratch_pte) |
			   _PAGE_RW, false)) {
		frame_put(x);
		return false;
	}
	memcpy((void *)hs_scratch_va(), p->va, PAGE_SIZE);
	hs_unmap_scratch();
	HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
	WRITE_ONCE(xen_p2m_addr[p->pfn], x);
	return !HYPERVISOR_update_va_mapping((unsigned long)p->va,
					     __pte_ma(x << PAGE_SHIFT |
						      HS_FLAGS(old)),
					     UVMF_INVLPG);
}

/* What the attacker got, after the write: undone, and judged. */
static void aftermath(struct race *r, int idx, u64 n)
{
	const struct hs_page *p = &hs.pg[idx];
	u64 h;

	if (r->rc == -ENODATA)
		return;
	if (r->calls)
		st->calls += r->calls;
	if (!r->pinned && !r->freed && !r->got && !r->mapped) {
		st->fail[r->act]++;
		return;
	}
	st->ok[r->act]++;
	if (r->pinned) {
		/* A validated L1 with the shared page's bytes: Xen lost. */
		h = 0;
		if (!hs_map_scratch(r->pinned << PAGE_SHIFT |
				    (HS_FLAGS(hs.scratch_pte) & ~_PAGE_RW),
				    false))
			h = xxh64((void *)hs_scratch_va(), PAGE_SIZE, 0);
		hs_unmap_scratch();
		if (h == p->hash) {
			st->exploited++;
			hs_out("alloc-race EXPLOITED: pinned L1 %#llx holds the bytes of shared page %d (N %#llx)\n",
			       r->pinned, idx, n);
		} else {
			st->pin_other++;
		}
		pin(r->pinned, MMUEXT_UNPIN_TABLE);
	}
	if (r->freed && r->freed == n) {
		if (repair(idx))
			st->repaired++;
		else
			st->repair_fail++;
	}
	if (r->got)
		frame_put(r->got);
	if (r->mapped) {
		/* Only a frame of ours, never a shared one, may be mapped. */
		if (r->mapped != r->not_this &&
		    (!hs_own(r->mapped, NULL) || hs_is_held(r->mapped)))
			st->map_bad++;
		hs_unmap_scratch();
	}
}

static void learn(int way, s64 delta)
{
	int i, best = 0;

	if (delta < -DELTAS || delta > DELTAS) {
		st->far[way]++;
		return;
	}
	st->hist[way][delta + DELTAS]++;
	for (i = 0; i < 2 * DELTAS + 1; i++)
		if (st->hist[way][i] > st->hist[way][best])
			best = i;
	st->best[way] = best - DELTAS;
}

/*
 * Keep A, or give it back first?  Both at first; then mostly the way
 * that predicted N best so far.
 */
static int pick_way(void)
{
	if (st->tries[0] < 16 || st->tries[1] < 16 || !(rnd() % 8))
		return rnd() & 1;
	return st->hit[1] * st->tries[0] >= st->hit[0] * st->tries[1];
}

/*
 * One unshare with the attacker aimed at the predicted N (hs.lock held).
 * xen: Xen's own write (xen_version) instead of ours.
 */
static void attempt(struct race *r, int idx, int act, bool xen, bool fuzz,
		    unsigned int *gen)
{
	struct hs_page *p = &hs.pg[idx];
	char orig[XEN_EXTRAVERSION_LEN];
	unsigned int off = (rnd() % (PAGE_SIZE / 64)) * 64;
	int way = pick_way(), rc = 0;
	u64 s = p->s, a, cand, n;
	s64 delta;
	bool ok;

	if (off + sizeof(orig) > PAGE_SIZE)
		off = 0;
	a = frame_get();
	if (!a) {
		st->no_frame++;
		return;
	}
	/* way 1: give A back now, Xen may hand it out again as N. */
	if (way)
		frame_put(a);
	delta = st->best[way];
	if (!way && !delta)
		delta = -1;	/* A itself is ours: never aim there */
	if (fuzz && !(rnd() % 4))
		delta += (s64)(rnd() % 5) - 2;	/* now and then a neighbour */
	cand = a + delta;
	r->cand = cand;
	r->not_this = way ? 0 : a;
	r->act = act;
	r->rw = rnd() & 1;
	r->delay = rnd() % 2000;
	memcpy(orig, p->va + off, sizeof(orig));
	/* The attempt's fields out before the attacker sees it armed. */
	smp_store_release(&r->armed, ++*gen);
	if (!wait_gen(&r->ack, *gen, 20000)) {
		st->no_ack++;
		/* Tell the attacker to stop, as after a write. */
		smp_store_release(&r->done, *gen);
		wait_gen(&r->fin, *gen, 200000);
		if (!way)
			frame_put(a);
		return;
	}
	st->attempts++;
	if (xen) {
		rc = HYPERVISOR_xen_version(XENVER_extraversion, p->va + off);
		st->xen_writes++;
	} else {
		WRITE_ONCE(*(u64 *)(p->va + off), ~*(u64 *)orig);
	}
	/* The write is over: the attacker stops calling. */
	smp_store_release(&r->done, *gen);
	if (!wait_gen(&r->fin, *gen, 1000000))
		hs_out("race: the attacker did not finish attempt %u\n", *gen);
	n = hs_p2m(p->pfn);
	if (xen)
		ok = rc ? n == s : n != s;
	else
		ok = READ_ONCE(*(u64 *)(p->va + off)) == ~*(u64 *)orig &&
		     n != s && hs_pte_mfn(page_pte_raw(idx)) == n;
	if (xen && rc)
		st->xen_writes_bad += !ok;
	else if (ok)
		st->writes_ok++;
	else
		st->writes_bad++;
	if (n != s) {
		st->tries[way]++;
		st->hits += n == cand;
		st->hit[way] += n == cand;
		learn(way, (s64)(n - a));
	}
	aftermath(r, idx, n);
	/* Back to the pattern: Xen offers the page again. */
	if (memcmp(p->va + off, orig, sizeof(orig)))
		memcpy(p->va + off, orig, sizeof(orig));
	if (!hs_page_ok(idx))
		st->writes_bad++;
	if (!way)
		frame_put(a);
}

static void race_report(const char *name, unsigned int secs)
{
	char line[400];
	size_t n = 0;
	int w, i;

	hs_out("%s secs %u attempts %llu unshares %llu bad %llu xen-writes %llu no-page %llu no-frame %llu no-ack %llu\n",
	       name, secs, st->attempts, st->writes_ok, st->writes_bad,
	       st->xen_writes, st->no_page, st->no_frame, st->no_ack);
	for (w = 0; w < 2; w++) {
		n = scnprintf(line, sizeof(line),
			      "%s predict %s: N == A%+d in %llu of %llu; N - A seen:",
			      name, w ? "A-given-back" : "A-kept", st->best[w],
			      st->hit[w], st->tries[w]);
		for (i = 0; i < 2 * DELTAS + 1; i++)
			if (st->hist[w][i])
				n += scnprintf(line + n, sizeof(line) - n,
					       " %+d=%llu", i - DELTAS,
					       st->hist[w][i]);
		hs_out("%s, farther %llu\n", line, st->far[w]);
	}
	n = scnprintf(line, sizeof(line), "%s calls %llu:", name, st->calls);
	for (i = 0; i < ACT_NR; i++)
		n += scnprintf(line + n, sizeof(line) - n, " %s ok %llu fail %llu",
			       act_name[i], st->ok[i], st->fail[i]);
	hs_out("%s\n", line);
	hs_out("%s pinned-other %llu freed-ours-repaired %llu repair-failed %llu map-bad %llu exploited %llu\n",
	       name, st->pin_other, st->repaired, st->repair_fail, st->map_bad,
	       st->exploited);
}

/*
 * The engine: a writer on this vCPU (bound to CPU 0 by the caller), the
 * attacker on CPU 1.  fuzz: random actions, Xen's writes, kicks that
 * commit offers, unshare_all now and then.
 */
static void race_run(const char *name, unsigned int secs, bool fuzz,
		     unsigned int max_attempts)
{
	unsigned long end = jiffies + secs * HZ, next_all = jiffies + 10 * HZ;
	struct task_struct *t;
	struct race *r = rc_;
	unsigned int gen = 0, k = 0;
	int idx = 0, act;

	t = kthread_create(attacker_fn, r, "hs_attacker");
	if (IS_ERR(t)) {
		hs_out("%s no attacker thread\n", name);
		return;
	}
	kthread_bind(t, 1);
	wake_up_process(t);

	while (time_before(jiffies, end) && st->attempts < max_attempts &&
	       !st->exploited) {
		mutex_lock(&hs.lock);
		if (fuzz && !(rnd() % 16)) {
			hs_ring_kick_take();	/* commits what came */
			st->kicks++;
		}
		if (fuzz && time_after(jiffies, next_all)) {
			struct xen_cbps_op op = { .cmd = CBPS_OP_unshare_all };

			hs_op(&op);
			st->unshare_alls++;
			next_all = jiffies + 10 * HZ;
		}
		idx = held_from(idx + 1);
		if (idx < 0) {
			mutex_unlock(&hs.lock);
			st->no_page++;
			idx = 0;
			msleep(20);	/* Xen offers the pages again */
			continue;
		}
		act = fuzz ? rnd() % ACT_NR : k++ % ACT_MAP;
		attempt(r, idx, act, fuzz && !(rnd() % 4), fuzz, &gen);
		mutex_unlock(&hs.lock);
		cond_resched();
	}
	WRITE_ONCE(r->quit, true);
	kthread_stop(t);
}

static bool race_setup(const char *name, u64 seed)
{
	if (num_online_cpus() < 2 || !cpu_online(1)) {
		hs_out("iso %s FAIL needs two vCPUs (has %u)\n", name,
		       num_online_cpus());
		return false;
	}
	rc_ = kzalloc(sizeof(*rc_), GFP_KERNEL);
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!rc_ || !st) {
		kfree(rc_);
		kfree(st);
		hs_out("iso %s FAIL no memory\n", name);
		return false;
	}
	st->best[0] = -1;
	st->best[1] = 0;
	rng = seed;
	/* The writer on CPU 0, the attacker on CPU 1. */
	set_cpus_allowed_ptr(current, cpumask_of(0));
	return true;
}

static void race_teardown(void)
{
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	kfree(rc_);
	kfree(st);
	rc_ = NULL;
	st = NULL;
}

static unsigned int pages_ok(unsigned int *shared)
{
	unsigned int i, ok = 0;

	*shared = 0;
	mutex_lock(&hs.lock);
	for (i = 0; i < HS_PAGES; i++) {
		ok += hs_page_ok(i);
		*shared += hs_shared(i);
	}
	mutex_unlock(&hs.lock);
	return ok;
}

void hs_alloc_race(unsigned int secs)
{
	struct iso_detail d = {};
	unsigned int good, shared;
	bool ok;

	if (!race_setup("alloc-race", jiffies))
		return;
	hs_out("alloc-race: %u s, writer on CPU 0, attacker on CPU 1\n", secs);
	race_run("alloc-race", secs, false, 100000);
	race_report("alloc-race", secs);
	good = pages_ok(&shared);
	ok = st->attempts >= 50 && !st->writes_bad && !st->exploited &&
	     !st->map_bad && !st->repair_fail && good == HS_PAGES;
	hs_det(&d, " attempts %llu predicted %llu unshares %llu bad %llu exploited %llu pages-ok %u shared %u",
	    st->attempts, st->hits, st->writes_ok, st->writes_bad,
	    st->exploited, good, shared);
	if (st->attempts < 50)
		hs_det(&d, " (too few attempts)");
	hs_out("iso alloc-race %s%s\n", ok ? "PASS" : "FAIL", d.s);
	race_teardown();
}

void hs_race_fuzz(unsigned int secs, u64 seed)
{
	unsigned int good, shared;

	if (!race_setup("race-fuzz", seed))
		return;
	hs_out("racefuzz: %u s, seed %llu, two vCPUs\n", secs, seed);
	race_run("racefuzz", secs, true, ~0u);
	race_report("racefuzz", secs);
	good = pages_ok(&shared);
	hs_out("racefuzz pages ok %u of %d, shared %u\n", good, HS_PAGES,
	       shared);
	hs_out("racefuzz unexpected %llu\n", st->writes_bad + st->exploited +
	       st->map_bad + st->repair_fail + st->xen_writes_bad);
	race_teardown();
}
