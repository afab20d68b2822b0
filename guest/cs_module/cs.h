/* SPDX-License-Identifier: GPL-2.0-only */
/* State shared by the files of the cbps guest module. */
#ifndef _CS_H
#define _CS_H

#include <linux/mutex.h>
#include <linux/pgtable.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <cbps.h>

#include "cs_ring.h"

struct cs_state {
	struct cbps_ring *sring;	/* ring page, registered with Xen */
	struct cs_ring ring;
	int irq;			/* VIRQ_CBPS */
	bool registered;
	bool consume;			/* module parameter; false stalls */
	bool share;			/* module parameter; false: no commits */
	bool anon;			/* module parameter: anonymous pages too */
	bool resumed;			/* resumed by Xen: check the ring */
	bool stopping;			/* rmmod has begun: never cleared */
	bool suspending;		/* between PM_*_PREPARE and PM_POST_* */
	struct mutex gate;		/* held from cs_taking() to the commit */
	u32 next_seq;			/* seq expected of the next entry */
	struct work_struct work;	/* takes entries off the ring */
	struct cbps_guest_stats stats;
};

extern struct cs_state cs;

/* May an offer be committed now?  Called with cs.gate held. */
static inline bool cs_taking(void)
{
	return READ_ONCE(cs.share) && !cs.suspending && !cs.stopping;
}

struct seq_file;

/* cs_share.c */
void cs_share_offer(const struct cbps_ring_entry *e);
int cs_share_unshare_all(void);
int cs_share_probe_file(const char *path, unsigned long *cached,
			unsigned long *shared);
#define CS_NR_KINDS (CBPS_KIND_ANON + 1)
unsigned long cs_share_count(unsigned long n[CS_NR_KINDS]);
int cs_commit(struct xen_cbps_op *op, unsigned long pfn);
bool cs_pte_of(unsigned long va, unsigned long mfn, u64 *ma);

/* cs_anon.c */
struct folio;
int cs_anon_init(void);
int cs_anon_offer(struct xen_cbps_op *op, struct folio *folio,
		  unsigned long pfn);
int cs_anon_probe(struct seq_file *m, const char *arg);
int cs_anon_probe_unpinned(struct seq_file *m, const char *arg);
pte_t *cs_anon_pte(struct mm_struct *mm, unsigned long addr,
		   spinlock_t **ptlp);
bool cs_share_pfn_shared(unsigned long pfn);
int cs_share_probe_hashes(struct seq_file *m, const char *what);
int cs_share_file_pfn(const char *path, unsigned long index,
		      unsigned long *pfn);
pte_t *cs_kernel_pte(unsigned long va);
void cs_share_show_runs(struct seq_file *m);

/* cs_probe.c */
extern const struct proc_ops cs_probe_ops;
void cs_probe_exit(void);

int cs_proc_init(void);
void cs_proc_exit(void);

#endif /* _CS_H */
