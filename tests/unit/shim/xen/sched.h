/*
 * Host stand-in for <xen/sched.h>: a struct domain with only the fields
 * the cbps records use (Xen's are in d->arch.pv, under CONFIG_CBPS; see
 * patch 0011).
 */
#ifndef SHIM_XEN_SCHED_H
#define SHIM_XEN_SCHED_H
#include <xen/lib.h>
#include <xen/list.h>
#include <xen/mm.h>
#include <xen/time.h>
#include <xen/types.h>

typedef uint16_t domid_t;

struct pv_domain {
    unsigned int cbps_group;
    struct list_head cbps_holds;
    unsigned long cbps_held[4];
    unsigned int cbps_steps;
    unsigned long cbps_unshared;
};

struct domain {
    domid_t domain_id;
    bool hvm;
    struct {
        struct pv_domain pv;
    } arch;
};

static inline bool is_pv_domain(const struct domain *d)
{
    return !d->hvm;
}
#endif
