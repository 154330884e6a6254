/*
 * tests/unit/test_sink_file.c - the sink wrapper and the file transport:
 * JSON lines and pretty lines, dead letters, append mode, and that flushed
 * data is in the file (read through a separate descriptor) before the sink
 * is destroyed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "sinks/file/file_sink.h"
#include "sinks/json/json_encode.h"
#include "tests/testutil.h"
#include "tests/tools/derived_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *tmpdir;

static int setup(void **state) {
    (void)state;
    tmpdir = tu_tmpdir("lg-sink-file");
    return tmpdir ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(tmpdir);
    free(tmpdir);
    return 0;
}

static char *path_in_tmp(const char *name) {
    char *p = malloc(strlen(tmpdir) + strlen(name) + 2);
    sprintf(p, "%s/%s", tmpdir, name);
    return p;
}

static size_t count_lines(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_json_lines_durable_after_flush(void **state) {
    (void)state;
    char err[256] = "";
    char *path = path_in_tmp("out.jsonl");
    lg_sink *s = lg_sink_file_open(path, LG_SINK_FILE_JSON, err, sizeof(err));
    assert_non_null(s);
    assert_string_equal(lg_sink_name(s), "file");
    lg_strbuf want = LG_STRBUF_INIT;
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        lg_derived ev;
        df_sample(&ev, (lg_derived_type)t);
        assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
        assert_int_equal(lg_json_encode_derived(&ev, &want), 0);
        assert_int_equal(lg_strbuf_putc(&want, '\n'), 0);
    }
    lg_deadletter dl;
    df_deadletter(&dl, "garbage\n", 8);
    assert_int_equal(lg_sink_deadletter(s, &dl, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_json_encode_deadletter(&dl, &want), 0);
    assert_int_equal(lg_strbuf_putc(&want, '\n'), 0);
    assert_int_equal(lg_sink_flush(s, 1000, err, sizeof(err)), LG_SINK_OK);
    /* the sink is still open: flushed bytes must already be in the file */
    size_t len;
    char *got = tu_read_file(path, &len);
    assert_non_null(got);
    assert_int_equal(len, want.len);
    assert_string_equal(got, want.data);
    assert_int_equal(count_lines(got), LG_DERIVED_TYPE_COUNT + 1);
    free(got);
    lg_sink_destroy(s);

    /* reopening appends */
    s = lg_sink_file_open(path, LG_SINK_FILE_JSON, err, sizeof(err));
    assert_non_null(s);
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_flush(s, 1000, err, sizeof(err)), LG_SINK_OK);
    got = tu_read_file(path, &len);
    assert_int_equal(count_lines(got), LG_DERIVED_TYPE_COUNT + 2);
    assert_memory_equal(got, want.data, want.len);
    free(got);
    lg_sink_destroy(s);
    lg_strbuf_free(&want);
    free(path);
}

static void test_pretty_stream(void **state) {
    (void)state;
    char err[256] = "";
    char *path = path_in_tmp("pretty.txt");
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    lg_sink *s = lg_sink_file_stream(fp, LG_SINK_FILE_PRETTY, err, sizeof(err));
    assert_non_null(s);
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_PRIV_OWNERLESS);
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_OK);
    lg_deadletter dl;
    df_deadletter(&dl, "x", 1);
    assert_int_equal(lg_sink_deadletter(s, &dl, err, sizeof(err)), LG_SINK_OK);
    assert_int_equal(lg_sink_flush(s, 1000, err, sizeof(err)), LG_SINK_OK);
    lg_sink_destroy(s); /* borrowed stream: still open */
    assert_int_equal(fputs("tail\n", fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    size_t len;
    char *got = tu_read_file(path, &len);
    assert_non_null(got);
    assert_non_null(strstr(got, "  privileged_key.ownerless  AKIAEXAMPLE00000002  access_key"));
    assert_non_null(strstr(got, "\ndeadletter  cloudtrail  kafka:cloudtrail/3@42  not JSON\n"));
    assert_int_equal(count_lines(got), 3);
    free(got);
    free(path);
}

static void test_open_errors_and_formats(void **state) {
    (void)state;
    char err[256] = "";
    char *path = path_in_tmp("no/such/dir/out.jsonl");
    assert_null(lg_sink_file_open(path, LG_SINK_FILE_JSON, err, sizeof(err)));
    assert_non_null(strstr(err, "No such file or directory"));
    free(path);
    assert_int_equal(lg_sink_file_format_from_name("json"), LG_SINK_FILE_JSON);
    assert_int_equal(lg_sink_file_format_from_name("pretty"), LG_SINK_FILE_PRETTY);
    assert_int_equal(lg_sink_file_format_from_name("xml"), -1);
    lg_sink_destroy(NULL);
}

static void test_write_error_is_not_ok(void **state) {
    (void)state;
    char err[256] = "";
    FILE *fp = fopen("/dev/full", "w");
    if (!fp)
        skip();
    lg_sink *s = lg_sink_file_stream(fp, LG_SINK_FILE_JSON, err, sizeof(err));
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    lg_sink_result r = lg_sink_emit(s, &ev, err, sizeof(err));
    if (r == LG_SINK_OK) /* buffered: the error surfaces at flush */
        r = lg_sink_flush(s, 1000, err, sizeof(err));
    assert_int_equal(r, LG_SINK_RETRY); /* ENOSPC may clear up */
    assert_non_null(strstr(err, "No space left"));
    lg_sink_destroy(s);
    fclose(fp);
}

/* A sink implementation with only emit, to check the wrapper's defaults. */
static int fake_destroyed;
static lg_sink_result fake_emit(void *self, const lg_derived *ev, char *errstr, size_t size) {
    (void)ev, (void)errstr, (void)size;
    ++*(int *)self;
    return LG_SINK_DROP;
}
static void fake_destroy(void *self) {
    (void)self;
    fake_destroyed++;
}
static const lg_sink_ops fake_ops = {.name = "fake", .emit = fake_emit, .destroy = fake_destroy};

static void test_wrapper(void **state) {
    (void)state;
    int calls = 0;
    char err[256] = "";
    lg_sink *s = lg_sink_new(&fake_ops, &calls);
    assert_non_null(s);
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    assert_int_equal(lg_sink_emit(s, &ev, err, sizeof(err)), LG_SINK_DROP);
    assert_int_equal(calls, 1);
    lg_deadletter dl;
    df_deadletter(&dl, "x", 1);
    assert_int_equal(lg_sink_deadletter(s, &dl, err, sizeof(err)), LG_SINK_FATAL);
    assert_string_equal(err, "sink fake: deadletter not supported");
    assert_int_equal(lg_sink_flush(s, 10, err, sizeof(err)), LG_SINK_OK);
    assert_ptr_equal(lg_sink_impl(s, &fake_ops), &calls);
    assert_null(lg_sink_impl(s, NULL));
    lg_sink_destroy(s);
    assert_int_equal(fake_destroyed, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_lines_durable_after_flush),
        cmocka_unit_test(test_pretty_stream),
        cmocka_unit_test(test_open_errors_and_formats),
        cmocka_unit_test(test_write_error_is_not_ok),
        cmocka_unit_test(test_wrapper),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
