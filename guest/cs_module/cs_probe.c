// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/cbps_probe: what the VM tests ask of a guest.  Write a command,
 * read the answer:
 *
 *   PATH        "cached N shared M": pages of a file in the page cache,
 *               and how many of them are backed by a shared frame
 *   kva ADDR    "kva pfn P offset O shared S": the kernel image page that
 *               holds ADDR (a variable from /proc/kallsyms)
 *   grant ADDR  as kva, plus "ref R": that page granted writable to dom0,
 *               so that a backend can map or copy into it
 *   grantto DOMID ADDR
 *               the same, granted to another guest
 *   gntscan     act as a backend on the one grant another guest made to
 *               us: "gntscan domid D ref R status S" for the first
 *               GNTTABOP_copy of 8 bytes into a (domain, ref) that Xen
 *               took (D 0 when none did)
 *   ungrant     end the grant
 *   runs        the pfns shared now, as "first-last" runs
 *   pin ADDR    "pin rc R shared S before B after A own O now N same M":
 *               copy the kernel entry of the image page at ADDR,
 *               read-only, into a new L1 table and pin it, as a fork pins
 *               a child's tables; Xen must rewrite the copy to our own
 *               frame (O 1)
 *               when the page was shared (S 1), it is not after (N 0),
 *               and the page reads the same bytes (M 1)
 *   unpinned PID ADDR
 *               "unpinned shared S before B after A own O": unpin the
 *               page tables of stopped process PID, as exit_mmap() does
 *               before it zaps them, unshare the page at ADDR, read its
 *               entry (O 1: it names our own copy), pin them again
 *   anon PID ADDR N
 *               "anon pages N present P shared S writable W": of the N
 *               pages at ADDR (hex) in process PID, those present, those
 *               backed by a shared frame, and of these the ones mapped
 *               writable (Xen must never let that happen)
 *   hashes image|PATH
 *               "HASH MFN PFN" for each non-zero page of the kernel image,
 *               or each page of PATH in the page cache that is order 0,
 *               up to date and not mapped into user space: the pages
 *               cs.ko can share (the eligible census)
 *   fileva PATH INDEX
 *               "fileva ADDR pfn P shared S": the direct-map address of
 *               page INDEX of PATH in the page cache
 *   exchange ADDR
 *               "exchange shared S rc R same M": trade the frame of the
 *               kernel image page holding ADDR (or the page-cache page at
 *               ADDR, from fileva) for a new one with
 *               XENMEM_exchange, as xen_create_contiguous_region does,
 *               and put its bytes back; M is 1 when they read back
 *   balloon ADDR
 *               the same through the balloon driver's calls: give the
 *               frame back (decrease_reservation), then populate anew
 *   reinstall ADDR uvm|ptwr
 *               "reinstall shared S after A same M": write the kernel
 *               entry of that page again, unchanged, through
 *               update_va_mapping or a plain store (Xen's ptwr
 *               emulation); A says whether it is still shared after
 *   cowbench START END [MAX]
 *               "cowbench pages N ns T mismatches M": write each shared
 *               page of kernel data in [START, END) (the .data section,
 *               from kallsyms), up to MAX of them, once, with its own
 *               value: each write is a copy-on-write break in Xen.  T is
 *               the time of the N writes; M counts pages whose contents
 *               differ after the write (the copy must be exact)
 */
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/grant_table.h>
#include <xen/interface/memory.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "cs.h"

static DEFINE_MUTEX(cs_probe_lock);
static char cs_probe_cmd[256];
static grant_ref_t cs_probe_ref;
static bool cs_probe_granted;

static void cs_probe_ungrant(void)
{
	if (!cs_probe_granted)
		return;
	/* Still mapped by the backend: leak the ref rather than reuse it. */
	if (gnttab_end_foreign_access_ref(cs_probe_ref))
		gnttab_free_grant_reference(cs_probe_ref);
	cs_probe_granted = false;
}

/* Image address va, if it is one: its pfn. */
static int cs_probe_image_pfn(unsigned long va, unsigned long *pfn)
{
	if (va < __START_KERNEL_map ||
	    va >= __START_KERNEL_map + KERNEL_IMAGE_SIZE)
		return -EINVAL;
	*pfn = PFN_DOWN(va - __START_KERNEL_map + phys_base);
	if (!pfn_valid(*pfn) || !PageReserved(pfn_to_page(*pfn)))
		return -EINVAL;
	return 0;
}

/*
 * Or the direct-map address of a page-cache page (from "fileva"): its
 * pfn.  Such a page sits at another pfn in each guest that shares it.
 */
static int cs_probe_cache_pfn(unsigned long va, unsigned long *pfn)
{
	struct page *page;

	if (!virt_addr_valid(va))
		return -EINVAL;
	page = virt_to_page(va);
	if (PageReserved(page) || PageAnon(page) ||
	    !folio_mapping(page_folio(page)))
		return -EINVAL;
	*pfn = page_to_pfn(page);
	return 0;
}

/* "fileva PATH INDEX": the direct-map address of that page of PATH. */
static int cs_probe_fileva(struct seq_file *m, const char *arg)
{
	char path[200];
	unsigned long index, pfn;
	int rc;

	if (sscanf(arg, "%199s %lu", path, &index) != 2)
		return -EINVAL;
	rc = cs_share_file_pfn(path, index, &pfn);
	if (rc)
		return rc;
	seq_printf(m, "fileva %#lx pfn %#lx shared %d\n",
		   (unsigned long)__va(PFN_PHYS(pfn)), pfn,
		   cs_share_pfn_shared(pfn));
	return 0;
}

static int cs_probe_kva(struct seq_file *m, const char *arg, bool grant,
			domid_t to)
{
	unsigned long va, pfn;
	int ref;

	/* Only the kernel image: the tests name its variables. */
	if (kstrtoul(arg, 0, &va) || cs_probe_image_pfn(va, &pfn))
		return -EINVAL;

	seq_printf(m, "kva pfn %#lx offset %lu shared %d", pfn,
		   offset_in_page(va), cs_share_pfn_shared(pfn));
	if (grant) {
		cs_probe_ungrant();
		/* Our frame now: it changes when Xen unshares. */
		ref = gnttab_grant_foreign_access(to, pfn_to_gfn(pfn), 0);
		if (ref < 0)
			return ref;
		cs_probe_ref = ref;
		cs_probe_granted = true;
		seq_printf(m, " ref %d", ref);
	}
	seq_putc(m, '\n');
	return 0;
}

/* "DOMID ADDR": grant the image page at ADDR to DOMID. */
static int cs_probe_grantto(struct seq_file *m, const char *arg)
{
	unsigned int to;
	int n = 0;

	if (sscanf(arg, "%u %n", &to, &n) != 1 || !n ||
	    to >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	return cs_probe_kva(m, arg + n, true, to);
}

/*
 * Copy into each (domain, ref) in turn until Xen takes one: the test
 * does not know the other guest's grant reference, and grants to anyone
 * else are refused at once.
 */
static int cs_probe_gntscan(struct seq_file *m)
{
	static const char text[8] = "cbps-td";
	struct gnttab_copy op;
	unsigned int d, ref;
	void *buf;

	buf = (void *)get_zeroed_page(GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, text, sizeof(text));
	for (d = 1; d < 64; d++) {
		for (ref = 0; ref < 256; ref++) {
			memset(&op, 0, sizeof(op));
			op.source.u.gmfn = virt_to_gfn(buf);
			op.source.domid = DOMID_SELF;
			op.dest.u.ref = ref;
			op.dest.domid = d;
			op.len = sizeof(text);
			op.flags = GNTCOPY_dest_gref;
			if (HYPERVISOR_grant_table_op(GNTTABOP_copy, &op, 1))
				continue;
			if (op.status == GNTST_okay ||
			    op.status == GNTST_eagain) {
				seq_printf(m, "gntscan domid %u ref %u status %d\n",
					   d, ref, op.status);
				goto out;
			}
		}
		cond_resched();
	}
	seq_puts(m, "gntscan domid 0 ref 0 status 0\n");
out:
	free_page((unsigned long)buf);
	return 0;
}

/*
 * The guest has one vCPU and writes with interrupts off: nothing else in
 * it can write the word between our read and our write.
 */
static int cs_probe_cowbench(struct seq_file *m, const char *arg)
{
	unsigned long start, end, max = ULONG_MAX, va, pfn, flags;
	unsigned long n = 0, bad = 0;
	void *before;
	u64 t, ns = 0;

	if (sscanf(arg, "%lx %lx %lu", &start, &end, &max) < 2 ||
	    start > end || num_online_cpus() != 1)
		return -EINVAL;
	before = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!before)
		return -ENOMEM;
	for (va = PAGE_ALIGN(start); va + PAGE_SIZE <= end && n < max;
	     va += PAGE_SIZE) {
		unsigned long *p = (unsigned long *)va;

		if (cs_probe_image_pfn(va, &pfn) || !cs_share_pfn_shared(pfn))
			continue;
		local_irq_save(flags);
		memcpy(before, p, PAGE_SIZE);
		t = ktime_get_ns();
		WRITE_ONCE(*p, READ_ONCE(*p));
		ns += ktime_get_ns() - t;
		bad += !!memcmp(before, p, PAGE_SIZE);
		local_irq_restore(flags);
		n++;
	}
	kfree(before);
	seq_printf(m, "cowbench pages %lu ns %llu mismatches %lu\n", n, ns,
		   bad);
	return 0;
}

/* Point the kernel entry of va at mfn, keeping the flags of old. */
static int cs_probe_map(unsigned long va, pte_t old, unsigned long mfn,
			bool rw)
{
	pteval_t v = (old.pte & ~PTE_PFN_MASK) | ((pteval_t)mfn << PAGE_SHIFT);

	return HYPERVISOR_update_va_mapping(va, __pte_ma(rw ? v | _PAGE_RW : v),
					    UVMF_INVLPG);
}

/*
 * One vCPU, interrupts off: nothing touches the page while it is unmapped
 * (pick a page only this test reads, such as linux_banner's).
 */
static int cs_probe_swap(struct seq_file *m, const char *arg, bool balloon)
{
	unsigned long va, pfn, old_mfn, new_mfn = 0, flags, dva;
	struct xen_memory_exchange exch = {
		.in = { .nr_extents = 1, .domid = DOMID_SELF },
		.out = { .nr_extents = 1, .domid = DOMID_SELF },
	};
	struct xen_memory_reservation res = {
		.nr_extents = 1, .domid = DOMID_SELF,
	};
	struct mmu_update u;
	pte_t *hpte, *dpte, hold, dold;
	unsigned int level;
	bool shared, same, image;
	void *saved;
	int rc;

	if (kstrtoul(arg, 0, &va) || num_online_cpus() != 1)
		return -EINVAL;
	image = !cs_probe_image_pfn(va, &pfn);
	if (!image && cs_probe_cache_pfn(va, &pfn))
		return -EINVAL;
	va &= PAGE_MASK;
	dva = (unsigned long)__va(PFN_PHYS(pfn));
	hpte = cs_kernel_pte(va);
	if (!hpte)
		return -EINVAL;
	dpte = lookup_address(dva, &level);
	if (!dpte || level != PG_LEVEL_4K)
		return -EINVAL;
	saved = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!saved)
		return -ENOMEM;

	shared = cs_share_pfn_shared(pfn);
	old_mfn = pfn_to_mfn(pfn);
	set_xen_guest_handle(exch.in.extent_start, &old_mfn);
	set_xen_guest_handle(exch.out.extent_start, &new_mfn);

	local_irq_save(flags);
	memcpy(saved, (void *)va, PAGE_SIZE);
	hold = *hpte;
	dold = *dpte;
	/* Unmapped and out of the p2m first, as Linux does for an exchange. */
	HYPERVISOR_update_va_mapping(va, __pte_ma(0), UVMF_INVLPG);
	if (dpte != hpte && pte_present(dold))
		HYPERVISOR_update_va_mapping(dva, __pte_ma(0), UVMF_INVLPG);
	WRITE_ONCE(xen_p2m_addr[pfn], INVALID_P2M_ENTRY);
	if (balloon) {
		set_xen_guest_handle(res.extent_start, &old_mfn);
		rc = HYPERVISOR_memory_op(XENMEM_decrease_reservation, &res);
		rc = rc == 1 ? 0 : -EIO;
		if (!rc) {
			new_mfn = pfn;	/* PV: Xen writes the mfn back */
			set_xen_guest_handle(res.extent_start, &new_mfn);
			rc = HYPERVISOR_memory_op(XENMEM_populate_physmap,
						  &res);
			/* The frame is gone: nothing to map back but a new one. */
			if (rc != 1)
				panic("cbps: test could not repopulate pfn %#lx\n",
				      pfn);
			rc = 0;
		}
	} else {
		rc = HYPERVISOR_memory_op(XENMEM_exchange, &exch);
		if (!rc && exch.nr_exchanged != 1)
			rc = -EIO;
	}
	if (rc)
		new_mfn = old_mfn;	/* not taken: map what we had */
	u.ptr = ((u64)new_mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
	u.val = pfn;
	HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
	WRITE_ONCE(xen_p2m_addr[pfn], new_mfn);
	/* A new frame holds nothing of ours: put the bytes back. */
	cs_probe_map(va, hold, new_mfn, true);
	if (!rc)
		memcpy((void *)va, saved, PAGE_SIZE);
	same = !memcmp((void *)va, saved, PAGE_SIZE);
	/* The direct map of page cache is writable; image pages were not. */
	cs_probe_map(va, hold, new_mfn, !image);
	if (dpte != hpte && pte_present(dold))
		cs_probe_map(dva, dold, new_mfn, false);
	local_irq_restore(flags);

	kfree(saved);
	seq_printf(m, "%s shared %d rc %d same %d\n",
		   balloon ? "balloon" : "exchange", shared, rc, same);
	return 0;
}

static int cs_probe_reinstall(struct seq_file *m, const char *arg)
{
	unsigned long va, pfn, flags;
	char how[8];
	bool shared, same;
	void *saved;
	pte_t *ptep;

	if (sscanf(arg, "%lx %7s", &va, how) != 2 ||
	    cs_probe_image_pfn(va, &pfn) ||
	    (strcmp(how, "uvm") && strcmp(how, "ptwr")))
		return -EINVAL;
	va &= PAGE_MASK;
	ptep = cs_kernel_pte(va);
	if (!ptep)
		return -EINVAL;
	saved = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!saved)
		return -ENOMEM;

	shared = cs_share_pfn_shared(pfn);
	local_irq_save(flags);
	memcpy(saved, (void *)va, PAGE_SIZE);
	if (how[0] == 'u')
		HYPERVISOR_update_va_mapping(va, *ptep, UVMF_INVLPG);
	else
		WRITE_ONCE(ptep->pte, READ_ONCE(ptep->pte));
	same = !memcmp(saved, (void *)va, PAGE_SIZE);
	local_irq_restore(flags);

	kfree(saved);
	seq_printf(m, "reinstall shared %d after %d same %d\n", shared,
		   cs_share_pfn_shared(pfn), same);
	return 0;
}

/*
 * An L1 table the guest fills while it is an ordinary page, then pins,
 * as Linux's fork does for a child: Xen meets the shared frame's entry
 * only when it validates the table, and must give us our own copy there.
 */
static int cs_probe_pin(struct seq_file *m, const char *arg)
{
	struct mmuext_op op = { .cmd = MMUEXT_PIN_L1_TABLE };
	unsigned long va, pfn, tva, tmfn, before, after;
	struct page *page;
	pte_t *ptep, *table;
	bool shared, same;
	void *saved;
	int rc;

	if (kstrtoul(arg, 0, &va) || cs_probe_image_pfn(va, &pfn))
		return -EINVAL;
	ptep = cs_kernel_pte(va & PAGE_MASK);
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!ptep || !page) {
		if (page)
			__free_page(page);
		return -ENOMEM;
	}
	saved = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!saved) {
		__free_page(page);
		return -ENOMEM;
	}
	table = page_address(page);
	tva = (unsigned long)table;
	tmfn = pfn_to_mfn(page_to_pfn(page));
	va &= PAGE_MASK;
	memcpy(saved, (void *)va, PAGE_SIZE);

	shared = cs_share_pfn_shared(pfn);
	before = pte_mfn(*ptep);
	table[0] = __pte_ma(ptep->pte & ~(pteval_t)_PAGE_RW);
	/* A page table is read-only to its guest: unmap our alias first. */
	rc = HYPERVISOR_update_va_mapping(tva, mfn_pte(tmfn, PAGE_KERNEL_RO),
					  UVMF_INVLPG);
	op.arg1.mfn = tmfn;
	if (!rc)
		rc = HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
	after = (table[0].pte & PTE_PFN_MASK) >> PAGE_SHIFT;
	if (!rc) {
		op.cmd = MMUEXT_UNPIN_TABLE;
		if (HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF))
			panic("cbps: test cannot unpin its L1\n");
	}
	if (HYPERVISOR_update_va_mapping(tva, mfn_pte(tmfn, PAGE_KERNEL),
					 UVMF_INVLPG))
		panic("cbps: test cannot map its L1 back\n");
	__free_page(page);
	/* The copy Xen made must hold the page's bytes. */
	same = !memcmp(saved, (void *)va, PAGE_SIZE);
	kfree(saved);

	seq_printf(m, "pin rc %d shared %d before %#lx after %#lx own %d",
		   rc, shared, before, after, after == pfn_to_mfn(pfn));
	seq_printf(m, " now %d same %d\n", cs_share_pfn_shared(pfn), same);
	return 0;
}

static int cs_probe_show(struct seq_file *m, void *v)
{
	unsigned long cached, shared;
	int rc = 0;

	mutex_lock(&cs_probe_lock);
	if (!strncmp(cs_probe_cmd, "kva ", 4)) {
		rc = cs_probe_kva(m, cs_probe_cmd + 4, false, 0);
	} else if (!strncmp(cs_probe_cmd, "grant ", 6)) {
		rc = cs_probe_kva(m, cs_probe_cmd + 6, true, 0);
	} else if (!strncmp(cs_probe_cmd, "grantto ", 8)) {
		rc = cs_probe_grantto(m, cs_probe_cmd + 8);
	} else if (!strcmp(cs_probe_cmd, "gntscan")) {
		rc = cs_probe_gntscan(m);
	} else if (!strncmp(cs_probe_cmd, "cowbench ", 9)) {
		rc = cs_probe_cowbench(m, cs_probe_cmd + 9);
	} else if (!strncmp(cs_probe_cmd, "exchange ", 9)) {
		rc = cs_probe_swap(m, cs_probe_cmd + 9, false);
	} else if (!strncmp(cs_probe_cmd, "reinstall ", 10)) {
		rc = cs_probe_reinstall(m, cs_probe_cmd + 10);
	} else if (!strncmp(cs_probe_cmd, "balloon ", 8)) {
		rc = cs_probe_swap(m, cs_probe_cmd + 8, true);
	} else if (!strncmp(cs_probe_cmd, "fileva ", 7)) {
		rc = cs_probe_fileva(m, cs_probe_cmd + 7);
	} else if (!strncmp(cs_probe_cmd, "hashes ", 7)) {
		rc = cs_share_probe_hashes(m, cs_probe_cmd + 7);
	} else if (!strncmp(cs_probe_cmd, "pin ", 4)) {
		rc = cs_probe_pin(m, cs_probe_cmd + 4);
	} else if (!strncmp(cs_probe_cmd, "unpinned ", 9)) {
		rc = cs_anon_probe_unpinned(m, cs_probe_cmd + 9);
	} else if (!strncmp(cs_probe_cmd, "anon ", 5)) {
		rc = cs_anon_probe(m, cs_probe_cmd + 5);
	} else if (!strcmp(cs_probe_cmd, "runs")) {
		cs_share_show_runs(m);
	} else if (!strcmp(cs_probe_cmd, "ungrant")) {
		cs_probe_ungrant();
	} else {
		rc = cs_share_probe_file(cs_probe_cmd, &cached, &shared);
		if (!rc)
			seq_printf(m, "cached %lu shared %lu\n", cached, shared);
	}
	mutex_unlock(&cs_probe_lock);
	return rc;
}

static int cs_probe_open(struct inode *inode, struct file *file)
{
	return single_open(file, cs_probe_show, NULL);
}

static ssize_t cs_probe_write(struct file *file, const char __user *buf,
			      size_t len, loff_t *pos)
{
	if (len == 0 || len >= sizeof(cs_probe_cmd))
		return -EINVAL;
	mutex_lock(&cs_probe_lock);
	if (copy_from_user(cs_probe_cmd, buf, len)) {
		mutex_unlock(&cs_probe_lock);
		return -EFAULT;
	}
	cs_probe_cmd[len] = 0;
	strim(cs_probe_cmd);
	mutex_unlock(&cs_probe_lock);
	return len;
}

const struct proc_ops cs_probe_ops = {
	.proc_open = cs_probe_open,
	.proc_read = seq_read,
	.proc_write = cs_probe_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

void cs_probe_exit(void)
{
	mutex_lock(&cs_probe_lock);
	cs_probe_ungrant();
	mutex_unlock(&cs_probe_lock);
}
