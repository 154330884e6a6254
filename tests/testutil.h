/*
 * tests/testutil.h - helpers shared by the cmocka tests.
 * Ownership: functions returning char* return malloc'd memory the caller
 * frees with free().
 */
#ifndef LG_TESTUTIL_H
#define LG_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Reads a whole file; NULL on error. *len gets the size (a NUL is appended). */
char *tu_read_file(const char *path, size_t *len);

/** Path of a shared sample: LG_SAMPLES_DIR "/" rel. Static buffer per call
 *  site is not used: returns malloc'd. */
char *tu_sample_path(const char *rel);

/** Creates a fresh empty temporary directory; returns its malloc'd path. */
char *tu_tmpdir(const char *prefix);

/** Removes a directory tree (rm -rf). */
void tu_rmtree(const char *path);

/** Monotonic milliseconds. */
int64_t tu_now_ms(void);

/** Polls cond(arg) every few ms until it returns true or timeout_ms passes.
 *  Returns the last value of cond. */
bool tu_poll(bool (*cond)(void *arg), void *arg, int timeout_ms);

#endif
