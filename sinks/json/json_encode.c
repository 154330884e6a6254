/*
 * sinks/json/json_encode.c - JSON and pretty-text encodings.
 */
#include "sinks/json/json_encode.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Decodes one UTF-8 sequence at s[0..n). Returns its length (1-4) and sets
 * *cp, or 0 when the bytes there are not well-formed UTF-8. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

bool lg_utf8_valid(const void *p, size_t len) {
    const unsigned char *s = p;
    uint32_t cp;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_decode(s + i, len - i, &cp);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

static const char replacement_char[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Appends s[0..len) made safe: JSON-escaped when json, else with control
 * characters replaced by '?'. Invalid UTF-8 becomes U+FFFD either way. */
static int append_text(lg_strbuf *out, const char *str, size_t len, bool json) {
    const unsigned char *s = (const unsigned char *)str;
    int rc = 0;
    size_t run = 0; /* start of the pending run of bytes copied as is */
    for (size_t i = 0; i < len && rc == 0;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        bool plain = k > 0 && cp >= 0x20;
        if (json)
            plain = plain && cp != '"' && cp != '\\';
        else /* DEL and C1 controls (e.g. 0x9B, CSI) can drive a terminal */
            plain = plain && !(cp >= 0x7F && cp <= 0x9F);
        if (plain) {
            i += k;
            continue;
        }
        rc = lg_strbuf_append(out, s + run, i - run);
        if (rc != 0)
            break;
        if (k == 0) {
            rc = lg_strbuf_puts(out, replacement_char);
            k = 1;
        } else if (!json) {
            rc = lg_strbuf_putc(out, '?');
        } else if (cp == '"' || cp == '\\') {
            rc = lg_strbuf_printf(out, "\\%c", (char)cp);
        } else if (cp == '\n') {
            rc = lg_strbuf_puts(out, "\\n");
        } else if (cp == '\r') {
            rc = lg_strbuf_puts(out, "\\r");
        } else if (cp == '\t') {
            rc = lg_strbuf_puts(out, "\\t");
        } else {
            rc = lg_strbuf_printf(out, "\\u%04x", (unsigned)cp);
        }
        i += k;
        run = i;
    }
    if (rc == 0)
        rc = lg_strbuf_append(out, s + run, len - run);
    return rc;
}

int lg_json_append_string(lg_strbuf *out, const char *s, size_t len) {
    if (lg_strbuf_putc(out, '"') != 0 || append_text(out, s, len, true) != 0)
        return -1;
    return lg_strbuf_putc(out, '"');
}

/* Appends a string or null. */
static int put_str(lg_strbuf *out, const char *s) {
    if (!s)
        return lg_strbuf_puts(out, "null");
    return lg_json_append_string(out, s, strlen(s));
}

/* Appends ,"key": (or "key": when first). */
static int put_key(lg_strbuf *out, const char *key, bool first) {
    return lg_strbuf_printf(out, "%s\"%s\":", first ? "" : ",", key);
}

static int put_key_str(lg_strbuf *out, const char *key, const char *s, bool first) {
    if (put_key(out, key, first) != 0)
        return -1;
    return put_str(out, s);
}

static int put_str_array(lg_strbuf *out, const char *key, const char *const *v, size_t n) {
    if (put_key(out, key, false) != 0 || lg_strbuf_putc(out, '[') != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if ((i && lg_strbuf_putc(out, ',') != 0) || put_str(out, v[i] ? v[i] : "") != 0)
            return -1;
    }
    return lg_strbuf_putc(out, ']');
}

char *lg_json_format_time(int64_t ms, char *buf, size_t size) {
    int64_t secs = ms / 1000, frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, size, "1970-01-01T00:00:00.000Z");
        return buf;
    }
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
    return buf;
}

static int put_time(lg_strbuf *out, const char *key, int64_t ms) {
    char tbuf[40];
    if (put_key(out, key, false) != 0)
        return -1;
    return lg_strbuf_printf(out, "\"%s\"", lg_json_format_time(ms, tbuf, sizeof(tbuf)));
}

static int put_owner(lg_strbuf *out, const lg_derived *ev) {
    if (put_key(out, "owner", false) != 0)
        return -1;
    if (!ev->owner_id)
        return lg_strbuf_puts(out, "null");
    if (lg_strbuf_putc(out, '{') != 0 || put_key_str(out, "id", ev->owner_id, true) != 0 ||
        put_key_str(out, "status", ev->owner_status, false) != 0)
        return -1;
    if (ev->owner_departed_ms != 0 && put_time(out, "departed_at", ev->owner_departed_ms) != 0)
        return -1;
    return lg_strbuf_putc(out, '}');
}

int lg_json_encode_derived(const lg_derived *ev, lg_strbuf *out) {
    size_t nev = ev->nevidence < LG_DERIVED_MAX_EVIDENCE ? ev->nevidence : LG_DERIVED_MAX_EVIDENCE;
    size_t nch = ev->nchain < LG_DERIVED_MAX_CHAIN ? ev->nchain : LG_DERIVED_MAX_CHAIN;
    if (lg_strbuf_putc(out, '{') != 0 ||
        put_key_str(out, "type", lg_derived_type_name(ev->type), true) != 0 ||
        put_key_str(out, "event_id", ev->event_id, false) != 0 ||
        put_time(out, "event_time", ev->event_time_ms) != 0 ||
        lg_strbuf_puts(out, ",\"subject\":{") != 0 ||
        put_key_str(out, "id", ev->subject_id, true) != 0 ||
        put_key_str(out, "kind", ev->subject_kind, false) != 0 ||
        put_key_str(out, "name", ev->subject_name, false) != 0 || lg_strbuf_putc(out, '}') != 0 ||
        put_owner(out, ev) != 0 ||
        lg_strbuf_printf(out, ",\"privileged\":%s", ev->privileged ? "true" : "false") != 0 ||
        put_key_str(out, "reason", ev->reason, false) != 0 ||
        put_key_str(out, "resolves", ev->resolves, false) != 0 ||
        put_key_str(out, "tenant", ev->tenant, false) != 0 ||
        put_str_array(out, "evidence", ev->evidence, nev) != 0 ||
        put_str_array(out, "chain", ev->chain, nch) != 0)
        return -1;
    return lg_strbuf_printf(out, ",\"schema_version\":%d}", LG_DERIVED_SCHEMA_VERSION);
}

int lg_base64_append(lg_strbuf *out, const void *p, size_t len) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = p;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        size_t rem = len - i;
        if (rem > 1)
            v |= (uint32_t)s[i + 1] << 8;
        if (rem > 2)
            v |= s[i + 2];
        char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63], rem > 1 ? tab[(v >> 6) & 63] : '=',
                     rem > 2 ? tab[v & 63] : '='};
        if (lg_strbuf_append(out, q, 4) != 0)
            return -1;
    }
    return 0;
}

int lg_json_encode_deadletter(const lg_deadletter *dl, lg_strbuf *out) {
    size_t rawlen = dl->raw ? dl->rawlen : 0;
    if (lg_strbuf_putc(out, '{') != 0 || put_key_str(out, "source", dl->source, true) != 0 ||
        put_key_str(out, "reason", dl->reason, false) != 0 ||
        put_key_str(out, "origin", dl->origin, false) != 0 ||
        put_key_str(out, "topic", dl->topic, false) != 0 ||
        lg_strbuf_printf(out, ",\"partition\":%d,\"offset\":%lld", (int)dl->partition,
                         (long long)dl->offset) != 0 ||
        lg_strbuf_puts(out, ",\"raw_base64\":\"") != 0 ||
        lg_base64_append(out, dl->raw, rawlen) != 0 || lg_strbuf_putc(out, '"') != 0)
        return -1;
    if (rawlen && !memchr(dl->raw, 0, rawlen) && lg_utf8_valid(dl->raw, rawlen)) {
        if (put_key(out, "raw", false) != 0 || lg_json_append_string(out, dl->raw, rawlen) != 0)
            return -1;
    }
    return lg_strbuf_putc(out, '}');
}

/* Appends a field of the pretty line: two spaces then safe text. */
static int pretty_field(lg_strbuf *out, const char *s) {
    if (lg_strbuf_puts(out, "  ") != 0)
        return -1;
    return append_text(out, s ? s : "-", s ? strlen(s) : 1, false);
}

int lg_json_format_pretty(const lg_derived *ev, lg_strbuf *out) {
    char tbuf[40];
    if (lg_strbuf_puts(out, lg_json_format_time(ev->event_time_ms, tbuf, sizeof(tbuf))) != 0 ||
        pretty_field(out, lg_derived_type_name(ev->type)) != 0 ||
        pretty_field(out, ev->subject_id) != 0 || pretty_field(out, ev->subject_kind) != 0)
        return -1;
    if (ev->subject_name && pretty_field(out, ev->subject_name) != 0)
        return -1;
    if (!ev->owner_id) {
        if (lg_strbuf_puts(out, "  owner=none") != 0)
            return -1;
    } else {
        if (lg_strbuf_puts(out, "  owner=") != 0 ||
            append_text(out, ev->owner_id, strlen(ev->owner_id), false) != 0)
            return -1;
        if (ev->owner_status) {
            if (lg_strbuf_puts(out, " (") != 0 ||
                append_text(out, ev->owner_status, strlen(ev->owner_status), false) != 0)
                return -1;
            if (ev->owner_departed_ms != 0 &&
                lg_strbuf_printf(out, " %.10s",
                                 lg_json_format_time(ev->owner_departed_ms, tbuf, sizeof(tbuf))) !=
                    0)
                return -1;
            if (lg_strbuf_putc(out, ')') != 0)
                return -1;
        }
    }
    if (ev->privileged && lg_strbuf_puts(out, "  privileged") != 0)
        return -1;
    if (ev->resolves && (lg_strbuf_puts(out, "  resolves=") != 0 ||
                         append_text(out, ev->resolves, strlen(ev->resolves), false) != 0))
        return -1;
    return ev->reason ? pretty_field(out, ev->reason) : 0;
}

int lg_json_format_pretty_deadletter(const lg_deadletter *dl, lg_strbuf *out) {
    if (lg_strbuf_puts(out, "deadletter") != 0 || pretty_field(out, dl->source) != 0 ||
        pretty_field(out, dl->origin) != 0 || pretty_field(out, dl->reason) != 0)
        return -1;
    return 0;
}
