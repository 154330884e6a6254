/*
 * sinks/avro/avro_encode.c - Avro encoder: schemas parsed once, values and
 * writer reused for every event.
 */
#include "sinks/avro/avro_encode.h"

#include "sinks/avro/fingerprint.h"
#include "sinks/avro/schemas_embedded.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct avro_slot {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value; /* reused: reset before each event */
    bool has_value;
    uint64_t fingerprint;
} avro_slot;

struct lg_avro_encoder {
    avro_slot slots[LG_AVRO_SCHEMA_COUNT];
    avro_writer_t writer;
    char *buf; /* the writer's memory; grows on demand */
    size_t cap;
};

/* File name (without .avsc) of schema `which`. */
static const char *schema_file_name(int which) {
    if (which == LG_AVRO_DEADLETTER)
        return "deadletter";
    return lg_derived_type_name((lg_derived_type)which);
}

const char *lg_avro_schema_json(int which, size_t *len) {
    if (which < 0 || which >= LG_AVRO_SCHEMA_COUNT)
        return NULL;
    const char *name = schema_file_name(which);
    for (size_t i = 0; i < lg_avro_embedded_count; i++) {
        if (strcmp(lg_avro_embedded_schemas[i].name, name) == 0) {
            if (len)
                *len = lg_avro_embedded_schemas[i].len;
            return lg_avro_embedded_schemas[i].json;
        }
    }
    return NULL;
}

/* Parses schema `which` into slot; computes its fingerprint. */
static int slot_init(avro_slot *slot, int which, char *errstr, size_t errstr_size) {
    size_t len = 0;
    const char *json = lg_avro_schema_json(which, &len);
    lg_strbuf pcf = LG_STRBUF_INIT;
    int rc = -1;
    if (!json) {
        snprintf(errstr, errstr_size, "avro: no embedded schema %s.avsc", schema_file_name(which));
        goto cleanup;
    }
    if (avro_schema_from_json_length(json, len, &slot->schema) != 0) {
        snprintf(errstr, errstr_size, "avro: schema %s.avsc: %s", schema_file_name(which),
                 avro_strerror());
        goto cleanup;
    }
    if (lg_avro_canonical_form(slot->schema, &pcf) != 0) {
        snprintf(errstr, errstr_size, "avro: schema %s.avsc: no canonical form",
                 schema_file_name(which));
        goto cleanup;
    }
    slot->fingerprint = lg_avro_crc64(pcf.data, pcf.len);
    slot->iface = avro_generic_class_from_schema(slot->schema);
    if (!slot->iface || avro_generic_value_new(slot->iface, &slot->value) != 0) {
        snprintf(errstr, errstr_size, "avro: schema %s.avsc: %s", schema_file_name(which),
                 avro_strerror());
        goto cleanup;
    }
    slot->has_value = true;
    rc = 0;
cleanup:
    lg_strbuf_free(&pcf);
    return rc;
}

lg_avro_encoder *lg_avro_encoder_new(char *errstr, size_t errstr_size) {
    lg_avro_encoder *enc = calloc(1, sizeof(*enc));
    if (!enc) {
        snprintf(errstr, errstr_size, "avro: out of memory");
        return NULL;
    }
    for (int i = 0; i < LG_AVRO_SCHEMA_COUNT; i++)
        if (slot_init(&enc->slots[i], i, errstr, errstr_size) != 0)
            goto fail;
    enc->cap = 4096;
    enc->buf = malloc(enc->cap);
    if (!enc->buf || !(enc->writer = avro_writer_memory(enc->buf, (int64_t)enc->cap))) {
        snprintf(errstr, errstr_size, "avro: out of memory");
        goto fail;
    }
    return enc;
fail:
    lg_avro_encoder_destroy(enc);
    return NULL;
}

void lg_avro_encoder_destroy(lg_avro_encoder *enc) {
    if (!enc)
        return;
    for (int i = 0; i < LG_AVRO_SCHEMA_COUNT; i++) {
        avro_slot *slot = &enc->slots[i];
        if (slot->has_value)
            avro_value_decref(&slot->value);
        if (slot->iface)
            avro_value_iface_decref(slot->iface);
        if (slot->schema)
            avro_schema_decref(slot->schema);
    }
    if (enc->writer)
        avro_writer_free(enc->writer);
    free(enc->buf);
    free(enc);
}

uint64_t lg_avro_encoder_fingerprint(const lg_avro_encoder *enc, int which) {
    if (which < 0 || which >= LG_AVRO_SCHEMA_COUNT)
        return 0;
    return enc->slots[which].fingerprint;
}

avro_schema_t lg_avro_encoder_schema(const lg_avro_encoder *enc, int which) {
    if (which < 0 || which >= LG_AVRO_SCHEMA_COUNT)
        return NULL;
    return enc->slots[which].schema;
}

/* Field setters: each returns 0 or an avro errno. */
static int set_str(avro_value_t *rec, const char *field, const char *s) {
    avro_value_t f;
    int rc = avro_value_get_by_name(rec, field, &f, NULL);
    return rc ? rc : avro_value_set_string(&f, s ? s : "");
}

/* Sets a ["null", T] union: branch 0 (null) when isnull, else returns the
 * branch 1 value in *branch for the caller to fill. */
static int set_optional(avro_value_t *rec, const char *field, bool isnull, avro_value_t *branch) {
    avro_value_t f, b;
    int rc = avro_value_get_by_name(rec, field, &f, NULL);
    if (rc)
        return rc;
    if (isnull) {
        rc = avro_value_set_branch(&f, 0, &b);
        return rc ? rc : avro_value_set_null(&b);
    }
    return avro_value_set_branch(&f, 1, branch);
}

static int set_opt_str(avro_value_t *rec, const char *field, const char *s) {
    avro_value_t b;
    int rc = set_optional(rec, field, s == NULL, &b);
    return rc || !s ? rc : avro_value_set_string(&b, s);
}

static int set_long(avro_value_t *rec, const char *field, int64_t v) {
    avro_value_t f;
    int rc = avro_value_get_by_name(rec, field, &f, NULL);
    return rc ? rc : avro_value_set_long(&f, v);
}

static int set_int(avro_value_t *rec, const char *field, int32_t v) {
    avro_value_t f;
    int rc = avro_value_get_by_name(rec, field, &f, NULL);
    return rc ? rc : avro_value_set_int(&f, v);
}

static int set_str_array(avro_value_t *rec, const char *field, const char *const *v, size_t n) {
    avro_value_t arr, item;
    int rc = avro_value_get_by_name(rec, field, &arr, NULL);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = avro_value_append(&arr, &item, NULL);
        if (rc == 0)
            rc = avro_value_set_string(&item, v[i] ? v[i] : "");
    }
    return rc;
}

static int fill_derived(avro_value_t *rec, const lg_derived *ev) {
    avro_value_t sub, owner, dep, f;
    size_t nev = ev->nevidence < LG_DERIVED_MAX_EVIDENCE ? ev->nevidence : LG_DERIVED_MAX_EVIDENCE;
    size_t nch = ev->nchain < LG_DERIVED_MAX_CHAIN ? ev->nchain : LG_DERIVED_MAX_CHAIN;
    int rc = set_int(rec, "schema_version", LG_DERIVED_SCHEMA_VERSION);
    rc = rc ? rc : set_str(rec, "type", lg_derived_type_name(ev->type));
    rc = rc ? rc : set_str(rec, "event_id", ev->event_id);
    rc = rc ? rc : set_long(rec, "event_time", ev->event_time_ms);
    rc = rc ? rc : avro_value_get_by_name(rec, "subject", &sub, NULL);
    rc = rc ? rc : set_str(&sub, "id", ev->subject_id);
    rc = rc ? rc : set_str(&sub, "kind", ev->subject_kind);
    rc = rc ? rc : set_opt_str(&sub, "name", ev->subject_name);
    rc = rc ? rc : set_optional(rec, "owner", ev->owner_id == NULL, &owner);
    if (rc == 0 && ev->owner_id) {
        rc = set_str(&owner, "id", ev->owner_id);
        rc = rc ? rc : set_str(&owner, "status", ev->owner_status);
        rc = rc ? rc : set_optional(&owner, "departed_at", ev->owner_departed_ms == 0, &dep);
        if (rc == 0 && ev->owner_departed_ms != 0)
            rc = avro_value_set_long(&dep, ev->owner_departed_ms);
    }
    rc = rc ? rc : avro_value_get_by_name(rec, "privileged", &f, NULL);
    rc = rc ? rc : avro_value_set_boolean(&f, ev->privileged);
    rc = rc ? rc : set_str(rec, "reason", ev->reason);
    rc = rc ? rc : set_opt_str(rec, "resolves", ev->resolves);
    rc = rc ? rc : set_opt_str(rec, "tenant", ev->tenant);
    rc = rc ? rc : set_str_array(rec, "evidence", ev->evidence, nev);
    rc = rc ? rc : set_str_array(rec, "chain", ev->chain, nch);
    return rc;
}

static int fill_deadletter(avro_value_t *rec, const lg_deadletter *dl) {
    avro_value_t f;
    int rc = set_int(rec, "schema_version", LG_DERIVED_SCHEMA_VERSION);
    rc = rc ? rc : set_str(rec, "source", dl->source);
    rc = rc ? rc : set_str(rec, "reason", dl->reason);
    rc = rc ? rc : set_str(rec, "origin", dl->origin);
    rc = rc ? rc : set_opt_str(rec, "topic", dl->topic);
    rc = rc ? rc : set_int(rec, "partition", dl->partition);
    rc = rc ? rc : set_long(rec, "offset", dl->offset);
    rc = rc ? rc : avro_value_get_by_name(rec, "raw", &f, NULL);
    /* set_bytes copies; the cast only drops const from libavro's prototype */
    rc = rc ? rc
            : avro_value_set_bytes(&f, (void *)(uintptr_t)(dl->raw ? dl->raw : ""),
                                   dl->raw ? dl->rawlen : 0);
    return rc;
}

/* Writes slot's value into the encoder's buffer, growing it as needed. */
static int write_value(lg_avro_encoder *enc, avro_slot *slot, const void **out, size_t *outlen,
                       char *errstr, size_t errstr_size) {
    size_t size = 0;
    if (avro_value_sizeof(&slot->value, &size) != 0) {
        snprintf(errstr, errstr_size, "avro: sizeof: %s", avro_strerror());
        return -1;
    }
    if (size > enc->cap) {
        size_t cap = enc->cap;
        while (cap < size)
            cap *= 2;
        char *p = realloc(enc->buf, cap);
        if (!p) {
            snprintf(errstr, errstr_size, "avro: out of memory");
            return -1;
        }
        enc->buf = p;
        enc->cap = cap;
    }
    avro_writer_memory_set_dest(enc->writer, enc->buf, (int64_t)enc->cap);
    if (avro_value_write(enc->writer, &slot->value) != 0) {
        snprintf(errstr, errstr_size, "avro: write: %s", avro_strerror());
        return -1;
    }
    *out = enc->buf;
    *outlen = (size_t)avro_writer_tell(enc->writer);
    return 0;
}

int lg_avro_encode_derived(lg_avro_encoder *enc, const lg_derived *ev, const void **out,
                           size_t *outlen, char *errstr, size_t errstr_size) {
    if ((int)ev->type < 0 || (int)ev->type >= LG_DERIVED_TYPE_COUNT) {
        snprintf(errstr, errstr_size, "avro: unknown derived type %d", (int)ev->type);
        return -1;
    }
    avro_slot *slot = &enc->slots[ev->type];
    avro_value_reset(&slot->value);
    if (fill_derived(&slot->value, ev) != 0) {
        snprintf(errstr, errstr_size, "avro: %s: %s", lg_derived_type_name(ev->type),
                 avro_strerror());
        return -1;
    }
    return write_value(enc, slot, out, outlen, errstr, errstr_size);
}

int lg_avro_encode_deadletter(lg_avro_encoder *enc, const lg_deadletter *dl, const void **out,
                              size_t *outlen, char *errstr, size_t errstr_size) {
    avro_slot *slot = &enc->slots[LG_AVRO_DEADLETTER];
    avro_value_reset(&slot->value);
    if (fill_deadletter(&slot->value, dl) != 0) {
        snprintf(errstr, errstr_size, "avro: deadletter: %s", avro_strerror());
        return -1;
    }
    return write_value(enc, slot, out, outlen, errstr, errstr_size);
}
