/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cbps_hostile.ko: a malicious PV guest against Xen's cbps interface
 * (issue 8).  Test only: never load it together with cs.ko.
 */
#ifndef _HOSTILE_H
#define _HOSTILE_H

#include <linux/mutex.h>
#include <linux/pgtable.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <cbps.h>

#define HS_PAGES	128	/* the pattern: /cbps/data, 512 KiB */
#define HS_PROBE_PAGES	20	/* the last ones: for foreign-l1 */
#define HS_PROBE_FIRST	(HS_PAGES - HS_PROBE_PAGES)
#define HS_SEEN		256	/* offers kept for replay */
#define HS_UNHELD	64	/* shared frames offered, never taken */
#define HS_GIVEN	128	/* frames given back at commit, and S */
#define HS_STASH	HS_PROBE_PAGES
#define HS_WRITES	8	/* deliberate writes into pattern pages */
#define HS_LIVE		32	/* live offers the fuzzer spends */

/* One page of the pattern, order 0, mapped only by the direct map. */
struct hs_page {
	struct page *page;
	void *va;
	unsigned long pfn;
	u64 hash;		/* xxh64 of the bytes loaded */
	u64 pte_ma;		/* machine address of its direct-map entry */
	u64 s;			/* shared frame of its last commit */
	unsigned int commits;
};

/* An offer (from, to), or a given-back frame (from = M, to = S). */
struct hs_offer {
	u64 from, to;
	int idx;		/* pattern page, -1: none */
	unsigned long when;	/* jiffies */
};

/* Bytes of a pattern page the probes changed on purpose. */
struct hs_write {
	int idx;
	unsigned int off, len;
	u8 orig[16];
};

struct hs_state {
	struct mutex lock;		/* all below (counters: writes) */
	struct cbps_ring *sring;
	u32 cons;			/* our copy of the consumer index */
	u32 next_seq;
	int irq;
	bool registered;
	bool stopping;			/* unload: decline everything */
	bool loaded;			/* the pattern is in place */
	bool foreign_done;		/* probe pages may be committed now */
	bool fuzzing;			/* live offers go to the fuzzer */
	bool hold_offers;		/* max-pages: decline, commit nothing */
	struct work_struct work;

	struct hs_page pg[HS_PAGES];
	struct page *scratch;		/* probes repoint its direct map */
	u64 scratch_pte_ma;
	u64 scratch_pte;		/* raw entry as Linux made it */

	struct hs_offer seen[HS_SEEN];
	unsigned int nr_seen;
	u64 unheld[HS_UNHELD];
	unsigned int nr_unheld;
	struct hs_offer given[HS_GIVEN];
	unsigned int nr_given;
	struct hs_offer stash[HS_STASH];
	struct hs_offer live[HS_LIVE];
	struct hs_write writes[HS_WRITES];
	unsigned int nr_writes;

	/* counters (written under lock, read without) */
	u64 virqs, received, test_entries, seq_errors, bad_entries;
	u64 ring_resyncs, kicks, offers, pattern_offers, commits;
	u64 commit_fails, declines, decline_fails, stashed, commit_pte_bad;
	int last_commit_rc;
	u64 ring_abuses, ring_errors_provoked;
};

extern struct hs_state hs;

/* Answer text of the last command (/proc/cbps_hostile). */
__printf(1, 2) void hs_out(const char *fmt, ...);

/* A probe's detail text, appended to as it goes. */
struct iso_detail {
	char s[400];
	size_t n;
};
__printf(2, 3) void hs_det(struct iso_detail *d, const char *fmt, ...);

/* An entry's flags, its frame number masked out. */
#define HS_FLAGS(pte)	((pte) & ~(u64)PTE_PFN_MASK)

/* hostile_main.c */
int hs_op(struct xen_cbps_op *op);
int hs_op_retry(struct xen_cbps_op *op);
bool hs_own(u64 mfn, unsigned long *pfn);
u64 hs_p2m(unsigned long pfn);
u64 hs_p2m_ma(unsigned long pfn);
u64 hs_pte_raw(u64 ma);
pte_t *hs_kpte(unsigned long va);
u64 hs_pte_mfn(u64 pte);
bool hs_shared(int idx);
bool hs_is_held(u64 mfn);
int hs_share_info(struct cbps_share_stats *st);
bool hs_page_ok(int idx);
bool hs_is_written(int idx);
unsigned int hs_nr_held(void);
void hs_note_write(int idx, unsigned int off, unsigned int len);
int hs_decline(u64 from, u64 to, u32 why);
void hs_ring_kick_take(void);
int hs_map_scratch(u64 val, bool mmu);
void hs_unmap_scratch(void);
u64 hs_scratch_now(void);
unsigned long hs_scratch_va(void);
u64 hs_ring_ma(void);
u64 hs_l2e_ma(unsigned long va);

/* hostile_isolate.c */
void hs_isolate(void);

/* hostile_fuzz.c */
void hs_fuzz(unsigned int secs, u64 seed);

/* hostile_race.c */
void hs_max_pages(const char *order, unsigned long linux_runstate);
void hs_alloc_race(unsigned int secs);
void hs_race_fuzz(unsigned int secs, u64 seed);

#endif /* _HOSTILE_H */
