/*
 * sinks/avro/fingerprint.c - Parsing Canonical Form and CRC-64-AVRO.
 */
#include "sinks/avro/fingerprint.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define CRC64_AVRO_EMPTY 0xc15d213aa4d7a795ULL

uint64_t lg_avro_crc64(const void *p, size_t len) {
    static uint64_t table[256];
    static bool ready; /* idempotent init: racing threads write equal values */
    if (!ready) {
        for (int i = 0; i < 256; i++) {
            uint64_t fp = (uint64_t)i;
            for (int j = 0; j < 8; j++)
                fp = (fp >> 1) ^ (CRC64_AVRO_EMPTY & (0 - (fp & 1)));
            table[i] = fp;
        }
        ready = true;
    }
    const unsigned char *s = p;
    uint64_t fp = CRC64_AVRO_EMPTY;
    for (size_t i = 0; i < len; i++)
        fp = (fp >> 8) ^ table[(fp ^ s[i]) & 0xff];
    return fp;
}

char *lg_avro_fingerprint_hex(uint64_t fp, char out[17]) {
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", (unsigned)((fp >> (8 * i)) & 0xff));
    return out;
}

/* Appends "name":"full.name" for a named schema. */
static int pcf_name(avro_schema_t s, lg_strbuf *out) {
    const char *ns = avro_schema_namespace(s);
    if (lg_strbuf_puts(out, "\"name\":\"") != 0)
        return -1;
    if (ns && *ns && lg_strbuf_printf(out, "%s.", ns) != 0)
        return -1;
    return lg_strbuf_printf(out, "%s\"", avro_schema_name(s));
}

int lg_avro_canonical_form(avro_schema_t s, lg_strbuf *out) {
    switch (avro_typeof(s)) {
    case AVRO_STRING:
    case AVRO_BYTES:
    case AVRO_INT32:
    case AVRO_INT64:
    case AVRO_FLOAT:
    case AVRO_DOUBLE:
    case AVRO_BOOLEAN:
    case AVRO_NULL:
        /* avro_schema_type_name() gives the Avro primitive name ("long"). */
        return lg_strbuf_printf(out, "\"%s\"", avro_schema_type_name(s));
    case AVRO_RECORD: {
        if (lg_strbuf_putc(out, '{') != 0 || pcf_name(s, out) != 0 ||
            lg_strbuf_puts(out, ",\"type\":\"record\",\"fields\":[") != 0)
            return -1;
        size_t n = avro_schema_record_size(s);
        for (size_t i = 0; i < n; i++) {
            if (lg_strbuf_printf(out, "%s{\"name\":\"%s\",\"type\":", i ? "," : "",
                                 avro_schema_record_field_name(s, (int)i)) != 0 ||
                lg_avro_canonical_form(avro_schema_record_field_get_by_index(s, (int)i), out) !=
                    0 ||
                lg_strbuf_putc(out, '}') != 0)
                return -1;
        }
        return lg_strbuf_puts(out, "]}");
    }
    case AVRO_ENUM: {
        if (lg_strbuf_putc(out, '{') != 0 || pcf_name(s, out) != 0 ||
            lg_strbuf_puts(out, ",\"type\":\"enum\",\"symbols\":[") != 0)
            return -1;
        int n = avro_schema_enum_number_of_symbols(s);
        for (int i = 0; i < n; i++)
            if (lg_strbuf_printf(out, "%s\"%s\"", i ? "," : "", avro_schema_enum_get(s, i)) != 0)
                return -1;
        return lg_strbuf_puts(out, "]}");
    }
    case AVRO_FIXED:
        if (lg_strbuf_putc(out, '{') != 0 || pcf_name(s, out) != 0)
            return -1;
        return lg_strbuf_printf(out, ",\"type\":\"fixed\",\"size\":%lld}",
                                (long long)avro_schema_fixed_size(s));
    case AVRO_MAP:
        if (lg_strbuf_puts(out, "{\"type\":\"map\",\"values\":") != 0 ||
            lg_avro_canonical_form(avro_schema_map_values(s), out) != 0)
            return -1;
        return lg_strbuf_putc(out, '}');
    case AVRO_ARRAY:
        if (lg_strbuf_puts(out, "{\"type\":\"array\",\"items\":") != 0 ||
            lg_avro_canonical_form(avro_schema_array_items(s), out) != 0)
            return -1;
        return lg_strbuf_putc(out, '}');
    case AVRO_UNION: {
        size_t n = avro_schema_union_size(s);
        if (lg_strbuf_putc(out, '[') != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            if ((i && lg_strbuf_putc(out, ',') != 0) ||
                lg_avro_canonical_form(avro_schema_union_branch(s, (int)i), out) != 0)
                return -1;
        }
        return lg_strbuf_putc(out, ']');
    }
    case AVRO_LINK: {
        /* A reference to a named type defined earlier: its full name. */
        avro_schema_t t = avro_schema_link_target(s);
        const char *ns = avro_schema_namespace(t);
        return lg_strbuf_printf(out, "\"%s%s%s\"", ns && *ns ? ns : "", ns && *ns ? "." : "",
                                avro_schema_name(t));
    }
    }
    return -1;
}
