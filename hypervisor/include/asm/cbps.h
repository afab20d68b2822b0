/* SPDX-License-Identifier: GPL-2.0-only */
/* asm/cbps.h: the hooks through which the rest of Xen calls cbps. */
#ifndef __ASM_X86_CBPS_H__
#define __ASM_X86_CBPS_H__

#include <xen/errno.h>
#include <xen/sched.h>
#include <public/xen.h>
#include <public/cbps.h>

#ifdef CONFIG_CBPS

/* XENMEM_cbps_op: every sub-command of the cbps interface. */
long cbps_memory_op(XEN_GUEST_HANDLE_PARAM(void) arg);

/* First phase of domain_relinquish_resources(): drop cbps state. */
int cbps_domain_relinquish(struct domain *d);

/* From the idle loop: scan a little; false when there is nothing to do. */
bool cbps_idle_work(void);

#else

static inline long cbps_memory_op(XEN_GUEST_HANDLE_PARAM(void) arg)
{
    return -ENOSYS;
}

static inline int cbps_domain_relinquish(struct domain *d)
{
    return 0;
}

static inline bool cbps_idle_work(void)
{
    return false;
}

#endif /* CONFIG_CBPS */

#endif /* __ASM_X86_CBPS_H__ */
