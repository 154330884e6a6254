/* tests/unit/test_source_time.c - lg_parse_time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/sources/source.h"

#include <string.h>

static bool parse(const char *s, int64_t *ms) {
    return lg_parse_time(s, strlen(s), ms);
}

static void test_formats(void **state) {
    (void)state;
    struct {
        const char *s;
        int64_t ms;
    } ok[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2024-08-01T13:33:28Z", 1722519208000LL},
        {"2024-08-01T13:33:28.123Z", 1722519208123LL},
        {"2024-08-01T13:33:28.1234567Z", 1722519208123LL},
        {"2024-08-01T15:33:28+02:00", 1722519208000LL},
        {"2024-08-01T08:33:28-0500", 1722519208000LL},
        {"2024-08-01 13:33:28", 1722519208000LL},
        {"2024-08-01 13:33:28.000000000", 1722519208000LL},
        {"2022-03-22 14:21:53.225", 1647958913225LL},
        {"2021-05-20 15:53:47Z", 1621526027000LL},
        {"2000-02-29T00:00:00Z", 951782400000LL},
        {"1969-12-31T23:59:59Z", -1000},
        {"2100-03-01T00:00:00Z", 4107542400000LL},
        {"1711292499390", 1711292499390LL},
        {"1711292499", 1711292499000LL},
        {"1711292499.5", 1711292499500LL},
        {"  2024-08-01T13:33:28Z ", 1722519208000LL},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t ms = 42;
        if (!parse(ok[i].s, &ms))
            fail_msg("rejected %s", ok[i].s);
        if (ms != ok[i].ms)
            fail_msg("%s -> %lld, want %lld", ok[i].s, (long long)ms, (long long)ok[i].ms);
    }
}

static void test_rejects(void **state) {
    (void)state;
    const char *bad[] = {"",
                         "redacted",
                         "...",
                         "Aug 1, 2024 1:33:28 PM",
                         "2024-12-17 00:00:00000000",
                         "2023-02-29T00:00:00Z",
                         "2024-13-01T00:00:00Z",
                         "2024-01-01T24:00:00Z",
                         "2024-01-01T00:00:00.Z",
                         "2024-01-01T00:00:00Zjunk",
                         "2024-01-01T00:00:00+2",
                         "2024-01-01",
                         "2024-01-01X00:00:00",
                         "12345678901234567890",
                         "-5",
                         "1.",
                         "2024-1-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms;
        if (parse(bad[i], &ms))
            fail_msg("accepted %s", bad[i]);
    }
    int64_t ms;
    assert_false(lg_parse_time(NULL, 0, &ms));
    /* Not NUL-terminated: only n bytes are read. */
    assert_true(lg_parse_time("2024-08-01T13:33:28Zgarbage", 20, &ms));
    assert_int_equal(ms, 1722519208000LL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
