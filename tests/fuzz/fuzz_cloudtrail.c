/* tests/fuzz/fuzz_cloudtrail.c - libFuzzer target: one cloudtrail message. */
#include "tests/fuzz/fuzz_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_source(LG_SRC_CLOUDTRAIL, data, size);
}
