/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * opts.c: parse the cbps= Xen command line option.
 *
 *   cbps=<bool>[,max-domains=<n>][,rate=<n>][,interval=<ms>]
 *        [,zero=<bool>][,stable=<bool>][,share=<bool>][,pool=<size>]
 *        [,ungrouped=share|isolate][,call-rate=<n>][,max-held=<n>]
 *        [,test-delay=<ms>]
 *
 * Only an explicit boolean turns cbps on: sub-options alone leave it off,
 * as with Xen's other feature flags.  This file uses nothing but Xen's
 * string helpers, so the host unit tests build the same file.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/string.h>

#include "opts.h"

void cbps_opts_default(struct cbps_opts *o)
{
    static const struct cbps_opts defaults = CBPS_OPTS_DEFAULT;

    *o = defaults;
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

/*
 * A pool size: <n>M or <n>G (M when no unit), a power of two from
 * CBPS_POOL_MIN to CBPS_POOL_MAX MiB, so that the pool's M2P entries
 * fill whole pages of one L1 table (pool.c).
 */
static bool parse_pool(const char *s, const char *e, unsigned int *mb)
{
    unsigned int v, shift = 0;

    if ( e > s && (e[-1] == 'M' || e[-1] == 'm') )
        e--;
    else if ( e > s && (e[-1] == 'G' || e[-1] == 'g') )
    {
        e--;
        shift = 10;
    }
    if ( !parse_uint(s, e, 1, CBPS_POOL_MAX, &v) || (v << shift) < v )
        return false;
    v <<= shift;
    if ( v < CBPS_POOL_MIN || v > CBPS_POOL_MAX || (v & (v - 1)) )
        return false;
    *mb = v;
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

static const struct {
    const char *name;
    unsigned int min, max;
    size_t offset;
} uint_opts[] = {
    { "max-domains", 1, CBPS_MAX_DOMAINS_LIMIT,
      offsetof(struct cbps_opts, max_domains) },
    { "rate", 0, CBPS_RATE_LIMIT, offsetof(struct cbps_opts, rate) },
    { "interval", 0, CBPS_INTERVAL_LIMIT,
      offsetof(struct cbps_opts, interval) },
    { "call-rate", 0, CBPS_CALL_RATE_LIMIT,
      offsetof(struct cbps_opts, call_rate) },
    { "max-held", 0, CBPS_MAX_HELD_LIMIT,
      offsetof(struct cbps_opts, max_held) },
    { "test-delay", 0, CBPS_TEST_DELAY_LIMIT,
      offsetof(struct cbps_opts, test_delay) },
};

static const struct {
    const char *name;
    size_t offset;
} bool_opts[] = {
    { "zero", offsetof(struct cbps_opts, zero) },
    { "stable", offsetof(struct cbps_opts, stable) },
    { "share", offsetof(struct cbps_opts, share) },
};

/* Does s..e start with "name="?  Then return where the value starts. */
static const char *value_of(const char *name, const char *s, const char *e)
{
    size_t n = strlen(name);

    if ( (size_t)(e - s) <= n || strncmp(s, name, n) || s[n] != '=' )
        return NULL;
    return s + n + 1;
}

static void parse_item(struct cbps_opts *o, const char *s, const char *e,
                       char *err, size_t errlen, int *rc)
{
    char msg[64];
    const char *v;
    unsigned int i;
    int b;

    if ( s == e )
    {
        set_err(err, errlen, rc, "empty item in", s, e);
        return;
    }
    if ( (b = parse_bool(s, e)) >= 0 )
    {
        o->enabled = b;
        return;
    }
    for ( i = 0; i < ARRAY_SIZE(uint_opts); i++ )
        if ( (v = value_of(uint_opts[i].name, s, e)) != NULL )
        {
            unsigned int *p = (void *)((char *)o + uint_opts[i].offset);

            if ( !parse_uint(v, e, uint_opts[i].min, uint_opts[i].max, p) )
            {
                snprintf(msg, sizeof(msg), "%s needs a number from %u to %u,"
                         " not", uint_opts[i].name, uint_opts[i].min,
                         uint_opts[i].max);
                set_err(err, errlen, rc, msg, s, e);
            }
            return;
        }
    if ( (v = value_of("pool", s, e)) != NULL )
    {
        if ( !parse_pool(v, e, &o->pool_mb) )
            set_err(err, errlen, rc,
                    "pool needs a power of two from 2M to 1G, not", s, e);
        return;
    }
    /* Words, not a boolean: which way "on" goes would be anyone's guess. */
    if ( (v = value_of("ungrouped", s, e)) != NULL )
    {
        if ( e - v == 5 && !strncmp(v, "share", 5) )
            o->ungrouped_share = true;
        else if ( e - v == 7 && !strncmp(v, "isolate", 7) )
            o->ungrouped_share = false;
        else
            set_err(err, errlen, rc, "ungrouped needs share or isolate, not",
                    s, e);
        return;
    }
    for ( i = 0; i < ARRAY_SIZE(bool_opts); i++ )
        if ( (v = value_of(bool_opts[i].name, s, e)) != NULL )
        {
            bool *p = (void *)((char *)o + bool_opts[i].offset);

            if ( (b = parse_bool(v, e)) < 0 )
            {
                snprintf(msg, sizeof(msg), "%s needs a boolean, not",
                         bool_opts[i].name);
                set_err(err, errlen, rc, msg, s, e);
            }
            else
                *p = b;
            return;
        }
    set_err(err, errlen, rc, "unknown option", s, e);
}

int cbps_opts_parse(struct cbps_opts *o, const char *s,
                    char *err, size_t errlen)
{
    const char *ss;
    int rc = 0;

    if ( errlen )
        err[0] = '\0';

    do {
        ss = strchr(s, ',');
        if ( !ss )
            ss = strchr(s, '\0');
        parse_item(o, s, ss, err, errlen, &rc);
        s = ss + 1;
    } while ( *ss );

    return rc;
}
