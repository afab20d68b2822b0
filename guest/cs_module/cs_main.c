// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cbps guest module, the thesis's CS component.
 *
 * insmod asks Xen whether it speaks cbps (XENMEM_cbps_op), binds
 * VIRQ_CBPS, and hands Xen one page as the ring.  Xen posts entries and
 * raises the VIRQ; the handler only queues a work item, which takes the
 * entries off the ring in process context (sharing them needs to sleep)
 * and kicks Xen when it says more entries wait for space.  rmmod takes the
 * ring back from Xen before the page is freed (cs_exit() gives the order).
 */
#define pr_fmt(fmt) "cbps: " fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/suspend.h>
#include <xen/events.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xen-ops.h>
#include <asm/xen/hypercall.h>

#include "cs.h"

struct cs_state cs = {
	.consume = true,
	.share = true,
	.gate = __MUTEX_INITIALIZER(cs.gate),
};

static int cs_op(struct xen_cbps_op *op)
{
	return HYPERVISOR_memory_op(XENMEM_cbps_op, op);
}

static void cs_handle_entry(const struct cbps_ring_entry *e)
{
	struct cbps_guest_stats *s = &cs.stats;

	WRITE_ONCE(s->received, s->received + 1);
	if (e->seq != cs.next_seq)
		WRITE_ONCE(s->seq_errors, s->seq_errors + 1);
	cs.next_seq = e->seq + 1;
	switch (e->type) {
	case CBPS_ENTRY_TEST:
		WRITE_ONCE(s->test_entries, s->test_entries + 1);
		break;
	case CBPS_ENTRY_OFFER:
		cs_share_offer(e);
		break;
	default:
		WRITE_ONCE(s->bad_entries, s->bad_entries + 1);
		break;
	}
}

/*
 * After xl save/restore (or migration) we run in a new domain: Xen knows
 * no ring of it, and holds nothing shared for it (the toolstack's
 * mappings gave the saved domain its own copy of every frame).  Hand the
 * ring over again; entries start afresh.
 */
static void cs_reregister(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_query };
	int rc;

	if (cs_op(&op) || (op.u.query.flags & CBPS_QUERY_F_REGISTERED))
		return;		/* the suspend was cancelled: same domain */
	memset(cs.sring, 0, PAGE_SIZE);
	cs_ring_init(&cs.ring, cs.sring);
	cs.next_seq = 0;
	memset(&op, 0, sizeof(op));
	op.cmd = CBPS_OP_register;
	op.u.reg.ring_gfn = virt_to_mfn(cs.sring);
	rc = cs_op(&op);
	if (rc) {
		pr_err("cannot register the ring again after resume: %d\n", rc);
		WRITE_ONCE(cs.registered, false);
		return;
	}
	pr_info("registered again after resume, ring at mfn %#lx\n",
		virt_to_mfn(cs.sring));
}

static void cs_work_fn(struct work_struct *work)
{
	struct cbps_ring_entry batch[16];
	struct xen_cbps_op op = { .cmd = CBPS_OP_kick };
	int i, n, rc;

	/* Unloading: nothing is registered again, nothing taken. */
	if (READ_ONCE(cs.stopping))
		return;
	if (xchg(&cs.resumed, false) && READ_ONCE(cs.registered))
		cs_reregister();
	if (!READ_ONCE(cs.consume) || !READ_ONCE(cs.registered))
		return;

	do {
		if (READ_ONCE(cs.stopping))
			return;
		n = cs_ring_take(&cs.ring, batch, ARRAY_SIZE(batch));
		if (n < 0) {
			WRITE_ONCE(cs.stats.ring_errors,
				   cs.stats.ring_errors + 1);
			return;
		}
		for (i = 0; i < n; i++)
			cs_handle_entry(&batch[i]);
		/* A workqueue's process context: Xen may post for long. */
		cond_resched();
	} while (n);

	/* Xen raises the VIRQ again if the kick lets it post more. */
	if (cs_ring_wants_kick(&cs.ring)) {
		WRITE_ONCE(cs.stats.kicks, cs.stats.kicks + 1);
		rc = cs_op(&op);
		if (rc)
			pr_warn_ratelimited("kick failed: %d\n", rc);
	}
}

static irqreturn_t cs_virq(int irq, void *dev_id)
{
	WRITE_ONCE(cs.stats.virqs, cs.stats.virqs + 1);
	schedule_work(&cs.work);
	return IRQ_HANDLED;
}

/*
 * The parameters' stores run under kernel_param_lock(THIS_MODULE), and so
 * does cs_exit()'s setting of cs.stopping: once rmmod has begun, no
 * store schedules work or turns sharing back on.  Stores are not fenced
 * off from module exit otherwise (sysfs goes after the exit function).
 */
static int cs_set_consume(const char *val, const struct kernel_param *kp)
{
	int rc;

	if (cs.stopping)
		return -EBUSY;
	rc = param_set_bool(val, kp);
	if (!rc && READ_ONCE(cs.consume) && READ_ONCE(cs.registered))
		schedule_work(&cs.work);
	return rc;
}

/* The administrator's setting; suspend and unload close cs.gate instead. */
static int cs_set_share(const char *val, const struct kernel_param *kp)
{
	if (cs.stopping)
		return -EBUSY;
	return param_set_bool(val, kp);
}

static const struct kernel_param_ops cs_consume_ops = {
	.set = cs_set_consume,
	.get = param_get_bool,
};
module_param_cb(consume, &cs_consume_ops, &cs.consume, 0644);
MODULE_PARM_DESC(consume, "Take entries off the ring (0 stalls it, for tests)");

static const struct kernel_param_ops cs_share_ops = {
	.set = cs_set_share,
	.get = param_get_bool,
};
module_param_cb(share, &cs_share_ops, &cs.share, 0644);
MODULE_PARM_DESC(share, "Take share offers (0: receive and count only)");

/*
 * Off by default: a process's heap holds its secrets (issue 8's
 * concern), and sharing it competes with page cache for Xen's offers.
 * Set at load only: the walk is checked then.
 */
module_param_named(anon, cs.anon, bool, 0444);
MODULE_PARM_DESC(anon,
		 "Share anonymous pages too (default 0: kernel image and page cache)");

/* Open or close the gate for commits; closing waits for one under way. */
static void cs_set_suspending(bool on)
{
	mutex_lock(&cs.gate);
	cs.suspending = on;
	mutex_unlock(&cs.gate);
}

/*
 * A suspended or hibernated image must hold only our own frames: the
 * shared ones belong to the share domain, not to us.  No commit may
 * follow the unshare, so the gate is closed first (it waits for an offer
 * under way); afterwards the administrator's share= holds again.
 */
static int cs_pm_notify(struct notifier_block *nb, unsigned long event,
			void *unused)
{
	int rc;

	switch (event) {
	case PM_HIBERNATION_PREPARE:
	case PM_SUSPEND_PREPARE:
		cs_set_suspending(true);
		rc = cs_share_unshare_all();
		if (rc) {
			/* The PM core sends no PM_POST_* to a failed notifier. */
			pr_err("cannot unshare before suspend: %d\n", rc);
			cs_set_suspending(false);
		}
		return notifier_from_errno(rc);
	case PM_POST_HIBERNATION:
	case PM_POST_SUSPEND:
		cs_set_suspending(false);
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block cs_pm_nb = { .notifier_call = cs_pm_notify };

/* Xen resumed us (maybe as a new domain): check in the work item. */
static int cs_resume_notify(struct notifier_block *nb, unsigned long unused,
			    void *data)
{
	WRITE_ONCE(cs.resumed, true);
	if (!READ_ONCE(cs.stopping))
		schedule_work(&cs.work);
	return NOTIFY_OK;
}

static struct notifier_block cs_resume_nb = {
	.notifier_call = cs_resume_notify,
};

/* Is Xen there, does it speak cbps, and is it on? */
static int cs_check_xen(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_query };
	u32 v;
	int rc;

	if (!xen_pv_domain()) {
		pr_err("not a Xen PV guest, cbps needs one\n");
		return -ENODEV;
	}

	rc = cs_op(&op);
	if (rc == -ENOSYS) {
		/* Not -ENOSYS: insmod would blame the kernel's init_module. */
		pr_err("this Xen has no cbps interface (XENMEM_cbps_op: -ENOSYS)\n");
		return -ENODEV;
	}
	if (rc == -EOPNOTSUPP) {
		pr_err("cbps is off in Xen (boot Xen with cbps=on)\n");
		return rc;
	}
	if (rc) {
		pr_err("cbps query failed: %d\n", rc);
		return rc;
	}

	v = op.u.query.version;
	if (CBPS_VERSION_MAJOR(v) != CBPS_VERSION_MAJOR(CBPS_INTERFACE_VERSION)) {
		pr_err("interface mismatch: Xen has %u.%u, module has %u.%u\n",
		       CBPS_VERSION_MAJOR(v), CBPS_VERSION_MINOR(v),
		       CBPS_VERSION_MAJOR(CBPS_INTERFACE_VERSION),
		       CBPS_VERSION_MINOR(CBPS_INTERFACE_VERSION));
		return -EPROTO;
	}
	return 0;
}

/*
 * Take the ring back from Xen: true when Xen holds it no more and the
 * page may be freed.  -ENOENT: Xen holds no ring of ours (restored as a
 * new domain, and not registered again yet).  -EBUSY: our calls are
 * throttled for a moment.
 */
static bool cs_unregister(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_unregister };
	int rc, tries = 0;

	while ((rc = cs_op(&op)) == -EBUSY && ++tries < 100)
		msleep(20);
	if (rc && rc != -ENOENT) {
		/* Xen may still write the page: leak it rather than reuse it. */
		pr_err("Xen kept the ring (%d), leaking its page\n", rc);
		return false;
	}
	return true;
}

static int __init cs_init(void)
{
	struct xen_cbps_op op = { .cmd = CBPS_OP_register };
	int rc;

	BUILD_BUG_ON(sizeof(struct cbps_ring) > PAGE_SIZE);

	rc = cs_check_xen();
	if (rc)
		return rc;
	/* Anonymous pages need our copy of the rmap walk to work here. */
	if (cs.anon && cs_anon_init())
		return -EOPNOTSUPP;

	cs.sring = (struct cbps_ring *)get_zeroed_page(GFP_KERNEL);
	if (!cs.sring)
		return -ENOMEM;
	cs_ring_init(&cs.ring, cs.sring);
	INIT_WORK(&cs.work, cs_work_fn);

	rc = bind_virq_to_irqhandler(VIRQ_CBPS, 0, cs_virq, 0, "cbps", NULL);
	if (rc < 0) {
		pr_err("cannot bind VIRQ %d: %d\n", VIRQ_CBPS, rc);
		goto out_free;
	}
	cs.irq = rc;

	op.u.reg.ring_gfn = virt_to_mfn(cs.sring);
	rc = cs_op(&op);
	if (rc) {
		pr_err("Xen refused the ring: %d\n", rc);
		goto out_unbind;
	}
	if (READ_ONCE(cs.sring->magic) != CBPS_RING_MAGIC) {
		pr_err("Xen did not set up the ring\n");
		rc = -EPROTO;
		goto out_unregister;
	}
	WRITE_ONCE(cs.registered, true);

	rc = cs_proc_init();
	if (rc)
		goto out_unregister;
	register_pm_notifier(&cs_pm_nb);
	xen_resume_notifier_register(&cs_resume_nb);

	pr_info("registered, ring at mfn %#lx, VIRQ %d on irq %d\n",
		virt_to_mfn(cs.sring), VIRQ_CBPS, cs.irq);
	/* Anything Xen posted before we were ready. */
	schedule_work(&cs.work);
	return 0;

out_unregister:
	/* Fenced as in cs_exit(); nothing was shared yet. */
	kernel_param_lock(THIS_MODULE);
	WRITE_ONCE(cs.stopping, true);
	kernel_param_unlock(THIS_MODULE);
	unbind_from_irqhandler(cs.irq, NULL);
	cancel_work_sync(&cs.work);
	if (!cs_unregister())
		return rc;
	goto out_free;
out_unbind:
	unbind_from_irqhandler(cs.irq, NULL);
	cancel_work_sync(&cs.work);
out_free:
	free_page((unsigned long)cs.sring);
	return rc;
}

/*
 * One order, each step relying on the ones before it:
 *  1. fence off new work: cs.stopping (under the parameters' lock, so no
 *     store to consume or share acts after it), the PM and resume
 *     notifiers (unregister_pm_notifier() waits for a callback under
 *     way; a Xen resume cannot run meanwhile, since it freezes tasks
 *     first and rmmod's cannot freeze in here), /proc, then the VIRQ;
 *  2. wait for work in flight: cancel_work_sync() returns once an offer
 *     being committed is done, and nothing can queue the work again;
 *  3. give back every shared frame: nothing commits after this;
 *  4. unregister the ring last, and free its page only if Xen let go.
 */
static void __exit cs_exit(void)
{
	int rc;

	kernel_param_lock(THIS_MODULE);
	WRITE_ONCE(cs.stopping, true);
	kernel_param_unlock(THIS_MODULE);
	unregister_pm_notifier(&cs_pm_nb);
	xen_resume_notifier_unregister(&cs_resume_nb);
	cs_proc_exit();
	unbind_from_irqhandler(cs.irq, NULL);

	cancel_work_sync(&cs.work);

	rc = cs_share_unshare_all();
	if (rc)
		pr_err("unshare on unload failed: %d\n", rc);

	WRITE_ONCE(cs.registered, false);
	if (!cs_unregister())
		return;
	free_page((unsigned long)cs.sring);
	pr_info("unregistered\n");
}

module_init(cs_init);
module_exit(cs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cbps: content-based page sharing, guest side");
