/*
 * Unit tests for the cbps ring: Xen's producer (hypervisor/cbps/ring.c)
 * against the guest's consumer (guest/cs_module/cs_ring.c), both built
 * from their own sources, over one shared page.
 */
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "check.h"
#include "ring.h"
#include "cs_ring.h"

static union {
    struct cbps_ring r;
    unsigned char page[4096];
} shared;

static struct cbps_ring_prod xen;
static struct cs_ring guest;

static void setup(uint32_t start)
{
    memset(&shared, 0xa5, sizeof(shared));
    cbps_ring_prod_init(&xen, &shared.r);
    cs_ring_init(&guest, &shared.r);
    /* Start the free-running indices anywhere, to test the wrap. */
    xen.prod = start;
    guest.cons = start;
    shared.r.cons = start;
    shared.r.prod = start;
}

static struct cbps_ring_entry entry(uint32_t seq)
{
    struct cbps_ring_entry e = {
        .from_mfn = 1000 + seq, .to_mfn = 2000 + seq,
        .type = CBPS_ENTRY_TEST, .seq = seq,
    };
    return e;
}

static void test_layout(void)
{
    /* The ABI both sides and the dom0 tool agree on. */
    CHECK(sizeof(struct cbps_ring_entry) == 24);
    CHECK(offsetof(struct cbps_ring, ent) == 64);
    CHECK(sizeof(struct cbps_ring) <= 4096);
    CHECK((CBPS_RING_ENTRIES & (CBPS_RING_ENTRIES - 1)) == 0);
    /* 256 bytes from interface 1.2 on, whatever the members (raw[]). */
    CHECK(sizeof(struct xen_cbps_op) == 256);
    CHECK(sizeof(((struct xen_cbps_op *)0)->u.share) <= 248);
    CHECK(offsetof(struct xen_cbps_op, u) == 8);
    /* Interface 1.1: commit.kind took commit.pad's place. */
    CHECK(offsetof(struct xen_cbps_op, u.commit.kind) == 8 + 28);
    CHECK(sizeof(struct cbps_share_stats) == 17 * 8);
    CHECK(offsetof(struct cbps_share_stats, held_anon) == 14 * 8);
    /* Interface 1.2: the group took pad's place; throttled at the end. */
    CHECK(offsetof(struct cbps_share_stats, group) == 11 * 8 + 4);
    CHECK(offsetof(struct cbps_share_stats, throttled) == 16 * 8);
    CHECK(offsetof(struct xen_cbps_op, u.group.group) == 8 + 8);
    CHECK(sizeof(struct cbps_dom_stats) == 7 * 8);
    CHECK(sizeof(struct cbps_global_stats) == 16 + 3 * 8);
}

static void test_init(void)
{
    uint32_t cons;
    struct cbps_ring_entry out[4];

    setup(0);
    CHECK(shared.r.magic == CBPS_RING_MAGIC);
    CHECK(shared.r.version == CBPS_INTERFACE_VERSION);
    CHECK(shared.r.prod == 0 && shared.r.flags == 0 && shared.r.pending == 0);
    CHECK(cbps_ring_free_slots(&xen, &cons) == (int)CBPS_RING_ENTRIES);
    CHECK(cs_ring_take(&guest, out, 4) == 0);
    CHECK(!cs_ring_wants_kick(&guest));
}

static void test_fill_and_drain(uint32_t start)
{
    struct cbps_ring_entry out[CBPS_RING_ENTRIES + 8];
    uint32_t cons, i;
    int n;

    setup(start);
    for ( i = 0; i < CBPS_RING_ENTRIES; i++ )
    {
        struct cbps_ring_entry e = entry(i);

        cbps_ring_put(&xen, &e);
    }
    /* Nothing is visible before publish. */
    CHECK(cs_ring_take(&guest, out, 1) == 0);
    cbps_ring_publish(&xen, 7);
    CHECK(cbps_ring_free_slots(&xen, &cons) == 0);
    CHECK(cs_ring_unread(&guest) == CBPS_RING_ENTRIES);
    CHECK(shared.r.pending == 7 && cs_ring_wants_kick(&guest));

    n = cs_ring_take(&guest, out, 5);
    CHECK(n == 5);
    CHECK(cbps_ring_free_slots(&xen, &cons) == 5);
    n = cs_ring_take(&guest, out + 5, CBPS_RING_ENTRIES + 8);
    CHECK(n == (int)CBPS_RING_ENTRIES - 5);
    for ( i = 0; i < CBPS_RING_ENTRIES; i++ )
        if ( out[i].seq != i || out[i].from_mfn != 1000 + i ||
             out[i].to_mfn != 2000 + i )
            break;
    CHECK(i == CBPS_RING_ENTRIES);
    CHECK(cbps_ring_free_slots(&xen, &cons) == (int)CBPS_RING_ENTRIES);
    CHECK(cons == start + CBPS_RING_ENTRIES);

    cbps_ring_publish(&xen, 0);
    CHECK(!cs_ring_wants_kick(&guest) && shared.r.pending == 0);
}

static void test_hostile_indices(void)
{
    struct cbps_ring_entry out[4], e = entry(0);
    uint32_t cons;

    /* A guest that moves cons past prod, or far behind it. */
    setup(10);
    cbps_ring_put(&xen, &e);
    cbps_ring_publish(&xen, 0);
    shared.r.cons = xen.prod + 1;
    CHECK(cbps_ring_free_slots(&xen, &cons) == -1);
    CHECK(cons == xen.prod + 1);
    shared.r.cons = xen.prod - CBPS_RING_ENTRIES - 1;
    CHECK(cbps_ring_free_slots(&xen, &cons) == -1);
    shared.r.cons = xen.prod + 0x80000000u;
    CHECK(cbps_ring_free_slots(&xen, &cons) == -1);

    /* A guest scribbling on prod does not move Xen's own copy. */
    setup(0);
    shared.r.prod = 99;
    CHECK(cbps_ring_free_slots(&xen, &cons) == (int)CBPS_RING_ENTRIES);
    cbps_ring_publish(&xen, 0);
    CHECK(shared.r.prod == 0);

    /* A prod the guest cannot believe: taken as an error, cons unmoved. */
    setup(0);
    shared.r.prod = CBPS_RING_ENTRIES + 1;
    CHECK(cs_ring_take(&guest, out, 4) == -EIO);
    CHECK(guest.cons == 0 && shared.r.cons == 0);
    shared.r.prod = 0xfffffff0u;
    CHECK(cs_ring_take(&guest, out, 4) == -EIO);
}

/*
 * Xen's loop (a count of pending entries, posting what fits) against a
 * guest that takes random amounts and kicks when asked: every entry
 * arrives once, in order, whatever the interleaving.
 */
static void test_random_interleaving(unsigned int seed, uint32_t start)
{
    struct cbps_ring_entry out[CBPS_RING_ENTRIES];
    uint64_t pending = 0, queued = 0, seen = 0;
    uint32_t next_seq = 0, want = 0, cons;
    unsigned int step, errors = 0, kicks = 0;

    srand(seed);
    setup(start);
    for ( step = 0; step < 20000; step++ )
    {
        int n, room, i;

        switch ( rand() % 3 )
        {
        case 0: /* dom0 asks Xen to post a batch */
            if ( queued < 200000 )
            {
                uint32_t c = 1 + rand() % 300;

                pending += c;
                queued += c;
            }
            /* Xen posts what fits */
            /* fall through */
        case 1:
            room = cbps_ring_free_slots(&xen, &cons);
            if ( room < 0 )
            {
                errors++;
                break;
            }
            for ( i = 0; i < room && pending; i++, pending-- )
            {
                struct cbps_ring_entry e = entry(next_seq++);

                cbps_ring_put(&xen, &e);
            }
            cbps_ring_publish(&xen, pending);
            break;
        default: /* the guest consumes, and kicks if asked */
            n = cs_ring_take(&guest, out, 1 + rand() % CBPS_RING_ENTRIES);
            if ( n < 0 )
            {
                errors++;
                break;
            }
            for ( i = 0; i < n; i++ )
                if ( out[i].seq != want++ )
                    errors++;
            seen += n;
            if ( cs_ring_wants_kick(&guest) )
                kicks++;
            break;
        }
    }
    /* Drain. */
    for ( ;; )
    {
        int n, room = cbps_ring_free_slots(&xen, &cons), i;

        for ( i = 0; i < room && pending; i++, pending-- )
        {
            struct cbps_ring_entry e = entry(next_seq++);

            cbps_ring_put(&xen, &e);
        }
        cbps_ring_publish(&xen, pending);
        n = cs_ring_take(&guest, out, CBPS_RING_ENTRIES);
        for ( i = 0; i < n; i++ )
            if ( out[i].seq != want++ )
                errors++;
        seen += n;
        if ( !n && !pending )
            break;
    }
    CHECK(errors == 0);
    CHECK(seen == queued);
    CHECK(next_seq == (uint32_t)queued);
    CHECK(kicks > 0);
    CHECK(!cs_ring_wants_kick(&guest));
}

int main(void)
{
    unsigned int seed;

    test_layout();
    test_init();
    test_fill_and_drain(0);
    test_fill_and_drain(0xffffffc0u);   /* indices wrap mid-ring */
    test_hostile_indices();
    for ( seed = 1; seed <= 8; seed++ )
        test_random_interleaving(seed, seed * 0x3fffffffu);
    return check_report("ring");
}
