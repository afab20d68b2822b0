/* SPDX-License-Identifier: MIT */
/*
 * cbps.h: the public interface of cbps, content-based page sharing for
 * paravirtualized Xen guests.
 *
 * One header for every side: Xen builds it as <public/cbps.h>, the guest
 * module (Linux) and the dom0 tool include it from the cbps tree.  It holds
 * only fixed-size types, so all three see the same layout.
 *
 * Calls: HYPERVISOR_memory_op(XENMEM_cbps_op, struct xen_cbps_op *).
 * Every call returns 0 or a negative Xen errno.  With cbps compiled in but
 * not enabled on the Xen command line, every call fails with -EOPNOTSUPP;
 * a Xen without cbps answers -ENOSYS.
 *
 * Ring: one guest page, handed to Xen by CBPS_OP_register.  Xen is the only
 * producer, the guest the only consumer.  Indices run free (they wrap at
 * 2^32) and are reduced modulo CBPS_RING_ENTRIES.  Xen raises VIRQ_CBPS
 * after it posts; a guest that finds CBPS_RING_F_KICK set after consuming
 * calls CBPS_OP_kick so that Xen can post what was waiting for space.
 * Neither side trusts the other's index: an impossible distance between
 * prod and cons is counted as a ring error and nothing is posted or taken.
 */
#ifndef __XEN_PUBLIC_CBPS_H__
#define __XEN_PUBLIC_CBPS_H__

/* Major in the upper 16 bits: a different major is incompatible. */
#define CBPS_INTERFACE_VERSION      0x00010002U
#define CBPS_VERSION_MAJOR(v)       ((v) >> 16)
#define CBPS_VERSION_MINOR(v)       ((v) & 0xffffU)

/* XENMEM sub-op number; well clear of upstream's (highest is 28 in 4.17). */
#define XENMEM_cbps_op              48

/* Global VIRQ raised in a registered guest when its ring has new entries. */
#define VIRQ_CBPS                   14

/* Sub-commands (xen_cbps_op.cmd). */
#define CBPS_OP_query               0 /* any domain: version and state */
#define CBPS_OP_register            1 /* guest: hand its ring page to Xen */
#define CBPS_OP_unregister          2 /* guest: take the ring page back */
#define CBPS_OP_kick                3 /* guest: ring has room again */
#define CBPS_OP_domain_info         4 /* control domain: one registered guest */
#define CBPS_OP_stats               5 /* control domain: totals */
#define CBPS_OP_test_post           6 /* control domain: post test entries */
#define CBPS_OP_census              7 /* control domain: sharing census */
#define CBPS_OP_scan_info           8 /* control domain: scanner state */
#define CBPS_OP_scan_set            9 /* control domain: scanner settings */
#define CBPS_OP_commit              10 /* guest: take an offer */
#define CBPS_OP_unshare_all         11 /* guest: own copies of all its frames */
#define CBPS_OP_share_info          12 /* sharing counters (DOMID_SELF: any) */
#define CBPS_OP_decline             13 /* guest: drop an offer it will not take */
#define CBPS_OP_set_group           14 /* control domain: a domain's sharing group */
#define CBPS_GROUP_CONTINUING       1  /* set_group: pad2 between steps */

/* Query flags. */
#define CBPS_QUERY_F_ENABLED        (1U << 0) /* cbps=on given to Xen */
#define CBPS_QUERY_F_REGISTERED     (1U << 1) /* the caller has a ring */

/* Most test entries one CBPS_OP_test_post may queue. */
#define CBPS_TEST_POST_MAX          65536U

/* Per-guest counters kept by Xen. */
struct cbps_dom_stats {
    uint64_t posted;      /* entries written into the ring */
    uint64_t pending;     /* entries waiting for ring space */
    uint64_t consumed;    /* entries the guest has taken, from its cons */
    uint64_t ring_full;   /* times posting stopped on a full ring */
    uint64_t ring_errors; /* times the guest's cons index was impossible */
    uint64_t virqs;       /* VIRQ_CBPS raised */
    uint64_t kicks;       /* CBPS_OP_kick calls */
};

/*
 * The sharing census of one completed scan cycle, in Barker et al.'s terms
 * (USENIX ATC 2012).  Every scanned frame falls in exactly one of zero,
 * unstable, uncompared, unique, self_dup and shared:
 *   scanned = zero + unstable + uncompared + unique + self_dup + shared.
 * For one domain, unique and shared count distinct contents (one frame
 * each) and self_dup the other frames with those contents; for the total,
 * shared is summed over domains and inter_saving says how many frames
 * sharing across domains saves on top of sharing within each.
 */
struct cbps_census {
    uint64_t cycle;       /* scan cycle these numbers come from (0: none) */
    uint64_t scanned;     /* frames that passed the filters and were hashed */
    uint64_t zero;        /* all-zero frames (candidates only with zero=on) */
    uint64_t unstable;    /* content changed since the previous pass */
    uint64_t uncompared;  /* changed before the byte compare, or collided */
    uint64_t unique;      /* contents no other domain has (one frame each) */
    uint64_t self_dup;    /* frames repeating a content of the same domain */
    uint64_t shared;      /* contents another domain has too (one frame each) */
    uint64_t inter_saving;/* total only: frames saved across domains */
    uint64_t pagetables;  /* frames skipped: page tables */
    uint64_t other_skipped;/* frames skipped: descriptors, Xen heap, special */
};

/* CBPS_OP_census: the total instead of one domain. */
#define CBPS_CENSUS_TOTAL           0xffffU

/* Scanner flags (CBPS_OP_scan_info / CBPS_OP_scan_set). */
#define CBPS_SCAN_F_ZERO            (1U << 0) /* zero frames are candidates */
#define CBPS_SCAN_F_STABLE          (1U << 1) /* skip frames that changed */

struct cbps_scan_info {
    uint32_t rate;          /* frames hashed a second; 0: scanner stopped */
    uint32_t interval_ms;   /* pause between cycles */
    uint32_t flags;         /* CBPS_SCAN_F_* */
    uint32_t index_entries; /* content index capacity */
    uint64_t index_bytes;   /* memory of the index */
    uint64_t tag_bytes;     /* memory of the per-frame volatility tags */
    uint64_t cycles;        /* completed census cycles */
    uint64_t passes;        /* completed passes (one hash interval each) */
    uint64_t splits;        /* times a pass's interval shrank to fit */
    uint64_t hashed;        /* frames hashed since boot */
    uint64_t identical;     /* byte compares that found the same content */
    uint64_t collisions;    /* same hash, different content */
    uint64_t changed;       /* a frame changed between hash and compare */
    uint64_t scan_ns;       /* time spent scanning since boot */
};

/*
 * Sharing counters of one domain (CBPS_OP_share_info).  A domain "holds" a
 * shared frame when one of its pfns is backed by it.
 */
struct cbps_share_stats {
    uint64_t offered;     /* offers posted to the guest */
    uint64_t committed;   /* offers taken: the guest now holds the frame */
    uint64_t rejected;    /* commits refused (stale, busy, changed, bad) */
    uint64_t expired;     /* offers never taken */
    uint64_t cow_breaks;  /* unshares that copied the frame */
    uint64_t takebacks;   /* unshares by the last holder (frees the share) */
    uint64_t returned;    /* frames the guest gave back to Xen on commit */
    uint64_t enomem;      /* unshares that found no free frame (paused) */
    uint64_t declined;    /* offers the guest turned down */
    uint64_t intra_dups;  /* scans that found a frame equal to a shared
                             frame the guest holds at another pfn (left
                             unshared: one pfn a guest for each frame) */
    uint64_t held;        /* shared frames held now */
    uint32_t paused;      /* 1 while paused for want of a free frame */
    uint32_t group;       /* sharing group (0: none), interface 1.2 */
    /* held, by the kind the guest gave at commit (the rest: other) */
    uint64_t held_image;
    uint64_t held_cache;
    uint64_t held_anon;
    uint64_t pin_unshares;/* unshares of an entry a page-table pin met
                             (a fork copied a shared frame's entry) */
    uint64_t throttled;   /* guest calls refused by cbps=call-rate=
                             (-EBUSY), interface 1.2 */
};

/* Host-wide sharing state (CBPS_OP_share_info, CBPS_CENSUS_TOTAL). */
struct cbps_share_total {
    uint64_t frames;      /* frames owned by the share domain now */
    uint64_t holders;     /* sum over shared frames of their holders */
    uint64_t saved;       /* holders - frames: frames sharing saves */
    uint64_t cow_breaks;  /* since boot */
    uint64_t takebacks;   /* since boot */
    uint64_t enomem;      /* since boot */
    uint64_t pool_frames; /* the pool shared frames come from (pool=) */
    uint64_t pool_free;   /* its frames not in use */
};

/* Most L1 entries one commit may name. */
#define CBPS_COMMIT_MAX_PTES        4

/*
 * What a committed page is to the guest (commit.kind), for the counts
 * only: Xen treats every kind alike.
 */
#define CBPS_KIND_OTHER             0
#define CBPS_KIND_IMAGE             1 /* kernel image */
#define CBPS_KIND_CACHE             2 /* page cache */
#define CBPS_KIND_ANON              3 /* anonymous memory (heap, stack) */

/* CBPS_OP_decline's commit.kind: why the guest turns an offer down. */
#define CBPS_DECLINE_BUSY           0 /* not now: offer it again */
#define CBPS_DECLINE_INELIGIBLE     1 /* not as it is: Xen waits a while */

/* Host-wide counters kept by Xen. */
struct cbps_global_stats {
    uint32_t enabled;       /* 1 when cbps=on */
    uint32_t nr_registered; /* guests with a ring now */
    uint32_t max_domains;   /* cbps=max-domains= */
    uint32_t pad;
    uint64_t registrations; /* successful CBPS_OP_register since boot */
    uint64_t posted;        /* ring entries posted since boot */
    uint64_t bad_calls;     /* calls refused for bad arguments */
};

struct xen_cbps_op {
    uint32_t cmd;           /* CBPS_OP_* */
    uint32_t pad;           /* must be 0 */
    union {
        /* CBPS_OP_query: OUT */
        struct {
            uint32_t version;   /* CBPS_INTERFACE_VERSION of the hypervisor */
            uint32_t flags;     /* CBPS_QUERY_F_* */
        } query;
        /* CBPS_OP_register: IN */
        struct {
            uint64_t ring_gfn;  /* guest frame (an MFN for PV) of the ring */
        } reg;
        /*
         * CBPS_OP_domain_info: IN domid; OUT the first registered guest with
         * a domid >= the one given (-ENOENT when there is none).
         */
        struct {
            uint16_t domid;
            uint16_t pad[3];
            uint64_t ring_mfn;
            struct cbps_dom_stats stats;
        } dom;
        /* CBPS_OP_stats: OUT */
        struct cbps_global_stats stats;
        /* CBPS_OP_census: IN domid or CBPS_CENSUS_TOTAL; OUT census */
        struct {
            uint16_t domid;
            uint16_t pad[3];
            struct cbps_census census;
        } census;
        /* CBPS_OP_scan_info: OUT; CBPS_OP_scan_set: IN rate, interval_ms,
         * flags (the rest is ignored) */
        struct cbps_scan_info scan;
        /*
         * CBPS_OP_commit: IN.  Take the offer (from_mfn, to_mfn): Xen checks
         * that pte_maddr[] are every mapping of from_mfn, makes them
         * read-only, compares, points them and the p2m entry at p2m_maddr
         * to to_mfn, and frees from_mfn.  to_mfn == from_mfn: a new shared
         * frame from Xen's pool gets from_mfn's bytes (the p2m entry names
         * it).  -ESRCH: no such offer; -EBUSY: other mappings or
         * references; -EAGAIN: contents differ; -ENOSPC: the pool is full;
         * -EINVAL: bad arguments.
         */
        struct {
            uint64_t from_mfn;
            uint64_t to_mfn;
            uint64_t p2m_maddr;   /* machine address of p2m[pfn] */
            uint32_t nr_ptes;     /* 1 .. CBPS_COMMIT_MAX_PTES */
            uint32_t kind;        /* CBPS_KIND_* */
            uint64_t pte_maddr[CBPS_COMMIT_MAX_PTES];
        } commit;
        /*
         * CBPS_OP_decline uses commit's from_mfn and to_mfn, and kind
         * (CBPS_DECLINE_*; the rest 0): the offer's slot is free for the
         * next one.  -ESRCH: no such offer.
         */
        /* CBPS_OP_unshare_all: OUT frames still held (call again if > 0) */
        struct {
            uint64_t left;
        } unshare;
        /*
         * CBPS_OP_share_info: IN domid (DOMID_SELF, a domain: control only,
         * or CBPS_CENSUS_TOTAL); OUT the domain's counters, or the total.
         */
        struct {
            uint16_t domid;
            uint16_t pad[3];
            union {
                struct cbps_share_stats dom;
                struct cbps_share_total total;
            } u;
        } share;
        /*
         * CBPS_OP_set_group: IN.  Put a domain in a sharing group: it
         * shares only with domains of the same group.  Group 0 is "no
         * group": such domains share with each other only when Xen was
         * booted with cbps=...,ungrouped=share.  A domain leaving a group
         * first gets its own copy of every frame it holds, in steps that
         * continue the call (Xen sets pad2 to CBPS_GROUP_CONTINUING in
         * the caller's op between steps, and back to 0 at the end).
         * -ESRCH: no such domain; -EINVAL: not a PV domU, or pad not 0;
         * -ENOMEM: no memory for the copies (the group is set, call
         * again); -EBUSY: another move of the domain came after this one
         * began, and that one holds.
         */
        struct {
            uint16_t domid;
            uint16_t pad[3];
            uint32_t group;
            uint32_t pad2;      /* 0; CBPS_GROUP_CONTINUING: Xen's */
        } group;
        /* CBPS_OP_test_post: IN */
        struct {
            uint16_t domid;
            uint16_t pad;
            uint32_t count;     /* 1 .. CBPS_TEST_POST_MAX */
        } test;
        /*
         * Fixes the size of the op at 256 bytes for every 1.x interface:
         * Xen copies the whole op back, so a member that outgrew the
         * union would overwrite memory past a guest's op built for an
         * older minor.  Members must stay within it (the layout test
         * checks).
         */
        uint8_t raw[248];
    } u;
};
typedef struct xen_cbps_op xen_cbps_op_t;

/* Ring entry types. */
#define CBPS_ENTRY_TEST             1 /* ring test: only seq is meaningful */
#define CBPS_ENTRY_OFFER            2 /* share: map to_mfn instead of from_mfn;
                                         to_mfn == from_mfn: the guest's frame
                                         itself becomes the shared one */

#define CBPS_INVALID_MFN            (~(uint64_t)0)

struct cbps_ring_entry {
    uint64_t from_mfn;      /* the guest's frame to give up */
    uint64_t to_mfn;        /* the shared frame to map instead */
    uint32_t type;          /* CBPS_ENTRY_* */
    uint32_t seq;           /* per-guest sequence number, from 0 */
};

#define CBPS_RING_MAGIC             0x73706263U /* "cbps" little-endian */
#define CBPS_RING_ENTRIES           128U        /* a power of two */
#define CBPS_RING_F_KICK            (1U << 0)   /* entries wait for space */

struct cbps_ring {
    uint32_t magic;         /* written by Xen at registration */
    uint32_t version;       /* CBPS_INTERFACE_VERSION, likewise */
    uint32_t prod;          /* written by Xen only */
    uint32_t cons;          /* written by the guest only */
    uint32_t flags;         /* CBPS_RING_F_*, written by Xen only */
    uint32_t pending;       /* entries waiting, written by Xen only */
    uint8_t pad[40];        /* header is 64 bytes */
    struct cbps_ring_entry ent[CBPS_RING_ENTRIES];
};

#define CBPS_RING_IDX(i)            ((i) & (CBPS_RING_ENTRIES - 1))

/*
 * Entries between a producer and a consumer index.  More than
 * CBPS_RING_ENTRIES cannot be right: the other side's index is corrupt.
 */
#define CBPS_RING_DISTANCE(prod, cons) ((uint32_t)((prod) - (cons)))

/* Counters the guest module shows in /proc/cbps. */
struct cbps_guest_stats {
    uint64_t virqs;         /* VIRQ_CBPS received */
    uint64_t received;      /* ring entries taken */
    uint64_t test_entries;  /* of those, CBPS_ENTRY_TEST */
    uint64_t seq_errors;    /* entries whose seq was not the next one */
    uint64_t bad_entries;   /* entries of an unknown type */
    uint64_t ring_errors;   /* times Xen's prod index was impossible */
    uint64_t kicks;         /* CBPS_OP_kick calls made */
    uint64_t offers;        /* CBPS_ENTRY_OFFER taken */
    uint64_t committed;     /* offers committed */
    uint64_t rej_stale;     /* the frame is no longer at that pfn */
    uint64_t rej_ineligible;/* not kernel image or page cache */
    uint64_t rej_mapped;    /* mapped into user space, pinned or locked */
    uint64_t rej_xen;       /* Xen refused the commit */
};

#endif /* __XEN_PUBLIC_CBPS_H__ */
