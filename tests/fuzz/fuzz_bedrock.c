/* tests/fuzz/fuzz_bedrock.c - libFuzzer target: one bedrock message. */
#include "tests/fuzz/fuzz_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_source(LG_SRC_BEDROCK, data, size);
}
