// SPDX-License-Identifier: GPL-2.0-only
/*
 * Taking Xen's share offers.
 *
 * An offer (from, to) says: the frame behind one of our pages, from, has
 * the same contents as the shared frame to (or, when to == from, that our
 * frame can become the shared one).  We take it only for pages Linux
 * itself will never write through a mapping it thinks is writable
 * without first installing that mapping (which Xen turns into an
 * unshare): kernel image pages, page-cache folios that are not mapped
 * into user space, and anonymous pages whose user mappings Linux has
 * made read-only itself (cs_anon.c).  We name their mappings (the direct
 * map; the kernel image's high mapping; an anonymous page's PTEs) and
 * our p2m entry; Xen checks those are all of the frame's references,
 * compares, and switches them.  A later write faults in Xen, which gives
 * us our own copy back.
 */
#define pr_fmt(fmt) "cbps: " fmt

#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/seq_file.h>
#include <linux/xarray.h>
#include <linux/xxhash.h>
#include <asm/pgtable.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "cs.h"

/*
 * pfn -> the shared mfn and the kind of page (CBPS_KIND_*) of every
 * commit, as mfn << 2 | kind: what /proc/cbps and the probe report.
 */
static DEFINE_XARRAY(cs_committed);
#define CS_KIND_BITS 2

/* The kernel's present 4K entry for va, or NULL (PV maps no larger). */
pte_t *cs_kernel_pte(unsigned long va)
{
	unsigned int level;
	pte_t *ptep = lookup_address(va, &level);

	if (!ptep || level != PG_LEVEL_4K || !pte_present(*ptep))
		return NULL;
	return ptep;
}

/* The 4K kernel mapping of va, if it maps mfn: its machine address. */
bool cs_pte_of(unsigned long va, unsigned long mfn, u64 *ma)
{
	pte_t *ptep = cs_kernel_pte(va);

	if (!ptep || pte_mfn(*ptep) != mfn)
		return false;
	*ma = arbitrary_virt_to_machine(ptep).maddr;
	return true;
}

/* The kernel image's high-mapping alias of pfn, or 0. */
static unsigned long cs_image_va(unsigned long pfn)
{
	unsigned long va = __START_KERNEL_map + PFN_PHYS(pfn) - phys_base;

	if (PFN_PHYS(pfn) < phys_base ||
	    va >= __START_KERNEL_map + KERNEL_IMAGE_SIZE)
		return 0;
	return va;
}

/* May run under spinlocks (cs_anon.c): cs_share_offer() records it. */
int cs_commit(struct xen_cbps_op *op, unsigned long pfn)
{
	op->cmd = CBPS_OP_commit;
	op->u.commit.p2m_maddr =
		arbitrary_virt_to_machine(&xen_p2m_addr[pfn]).maddr;
	return HYPERVISOR_memory_op(XENMEM_cbps_op, op);
}

/* Xen rewrote our p2m entry: to_mfn, or a new shared frame. */
static void cs_record(unsigned long pfn, unsigned int kind)
{
	xa_store(&cs_committed, pfn,
		 xa_mk_value(pfn_to_mfn(pfn) << CS_KIND_BITS | kind),
		 GFP_KERNEL);
}

/* The kind pfn was committed as, if its shared frame still backs it. */
static int cs_kind_of(unsigned long pfn, void *v)
{
	if (!v || pfn_to_mfn(pfn) != xa_to_value(v) >> CS_KIND_BITS)
		return -1;
	return xa_to_value(v) & ((1 << CS_KIND_BITS) - 1);
}

/* A kernel image page: its two kernel mappings are all there is. */
static int cs_offer_image(struct xen_cbps_op *op, unsigned long pfn)
{
	unsigned long mfn = op->u.commit.from_mfn, hva = cs_image_va(pfn);
	u32 n = 0;

	if (!hva || !cs_pte_of(hva, mfn, &op->u.commit.pte_maddr[n++]))
		return -ENOENT;
	/*
	 * A PV kernel's direct map of its own image may use the very L1
	 * tables of the high mapping (Xen built both): one entry, named once.
	 */
	if (cs_pte_of((unsigned long)__va(PFN_PHYS(pfn)), mfn,
		      &op->u.commit.pte_maddr[n]) &&
	    op->u.commit.pte_maddr[n] != op->u.commit.pte_maddr[0])
		n++;
	op->u.commit.nr_ptes = n;
	op->u.commit.kind = CBPS_KIND_IMAGE;
	return cs_commit(op, pfn);
}

/*
 * A page-cache folio, order 0, up to date, not under writeback, mapped by
 * no process and pinned by nobody (one reference for the cache, one
 * ours).  The folio lock keeps write() and truncation out during the
 * commit; afterwards any write to it faults into Xen.
 */
static int cs_offer_cache(struct xen_cbps_op *op, struct folio *folio,
			  unsigned long pfn)
{
	int rc = -EBUSY;

	if (!folio_trylock(folio))
		return rc;
	/* Mapped into user space: not while it stays so (-EMLINK). */
	if (folio_mapped(folio))
		rc = -EMLINK;
	if (folio_mapped(folio) || !folio_test_uptodate(folio) ||
	    folio_test_writeback(folio) || folio_test_private(folio) ||
	    folio_ref_count(folio) != 2 || !folio_mapping(folio))
		goto out_unlock;

	/* No direct-map PTE of the frame: not while that stays so. */
	rc = -ENOENT;
	if (!cs_pte_of((unsigned long)__va(PFN_PHYS(pfn)),
		       op->u.commit.from_mfn, &op->u.commit.pte_maddr[0]))
		goto out_unlock;
	op->u.commit.nr_ptes = 1;
	op->u.commit.kind = CBPS_KIND_CACHE;
	rc = cs_commit(op, pfn);
out_unlock:
	folio_unlock(folio);
	return rc;
}

/* A page of the page allocator's: page cache, or anonymous memory. */
static int cs_offer_folio(struct xen_cbps_op *op, struct page *page,
			  unsigned long pfn)
{
	struct folio *folio;
	int rc = -ENOENT;

	if (!get_page_unless_zero(page))
		return rc;
	folio = page_folio(page);
	if (folio_test_large(folio) || folio_test_slab(folio))
		goto out_put;
	if (folio_test_anon(folio)) {
		if (READ_ONCE(cs.anon))
			rc = cs_anon_offer(op, folio, pfn);
	} else if (folio_mapping(folio)) {
		rc = cs_offer_cache(op, folio, pfn);
	}
out_put:
	folio_put(folio);
	return rc;
}

/*
 * An offer we do not take to Xen: free its slot for the next one.  A
 * page we can never take as it is (why: CBPS_DECLINE_*) Xen offers
 * again only some cycles later.
 */
static void cs_decline(const struct cbps_ring_entry *e, u32 why)
{
	struct xen_cbps_op op = {
		.cmd = CBPS_OP_decline,
		.u.commit.from_mfn = e->from_mfn,
		.u.commit.to_mfn = e->to_mfn,
		.u.commit.kind = why,
	};

	HYPERVISOR_memory_op(XENMEM_cbps_op, &op);
}

static void cs_share_take(const struct cbps_ring_entry *e)
{
	struct cbps_guest_stats *s = &cs.stats;
	struct xen_cbps_op op = {
		.u.commit.from_mfn = e->from_mfn,
		.u.commit.to_mfn = e->to_mfn,
	};
	unsigned long pfn;
	struct page *page;
	int rc;

	/* Xen names machine frames; is this one still ours, at which pfn? */
	pfn = mfn_to_pfn(e->from_mfn);
	if (pfn >= xen_p2m_size || pfn_to_mfn(pfn) != e->from_mfn ||
	    !pfn_valid(pfn)) {
		WRITE_ONCE(s->rej_stale, s->rej_stale + 1);
		cs_decline(e, CBPS_DECLINE_INELIGIBLE);
		return;
	}
	page = pfn_to_page(pfn);

	if (PageReserved(page))
		rc = cs_offer_image(&op, pfn);
	else
		rc = cs_offer_folio(&op, page, pfn);
	if (op.cmd != CBPS_OP_commit)
		cs_decline(e, rc == -ENOENT || rc == -EMLINK ?
			   CBPS_DECLINE_INELIGIBLE : CBPS_DECLINE_BUSY);

	switch (rc) {
	case 0:
		cs_record(pfn, op.u.commit.kind);
		WRITE_ONCE(s->committed, s->committed + 1);
		break;
	case -ENOENT:
		WRITE_ONCE(s->rej_ineligible, s->rej_ineligible + 1);
		break;
	case -EBUSY:
	case -EMLINK:
		/* Our own checks, or Xen found other references. */
		WRITE_ONCE(s->rej_mapped, s->rej_mapped + 1);
		break;
	default:
		WRITE_ONCE(s->rej_xen, s->rej_xen + 1);
		pr_info_ratelimited("commit %#llx -> %#llx (pfn %#lx, %s): %d\n",
				    e->from_mfn, e->to_mfn, pfn,
				    op.u.commit.kind == CBPS_KIND_ANON ? "anon" :
				    PageReserved(page) ? "image" : "cache", rc);
		break;
	}
}

/*
 * One offer, under cs.gate: whoever closes the gate (suspend, unload)
 * knows that no commit is under way once it holds the mutex, and that
 * none follows until the gate opens again.
 */
void cs_share_offer(const struct cbps_ring_entry *e)
{
	WRITE_ONCE(cs.stats.offers, cs.stats.offers + 1);
	mutex_lock(&cs.gate);
	if (cs_taking())
		cs_share_take(e);
	else
		cs_decline(e, CBPS_DECLINE_BUSY);
	mutex_unlock(&cs.gate);
}

/* Own copies of everything we hold: before unload or suspend. */
int cs_share_unshare_all(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_unshare_all };
	int rc, tries = 0;

	do {
		op.cmd = CBPS_OP_unshare_all;
		rc = HYPERVISOR_memory_op(XENMEM_cbps_op, &op);
		/* Xen is short of memory, or throttles our calls: wait. */
		if ((rc == -ENOMEM || rc == -EBUSY) && ++tries < 100) {
			msleep(rc == -ENOMEM ? 100 : 10);
			continue;
		}
		if (rc)
			return rc;
		cond_resched();
	} while (op.u.unshare.left);

	xa_destroy(&cs_committed);
	return 0;
}

/* Is pfn backed by the shared frame we committed to? */
bool cs_share_pfn_shared(unsigned long pfn)
{
	return cs_kind_of(pfn, xa_load(&cs_committed, pfn)) >= 0;
}

/* Call fn for each folio of the file at path that is in the page cache. */
static int cs_walk_file(const char *path,
			void (*fn)(struct folio *folio, void *arg), void *arg)
{
	struct address_space *mapping;
	struct path p;
	pgoff_t i, n;
	int rc;

	rc = kern_path(path, LOOKUP_FOLLOW, &p);
	if (rc)
		return rc;
	mapping = d_inode(p.dentry)->i_mapping;
	n = DIV_ROUND_UP(i_size_read(d_inode(p.dentry)), PAGE_SIZE);
	for (i = 0; i < n; i++) {
		struct folio *folio = __filemap_get_folio(mapping, i, 0, 0);

		if (!folio)
			continue;
		fn(folio, arg);
		folio_put(folio);
	}
	path_put(&p);
	return 0;
}

static void cs_count_folio(struct folio *folio, void *arg)
{
	unsigned long *n = arg;

	n[0]++;
	if (!folio_test_large(folio) && cs_share_pfn_shared(folio_pfn(folio)))
		n[1]++;
}

/* For /proc/cbps_probe: the pfn of page index of path, if cached. */
int cs_share_file_pfn(const char *path, unsigned long index,
		      unsigned long *pfn)
{
	struct folio *folio;
	struct path p;
	int rc;

	rc = kern_path(path, LOOKUP_FOLLOW, &p);
	if (rc)
		return rc;
	folio = __filemap_get_folio(d_inode(p.dentry)->i_mapping, index, 0, 0);
	path_put(&p);
	if (!folio)
		return -ENOENT;
	rc = folio_test_large(folio) ? -EINVAL : 0;
	*pfn = folio_pfn(folio);
	folio_put(folio);
	return rc;
}

/* For /proc/cbps_probe: pages of a file in the cache, and shared ones. */
int cs_share_probe_file(const char *path, unsigned long *cached,
			unsigned long *shared)
{
	unsigned long n[2] = { 0, 0 };
	int rc = cs_walk_file(path, cs_count_folio, n);

	*cached = n[0];
	*shared = n[1];
	return rc;
}

/*
 * For the eligible census (/proc/cbps_probe "hashes"): a line "HASH MFN
 * PFN" for a page we could share, unless it is all zeros (Xen leaves
 * those alone).  dom0 joins the lines of all guests by HASH: the
 * guests' potential, and by MFN: what they share now.
 */
static void cs_hash_line(struct seq_file *m, unsigned long pfn)
{
	const void *va = __va(PFN_PHYS(pfn));

	if (!memchr_inv(va, 0, PAGE_SIZE))
		return;
	seq_printf(m, "%016llx %lx %lx\n", xxh64(va, PAGE_SIZE, 0),
		   pfn_to_mfn(pfn), pfn);
}

/* "image": every page the kernel's high mapping maps, as cs_offer_image(). */
static void cs_hash_image(struct seq_file *m)
{
	unsigned long pfn, hva;
	pte_t *ptep;

	for (pfn = PHYS_PFN(phys_base); pfn < xen_p2m_size; pfn++) {
		hva = cs_image_va(pfn);
		if (!hva)
			break;
		if (!pfn_valid(pfn) || !PageReserved(pfn_to_page(pfn)))
			continue;
		ptep = cs_kernel_pte(hva);
		if (ptep && pte_mfn(*ptep) == pfn_to_mfn(pfn))
			cs_hash_line(m, pfn);
		cond_resched();
	}
}

/* A page-cache page that cs_offer_cache() could take. */
static void cs_hash_folio(struct folio *folio, void *m)
{
	if (!folio_test_large(folio) && !folio_mapped(folio) &&
	    folio_test_uptodate(folio))
		cs_hash_line(m, folio_pfn(folio));
}

int cs_share_probe_hashes(struct seq_file *m, const char *what)
{
	if (!strcmp(what, "image")) {
		cs_hash_image(m);
		return 0;
	}
	return cs_walk_file(what, cs_hash_folio, m);
}

/*
 * For /proc/cbps: how many committed pfns are still shared, by the kind
 * they were committed as (n[CBPS_KIND_*]); returns the total.
 */
unsigned long cs_share_count(unsigned long n[CS_NR_KINDS])
{
	unsigned long pfn, total = 0;
	int kind;
	void *v;

	memset(n, 0, CS_NR_KINDS * sizeof(*n));
	xa_for_each(&cs_committed, pfn, v) {
		kind = cs_kind_of(pfn, v);
		if (kind < 0)
			continue;
		n[kind]++;
		total++;
	}
	return total;
}

/* For /proc/cbps_probe: runs of pfns shared now, "first-last" a line. */
void cs_share_show_runs(struct seq_file *m)
{
	unsigned long pfn, first = 0, last = 0;
	bool open = false;
	void *v;

	xa_for_each(&cs_committed, pfn, v) {
		if (cs_kind_of(pfn, v) < 0)
			continue;
		if (open && pfn == last + 1) {
			last = pfn;
			continue;
		}
		if (open)
			seq_printf(m, "%#lx-%#lx\n", first, last);
		first = last = pfn;
		open = true;
	}
	if (open)
		seq_printf(m, "%#lx-%#lx\n", first, last);
}
