/*
 * tests/unit/test_encode_avro.c - Avro encoder: every derived type and the
 * dead letter are encoded, decoded back with libavro AND with an independent
 * implementation (Python fastavro, installed into a venv under the build
 * dir by tests/tools/avro_venv.sh), and the schema fingerprints are checked
 * against fastavro and against the Avro specification's test vector.
 * When the venv cannot be made (no Python, index unreachable) the fastavro
 * tests are SKIPPED with a message, never silently passed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "sinks/avro/avro_encode.h"
#include "sinks/avro/fingerprint.h"
#include "tests/testutil.h"
#include "tests/tools/derived_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    lg_avro_encoder *enc;
    char *tmpdir;
} fixture;

static char *python; /* venv python, or NULL when unavailable */
static const char *python_why = "not tried";

/* Runs cmd, returns its stdout (malloc'd, trailing newline stripped) or NULL
 * when it fails. */
static char *run_capture(const char *cmd) {
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    lg_strbuf out = LG_STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
        assert_int_equal(lg_strbuf_append(&out, buf, n), 0);
    int st = pclose(p);
    if (st != 0 || !out.data) {
        lg_strbuf_free(&out);
        return NULL;
    }
    while (out.len && out.data[out.len - 1] == '\n')
        out.data[--out.len] = '\0';
    return out.data;
}

static int group_setup(void **state) {
    (void)state;
    python = run_capture("bash " LG_SOURCE_DIR "/tests/tools/avro_venv.sh " LG_BINARY_DIR
                         "/pyvenv-avro");
    if (!python)
        python_why = "tests/tools/avro_venv.sh failed (python3/pip/PyPI unreachable?)";
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    free(python);
    return 0;
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    char err[256] = "";
    f->enc = lg_avro_encoder_new(err, sizeof(err));
    if (!f->enc) {
        fprintf(stderr, "encoder: %s\n", err);
        return -1;
    }
    f->tmpdir = tu_tmpdir("lg-avro");
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    lg_avro_encoder_destroy(f->enc);
    tu_rmtree(f->tmpdir);
    free(f->tmpdir);
    free(f);
    return 0;
}

static void require_python(void) {
    if (!python) {
        printf("SKIP fastavro checks: %s\n", python_why);
        skip();
    }
}

static void write_file(const char *path, const void *p, size_t n) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* Decodes data with fastavro using schema `which`; returns the JSON text. */
static char *fastavro_decode(fixture *f, int which, const void *data, size_t len) {
    char schema[512], bin[512], cmd[2048];
    size_t slen;
    const char *json = lg_avro_schema_json(which, &slen);
    assert_non_null(json);
    snprintf(schema, sizeof(schema), "%s/schema-%d.avsc", f->tmpdir, which);
    snprintf(bin, sizeof(bin), "%s/datum-%d.bin", f->tmpdir, which);
    write_file(schema, json, slen);
    write_file(bin, data, len);
    snprintf(cmd, sizeof(cmd), "%s %s/tests/tools/avro_decode.py decode %s %s", python,
             LG_SOURCE_DIR, schema, bin);
    char *out = run_capture(cmd);
    assert_non_null(out);
    return out;
}

/* Reads data back with libavro into a generic value of schema `which`. */
static void libavro_decode(fixture *f, int which, const void *data, size_t len,
                           avro_value_iface_t **iface, avro_value_t *v) {
    *iface = avro_generic_class_from_schema(lg_avro_encoder_schema(f->enc, which));
    assert_non_null(*iface);
    assert_int_equal(avro_generic_value_new(*iface, v), 0);
    avro_reader_t r = avro_reader_memory(data, (int64_t)len);
    assert_int_equal(avro_value_read(r, v), 0);
    avro_reader_free(r);
}

static const char *get_str(avro_value_t *rec, const char *name) {
    avro_value_t fv;
    const char *s = NULL;
    size_t n;
    assert_int_equal(avro_value_get_by_name(rec, name, &fv, NULL), 0);
    if (avro_value_get_type(&fv) == AVRO_UNION) {
        int disc;
        avro_value_t b;
        assert_int_equal(avro_value_get_discriminant(&fv, &disc), 0);
        if (disc == 0)
            return NULL;
        assert_int_equal(avro_value_get_current_branch(&fv, &b), 0);
        fv = b;
    }
    assert_int_equal(avro_value_get_string(&fv, &s, &n), 0);
    return s;
}

/* Encodes the fixture event of type t; *out is the encoder's buffer. */
static void encode_sample(fixture *f, int t, lg_derived *ev, const void **out, size_t *len) {
    char err[256] = "";
    df_sample(ev, (lg_derived_type)t);
    assert_int_equal(lg_avro_encode_derived(f->enc, ev, out, len, err, sizeof(err)), 0);
}

static void test_libavro_roundtrip_every_type(void **state) {
    fixture *f = *state;
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        lg_derived ev;
        const void *out;
        size_t len;
        encode_sample(f, t, &ev, &out, &len);
        assert_true(len > 0);
        avro_value_iface_t *iface;
        avro_value_t v, fv, sub, owner;
        libavro_decode(f, t, out, len, &iface, &v);
        assert_string_equal(get_str(&v, "type"), lg_derived_type_name(t));
        assert_string_equal(get_str(&v, "event_id"), ev.event_id);
        assert_int_equal(avro_value_get_by_name(&v, "event_time", &fv, NULL), 0);
        int64_t ms;
        assert_int_equal(avro_value_get_long(&fv, &ms), 0);
        assert_int_equal(ms, ev.event_time_ms);
        assert_int_equal(avro_value_get_by_name(&v, "subject", &sub, NULL), 0);
        assert_string_equal(get_str(&sub, "id"), ev.subject_id);
        const char *name = get_str(&sub, "name");
        if (ev.subject_name)
            assert_string_equal(name, ev.subject_name);
        else
            assert_null(name);
        assert_int_equal(avro_value_get_by_name(&v, "owner", &fv, NULL), 0);
        int disc;
        assert_int_equal(avro_value_get_discriminant(&fv, &disc), 0);
        assert_int_equal(disc, ev.owner_id ? 1 : 0);
        if (ev.owner_id) {
            assert_int_equal(avro_value_get_current_branch(&fv, &owner), 0);
            assert_string_equal(get_str(&owner, "id"), ev.owner_id);
            assert_string_equal(get_str(&owner, "status"), "departed");
        }
        const char *res = get_str(&v, "resolves");
        if (ev.resolves)
            assert_string_equal(res, ev.resolves);
        else
            assert_null(res);
        size_t n;
        assert_int_equal(avro_value_get_by_name(&v, "chain", &fv, NULL), 0);
        assert_int_equal(avro_value_get_size(&fv, &n), 0);
        assert_int_equal(n, ev.nchain);
        avro_value_decref(&v);
        avro_value_iface_decref(iface);
    }
}

static void test_fastavro_decodes_every_type(void **state) {
    fixture *f = *state;
    require_python();
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++) {
        lg_derived ev;
        const void *out;
        size_t len;
        encode_sample(f, t, &ev, &out, &len);
        char *json = fastavro_decode(f, t, out, len);
        if (t == LG_DERIVED_ORPHAN_NEW) {
            assert_string_equal(
                json,
                "{\"chain\": [\"AKIAEXAMPLE00000000\", \"arn:aws:iam::123456789012:user/ci\", "
                "\"alice@example.com\"], \"event_id\": \"00000000000000000000000000000000\", "
                "\"event_time\": 1714557600123, \"evidence\": [\"cloudtrail:ev-1\", "
                "\"okta:ev-2\"], \"owner\": {\"departed_at\": 1714498200000, \"id\": "
                "\"alice@example.com\", \"status\": \"departed\"}, \"privileged\": false, "
                "\"reason\": \"owner alice@example.com departed\", \"resolves\": null, "
                "\"schema_version\": 1, \"subject\": {\"id\": \"AKIAEXAMPLE00000000\", "
                "\"kind\": \"access_key\", \"name\": \"ci-deployer\"}, \"tenant\": null, "
                "\"type\": \"orphan.new\"}");
        } else {
            char want[128];
            snprintf(want, sizeof(want), "\"type\": \"%s\"}", lg_derived_type_name(t));
            assert_non_null(strstr(json, want));
            assert_non_null(strstr(json, ev.event_id));
            assert_non_null(strstr(json, ev.owner_id ? "\"owner\": {" : "\"owner\": null"));
        }
        free(json);
    }
}

static void test_fastavro_deadletter_and_large(void **state) {
    fixture *f = *state;
    require_python();
    char err[256] = "";
    static const unsigned char raw[] = {0xff, 0x00, 0x41, 0x42};
    lg_deadletter dl;
    df_deadletter(&dl, raw, sizeof(raw));
    const void *out;
    size_t len;
    assert_int_equal(lg_avro_encode_deadletter(f->enc, &dl, &out, &len, err, sizeof(err)), 0);
    char *json = fastavro_decode(f, LG_AVRO_DEADLETTER, out, len);
    assert_string_equal(json, "{\"offset\": 42, \"origin\": \"kafka:cloudtrail/3@42\", "
                              "\"partition\": 3, \"raw\": \"/wBBQg==\", \"reason\": \"not JSON\", "
                              "\"schema_version\": 1, \"source\": \"cloudtrail\", \"topic\": "
                              "\"cloudtrail\"}");
    free(json);
    /* an event larger than the initial buffer: the writer must grow */
    size_t big = 100000;
    char *reason = malloc(big + 1);
    memset(reason, 'r', big);
    reason[big] = '\0';
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_AGENT_DEPARTED_PRINCIPAL);
    ev.reason = reason;
    assert_int_equal(lg_avro_encode_derived(f->enc, &ev, &out, &len, err, sizeof(err)), 0);
    assert_true(len > big);
    json = fastavro_decode(f, ev.type, out, len);
    assert_non_null(strstr(json, "\"reason\": \"rrrrrrrrrr"));
    assert_true(strlen(json) > big);
    free(json);
    free(reason);
}

static void test_fingerprint_vector(void **state) {
    (void)state;
    /* Avro specification test vector: fingerprint64("\"null\"") */
    assert_true(lg_avro_crc64("\"null\"", 6) == 0x63dd24e7cc258f8aULL);
    char hex[17];
    assert_string_equal(lg_avro_fingerprint_hex(0x63dd24e7cc258f8aULL, hex), "8a8f25cce724dd63");
    avro_schema_t s = avro_schema_long();
    lg_strbuf b = LG_STRBUF_INIT;
    assert_int_equal(lg_avro_canonical_form(s, &b), 0);
    assert_string_equal(b.data, "\"long\"");
    lg_strbuf_free(&b);
    avro_schema_decref(s);
}

static void test_fingerprint_matches_fastavro(void **state) {
    fixture *f = *state;
    require_python();
    for (int w = 0; w < LG_AVRO_SCHEMA_COUNT; w++) {
        char path[512], cmd[2048], hex[17];
        size_t slen;
        const char *json = lg_avro_schema_json(w, &slen);
        snprintf(path, sizeof(path), "%s/fp-%d.avsc", f->tmpdir, w);
        write_file(path, json, slen);
        snprintf(cmd, sizeof(cmd), "%s %s/tests/tools/avro_decode.py pcf %s", python, LG_SOURCE_DIR,
                 path);
        char *pcf = run_capture(cmd);
        assert_non_null(pcf);
        lg_strbuf mine = LG_STRBUF_INIT;
        assert_int_equal(lg_avro_canonical_form(lg_avro_encoder_schema(f->enc, w), &mine), 0);
        assert_string_equal(mine.data, pcf);
        snprintf(cmd, sizeof(cmd), "%s %s/tests/tools/avro_decode.py fingerprint %s", python,
                 LG_SOURCE_DIR, path);
        char *fp = run_capture(cmd);
        assert_non_null(fp);
        assert_string_equal(lg_avro_fingerprint_hex(lg_avro_encoder_fingerprint(f->enc, w), hex),
                            fp);
        assert_true(lg_avro_encoder_fingerprint(f->enc, w) == lg_avro_crc64(mine.data, mine.len));
        free(fp);
        free(pcf);
        lg_strbuf_free(&mine);
    }
}

static void test_embedded_schemas(void **state) {
    fixture *f = *state;
    /* the schemas in the binary are the files of schemas/ */
    for (int w = 0; w < LG_AVRO_SCHEMA_COUNT; w++) {
        size_t slen, flen;
        const char *json = lg_avro_schema_json(w, &slen);
        assert_non_null(json);
        char path[512];
        snprintf(path, sizeof(path), "%s/schemas/%s.avsc", LG_SOURCE_DIR,
                 w == LG_AVRO_DEADLETTER ? "deadletter" : lg_derived_type_name(w));
        char *file = tu_read_file(path, &flen);
        assert_non_null(file);
        assert_int_equal(flen, slen);
        assert_memory_equal(file, json, slen);
        free(file);
        assert_non_null(strstr(json, "\"schema_version\""));
    }
    assert_null(lg_avro_schema_json(LG_AVRO_SCHEMA_COUNT, NULL));
    assert_true(lg_avro_encoder_fingerprint(f->enc, -1) == 0);
    lg_derived ev;
    df_sample(&ev, LG_DERIVED_ORPHAN_NEW);
    ev.type = (lg_derived_type)42;
    const void *out;
    size_t len;
    char err[256] = "";
    assert_int_equal(lg_avro_encode_derived(f->enc, &ev, &out, &len, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown derived type"));
    lg_avro_encoder_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_libavro_roundtrip_every_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fastavro_decodes_every_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fastavro_deadletter_and_large, setup, teardown),
        cmocka_unit_test(test_fingerprint_vector),
        cmocka_unit_test_setup_teardown(test_fingerprint_matches_fastavro, setup, teardown),
        cmocka_unit_test_setup_teardown(test_embedded_schemas, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
