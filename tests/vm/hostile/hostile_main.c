// SPDX-License-Identifier: GPL-2.0-only
/*
 * cbps_hostile.ko: a malicious PV guest against Xen's cbps interface, for
 * the VM test "hostile" (issue 8, items 2 and 3).  Test only, never
 * loaded with cs.ko (one ring a domain).
 *
 * It registers a ring and binds VIRQ_CBPS as cs.ko does, and holds a
 * pattern: 128 pages from alloc_page(), each mapped only by the direct
 * map, loaded with the bytes of a file ("load PATH").  When an honest
 * guest has the same bytes, Xen offers them; the module commits those
 * offers for real and declines every other one.  Then, on command:
 *
 *   /proc/cbps_hostile       write a command, read its answer:
 *     load PATH              the pattern from PATH (512 KiB)
 *     isolate                isolation probes (hostile_isolate.c), one
 *                            line "iso NAME PASS|FAIL detail" each
 *     fuzz SECS SEED         the fuzzer (hostile_fuzz.c), then a summary
 *     verify                 do the pattern pages still hold the pattern
 *     maxpages ORDER [OFF]   unsharing at max_pages (hostile_race.c)
 *     race SECS              alloc-race: unshares against a second vCPU
 *     racefuzz SECS SEED     the same, randomised (hostile_race.c)
 *   /proc/cbps_hostile_stat  counters, "name value" a line
 *   /proc/cbps_hostile_data  the pattern's 512 KiB as the module holds
 *                            them, with its own deliberate writes undone
 *
 * rmmod gives back every shared frame (unshare_all), then the ring.
 */
#define pr_fmt(fmt) "cbps_hostile: " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/xxhash.h>
#include <xen/events.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "hostile.h"

struct hs_state hs;

#define HS_ANSWER	(64 * 1024)
static DEFINE_MUTEX(hs_cmd_lock);	/* one command at a time */
static char *hs_answer;
static size_t hs_answer_len;

void hs_out(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vscnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pr_info("%s", line);
	if (hs_answer && hs_answer_len + n < HS_ANSWER) {
		memcpy(hs_answer + hs_answer_len, line, n);
		hs_answer_len += n;
	}
}

int hs_op(struct xen_cbps_op *op)
{
	return HYPERVISOR_memory_op(XENMEM_cbps_op, op);
}

/*
 * For the probes: Xen may refuse a call with -EBUSY when the guest calls
 * too often (cbps=call-rate=); try again then.  Not for commits, where
 * -EBUSY is an answer.
 */
int hs_op_retry(struct xen_cbps_op *op)
{
	struct xen_cbps_op in = *op;
	int rc, tries = 0;

	for (;;) {
		rc = hs_op(op);
		if (rc != -EBUSY || ++tries > 100)
			return rc;
		*op = in;
		msleep(20);
	}
}

void hs_det(struct iso_detail *d, const char *fmt, ...)
{
	va_list ap;

	if (d->n >= sizeof(d->s) - 1)
		return;
	va_start(ap, fmt);
	d->n += vscnprintf(d->s + d->n, sizeof(d->s) - d->n, fmt, ap);
	va_end(ap);
}

/* Does mfn back one of our pfns (our own frame, or a shared one we hold)? */
bool hs_own(u64 mfn, unsigned long *pfnp)
{
	unsigned long pfn;

	if (mfn >= machine_to_phys_nr)
		return false;
	pfn = mfn_to_pfn_no_overrides(mfn);
	if (pfn >= xen_p2m_size || READ_ONCE(xen_p2m_addr[pfn]) != mfn)
		return false;
	if (pfnp)
		*pfnp = pfn;
	return true;
}

/* Our p2m word for pfn, as Xen may have rewritten it. */
u64 hs_p2m(unsigned long pfn)
{
	return READ_ONCE(xen_p2m_addr[pfn]);
}

u64 hs_p2m_ma(unsigned long pfn)
{
	return arbitrary_virt_to_machine(&xen_p2m_addr[pfn]).maddr;
}

/* The kernel's 4K entry for va (raw machine value in ->pte), or NULL. */
pte_t *hs_kpte(unsigned long va)
{
	unsigned int level;
	pte_t *ptep = lookup_address(va, &level);

	if (!ptep || level != PG_LEVEL_4K)
		return NULL;
	return ptep;
}

u64 hs_pte_mfn(u64 pte)
{
	return (pte & PTE_PFN_MASK) >> PAGE_SHIFT;
}

bool hs_shared(int idx)
{
	const struct hs_page *p = &hs.pg[idx];

	return p->s && hs_p2m(p->pfn) == p->s;
}

/* A shared frame one of our pattern pages holds now. */
bool hs_is_held(u64 mfn)
{
	int i;

	for (i = 0; i < HS_PAGES; i++)
		if (hs.pg[i].s == mfn && hs_shared(i))
			return true;
	return false;
}

unsigned int hs_nr_held(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < HS_PAGES; i++)
		n += hs_shared(i);
	return n;
}

int hs_share_info(struct cbps_share_stats *st)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_share_info };
	int rc;

	op.u.share.domid = DOMID_SELF;
	rc = hs_op_retry(&op);
	if (!rc)
		*st = op.u.share.u.dom;
	return rc;
}

bool hs_is_written(int idx)
{
	unsigned int i;

	for (i = 0; i < hs.nr_writes; i++)
		if (hs.writes[i].idx == idx)
			return true;
	return false;
}

/* Remember bytes we are about to change on purpose (one write a page). */
void hs_note_write(int idx, unsigned int off, unsigned int len)
{
	struct hs_write *w;

	if (hs.nr_writes >= HS_WRITES || hs_is_written(idx) || len > 16)
		return;
	w = &hs.writes[hs.nr_writes++];
	w->idx = idx;
	w->off = off;
	w->len = len;
	memcpy(w->orig, (u8 *)hs.pg[idx].va + off, len);
}

/* Does page idx hold the pattern, our deliberate writes undone? */
bool hs_page_ok(int idx)
{
	const u8 *va = hs.pg[idx].va;
	struct xxh64_state st;
	unsigned int i, pos = 0;

	xxh64_reset(&st, 0);
	for (i = 0; i < hs.nr_writes; i++) {
		const struct hs_write *w = &hs.writes[i];

		if (w->idx != idx)
			continue;
		xxh64_update(&st, va + pos, w->off - pos);
		xxh64_update(&st, w->orig, w->len);
		pos = w->off + w->len;
	}
	xxh64_update(&st, va + pos, PAGE_SIZE - pos);
	return xxh64_digest(&st) == hs.pg[idx].hash;
}

int hs_decline(u64 from, u64 to, u32 why)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_decline };
	int rc;

	op.u.commit.from_mfn = from;
	op.u.commit.to_mfn = to;
	op.u.commit.kind = why;
	rc = hs_op(&op);
	if (rc)
		hs.decline_fails++;
	else
		hs.declines++;
	return rc;
}

unsigned long hs_scratch_va(void)
{
	return (unsigned long)page_address(hs.scratch);
}

u64 hs_scratch_now(void)
{
	return READ_ONCE(hs_kpte(hs_scratch_va())->pte);
}

/*
 * Point the scratch page's direct-map entry at another frame (raw entry
 * val), through update_va_mapping or mmu_update.
 */
int hs_map_scratch(u64 val, bool mmu)
{
	struct mmuext_op inv = {
		.cmd = MMUEXT_INVLPG_LOCAL,
		.arg1.linear_addr = hs_scratch_va(),
	};
	struct mmu_update u = {
		.ptr = hs.scratch_pte_ma | MMU_NORMAL_PT_UPDATE,
		.val = val,
	};
	int rc;

	if (!mmu)
		return HYPERVISOR_update_va_mapping(hs_scratch_va(),
						    __pte_ma(val), UVMF_INVLPG);
	rc = HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
	HYPERVISOR_mmuext_op(&inv, 1, NULL, DOMID_SELF);
	return rc;
}

/* And back to the scratch page itself. */
void hs_unmap_scratch(void)
{
	int rc;

	if (hs_scratch_now() == hs.scratch_pte)
		return;
	rc = HYPERVISOR_update_va_mapping(hs_scratch_va(),
					  __pte_ma(hs.scratch_pte),
					  UVMF_INVLPG);
	if (rc)
		pr_err("cannot map the scratch page back: %d\n", rc);
}

u64 hs_ring_ma(void)
{
	return virt_to_machine(hs.sring).maddr;
}

/* Machine address of the L2 entry that maps va (a table, but no L1). */
u64 hs_l2e_ma(unsigned long va)
{
	pgd_t *pgd = pgd_offset(current->active_mm, va);
	p4d_t *p4d = p4d_offset(pgd, va);
	pud_t *pud = pud_offset(p4d, va);
	pmd_t *pmd = pmd_offset(pud, va);

	return arbitrary_virt_to_machine(pmd).maddr;
}

/* Which pattern page mfn backs, if any. */
static int hs_pattern_of(u64 mfn)
{
	unsigned long pfn;
	int i;

	if (!hs_own(mfn, &pfn))
		return -1;
	for (i = 0; i < HS_PAGES; i++)
		if (hs.pg[i].pfn == pfn)
			return i;
	return -1;
}

static void hs_seen_add(const struct cbps_ring_entry *e, int idx)
{
	struct hs_offer *o = &hs.seen[hs.nr_seen++ % HS_SEEN];

	o->from = e->from_mfn;
	o->to = e->to_mfn;
	o->idx = idx;
	o->when = jiffies;
}

static void hs_unheld_add(u64 s)
{
	unsigned int i, n = min_t(unsigned int, hs.nr_unheld, HS_UNHELD);

	for (i = 0; i < n; i++)
		if (hs.unheld[i] == s)
			return;
	hs.unheld[hs.nr_unheld++ % HS_UNHELD] = s;
}

static void hs_commit_page(int idx, u64 from, u64 to)
{
	struct hs_page *p = &hs.pg[idx];
	struct xen_cbps_op op = { .cmd = CBPS_OP_commit };
	struct hs_offer *g;
	u64 s, raw;
	int rc;

	op.u.commit.from_mfn = from;
	op.u.commit.to_mfn = to;
	op.u.commit.p2m_maddr = hs_p2m_ma(p->pfn);
	op.u.commit.nr_ptes = 1;
	op.u.commit.kind = CBPS_KIND_OTHER;
	op.u.commit.pte_maddr[0] = p->pte_ma;
	rc = hs_op(&op);
	if (rc) {
		hs.commit_fails++;
		hs.last_commit_rc = rc;
		/* Not taken (busy, or the call was refused): offer it again. */
		if (rc == -EBUSY || rc == -EAGAIN)
			hs_decline(from, to, CBPS_DECLINE_BUSY);
		return;
	}
	/* Xen rewrote our p2m word: the shared frame. */
	s = hs_p2m(p->pfn);
	p->s = s;
	p->commits++;
	hs.commits++;
	g = &hs.given[hs.nr_given++ % HS_GIVEN];
	g->from = from;
	g->to = s;
	g->idx = idx;
	g->when = jiffies;
	raw = READ_ONCE(hs_kpte((unsigned long)p->va)->pte);
	if (hs_pte_mfn(raw) != s || (raw & _PAGE_RW))
		hs.commit_pte_bad++;
}

static void hs_stash(const struct cbps_ring_entry *e, int idx)
{
	struct hs_offer *o = &hs.stash[idx - HS_PROBE_FIRST];

	/* An older offer of the same page is gone (or will expire). */
	o->from = e->from_mfn;
	o->to = e->to_mfn;
	o->idx = idx;
	o->when = jiffies;
	hs.stashed++;
}

/* While the fuzzer runs, real offers for it to commit with bad arguments. */
static bool hs_live_put(const struct cbps_ring_entry *e, int idx)
{
	int i;

	for (i = 0; i < HS_LIVE; i++)
		if (!hs.live[i].from) {
			hs.live[i].from = e->from_mfn;
			hs.live[i].to = e->to_mfn;
			hs.live[i].idx = idx;
			hs.live[i].when = jiffies;
			return true;
		}
	return false;
}

static void hs_offer(const struct cbps_ring_entry *e)
{
	int idx = hs_pattern_of(e->from_mfn);

	hs.offers++;
	hs_seen_add(e, idx);
	if (idx < 0) {
		/* A join into a shared frame we never hold: for the probes. */
		if (e->from_mfn != e->to_mfn)
			hs_unheld_add(e->to_mfn);
		hs_decline(e->from_mfn, e->to_mfn, CBPS_DECLINE_INELIGIBLE);
		return;
	}
	hs.pattern_offers++;
	if (!hs.loaded || hs.stopping || hs.hold_offers) {
		hs_decline(e->from_mfn, e->to_mfn, CBPS_DECLINE_BUSY);
		return;
	}
	if (idx >= HS_PROBE_FIRST && !hs.foreign_done) {
		hs_stash(e, idx);
		return;
	}
	if (hs.fuzzing && hs_live_put(e, idx))
		return;
	hs_commit_page(idx, e->from_mfn, e->to_mfn);
}

static void hs_entry(const struct cbps_ring_entry *e)
{
	hs.received++;
	if (e->seq != hs.next_seq)
		hs.seq_errors++;
	hs.next_seq = e->seq + 1;
	switch (e->type) {
	case CBPS_ENTRY_TEST:
		WRITE_ONCE(hs.test_entries, hs.test_entries + 1);
		break;
	case CBPS_ENTRY_OFFER:
		hs_offer(e);
		break;
	default:
		hs.bad_entries++;
		break;
	}
}

/*
 * Take what the ring holds (hs.lock held).  A distance past the ring's
 * size means an index is wrong (we scribble on ours in the fuzzer): start
 * again from Xen's prod; what was lost, Xen offers again.
 */
static void hs_take(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_kick };
	struct cbps_ring_entry e;
	u32 prod, n;

	for (;;) {
		prod = READ_ONCE(hs.sring->prod);
		n = CBPS_RING_DISTANCE(prod, hs.cons);
		if (n > CBPS_RING_ENTRIES) {
			hs.ring_resyncs++;
			hs.cons = prod;
			virt_mb();	/* as below: reads done, then cons */
			WRITE_ONCE(hs.sring->cons, hs.cons);
			break;
		}
		if (!n)
			break;
		virt_rmb();	/* the entry after the prod that covers it */
		e = hs.sring->ent[CBPS_RING_IDX(hs.cons)];
		hs.cons++;
		virt_mb();	/* the slot read before Xen may reuse it */
		WRITE_ONCE(hs.sring->cons, hs.cons);
		hs_entry(&e);
	}
	virt_mb();	/* our cons store before the flags load */
	if (READ_ONCE(hs.sring->flags) & CBPS_RING_F_KICK) {
		hs.kicks++;
		hs_op(&op);
	}
}

/* Header sane again: Xen republishes it on a kick; take what came. */
void hs_ring_kick_take(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_kick };

	hs_op(&op);
	hs_take();
}

static void hs_work_fn(struct work_struct *work)
{
	mutex_lock(&hs.lock);
	if (hs.registered)
		hs_take();
	mutex_unlock(&hs.lock);
}

static irqreturn_t hs_virq(int irq, void *dev_id)
{
	WRITE_ONCE(hs.virqs, hs.virqs + 1);
	schedule_work(&hs.work);
	return IRQ_HANDLED;
}

/* "load PATH": the pattern, straight from the file's page cache. */
static int hs_load(const char *path)
{
	struct file *f;
	loff_t pos;
	ssize_t n;
	int i, rc = 0;

	if (hs.loaded)
		return -EBUSY;
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	for (i = 0; i < HS_PAGES; i++) {
		pos = (loff_t)i * PAGE_SIZE;
		n = kernel_read(f, hs.pg[i].va, PAGE_SIZE, &pos);
		if (n != PAGE_SIZE) {
			rc = n < 0 ? n : -EIO;
			break;
		}
		hs.pg[i].hash = xxh64(hs.pg[i].va, PAGE_SIZE, 0);
	}
	filp_close(f, NULL);
	if (rc)
		return rc;
	mutex_lock(&hs.lock);
	hs.loaded = true;
	mutex_unlock(&hs.lock);
	hs_out("load pages %d bytes %lu\n", HS_PAGES, HS_PAGES * PAGE_SIZE);
	return 0;
}

/* "verify": every pattern page holds its bytes; our writes are there. */
static void hs_verify(void)
{
	unsigned int i, bad = 0, marks = 0, shared = 0;

	mutex_lock(&hs.lock);
	for (i = 0; i < HS_PAGES; i++) {
		if (!hs_page_ok(i)) {
			bad++;
			hs_out("verify page %u differs (pfn %#lx)\n", i,
			       hs.pg[i].pfn);
		}
		shared += hs_shared(i);
	}
	for (i = 0; i < hs.nr_writes; i++) {
		const struct hs_write *w = &hs.writes[i];

		marks += !!memcmp((u8 *)hs.pg[w->idx].va + w->off, w->orig,
				  w->len);
	}
	hs_out("verify pages %d bad %u writes %u marks %u shared %u\n",
	       HS_PAGES, bad, hs.nr_writes, marks, shared);
	mutex_unlock(&hs.lock);
}

static ssize_t hs_cmd_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char cmd[128], order[8];
	unsigned long off = 0;
	unsigned int secs;
	u64 seed;
	int rc = 0;

	if (!len || len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = 0;
	strim(cmd);

	mutex_lock(&hs_cmd_lock);
	hs_answer_len = 0;
	if (!strncmp(cmd, "load ", 5))
		rc = hs_load(strim(cmd + 5));
	else if (!strcmp(cmd, "isolate"))
		hs_isolate();
	else if (sscanf(cmd, "fuzz %u %llu", &secs, &seed) == 2 &&
		 secs <= 3600)
		hs_fuzz(secs, seed);
	else if (!strcmp(cmd, "verify"))
		hs_verify();
	else if (sscanf(cmd, "maxpages %7s %lx", order, &off) >= 1)
		hs_max_pages(order, off);
	else if (sscanf(cmd, "racefuzz %u %llu", &secs, &seed) == 2 &&
		 secs <= 3600)
		hs_race_fuzz(secs, seed);
	else if (sscanf(cmd, "race %u", &secs) == 1 && secs <= 3600)
		hs_alloc_race(secs);
	else
		rc = -EINVAL;
	mutex_unlock(&hs_cmd_lock);
	return rc ? rc : len;
}

static ssize_t hs_cmd_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	ssize_t n;

	mutex_lock(&hs_cmd_lock);
	n = simple_read_from_buffer(ubuf, count, ppos, hs_answer,
				    hs_answer_len);
	mutex_unlock(&hs_cmd_lock);
	return n;
}

static const struct proc_ops hs_cmd_ops = {
	.proc_read = hs_cmd_read,
	.proc_write = hs_cmd_write,
	.proc_lseek = default_llseek,
};

/* The pattern as we hold it, with our deliberate writes undone. */
static ssize_t hs_data_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	size_t done = 0;
	unsigned int i;

	mutex_lock(&hs.lock);
	while (done < count && *ppos < (loff_t)HS_PAGES * PAGE_SIZE) {
		int idx = *ppos >> PAGE_SHIFT;
		unsigned int off = *ppos & ~PAGE_MASK;
		size_t n = min_t(size_t, count - done, PAGE_SIZE - off);

		if (copy_to_user(ubuf + done, (u8 *)hs.pg[idx].va + off, n))
			goto fault;
		for (i = 0; i < hs.nr_writes; i++) {
			const struct hs_write *w = &hs.writes[i];
			unsigned int a = max(off, w->off);
			unsigned int b = min_t(unsigned int, off + n,
					       w->off + w->len);

			if (w->idx != idx || a >= b)
				continue;
			if (copy_to_user(ubuf + done + (a - off),
					 w->orig + (a - w->off), b - a))
				goto fault;
		}
		done += n;
		*ppos += n;
	}
	mutex_unlock(&hs.lock);
	return done;
fault:
	mutex_unlock(&hs.lock);
	return done ? done : -EFAULT;
}

static const struct proc_ops hs_data_ops = {
	.proc_read = hs_data_read,
	.proc_lseek = default_llseek,
};

static int hs_stat_show(struct seq_file *m, void *v)
{
	struct cbps_share_stats st;
	int i, shared = 0;

#define S(name) seq_printf(m, #name " %llu\n", READ_ONCE(hs.name))
	seq_printf(m, "registered %d\n", READ_ONCE(hs.registered));
	seq_printf(m, "loaded %d\n", READ_ONCE(hs.loaded));
	seq_printf(m, "foreign_done %d\n", READ_ONCE(hs.foreign_done));
	S(virqs);
	S(received);
	S(test_entries);
	S(seq_errors);
	S(bad_entries);
	S(ring_resyncs);
	S(kicks);
	S(offers);
	S(pattern_offers);
	S(commits);
	S(commit_fails);
	S(declines);
	S(decline_fails);
	S(stashed);
	S(commit_pte_bad);
	S(ring_abuses);
	S(ring_errors_provoked);
#undef S
	seq_printf(m, "last_commit_rc %d\n", READ_ONCE(hs.last_commit_rc));
	seq_printf(m, "unheld_seen %u\n", READ_ONCE(hs.nr_unheld));
	for (i = 0; i < HS_PAGES; i++)
		shared += hs_shared(i);
	seq_printf(m, "shared_now %d\n", shared);
	if (!hs_share_info(&st)) {
		seq_printf(m, "held %llu\n", st.held);
		seq_printf(m, "xen_committed %llu\n", st.committed);
		seq_printf(m, "xen_rejected %llu\n", st.rejected);
		seq_printf(m, "xen_declined %llu\n", st.declined);
		seq_printf(m, "xen_offered %llu\n", st.offered);
		seq_printf(m, "xen_cow_breaks %llu\n", st.cow_breaks);
		seq_printf(m, "xen_takebacks %llu\n", st.takebacks);
		seq_printf(m, "xen_throttled %llu\n", st.throttled);
	}
	return 0;
}

/* Is Xen there, with cbps on, and an interface we know? */
static int hs_check_xen(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_query };
	int rc;

	if (!xen_pv_domain())
		return -ENODEV;
	rc = hs_op(&op);
	if (rc == -ENOSYS)
		return -ENODEV;
	if (rc)
		return rc;
	if (CBPS_VERSION_MAJOR(op.u.query.version) !=
	    CBPS_VERSION_MAJOR(CBPS_INTERFACE_VERSION))
		return -EPROTO;
	return 0;
}

static void hs_free_pages(void)
{
	int i;

	for (i = 0; i < HS_PAGES; i++)
		if (hs.pg[i].page)
			__free_page(hs.pg[i].page);
	if (hs.scratch)
		__free_page(hs.scratch);
}

static int hs_alloc_pages(void)
{
	pte_t *ptep;
	int i;

	for (i = 0; i < HS_PAGES; i++) {
		struct hs_page *p = &hs.pg[i];

		p->page = alloc_page(GFP_KERNEL);
		if (!p->page)
			return -ENOMEM;
		p->va = page_address(p->page);
		p->pfn = page_to_pfn(p->page);
		ptep = hs_kpte((unsigned long)p->va);
		if (!ptep)
			return -EOPNOTSUPP;
		p->pte_ma = arbitrary_virt_to_machine(ptep).maddr;
	}
	/* Random bytes: nobody has them, Xen never offers the page. */
	hs.scratch = alloc_page(GFP_KERNEL);
	if (!hs.scratch)
		return -ENOMEM;
	get_random_bytes(page_address(hs.scratch), PAGE_SIZE);
	ptep = hs_kpte(hs_scratch_va());
	if (!ptep)
		return -EOPNOTSUPP;
	hs.scratch_pte_ma = arbitrary_virt_to_machine(ptep).maddr;
	hs.scratch_pte = ptep->pte;
	return 0;
}

/* Give back everything we hold: Xen may refuse for a while (busy, memory). */
static int hs_unshare_all(void)
{
	struct xen_cbps_op op;
	int rc, tries = 0;

	do {
		memset(&op, 0, sizeof(op));
		op.cmd = CBPS_OP_unshare_all;
		rc = hs_op(&op);
		if ((rc == -EBUSY || rc == -ENOMEM || rc == -EAGAIN) &&
		    ++tries < 300) {
			msleep(100);
			op.u.unshare.left = 1;
			continue;
		}
		if (rc)
			return rc;
		cond_resched();
	} while (op.u.unshare.left);
	return 0;
}

static int __init hs_init(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_register };
	int rc;

	BUILD_BUG_ON(sizeof(struct cbps_ring) > PAGE_SIZE);
	mutex_init(&hs.lock);
	INIT_WORK(&hs.work, hs_work_fn);

	rc = hs_check_xen();
	if (rc)
		return rc;
	hs_answer = vzalloc(HS_ANSWER);
	rc = hs_answer ? hs_alloc_pages() : -ENOMEM;
	if (rc)
		goto out_free;
	hs.sring = (struct cbps_ring *)get_zeroed_page(GFP_KERNEL);
	if (!hs.sring) {
		rc = -ENOMEM;
		goto out_free;
	}

	rc = bind_virq_to_irqhandler(VIRQ_CBPS, 0, hs_virq, 0, "cbps_hostile",
				     NULL);
	if (rc < 0)
		goto out_ring;
	hs.irq = rc;

	op.u.reg.ring_gfn = virt_to_mfn(hs.sring);
	rc = hs_op(&op);
	if (rc) {
		pr_err("Xen refused the ring: %d\n", rc);
		goto out_unbind;
	}
	hs.registered = true;

	if (!proc_create("cbps_hostile", 0600, NULL, &hs_cmd_ops) ||
	    !proc_create_single("cbps_hostile_stat", 0444, NULL,
				hs_stat_show) ||
	    !proc_create("cbps_hostile_data", 0400, NULL, &hs_data_ops)) {
		rc = -ENOMEM;
		goto out_proc;
	}
	pr_info("registered, ring at mfn %#lx, %d pattern pages\n",
		virt_to_mfn(hs.sring), HS_PAGES);
	schedule_work(&hs.work);
	return 0;

out_proc:
	remove_proc_entry("cbps_hostile", NULL);
	remove_proc_entry("cbps_hostile_stat", NULL);
	remove_proc_entry("cbps_hostile_data", NULL);
	mutex_lock(&hs.lock);
	hs.registered = false;
	mutex_unlock(&hs.lock);
	op.cmd = CBPS_OP_unregister;
	if (hs_op(&op)) {
		/* Xen may still write the ring: never give it back. */
		unbind_from_irqhandler(hs.irq, NULL);
		cancel_work_sync(&hs.work);
		hs_free_pages();
		vfree(hs_answer);
		return rc;
	}
out_unbind:
	unbind_from_irqhandler(hs.irq, NULL);
	cancel_work_sync(&hs.work);
out_ring:
	free_page((unsigned long)hs.sring);
out_free:
	hs_free_pages();
	vfree(hs_answer);
	return rc;
}

static void __exit hs_exit(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_unregister };
	int rc;

	/* Waits for a command under way. */
	remove_proc_entry("cbps_hostile", NULL);
	remove_proc_entry("cbps_hostile_stat", NULL);
	remove_proc_entry("cbps_hostile_data", NULL);

	mutex_lock(&hs.lock);
	hs.stopping = true;
	hs.registered = false;
	mutex_unlock(&hs.lock);
	unbind_from_irqhandler(hs.irq, NULL);
	cancel_work_sync(&hs.work);

	rc = hs_unshare_all();
	if (rc)
		pr_err("unshare on unload failed: %d\n", rc);
	rc = hs_op_retry(&op);
	if (rc) {
		pr_err("Xen kept the ring (%d), leaking its page\n", rc);
		hs.sring = NULL;
	}
	if (hs.sring)
		free_page((unsigned long)hs.sring);
	hs_free_pages();
	vfree(hs_answer);
	pr_info("unregistered\n");
}

module_init(hs_init);
module_exit(hs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cbps: a hostile PV guest (test only)");
