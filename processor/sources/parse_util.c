/* processor/sources/parse_util.c - see parse_util.h. */
#include "processor/sources/parse_util.h"

#include "processor/sources/source.h"

#include <stdarg.h>
#include <stdio.h>

lg_str lg_src_get(lg_json_val v, const char *key) {
    lg_str s = LG_STR_NULL;
    if (!lg_json_str(lg_json_get(v, key), &s.p, &s.n) || s.n == 0)
        return LG_STR_NULL;
    return s;
}

lg_str lg_src_path(lg_json_val v, const char *path) {
    lg_str s = LG_STR_NULL;
    if (!lg_json_str(lg_json_path(v, path), &s.p, &s.n) || s.n == 0)
        return LG_STR_NULL;
    return s;
}

static char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool lg_src_ieq(lg_str s, const char *z) {
    size_t n = strlen(z);
    if (s.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(s.p[i]) != lower(z[i]))
            return false;
    return true;
}

bool lg_src_icontains(lg_str s, const char *needle) {
    size_t n = strlen(needle);
    if (n == 0)
        return true;
    for (size_t i = 0; i + n <= s.n; i++) {
        size_t j = 0;
        while (j < n && lower(s.p[i + j]) == lower(needle[j]))
            j++;
        if (j == n)
            return true;
    }
    return false;
}

bool lg_src_is_email(lg_str s) {
    size_t at = 0, nat = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '@') {
            at = i;
            nat++;
        }
    }
    if (nat != 1 || at == 0 || at + 1 >= s.n)
        return false;
    return memchr(s.p + at + 1, '.', s.n - at - 1) != NULL;
}

lg_str lg_src_email(lg_src_env *env, lg_str s) {
    if (!lg_src_is_email(s))
        return LG_STR_NULL;
    return lg_arena_lower(env->arena, s);
}

lg_fact *lg_src_add(lg_record *rec, lg_fact_type type, lg_node_kind kind, lg_str subject) {
    static _Thread_local lg_fact overflow;
    lg_fact *f = rec->nfacts < LG_RECORD_MAX_FACTS ? &rec->facts[rec->nfacts++] : &overflow;
    memset(f, 0, sizeof *f);
    f->type = type;
    f->kind = kind;
    f->subject = subject;
    return f;
}

int lg_src_bad(char *errstr, size_t errstr_size, const char *fmt, ...) {
    if (errstr && errstr_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int64_t lg_src_epoch_ms(double v) {
    return v < 1e11 ? (int64_t)(v * 1000.0) : (int64_t)v;
}

bool lg_src_time(lg_json_val v, int64_t *ms) {
    const char *s;
    size_t n;
    double d;
    switch (lg_json_type_of(v)) {
    case LG_JSON_STRING:
        return lg_json_str(v, &s, &n) && lg_parse_time(s, n, ms);
    case LG_JSON_INT:
    case LG_JSON_UINT:
    case LG_JSON_DOUBLE:
        if (!lg_json_double(v, &d) || !(d > 0 && d < 1e15))
            return false;
        *ms = lg_src_epoch_ms(d);
        return true;
    default:
        return false;
    }
}

bool lg_src_any_str(lg_json_val v, bool (*pred)(lg_str s)) {
    lg_str s;
    if (lg_json_str(v, &s.p, &s.n))
        return pred(s);
    lg_json_iter it;
    lg_json_val e;
    if (!lg_json_iter_begin(v, &it))
        return false;
    while (lg_json_iter_next(&it, NULL, NULL, &e))
        if (lg_json_str(e, &s.p, &s.n) && pred(s))
            return true;
    return false;
}

int lg_src_id_time(lg_json_val ev, const char *src, const char *id_key, const char *time_key,
                   lg_record *rec, char *errstr, size_t errstr_size) {
    rec->event_id = lg_src_get(ev, id_key);
    if (!rec->event_id.n)
        return lg_src_bad(errstr, errstr_size, "%s: missing %s", src, id_key);
    lg_json_val t = lg_json_get(ev, time_key);
    lg_json_type ty = lg_json_type_of(t);
    if (ty == LG_JSON_MISSING || ty == LG_JSON_NULL)
        return lg_src_bad(errstr, errstr_size, "%s: missing %s", src, time_key);
    if (!lg_src_time(t, &rec->time_ms))
        return lg_src_bad(errstr, errstr_size, "%s: unparsable %s", src, time_key);
    return 0;
}
