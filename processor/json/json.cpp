/*
 * processor/json/json.cpp - the C shim over simdjson's DOM API.
 *
 * Built with -fno-exceptions: only simdjson's error-code API is used. A
 * lg_json_val holds a dom::element (a tape reference: document pointer +
 * index) byte for byte; an all-zero value is "missing". Lookups allocate
 * nothing.
 */
#include "processor/json/json.h"

#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

static_assert(sizeof(element) <= sizeof(lg_json_val), "dom::element must fit lg_json_val");
static_assert(std::is_trivially_copyable<element>::value,
              "dom::element must be trivially copyable");
static_assert(sizeof(array::iterator) * 2 <= sizeof(lg_json_iter),
              "two array iterators must fit lg_json_iter");
static_assert(sizeof(object::iterator) * 2 <= sizeof(lg_json_iter),
              "two object iterators must fit lg_json_iter");
static_assert(std::is_trivially_copyable<array::iterator>::value, "array iterator copyable");
static_assert(std::is_trivially_copyable<object::iterator>::value, "object iterator copyable");
static_assert(sizeof(array::iterator) <= 2 * sizeof(uint64_t), "array iterator size");
static_assert(sizeof(object::iterator) <= 2 * sizeof(uint64_t), "object iterator size");

struct lg_json_parser {
    simdjson::dom::parser parser;
};

namespace {

inline lg_json_val wrap(element e) {
    lg_json_val v;
    std::memset(&v, 0, sizeof v);
    std::memcpy(&v, &e, sizeof e);
    return v;
}

inline bool is_missing(lg_json_val v) {
    return v.opaque[0] == 0;
}

inline element unwrap(lg_json_val v) {
    element e;
    std::memcpy(static_cast<void *>(&e), &v, sizeof e);
    return e;
}

lg_json_val missing() {
    lg_json_val v;
    std::memset(&v, 0, sizeof v);
    return v;
}

lg_json_val get_key(lg_json_val v, std::string_view key) {
    if (is_missing(v))
        return missing();
    element e = unwrap(v);
    object obj;
    if (e.get_object().get(obj))
        return missing();
    element out;
    if (obj.at_key(key).get(out))
        return missing();
    return wrap(out);
}

} // namespace

extern "C" {

lg_json_parser *lg_json_parser_new(void) {
    return new (std::nothrow) lg_json_parser();
}

void lg_json_parser_destroy(lg_json_parser *p) {
    delete p;
}

int lg_json_parse(lg_json_parser *p, const char *buf, size_t len, lg_json_val *root, char *errstr,
                  size_t errstr_size) {
    element e;
    /* realloc_if_needed = true: simdjson copies into its own padded buffer,
     * which it keeps and reuses while it is large enough. */
    simdjson::error_code err = p->parser.parse(buf, len, true).get(e);
    if (err) {
        if (errstr && errstr_size)
            std::snprintf(errstr, errstr_size, "invalid JSON: %s", simdjson::error_message(err));
        *root = missing();
        return -1;
    }
    *root = wrap(e);
    return 0;
}

lg_json_type lg_json_type_of(lg_json_val v) {
    if (is_missing(v))
        return LG_JSON_MISSING;
    switch (unwrap(v).type()) {
    case element_type::ARRAY:
        return LG_JSON_ARRAY;
    case element_type::OBJECT:
        return LG_JSON_OBJECT;
    case element_type::INT64:
        return LG_JSON_INT;
    case element_type::UINT64: {
        uint64_t u = 0;
        if (!unwrap(v).get_uint64().get(u) && u <= (uint64_t)INT64_MAX)
            return LG_JSON_INT;
        return LG_JSON_UINT;
    }
    case element_type::DOUBLE:
        return LG_JSON_DOUBLE;
    case element_type::STRING:
        return LG_JSON_STRING;
    case element_type::BOOL:
        return LG_JSON_BOOL;
    case element_type::NULL_VALUE:
        return LG_JSON_NULL;
    }
    return LG_JSON_MISSING;
}

lg_json_val lg_json_get(lg_json_val v, const char *key) {
    return get_key(v, std::string_view(key));
}

lg_json_val lg_json_path(lg_json_val v, const char *path) {
    const char *s = path;
    for (;;) {
        const char *slash = std::strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s) : std::strlen(s);
        v = get_key(v, std::string_view(s, n));
        if (!slash || is_missing(v))
            return v;
        s = slash + 1;
    }
}

bool lg_json_str(lg_json_val v, const char **s, size_t *n) {
    if (is_missing(v))
        return false;
    std::string_view sv;
    if (unwrap(v).get_string().get(sv))
        return false;
    *s = sv.data();
    *n = sv.size();
    return true;
}

bool lg_json_int(lg_json_val v, int64_t *out) {
    if (is_missing(v))
        return false;
    element e = unwrap(v);
    switch (e.type()) {
    case element_type::INT64:
        return !e.get_int64().get(*out);
    case element_type::UINT64: {
        uint64_t u = 0;
        if (e.get_uint64().get(u))
            return false;
        *out = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
        return true;
    }
    case element_type::DOUBLE: {
        double d = 0;
        if (e.get_double().get(d))
            return false;
        /* Integral and inside int64's range (2^63 is exactly representable). */
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
            return false;
        int64_t i = (int64_t)d;
        if ((double)i != d)
            return false;
        *out = i;
        return true;
    }
    default:
        return false;
    }
}

bool lg_json_double(lg_json_val v, double *out) {
    if (is_missing(v))
        return false;
    /* get_double() accepts all three number encodings. */
    return !unwrap(v).get_double().get(*out);
}

bool lg_json_bool(lg_json_val v, bool *out) {
    if (is_missing(v))
        return false;
    return !unwrap(v).get_bool().get(*out);
}

size_t lg_json_size(lg_json_val v) {
    if (is_missing(v))
        return 0;
    element e = unwrap(v);
    array a;
    if (!e.get_array().get(a))
        return a.size();
    object o;
    if (!e.get_object().get(o))
        return o.size();
    return 0;
}

/* Iterator layout: opaque[0..1] = current position, opaque[2..3] = end
 * position, both simdjson iterators (a tape reference each). Objects are
 * told apart from arrays by a tag in the low bit of opaque[3] (the end's
 * tape index is stored shifted left by one). */
bool lg_json_iter_begin(lg_json_val v, lg_json_iter *it) {
    if (is_missing(v))
        return false;
    element e = unwrap(v);
    std::memset(it, 0, sizeof *it);
    array a;
    if (!e.get_array().get(a)) {
        array::iterator b = a.begin(), end = a.end();
        std::memcpy(&it->opaque[0], &b, sizeof b);
        std::memcpy(&it->opaque[2], &end, sizeof end);
        it->opaque[3] <<= 1;
        return true;
    }
    object o;
    if (!e.get_object().get(o)) {
        object::iterator b = o.begin(), end = o.end();
        std::memcpy(&it->opaque[0], &b, sizeof b);
        std::memcpy(&it->opaque[2], &end, sizeof end);
        it->opaque[3] = (it->opaque[3] << 1) | 1u;
        return true;
    }
    return false;
}

bool lg_json_iter_next(lg_json_iter *it, const char **key, size_t *keylen, lg_json_val *val) {
    if (it->opaque[0] == 0)
        return false;
    bool is_obj = (it->opaque[3] & 1u) != 0;
    uint64_t end_words[2] = {it->opaque[2], it->opaque[3] >> 1};
    if (it->opaque[0] == end_words[0] && it->opaque[1] == end_words[1])
        return false;
    if (is_obj) {
        object::iterator cur, end;
        std::memcpy(static_cast<void *>(&cur), &it->opaque[0], sizeof cur);
        std::memcpy(static_cast<void *>(&end), end_words, sizeof end);
        if (!(cur != end))
            return false;
        std::string_view k = cur.key();
        if (key)
            *key = k.data();
        if (keylen)
            *keylen = k.size();
        if (val)
            *val = wrap(cur.value());
        ++cur;
        std::memcpy(&it->opaque[0], &cur, sizeof cur);
    } else {
        array::iterator cur, end;
        std::memcpy(static_cast<void *>(&cur), &it->opaque[0], sizeof cur);
        std::memcpy(static_cast<void *>(&end), end_words, sizeof end);
        if (!(cur != end))
            return false;
        if (key)
            *key = nullptr;
        if (keylen)
            *keylen = 0;
        if (val)
            *val = wrap(*cur);
        ++cur;
        std::memcpy(&it->opaque[0], &cur, sizeof cur);
    }
    return true;
}

char *lg_json_minify(lg_json_val v, size_t *len) {
    if (is_missing(v))
        return nullptr;
    simdjson::internal::string_builder<> sb;
    sb.append(unwrap(v));
    std::string_view sv = sb.str();
    char *out = static_cast<char *>(std::malloc(sv.size() + 1));
    if (!out)
        return nullptr;
    std::memcpy(out, sv.data(), sv.size());
    out[sv.size()] = '\0';
    if (len)
        *len = sv.size();
    return out;
}

} /* extern "C" */
