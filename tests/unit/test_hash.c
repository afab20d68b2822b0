/* Unit tests for page hashing, hypervisor/cbps/hash.c. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "hash.h"

static uint8_t page[4096];

static void test_xxh64_vectors(void)
{
    unsigned int i;

    /* Outputs of the reference implementation (python3-xxhash). */
    CHECK(cbps_xxh64("", 0, 0) == 0xef46db3751d8e999ULL);
    CHECK(cbps_xxh64("a", 1, 0) == 0xd24ec4f1a98c6e5bULL);
    CHECK(cbps_xxh64("abc", 3, 0) == 0x44bc2cf5ad770999ULL);
    memset(page, 0, sizeof(page));
    CHECK(cbps_hash_page(page, 0) == 0xac869b6f32d8bbdbULL);
    for ( i = 0; i < sizeof(page); i++ )
        page[i] = i & 0xff;
    CHECK(cbps_hash_page(page, 0) == 0x0f6e64be186af6a4ULL);
}

static void test_sfh(void)
{
    static const char s[] = "hello, world";
    size_t n;

    CHECK(cbps_sfh("", 0) == 0);
    /* Every tail length (len & 3) runs, and the length matters. */
    for ( n = 1; n < sizeof(s); n++ )
        CHECK(cbps_sfh(s, n) != cbps_sfh(s, n - 1));
    CHECK(cbps_sfh(s, 5) == cbps_sfh("hello", 5));
}

static void test_sensitivity(void)
{
    uint64_t base;
    unsigned int i, same = 0;

    memset(page, 0x5a, sizeof(page));
    base = cbps_hash_page(page, 0);
    /* Any one flipped bit, anywhere in the page, changes the hash. */
    for ( i = 0; i < sizeof(page) * 8; i += 7 )
    {
        page[i / 8] ^= 1u << (i % 8);
        same += cbps_hash_page(page, 0) == base;
        page[i / 8] ^= 1u << (i % 8);
    }
    CHECK(same == 0);
    CHECK(cbps_hash_page(page, 0) == base);
}

static void test_zero(void)
{
    memset(page, 0, sizeof(page));
    CHECK(cbps_page_is_zero(page));
    page[4095] = 1;
    CHECK(!cbps_page_is_zero(page));
    page[4095] = 0;
    page[0] = 0x80;
    CHECK(!cbps_page_is_zero(page));
}

int main(void)
{
    test_xxh64_vectors();
    test_sfh();
    test_sensitivity();
    test_zero();
    return check_report("hash");
}
