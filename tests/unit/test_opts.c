/* Unit tests for the cbps= option parser, hypervisor/cbps/opts.c. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "opts.h"

static char err[96];

static int parse(struct cbps_opts *o, const char *s)
{
    cbps_opts_default(o);
    return cbps_opts_parse(o, s, err, sizeof(err));
}

static void test_booleans(void)
{
    static const char *const on[] = { "on", "1", "yes", "true", "enable" };
    static const char *const off[] = { "off", "0", "no", "false", "disable" };
    struct cbps_opts o;
    unsigned int i;

    cbps_opts_default(&o);
    CHECK(!o.enabled);
    CHECK(o.max_domains == CBPS_MAX_DOMAINS_DEFAULT);

    for ( i = 0; i < sizeof(on) / sizeof(on[0]); i++ )
    {
        CHECK(parse(&o, on[i]) == 0);
        CHECK(o.enabled);
        CHECK(err[0] == '\0');
    }
    for ( i = 0; i < sizeof(off) / sizeof(off[0]); i++ )
    {
        CHECK(parse(&o, off[i]) == 0);
        CHECK(!o.enabled);
    }
    /* The last boolean wins, as elsewhere on Xen's command line. */
    CHECK(parse(&o, "on,off") == 0 && !o.enabled);
}

static void test_max_domains(void)
{
    struct cbps_opts o;

    CHECK(parse(&o, "on,max-domains=3") == 0);
    CHECK(o.enabled && o.max_domains == 3);
    CHECK(parse(&o, "max-domains=1024,on") == 0);
    CHECK(o.enabled && o.max_domains == 1024);
    CHECK(parse(&o, "max-domains=1") == 0 && o.max_domains == 1);

    /* Sub-options alone do not turn cbps on. */
    CHECK(parse(&o, "max-domains=5") == 0);
    CHECK(!o.enabled && o.max_domains == 5);
}

static void test_bad_values(void)
{
    static const char *const bad[] = {
        "on,max-domains=0", "on,max-domains=1025", "on,max-domains=",
        "on,max-domains=12x", "on,max-domains=-1", "on,max-domains= 4",
        "on,max-domains=0x10",
        /* Would wrap to 1 in Xen's simple_strtoul(). */
        "on,max-domains=18446744073709551617",
        "on,max-domains=0000000004",
    };
    struct cbps_opts o;
    unsigned int i;

    for ( i = 0; i < sizeof(bad) / sizeof(bad[0]); i++ )
    {
        CHECK(parse(&o, bad[i]) == -EINVAL);
        /* The bad item is ignored, the good one still applies. */
        CHECK(o.enabled);
        CHECK(o.max_domains == CBPS_MAX_DOMAINS_DEFAULT);
        CHECK(strstr(err, "max-domains needs a number from 1 to 1024"));
    }
}

static void test_unknown_and_empty(void)
{
    struct cbps_opts o;

    CHECK(parse(&o, "on,frobnicate") == -EINVAL);
    CHECK(o.enabled);
    CHECK(strcmp(err, "unknown option 'frobnicate'") == 0);

    CHECK(parse(&o, "maybe") == -EINVAL && !o.enabled);
    CHECK(strcmp(err, "unknown option 'maybe'") == 0);

    CHECK(parse(&o, "") == -EINVAL);
    CHECK(strstr(err, "empty item") != NULL);
    CHECK(parse(&o, "on,") == -EINVAL && o.enabled);
    CHECK(parse(&o, ",on") == -EINVAL && o.enabled);

    /* Only the first error is reported. */
    CHECK(parse(&o, "a,b,max-domains=9") == -EINVAL);
    CHECK(strcmp(err, "unknown option 'a'") == 0);
    CHECK(o.max_domains == 9);

    /* A prefix of a real option is not that option. */
    CHECK(parse(&o, "on,max-domains") == -EINVAL);
    CHECK(parse(&o, "on,max-domains-x=3") == -EINVAL);
    CHECK(o.max_domains == CBPS_MAX_DOMAINS_DEFAULT);
}

static void test_scan_options(void)
{
    struct cbps_opts o;

    cbps_opts_default(&o);
    CHECK(o.rate == CBPS_RATE_DEFAULT && o.interval == CBPS_INTERVAL_DEFAULT);
    CHECK(!o.zero && o.stable && !o.share);

    CHECK(parse(&o, "on,rate=50000,interval=250,zero=on,stable=off") == 0);
    CHECK(o.rate == 50000 && o.interval == 250 && o.zero && !o.stable);
    CHECK(parse(&o, "on,share=on") == 0 && o.share);
    CHECK(parse(&o, "on,share=maybe") == -EINVAL && !o.share);
    CHECK(parse(&o, "rate=0,interval=0") == 0);
    CHECK(o.rate == 0 && o.interval == 0);
    CHECK(parse(&o, "rate=10000000,interval=3600000") == 0);

    CHECK(parse(&o, "on,rate=10000001") == -EINVAL);
    CHECK(o.rate == CBPS_RATE_DEFAULT);
    CHECK(strcmp(err, "rate needs a number from 0 to 10000000, not "
                 "'rate=10000001'") == 0);
    CHECK(parse(&o, "on,interval=3600001") == -EINVAL);
    CHECK(o.interval == CBPS_INTERVAL_DEFAULT);
    CHECK(parse(&o, "on,zero=maybe") == -EINVAL && !o.zero);
    CHECK(strcmp(err, "zero needs a boolean, not 'zero=maybe'") == 0);
    CHECK(parse(&o, "on,stable=") == -EINVAL && o.stable);
    CHECK(parse(&o, "on,zero") == -EINVAL);     /* needs =<bool> */
    CHECK(parse(&o, "on,rates=5") == -EINVAL && o.rate == CBPS_RATE_DEFAULT);
}

static void test_pool_option(void)
{
    struct cbps_opts o;

    cbps_opts_default(&o);
    CHECK(o.pool_mb == CBPS_POOL_DEFAULT);
    CHECK(parse(&o, "on,share=on,pool=128M") == 0 && o.pool_mb == 128);
    CHECK(parse(&o, "pool=2") == 0 && o.pool_mb == 2);
    CHECK(parse(&o, "pool=1G") == 0 && o.pool_mb == 1024);
    CHECK(parse(&o, "pool=1g") == 0 && o.pool_mb == 1024);
    CHECK(parse(&o, "pool=512m") == 0 && o.pool_mb == 512);

    /* Not a power of two, too small, too big, no number, bad unit. */
    CHECK(parse(&o, "pool=96M") == -EINVAL && o.pool_mb == CBPS_POOL_DEFAULT);
    CHECK(strcmp(err, "pool needs a power of two from 2M to 1G, not "
                 "'pool=96M'") == 0);
    CHECK(parse(&o, "pool=1M") == -EINVAL);
    CHECK(parse(&o, "pool=2G") == -EINVAL);
    CHECK(parse(&o, "pool=2048") == -EINVAL);
    CHECK(parse(&o, "pool=4194304G") == -EINVAL);
    CHECK(parse(&o, "pool=M") == -EINVAL);
    CHECK(parse(&o, "pool=") == -EINVAL);
    CHECK(parse(&o, "pool=64K") == -EINVAL);
    CHECK(parse(&o, "pool=64MB") == -EINVAL);
    CHECK(o.pool_mb == CBPS_POOL_DEFAULT);
}

static void test_isolation_options(void)
{
    struct cbps_opts o;

    /* Safe by default: ungrouped domains share with nobody. */
    cbps_opts_default(&o);
    CHECK(!o.ungrouped_share);
    CHECK(o.call_rate == CBPS_CALL_RATE_DEFAULT && o.max_held == 0);

    CHECK(parse(&o, "on,share=on,ungrouped=share") == 0 && o.ungrouped_share);
    CHECK(parse(&o, "ungrouped=share,ungrouped=isolate") == 0);
    CHECK(!o.ungrouped_share);

    /* Only the two words: a boolean would leave its meaning to guess. */
    CHECK(parse(&o, "on,ungrouped=on") == -EINVAL && !o.ungrouped_share);
    CHECK(strcmp(err, "ungrouped needs share or isolate, not "
                 "'ungrouped=on'") == 0);
    CHECK(parse(&o, "ungrouped=shared") == -EINVAL && !o.ungrouped_share);
    CHECK(parse(&o, "ungrouped=shar") == -EINVAL && !o.ungrouped_share);
    CHECK(parse(&o, "ungrouped=") == -EINVAL);
    CHECK(parse(&o, "ungrouped") == -EINVAL);

    CHECK(parse(&o, "call-rate=0,max-held=4096") == 0);
    CHECK(o.call_rate == 0 && o.max_held == 4096);
    CHECK(parse(&o, "call-rate=10000000,max-held=268435456") == 0);
    CHECK(o.call_rate == 10000000 && o.max_held == 268435456);
    CHECK(parse(&o, "call-rate=10000001") == -EINVAL);
    CHECK(o.call_rate == CBPS_CALL_RATE_DEFAULT);
    CHECK(parse(&o, "max-held=268435457") == -EINVAL && o.max_held == 0);
    CHECK(strcmp(err, "max-held needs a number from 0 to 268435456, not "
                 "'max-held=268435457'") == 0);
    CHECK(parse(&o, "max-held=-1") == -EINVAL && o.max_held == 0);
}

static void test_small_error_buffer(void)
{
    struct cbps_opts o;
    char tiny[8];

    cbps_opts_default(&o);
    memset(tiny, 'x', sizeof(tiny));
    CHECK(cbps_opts_parse(&o, "on,a-very-long-unknown-option", tiny,
                          sizeof(tiny)) == -EINVAL);
    CHECK(tiny[sizeof(tiny) - 1] == '\0');
    CHECK(cbps_opts_parse(&o, "bogus", tiny, 0) == -EINVAL);
}

int main(void)
{
    test_booleans();
    test_max_domains();
    test_bad_values();
    test_unknown_and_empty();
    test_scan_options();
    test_pool_option();
    test_isolation_options();
    test_small_error_buffer();
    return check_report("opts");
}
