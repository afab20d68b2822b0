// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/cbps: the guest's view of cbps, one "name value" pair
 * a line so that scripts can read it with a plain grep.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <asm/xen/hypercall.h>

#include "cs.h"

static int cs_proc_show(struct seq_file *m, void *v)
{
	const struct cbps_guest_stats *s = &cs.stats;
	unsigned long kinds[CS_NR_KINDS], total;

	seq_printf(m, "interface %u.%u\n",
		   CBPS_VERSION_MAJOR(CBPS_INTERFACE_VERSION),
		   CBPS_VERSION_MINOR(CBPS_INTERFACE_VERSION));
	seq_printf(m, "registered %d\n", cs.registered);
	seq_printf(m, "consume %d\n", READ_ONCE(cs.consume));
	seq_printf(m, "virqs %llu\n", READ_ONCE(s->virqs));
	seq_printf(m, "received %llu\n", READ_ONCE(s->received));
	seq_printf(m, "test_entries %llu\n", READ_ONCE(s->test_entries));
	seq_printf(m, "seq_errors %llu\n", READ_ONCE(s->seq_errors));
	seq_printf(m, "bad_entries %llu\n", READ_ONCE(s->bad_entries));
	seq_printf(m, "ring_errors %llu\n", READ_ONCE(s->ring_errors));
	seq_printf(m, "kicks %llu\n", READ_ONCE(s->kicks));
	seq_printf(m, "ring_unread %u\n", cs_ring_unread(&cs.ring));
	seq_printf(m, "ring_pending %u\n", READ_ONCE(cs.sring->pending));
	seq_printf(m, "share %d\n", READ_ONCE(cs.share));
	seq_printf(m, "offers %llu\n", READ_ONCE(s->offers));
	seq_printf(m, "committed %llu\n", READ_ONCE(s->committed));
	seq_printf(m, "rejected_stale %llu\n", READ_ONCE(s->rej_stale));
	seq_printf(m, "rejected_ineligible %llu\n",
		   READ_ONCE(s->rej_ineligible));
	seq_printf(m, "rejected_mapped %llu\n", READ_ONCE(s->rej_mapped));
	seq_printf(m, "rejected_xen %llu\n", READ_ONCE(s->rej_xen));
	seq_printf(m, "anon %d\n", READ_ONCE(cs.anon));
	total = cs_share_count(kinds);
	seq_printf(m, "shared_committed %lu\n", total);
	seq_printf(m, "shared_anon %lu\n", kinds[CBPS_KIND_ANON]);
	seq_printf(m, "shared_cache %lu\n", kinds[CBPS_KIND_CACHE]);
	seq_printf(m, "shared_image %lu\n", kinds[CBPS_KIND_IMAGE]);
	/* Xen's side: what we hold now and how holds ended. */
	{
		struct xen_cbps_op op = { .cmd = CBPS_OP_share_info };
		const struct cbps_share_stats *x = &op.u.share.u.dom;

		op.u.share.domid = DOMID_SELF;
		if (!HYPERVISOR_memory_op(XENMEM_cbps_op, &op)) {
			seq_printf(m, "shared_now %llu\n", x->held);
			seq_printf(m, "held_anon %llu\n", x->held_anon);
			seq_printf(m, "held_cache %llu\n", x->held_cache);
			seq_printf(m, "held_image %llu\n", x->held_image);
			seq_printf(m, "pin_unshares %llu\n", x->pin_unshares);
			seq_printf(m, "cow_breaks %llu\n", x->cow_breaks);
			seq_printf(m, "takebacks %llu\n", x->takebacks);
			seq_printf(m, "frames_returned %llu\n", x->returned);
			seq_printf(m, "xen_rejected %llu\n", x->rejected);
			seq_printf(m, "expired %llu\n", x->expired);
			seq_printf(m, "declined %llu\n", x->declined);
			seq_printf(m, "intra_dups %llu\n", x->intra_dups);
			seq_printf(m, "enomem %llu\n", x->enomem);
		}
	}
	return 0;
}

int cs_proc_init(void)
{
	if (!proc_create_single("cbps", 0444, NULL, cs_proc_show))
		return -ENOMEM;
	if (!proc_create("cbps_probe", 0600, NULL, &cs_probe_ops)) {
		remove_proc_entry("cbps", NULL);
		return -ENOMEM;
	}
	return 0;
}

void cs_proc_exit(void)
{
	remove_proc_entry("cbps_probe", NULL);
	remove_proc_entry("cbps", NULL);
	cs_probe_exit();
}
