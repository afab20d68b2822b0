/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * opts.c: parse the cbps= Xen command line option.
 *
 *   cbps=<bool>[,max-domains=<n>]
 *
 * Only an explicit boolean turns cbps on: sub-options alone leave it off,
 * as with Xen's other feature flags.  This file uses nothing but Xen's
 * string helpers, so the host unit tests build the same file.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/string.h>
#include <xen/stringify.h>

#include "opts.h"

void cbps_opts_default(struct cbps_opts *o)
{
    o->enabled = false;
    o->max_domains = CBPS_MAX_DOMAINS_DEFAULT;
}

/* Parse a decimal in [min, max] from s up to e; false when it is not one. */
static bool parse_uint(const char *s, const char *e, unsigned long min,
                       unsigned long max, unsigned int *out)
{
    const char *q;
    unsigned long v;

    /*
     * Xen's simple_strtoul() wraps silently on overflow: refuse anything
     * long enough to overflow instead of taking the wrapped value.
     */
    if ( s == e || e - s > 9 || *s < '0' || *s > '9' )
        return false;
    v = simple_strtoul(s, &q, 10);
    if ( q != e || v < min || v > max )
        return false;
    *out = v;
    return true;
}

static void set_err(char *err, size_t errlen, int *rc, const char *what,
                    const char *s, const char *e)
{
    /* Only the first error is reported: it is usually the cause. */
    if ( *rc )
        return;
    *rc = -EINVAL;
    snprintf(err, errlen, "%s '%.*s'", what, (int)(e - s), s);
}

int cbps_opts_parse(struct cbps_opts *o, const char *s,
                    char *err, size_t errlen)
{
    static const char md[] = "max-domains=";
    const char *ss;
    int val, rc = 0;

    if ( errlen )
        err[0] = '\0';

    do {
        ss = strchr(s, ',');
        if ( !ss )
            ss = strchr(s, '\0');

        if ( ss == s )
            set_err(err, errlen, &rc, "empty item in", s, ss);
        else if ( (val = parse_bool(s, ss)) >= 0 )
            o->enabled = val;
        else if ( (size_t)(ss - s) >= sizeof(md) - 1 &&
                  !strncmp(s, md, sizeof(md) - 1) )
        {
            if ( !parse_uint(s + sizeof(md) - 1, ss, 1,
                             CBPS_MAX_DOMAINS_LIMIT, &o->max_domains) )
                set_err(err, errlen, &rc,
                        "max-domains needs a number from 1 to "
                        __stringify(CBPS_MAX_DOMAINS_LIMIT) ", not", s, ss);
        }
        else
            set_err(err, errlen, &rc, "unknown option", s, ss);

        s = ss + 1;
    } while ( *ss );

    return rc;
}
