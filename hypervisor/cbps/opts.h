/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * opts.h: the cbps= Xen command line option, parsed into a plain struct.
 *
 * Pure logic: it is built into Xen and into the host unit tests.
 */
#ifndef __CBPS_OPTS_H__
#define __CBPS_OPTS_H__

#include <xen/types.h>

#define CBPS_MAX_DOMAINS_DEFAULT    64
#define CBPS_MAX_DOMAINS_LIMIT      1024
#define CBPS_RATE_DEFAULT           20000       /* frames hashed a second */
#define CBPS_RATE_LIMIT             10000000
#define CBPS_INTERVAL_DEFAULT       1000        /* ms between census cycles */
#define CBPS_INTERVAL_LIMIT         3600000
#define CBPS_POOL_DEFAULT           64          /* MiB reserved for shares */
#define CBPS_POOL_MIN               2           /* one page of M2P */
#define CBPS_POOL_MAX               1024        /* one L1 of the M2P */
#define CBPS_CALL_RATE_DEFAULT      20000       /* guest calls a second */
#define CBPS_CALL_RATE_LIMIT        10000000
#define CBPS_MAX_HELD_LIMIT         268435456   /* frames: 1 TiB */
#define CBPS_TEST_DELAY_LIMIT       10000       /* ms */

struct cbps_opts {
    bool enabled;               /* cbps=<bool> */
    bool zero;                  /* zero=<bool>: zero frames are candidates */
    bool stable;                /* stable=<bool>: skip frames that changed */
    bool share;                 /* share=<bool>: offer frames (default off) */
    unsigned int max_domains;   /* max-domains=<1..CBPS_MAX_DOMAINS_LIMIT> */
    unsigned int rate;          /* rate=<0..CBPS_RATE_LIMIT>, 0 = no scan */
    unsigned int interval;      /* interval=<0..CBPS_INTERVAL_LIMIT> ms */
    unsigned int pool_mb;       /* pool=<size>: a power of two, 2M..1G */
    bool ungrouped_share;       /* ungrouped=share|isolate (isolate) */
    unsigned int call_rate;     /* call-rate=<n>: a guest's calls a second,
                                   0 = no limit */
    unsigned int max_held;      /* max-held=<n>: shared frames one domain
                                   may hold, 0 = no limit */
    unsigned int test_delay;    /* test-delay=<ms>: debug builds only, a
                                   copy another domain asked for waits
                                   this long, so that the VM tests can
                                   race teardown against it */
};

/* The defaults: Xen's cbps_opts starts as this, and so does every parse. */
#define CBPS_OPTS_DEFAULT {                     \
    .enabled = false,                           \
    .zero = false,                              \
    .stable = true,                             \
    .share = false,                             \
    .max_domains = CBPS_MAX_DOMAINS_DEFAULT,    \
    .rate = CBPS_RATE_DEFAULT,                  \
    .interval = CBPS_INTERVAL_DEFAULT,          \
    .pool_mb = CBPS_POOL_DEFAULT,               \
    .ungrouped_share = false,                   \
    .call_rate = CBPS_CALL_RATE_DEFAULT,        \
    .max_held = 0,                              \
    .test_delay = 0,                            \
}

void cbps_opts_default(struct cbps_opts *o);

/*
 * Parse "cbps=" into *o.  Each comma-separated item is applied on its own,
 * so one bad item leaves the others in force.  Returns 0, or -EINVAL with
 * a message about the first bad item in err.
 */
int cbps_opts_parse(struct cbps_opts *o, const char *s,
                    char *err, size_t errlen);

#endif /* __CBPS_OPTS_H__ */
