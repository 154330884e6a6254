/* tests/fuzz/fuzz_okta.c - libFuzzer target: one okta message. */
#include "tests/fuzz/fuzz_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_source(LG_SRC_OKTA, data, size);
}
