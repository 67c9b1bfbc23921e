// Invariant checks inside fuzz targets: abort (which libFuzzer reports as a crash with the
// input) whether or not NDEBUG is defined.
#pragma once

#include <cstdio>
#include <cstdlib>

#define DDNS_FUZZ_CHECK(condition)                                                                 \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)
