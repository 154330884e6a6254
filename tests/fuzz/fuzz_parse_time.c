/* tests/fuzz/fuzz_parse_time.c - libFuzzer target: lg_parse_time. A parsed
 * ISO time must re-parse identically with its trailing zone removed when it
 * is 'Z' (the same instant in Panther's zone-less form). */
#include "processor/sources/source.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int64_t ms;
    const char *s = (const char *)data;
    if (!lg_parse_time(s, size, &ms))
        return 0;
    if (size > 10 && s[size - 1] == 'Z' && s[4] == '-') {
        int64_t ms2;
        if (!lg_parse_time(s, size - 1, &ms2) || ms2 != ms)
            __builtin_trap();
    }
    return 0;
}
