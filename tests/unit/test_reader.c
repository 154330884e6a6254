/* tests/unit/test_reader.c - message framing of lg_reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "processor/sources/reader.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static char *dir;
static char path[512];
static char got[1 << 16]; /* "<line>:<msg>\n" per message */

static int setup(void **state) {
    (void)state;
    dir = tu_tmpdir("lg-reader");
    return dir ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static void write_file(const char *name, const char *data, size_t n, bool gz) {
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (gz) {
        gzFile g = gzopen(path, "wb");
        assert_non_null(g);
        assert_int_equal(gzwrite(g, data, (unsigned)n), (int)n);
        gzclose(g);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, n, f), n);
        fclose(f);
    }
}

/* Reads every message of path into got; returns the count. */
static int read_all(void) {
    char err[256];
    lg_reader *r = lg_reader_open(path, err, sizeof err);
    assert_non_null(r);
    const char *m;
    size_t n, o = 0;
    int64_t line;
    int count = 0, rc;
    got[0] = '\0';
    while ((rc = lg_reader_next(r, &m, &n, &line, err, sizeof err)) == 1) {
        count++;
        o += (size_t)snprintf(got + o, sizeof got - o, "%lld:%.*s\n", (long long)line, (int)n, m);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(lg_reader_next(r, &m, &n, &line, err, sizeof err), 0);
    lg_reader_close(r);
    return count;
}

static void check(const char *name, const char *data, bool gz, int want_count, const char *want) {
    write_file(name, data, strlen(data), gz);
    int n = read_all();
    if (n != want_count || strcmp(got, want) != 0)
        fail_msg("%s: got %d messages:\n%s\nwant %d:\n%s", name, n, got, want_count, want);
}

static void test_jsonl(void **state) {
    (void)state;
    check("a.jsonl", "{\"a\":1}\n{\"b\":2}\n", false, 2, "1:{\"a\":1}\n2:{\"b\":2}\n");
    check("crlf.jsonl", "{\"a\":1}\r\n\r\n  \r\n{\"b\":2}\r\n", false, 2,
          "1:{\"a\":1}\n4:{\"b\":2}\n");
    check("nofinal.jsonl", "{\"a\":1}\n{\"b\":2}", false, 2, "1:{\"a\":1}\n2:{\"b\":2}\n");
    check("bom.jsonl", "\xEF\xBB\xBF{\"a\":1}\n\n{\"b\":\"}{\\\"\"}\n", false, 2,
          "1:{\"a\":1}\n3:{\"b\":\"}{\\\"\"}\n");
    check("leading-blank.jsonl", "\n\n{\"a\":1}\n", false, 1, "3:{\"a\":1}\n");
    check("junk.jsonl", "not json\n{\"a\":1}\n", false, 2, "1:not json\n2:{\"a\":1}\n");
    check("empty.jsonl", "", false, 0, "");
    check("blank.jsonl", " \n\r\n", false, 0, "");
    check("gz.jsonl.gz", "{\"a\":1}\n{\"b\":2}\n", true, 2, "1:{\"a\":1}\n2:{\"b\":2}\n");
}

/* JSON lines whose FIRST line is broken (truncated) must stay JSON lines:
 * the broken line is one bad message and nothing after it is swallowed. */
static void test_jsonl_broken_first_line(void **state) {
    (void)state;
    check("broken.jsonl", "{\"a\":\"trunc\n{\"b\":2}\n{\"c\":3}\n", false, 3,
          "1:{\"a\":\"trunc\n2:{\"b\":2}\n3:{\"c\":3}\n");
}

static void test_whole(void **state) {
    (void)state;
    check("arr.json", "\n[\n  {\"a\": 1},\n  {\"b\": 2}\n]\n", false, 1,
          "2:[\n  {\"a\": 1},\n  {\"b\": 2}\n]\n");
    check("arr.json.gz", "\xEF\xBB\xBF[{\"a\":1}]", true, 1, "1:[{\"a\":1}]\n");
    check("records.json", "{\n \"Records\": [\n  {\"a\": 1}\n ]\n}\n", false, 1,
          "1:{\n \"Records\": [\n  {\"a\": 1}\n ]\n}\n");
    check("records1.json", "{\"Records\":[{\"a\":1},{\"b\":2}]}", false, 1,
          "1:{\"Records\":[{\"a\":1},{\"b\":2}]}\n");
    check("pretty2.json", "{\n \"a\": \"}\"\n}\n{\n \"b\": 2\n}\n", false, 2,
          "1:{\n \"a\": \"}\"\n}\n4:{\n \"b\": 2\n}\n");
    check("truncated.json", "{\n \"a\": 1\n", false, 1, "1:{\n \"a\": 1\n");
}

static void test_long_lines_stream(void **state) {
    (void)state;
    /* Lines longer than the read chunk, many of them: buffer growth and
     * compaction. */
    size_t per = 200000, lines = 12;
    char *data = malloc(per * lines + 1);
    assert_non_null(data);
    size_t o = 0;
    for (size_t l = 0; l < lines; l++) {
        o += (size_t)sprintf(data + o, "{\"n\":%zu,\"p\":\"", l);
        size_t fill = per - 20;
        memset(data + o, 'x', fill);
        o += fill;
        o += (size_t)sprintf(data + o, "\"}\n");
    }
    write_file("long.jsonl.gz", data, o, true);
    char err[256];
    lg_reader *r = lg_reader_open(path, err, sizeof err);
    assert_non_null(r);
    const char *m;
    size_t n;
    int64_t line;
    size_t count = 0;
    while (lg_reader_next(r, &m, &n, &line, err, sizeof err) == 1) {
        char want[32];
        int wn = snprintf(want, sizeof want, "{\"n\":%zu,", count);
        assert_memory_equal(m, want, (size_t)wn);
        assert_int_equal(m[n - 1], '}');
        assert_int_equal(line, (int64_t)count + 1);
        count++;
    }
    assert_int_equal(count, lines);
    lg_reader_close(r);
    free(data);
}

static void test_errors(void **state) {
    (void)state;
    char err[256] = "";
    snprintf(path, sizeof path, "%s/does-not-exist", dir);
    assert_null(lg_reader_open(path, err, sizeof err));
    assert_non_null(strstr(err, "does-not-exist"));
    /* A corrupt gzip stream is a read error, not a crash. */
    write_file("bad.gz", "\x1f\x8b\x08\x00garbagegarbagegarbage", 25, false);
    lg_reader *r = lg_reader_open(path, err, sizeof err);
    assert_non_null(r);
    const char *m;
    size_t n;
    int64_t line;
    int rc;
    while ((rc = lg_reader_next(r, &m, &n, &line, err, sizeof err)) == 1)
        ;
    assert_int_equal(rc, -1);
    lg_reader_close(r);
    lg_reader_close(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jsonl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_broken_first_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_lines_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
