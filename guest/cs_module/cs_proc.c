// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/cbps: the guest's view of cbps, one "name value" pair
 * a line so that scripts can read it with a plain grep.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "cs.h"

static int cs_proc_show(struct seq_file *m, void *v)
{
	const struct cbps_guest_stats *s = &cs.stats;

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
	return 0;
}

int cs_proc_init(void)
{
	return proc_create_single("cbps", 0444, NULL, cs_proc_show) ? 0 :
								      -ENOMEM;
}

void cs_proc_exit(void)
{
	remove_proc_entry("cbps", NULL);
}
