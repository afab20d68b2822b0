/*
 * Unit tests for the records of shared frames, hypervisor/cbps/refs.c,
 * built from that very file: what convert(), join(), unshare(),
 * cbps_guest_remove_page() and cbps_share_relinquish() do with the
 * records, interleaved step by step from different domains as share.c's
 * contexts can interleave them between two holds of share_lock.  Each
 * refs call below stands for one such hold of the lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "private.h"
#include "refs.h"

/* core.c's, in Xen. */
struct cbps_opts cbps_opts = CBPS_OPTS_DEFAULT;

#define NR_MFNS 64
static struct share *share_of[NR_MFNS];     /* what the test allocated */
static unsigned int collected[NR_MFNS];     /* freed by the "caller" */

static void dom_init(struct domain *d, domid_t id, unsigned int group)
{
    memset(d, 0, sizeof(*d));
    d->domain_id = id;
    d->arch.pv.cbps_group = group;
    INIT_LIST_HEAD(&d->arch.pv.cbps_holds);
}

static struct share *share_new(unsigned long mfn, unsigned int group)
{
    struct share *sh = calloc(1, sizeof(*sh));

    sh->mfn = _mfn(mfn);
    sh->group = group;
    share_of[mfn] = sh;
    return sh;
}

/* The caller frees a share the records gave up, exactly once. */
static void share_free(struct share *sh)
{
    collected[mfn_x(sh->mfn)]++;
    share_of[mfn_x(sh->mfn)] = NULL;
    free(sh);
}

static struct holder *holder_new(struct domain *d, uint8_t kind)
{
    struct holder *h = calloc(1, sizeof(*h));

    h->d = d;
    h->kind = kind;
    return h;
}

/* convert(): insert as building, the creator's join links its holder. */
static struct holder *convert_begin(struct domain *d, unsigned long mfn,
                                    struct share **shp)
{
    struct share *sh = share_new(mfn, d->arch.pv.cbps_group);
    struct holder *h;

    *shp = sh;
    cbps_refs_insert(sh);
    if ( cbps_refs_may_join(cbps_refs_find(_mfn(mfn)), d, true) != R_NONE )
        return NULL;
    h = holder_new(d, CBPS_KIND_CACHE);
    cbps_refs_link(sh, h);
    return h;
}

/* join(), not fresh: decide, link, and (entries switched) ready. */
static enum cbps_refusal join(struct domain *d, unsigned long mfn,
                              uint8_t kind, struct holder **hp)
{
    struct share *sh = cbps_refs_find(_mfn(mfn));
    enum cbps_refusal why = cbps_refs_may_join(sh, d, false);
    struct holder *h;

    if ( why != R_NONE )
        return why;
    h = holder_new(d, kind);
    cbps_refs_link(sh, h);
    cbps_refs_ready(h);
    if ( hp )
        *hp = h;
    return R_NONE;
}

/* A whole share: d converts mfn with contents hash. */
static struct share *shared_by(struct domain *d, unsigned long mfn,
                               uint64_t hash)
{
    struct share *sh;

    if ( !convert_begin(d, mfn, &sh) )
        abort();                /* a test's own setup must not fail */
    cbps_refs_complete(sh, hash);
    return sh;
}

/* unshare() once the copy is done: 0, or what leave_begin said. */
static int unshare(struct domain *d, unsigned long mfn)
{
    struct share *sh;
    struct holder *h;
    int rc = cbps_refs_leave_begin(_mfn(mfn), d, true, &sh, &h);

    if ( rc < 0 )
        return rc;
    if ( cbps_refs_leave_end(sh, h) )
        share_free(sh);
    free(h);
    return 0;
}

/* cbps_share_relinquish(): one step; *nr: holds it gave back. */
static int relinquish(struct domain *d, unsigned int max, unsigned int *nr)
{
    struct holder *released, *h;
    struct share *freed, *sh;
    int rc = cbps_refs_release(d, max, &released, &freed, NULL);

    *nr = 0;
    while ( (h = released) != NULL )
    {
        released = h->next;
        CHECK(h->d == d && h->sh);
        free(h);
        (*nr)++;
    }
    while ( (sh = freed) != NULL )
    {
        freed = sh->mnext;
        CHECK(!sh->nr_holders && !sh->holders);
        share_free(sh);
    }
    return rc;
}

static unsigned int list_len(const struct domain *d)
{
    const struct holder *h;
    unsigned int n = 0;

    list_for_each_entry ( h, &d->arch.pv.cbps_holds, dlist )
        n++;
    return n;
}

/* Nothing left anywhere: every record the test made is gone. */
static int all_gone(void)
{
    unsigned int i;

    for ( i = 0; i < NR_MFNS; i++ )
        if ( share_of[i] || cbps_refs_find(_mfn(i)) )
            return 0;
    return !cbps_nr_shares && !cbps_nr_holders;
}

static void reset(void)
{
    memset(collected, 0, sizeof(collected));
    cbps_opts.max_held = 0;
    cbps_opts.ungrouped_share = false;
}

/*
 * 1. A converts while B joins the same pool frame from a stale offer, a
 * backend unshares A's hold, and A dies: all wait for convert() to hash
 * the share.
 */
static void test_convert_join(void)
{
    struct domain a, b, c;
    struct share *sh, *found;
    struct holder *ha, *hb, *hx;
    int rc;

    reset();
    dom_init(&a, 1, 1);
    dom_init(&b, 2, 1);
    dom_init(&c, 3, 1);

    ha = convert_begin(&a, 10, &sh);
    CHECK(ha && ha->leaving && ha->sh == sh);
    CHECK(cbps_refs_find(_mfn(10)) == sh && !sh->hashed);
    CHECK(cbps_nr_shares == 1 && cbps_nr_holders == 1);
    CHECK(cbps_refs_held(&a) == 1 && list_len(&a) == 1);

    /* B's stale offer names the pool frame convert() is filling. */
    CHECK(cbps_refs_may_join(cbps_refs_find(_mfn(10)), &b, false) ==
          R_BUILDING);
    CHECK(sh->nr_holders == 1 && !cbps_refs_holder(sh, &b));
    CHECK(list_empty(&b.arch.pv.cbps_holds));

    /* A backend's grant copy, and a balloon-out, of A's hold: not yet. */
    CHECK(cbps_refs_leave_begin(_mfn(10), &a, true, &found, &hx) == -EAGAIN);
    CHECK(cbps_refs_leave_begin(_mfn(10), &a, false, &found, &hx) ==
          -EAGAIN);
    CHECK(!sh->closing && ha->leaving);
    /* C holds nothing there. */
    CHECK(cbps_refs_leave_begin(_mfn(10), &c, true, &found, &hx) == -ENOENT);
    CHECK(cbps_refs_leave_begin(_mfn(11), &a, true, &found, &hx) == -ENOENT);
    /* Nor does a lookup find it. */
    CHECK(!cbps_refs_hash_next(0x1234, 1, NULL));

    /* A dying in the meantime waits for convert() too. */
    {
        unsigned int nr;

        CHECK(relinquish(&a, 16, &nr) == -ERESTART && nr == 0);
        CHECK(cbps_refs_find(_mfn(10)) == sh && sh->nr_holders == 1);
    }

    /* convert() hashes it: complete. */
    cbps_refs_complete(sh, 0x1234);
    CHECK(sh->hashed && sh->hash == 0x1234 && !ha->leaving);
    CHECK(cbps_refs_hash_next(0x1234, 1, NULL) == sh);
    CHECK(!cbps_refs_hash_next(0x1234, 1, sh));
    CHECK(!cbps_refs_hash_next(0x1234, 2, NULL));   /* another group's */
    CHECK(!cbps_refs_hash_next(0x1235, 1, NULL));

    /* Now B's join is admitted; its hold is unusable until switched. */
    CHECK(cbps_refs_may_join(sh, &b, false) == R_NONE);
    hb = holder_new(&b, CBPS_KIND_IMAGE);
    cbps_refs_link(sh, hb);
    CHECK(hb->leaving && sh->nr_holders == 2 && cbps_nr_holders == 2);
    CHECK(cbps_refs_leave_begin(_mfn(10), &b, true, &found, &hx) == -EAGAIN);
    cbps_refs_ready(hb);
    CHECK(!hb->leaving);
    CHECK(cbps_refs_held(&b) == 1 &&
          b.arch.pv.cbps_held[CBPS_KIND_IMAGE] == 1);
    /* Once a holder, B is refused another hold of it. */
    CHECK(join(&b, 10, CBPS_KIND_CACHE, NULL) == R_SHARE);

    /* A's unshare begins: not the last holder, the share stays open. */
    rc = cbps_refs_leave_begin(_mfn(10), &a, true, &found, &hx);
    CHECK(rc == 0 && found == sh && hx == ha && ha->leaving && !sh->closing);
    CHECK(cbps_refs_leave_begin(_mfn(10), &a, true, &found, &hx) == -EAGAIN);
    CHECK(cbps_refs_may_join(sh, &c, false) == R_NONE);
    CHECK(!cbps_refs_leave_end(sh, ha));
    free(ha);
    CHECK(cbps_refs_held(&a) == 0 && list_empty(&a.arch.pv.cbps_holds));
    CHECK(sh->nr_holders == 1 && cbps_nr_holders == 1);

    /* B, the last, closes it while it copies; a failed copy reopens it. */
    rc = cbps_refs_leave_begin(_mfn(10), &b, true, &found, &hx);
    CHECK(rc == 1 && sh->closing && hx == hb);
    CHECK(cbps_refs_may_join(sh, &c, false) == R_SHARE);
    CHECK(!cbps_refs_hash_next(0x1234, 1, NULL));
    cbps_refs_leave_undo(sh, hb);
    CHECK(!sh->closing && !hb->leaving);
    CHECK(cbps_refs_hash_next(0x1234, 1, NULL) == sh);
    CHECK(unshare(&b, 10) == 0);
    CHECK(collected[10] == 1);
    CHECK(unshare(&b, 10) == -ENOENT);
    CHECK(all_gone());
}

/*
 * 2. A's creator join fails (the page work refused it, or the records
 * did): the building share goes with no holder, and B's stale join
 * linked nothing meanwhile.
 */
static void test_convert_fails(void)
{
    struct domain a, b;
    struct share *sh;

    reset();
    dom_init(&a, 1, 1);
    dom_init(&b, 2, 1);

    sh = share_new(20, 1);
    cbps_refs_insert(sh);
    CHECK(cbps_refs_may_join(cbps_refs_find(_mfn(20)), &b, false) ==
          R_BUILDING);
    /* A's join failed before it linked a holder (R_REFS, R_DIFF). */
    cbps_refs_remove(sh);
    CHECK(!cbps_refs_find(_mfn(20)) && !sh->nr_holders && !sh->holders);
    CHECK(list_empty(&a.arch.pv.cbps_holds));
    CHECK(list_empty(&b.arch.pv.cbps_holds));
    share_free(sh);
    CHECK(all_gone());
    /* B's offer now names a frame that is no share. */
    CHECK(join(&b, 20, CBPS_KIND_CACHE, NULL) == R_SHARE);

    /* The records refuse the creator: A gives back everything. */
    sh = share_new(21, 1);
    cbps_refs_insert(sh);
    a.arch.pv.cbps_steps = 1;
    CHECK(cbps_refs_may_join(sh, &a, true) == R_DRAIN);
    a.arch.pv.cbps_steps = 0;
    cbps_refs_remove(sh);
    share_free(sh);
    CHECK(all_gone());
}

/*
 * 3. Dying D gives back its holds while other contexts' unshares of two
 * of them are in flight: one copy fails, one completes.
 */
static void test_relinquish_leaving(void)
{
    struct domain d, e;
    struct share *s3, *s4, *s5, *found;
    struct holder *h3, *h4, *h5, *hx;
    unsigned int nr;

    reset();
    dom_init(&d, 4, 1);
    dom_init(&e, 5, 1);

    shared_by(&d, 1, 0x1);                  /* D only */
    shared_by(&d, 2, 0x2);                  /* D and E */
    CHECK(join(&e, 2, CBPS_KIND_CACHE, NULL) == R_NONE);
    s3 = shared_by(&d, 3, 0x3);             /* D only: copy will fail */
    s4 = shared_by(&e, 4, 0x4);             /* D and E: copy completes */
    CHECK(join(&d, 4, CBPS_KIND_ANON, NULL) == R_NONE);
    s5 = shared_by(&d, 5, 0x5);             /* D only: copy completes */
    CHECK(cbps_refs_held(&d) == 5 && cbps_refs_held(&e) == 2);
    CHECK(cbps_nr_shares == 5 && cbps_nr_holders == 7);

    /* A backend's grant copy, a foreign mapping: unshares of D's holds. */
    CHECK(cbps_refs_leave_begin(_mfn(3), &d, true, &found, &h3) == 1);
    CHECK(found == s3 && s3->closing);
    CHECK(cbps_refs_leave_begin(_mfn(4), &d, true, &found, &h4) == 0);
    CHECK(cbps_refs_leave_begin(_mfn(5), &d, true, &found, &h5) == 1);

    /* D dies: the batch skips the three in flight and says wait. */
    CHECK(relinquish(&d, 16, &nr) == -ERESTART && nr == 2);
    CHECK(collected[1] == 1 && collected[2] == 0);  /* E holds 2 */
    CHECK(cbps_refs_held(&d) == 3 && list_len(&d) == 3);
    CHECK(cbps_nr_shares == 4 && cbps_nr_holders == 5);
    /* Nothing more while they are in flight. */
    CHECK(relinquish(&d, 16, &nr) == -ERESTART && nr == 0);
    /* Nor can anyone else start taking them away. */
    CHECK(cbps_refs_leave_begin(_mfn(3), &d, false, &found, &hx) == -EAGAIN);

    /* s3's copy failed (D is dying: -ESRCH): the leave is undone. */
    cbps_refs_leave_undo(s3, h3);
    CHECK(!s3->closing && !h3->leaving);
    /* s4's copy is done: E still holds it. */
    CHECK(!cbps_refs_leave_end(s4, h4));
    free(h4);
    /* s5's copy is done: the last holder, the unshare frees it. */
    CHECK(cbps_refs_leave_end(s5, h5));
    share_free(s5);
    free(h5);

    /* The second call finishes: only s3 is left to release. */
    CHECK(relinquish(&d, 16, &nr) == 0 && nr == 1);
    CHECK(cbps_refs_held(&d) == 0 && list_empty(&d.arch.pv.cbps_holds));
    CHECK(d.arch.pv.cbps_held[CBPS_KIND_ANON] == 0);
    CHECK(cbps_nr_shares == 2 && cbps_nr_holders == 2);
    CHECK(relinquish(&d, 16, &nr) == 0 && nr == 0);

    /* Each share whose last holder went was collected exactly once. */
    CHECK(collected[1] == 1 && collected[3] == 1 && collected[5] == 1);
    CHECK(collected[2] == 0 && collected[4] == 0);
    CHECK(cbps_refs_find(_mfn(2)) && cbps_refs_find(_mfn(4)));

    /* E dies too: the rest go. */
    CHECK(relinquish(&e, 16, &nr) == 0 && nr == 2);
    CHECK(collected[2] == 1 && collected[4] == 1);
    CHECK(all_gone());
}

/* 4. More holds than a batch: several calls, each at most a batch. */
static void test_batches(void)
{
    struct domain f, g, hvm;
    unsigned int i, nr, calls = 0, total = 0;
    int rc;

    reset();
    dom_init(&f, 6, 1);
    dom_init(&g, 7, 1);
    dom_init(&hvm, 8, 1);
    hvm.hvm = true;

    for ( i = 0; i < 10; i++ )
        shared_by(&f, 30 + i, 0x100 + i);
    CHECK(cbps_refs_held(&f) == 10);
    do {
        rc = relinquish(&f, 4, &nr);
        CHECK(nr <= 4);
        CHECK(rc == 0 || nr == 4);
        total += nr;
        calls++;
    } while ( rc == -ERESTART && calls < 10 );
    CHECK(rc == 0 && calls == 3 && total == 10);
    CHECK(cbps_refs_held(&f) == 0 && all_gone());

    /* Exactly two batches: the second one says done. */
    for ( i = 0; i < 8; i++ )
        shared_by(&g, 30 + i, 0x100 + i);
    CHECK(relinquish(&g, 4, &nr) == -ERESTART && nr == 4);
    CHECK(relinquish(&g, 4, &nr) == 0 && nr == 4);
    CHECK(all_gone());

    /* Not a PV domain: nothing to give back. */
    CHECK(relinquish(&hvm, 4, &nr) == 0 && nr == 0);
    CHECK(cbps_refs_held(&hvm) == 0 && !cbps_refs_held_elsewhere(&hvm));
}

/* 5. max-held, a domain giving back everything, and sharing groups. */
static void test_refusals(void)
{
    struct domain a, b, u, v;
    struct share *s1, *s2, *s3;
    unsigned int nr;

    reset();
    dom_init(&a, 1, 1);
    dom_init(&b, 2, 1);
    dom_init(&u, 9, 0);
    dom_init(&v, 10, 0);

    s1 = shared_by(&a, 40, 0x40);
    s2 = shared_by(&a, 41, 0x41);
    s3 = shared_by(&a, 42, 0x42);

    /* max-held: B may hold two. */
    cbps_opts.max_held = 2;
    CHECK(join(&b, 40, CBPS_KIND_CACHE, NULL) == R_NONE);
    CHECK(join(&b, 41, CBPS_KIND_CACHE, NULL) == R_NONE);
    CHECK(join(&b, 42, CBPS_KIND_CACHE, NULL) == R_CAP);
    CHECK(cbps_refs_may_join(s3, &b, true) == R_CAP);
    CHECK(unshare(&b, 41) == 0);
    CHECK(cbps_refs_may_join(s3, &b, false) == R_NONE);
    cbps_opts.max_held = 0;

    /* An unshare of everything under way (suspend, log-dirty). */
    b.arch.pv.cbps_steps = 1;
    CHECK(cbps_refs_may_join(s3, &b, false) == R_DRAIN);
    CHECK(cbps_refs_may_join(s3, &b, true) == R_DRAIN);
    b.arch.pv.cbps_steps = 0;
    CHECK(!cbps_refs_held_elsewhere(&b));

    /* B moved to group 2 and still holds a group-1 frame: drain first. */
    b.arch.pv.cbps_group = 2;
    CHECK(cbps_refs_held_elsewhere(&b));
    CHECK(cbps_refs_may_join(s3, &b, false) == R_DRAIN);
    CHECK(unshare(&b, 40) == 0);
    CHECK(!cbps_refs_held_elsewhere(&b));
    /* Then: another group's share. */
    CHECK(cbps_refs_may_join(s3, &b, false) == R_GROUP);
    /* A share that is gone, or closing, says so first. */
    CHECK(cbps_refs_may_join(NULL, &b, false) == R_SHARE);
    b.arch.pv.cbps_steps = 1;
    CHECK(cbps_refs_may_join(NULL, &b, false) == R_SHARE);
    b.arch.pv.cbps_steps = 0;

    /* Ungrouped domains share only with ungrouped=share. */
    CHECK(cbps_refs_may_join(s3, &u, false) == R_GROUP);
    cbps_opts.ungrouped_share = true;
    shared_by(&u, 43, 0x43);
    cbps_opts.ungrouped_share = false;
    CHECK(join(&v, 43, CBPS_KIND_CACHE, NULL) == R_GROUP);
    cbps_opts.ungrouped_share = true;
    CHECK(join(&v, 43, CBPS_KIND_CACHE, NULL) == R_NONE);
    CHECK(cbps_refs_may_join(s3, &v, false) == R_GROUP);  /* group 1's */

    (void)s1;
    (void)s2;
    CHECK(relinquish(&a, 16, &nr) == 0 && nr == 3);
    CHECK(relinquish(&b, 16, &nr) == 0 && nr == 0);
    CHECK(relinquish(&u, 16, &nr) == 0 && nr == 1);
    CHECK(relinquish(&v, 16, &nr) == 0 && nr == 1);
    CHECK(all_gone());
}

int main(void)
{
    test_convert_join();
    test_convert_fails();
    test_relinquish_leaving();
    test_batches();
    test_refusals();
    return check_report("refs");
}
