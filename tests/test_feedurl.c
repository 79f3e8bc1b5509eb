/* test_feedurl.c — feed URLs as the layout loader checks them (feed_check,
 * every back end's check) and as logs, reports and errors show them
 * (feed_url_redact). Each URL is copied into a heap block of exactly its
 * size, so under AddressSanitizer a check that reads past the end (as
 * nats_check did on a bare "nats:") fails the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"

static const struct {
    const char *url;
    bool        ok;
} check_cases[] = {
    { "nats:", false },
    { "nats:/", false },
    { "nats://", false },
    { "nats://:4222", false },
    { "nats://h", true },
    { "nats://h/", true },
    { "nats://127.0.0.1:4222", true },
    { "nats://h:0", false },
    { "nats://h:65536", false },
    { "nats://h:12a", false },
    { "nats://h:", false },
    { "nats://user:pass@h:4222", true },
    { "nats://token@h", true },
    { "nats://@h", true },
    { "nats://[::1]:4222", true },
    { "nats://[::1", false },
    { "nats://a:4222,nats://b:4222", false },
    { "nats://h/subject", false },
    { "nats://h h", false },
    { "ws:", false },
    { "ws://", false },
    { "wss:", false },
    { "ws://h:1/p", true },
    { "ws://u:p@h/", false },
    { "demo:", true },
    { "demo", false },
    { ":", false },
    { "", false },
};

static void test_check(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof check_cases / sizeof check_cases[0]; i++) {
        size_t n = strlen(check_cases[i].url) + 1;
        char *url = malloc(n);                  /* exactly its size: overreads are caught */
        assert_non_null(url);
        memcpy(url, check_cases[i].url, n);
        feed_conf_t c = { .id = "main", .url = url };
        char err[256] = "";
        int rc = feed_check(&c, err, sizeof err);
        if ((rc == 0) != check_cases[i].ok)
            fail_msg("%s: feed_check %d (%s), want %s", check_cases[i].url, rc, err,
                     check_cases[i].ok ? "ok" : "an error");
        if (rc != 0)
            assert_true(err[0] != '\0');
        free(url);
    }
}

/* Error messages about a URL with credentials never show them. */
static void test_errors_redacted(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "nats://user:s3cret@h:bad", "nats://user:s3cret@h/path", "nats://s3cret@h:0",
        "nats://user:s3cret@h:1,nats://user:s3cret@g:2", "ws://user:s3cret@h/", "wss://s3cret@h:99999/",
        "http://user:s3cret@h/", "https://s3cret@h:99999/x", "postgresql://user:s3cret@h/db",
        "postgresql://user:s3cret@h:x/db", "mysql://user:s3cret@h/db", "mysql://user:s3cret@h:0/db",
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        feed_conf_t c = { .id = "main", .url = (char *)urls[i] };
        char err[256] = "";
        assert_int_equal(feed_check(&c, err, sizeof err), -1);
        if (strstr(err, "s3cret"))
            fail_msg("%s: the error shows the secret: %s", urls[i], err);
    }
}

static void test_redact(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        { "nats://user:pass@host:4222", "nats://***@host:4222" },
        { "nats://token@host", "nats://***@host" },
        { "nats://host:4222", "nats://host:4222" },
        { "nats://a:b@h1:1,nats://c:d@h2:2", "nats://***@h1:1,nats://***@h2:2" },
        { "nats://u:p@w@host", "nats://***@host" },
        { "ws://host/path?x=a@b", "ws://host/path?x=a@b" },
        { "wss://u:p@host/p@q", "wss://***@host/p@q" },
        { "demo:", "demo:" },
        { "", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[128];
        assert_string_equal(feed_url_redact(cases[i].in, out, sizeof out), cases[i].out);
    }
    char tiny[8];
    assert_string_equal(feed_url_redact("nats://user:pass@host", tiny, sizeof tiny), "nats://");
    assert_string_equal(feed_url_redact(NULL, tiny, sizeof tiny), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_errors_redacted),
        cmocka_unit_test(test_redact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
