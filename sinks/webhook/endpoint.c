/*
 * sinks/webhook/endpoint.c - endpoint settings and the endpoints file.
 */
#include "sinks/webhook/endpoint.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_MAX_RETRIES 10
#define DEFAULT_BACKOFF_INITIAL_MS 1000
#define DEFAULT_BACKOFF_MAX_MS 300000

static void endpoint_free(lg_webhook_endpoint *e) {
    free(e->url);
    if (e->secret)
        memset(e->secret, 0, e->secret_len);
    free(e->secret);
    for (size_t i = 0; i < e->nheaders; i++)
        free(e->headers[i]);
    free(e->headers);
    free(e->ca_file);
    free(e->audit_file);
}

void lg_webhook_endpoints_free(lg_webhook_endpoints *eps) {
    if (!eps)
        return;
    for (size_t i = 0; i < eps->n; i++)
        endpoint_free(&eps->v[i]);
    free(eps->v);
    eps->v = NULL;
    eps->n = 0;
}

static bool valid_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n >= LG_WEBHOOK_NAME_MAX)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
            return false;
    return true;
}

lg_webhook_endpoint *lg_webhook_endpoints_add(lg_webhook_endpoints *eps, const char *name,
                                              char *errstr, size_t errstr_size) {
    if (!valid_name(name)) {
        snprintf(errstr, errstr_size, "invalid endpoint name \"%s\" (1 to 63 of A-Z a-z 0-9 _ . -)",
                 name);
        return NULL;
    }
    for (size_t i = 0; i < eps->n; i++)
        if (strcmp(eps->v[i].name, name) == 0) {
            snprintf(errstr, errstr_size, "endpoint \"%s\" defined twice", name);
            return NULL;
        }
    lg_webhook_endpoint *nv = realloc(eps->v, (eps->n + 1) * sizeof(*nv));
    if (!nv) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    eps->v = nv;
    lg_webhook_endpoint *e = &nv[eps->n++];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    for (int t = 0; t < LG_DERIVED_TYPE_COUNT; t++)
        e->types[t] = true;
    e->tmpl = LG_WEBHOOK_JSON;
    e->timeout_ms = DEFAULT_TIMEOUT_MS;
    e->max_retries = DEFAULT_MAX_RETRIES;
    e->backoff_initial_ms = DEFAULT_BACKOFF_INITIAL_MS;
    e->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
    return e;
}

/* "500ms", "10s", "5m", "1h" or plain milliseconds. */
static int parse_duration(const char *v, int64_t *out) {
    errno = 0;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (end == v || errno || x < 0)
        return -1;
    int64_t mult = !*end || !strcmp(end, "ms") ? 1
                   : !strcmp(end, "s")         ? 1000
                   : !strcmp(end, "m")         ? 60000
                   : !strcmp(end, "h")         ? 3600000
                                               : 0;
    if (!mult || x > INT64_MAX / mult / 2)
        return -1;
    *out = (int64_t)x * mult;
    return 0;
}

static int parse_bool(const char *v, bool *out) {
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
        *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
        *out = false;
    else
        return -1;
    return 0;
}

static int set_string(char **field, const char *v) {
    char *d = strdup(v);
    if (!d)
        return -1;
    free(*field);
    *field = d;
    return 0;
}

static int set_types(lg_webhook_endpoint *e, const char *v, char *errstr, size_t errstr_size) {
    bool types[LG_DERIVED_TYPE_COUNT] = {false};
    char item[64];
    const char *s = v;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        size_t n = strcspn(s, ",");
        size_t m = n;
        while (m > 0 && s[m - 1] == ' ')
            m--;
        if (m == 0)
            break;
        snprintf(item, sizeof(item), "%.*s", (int)m, s);
        int t = lg_derived_type_from_name(item);
        if (t < 0) {
            snprintf(errstr, errstr_size, "types: unknown derived type \"%s\"", item);
            return -1;
        }
        types[t] = true;
        s += n;
    }
    memcpy(e->types, types, sizeof(types));
    return 0;
}

static int read_secret(lg_webhook_endpoint *e, const char *path, char *errstr, size_t errstr_size) {
    char buf[4096];
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errstr, errstr_size, "secret.file: %s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf), f);
    bool more = fgetc(f) != EOF;
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    if (more || n == 0) {
        snprintf(errstr, errstr_size, "secret.file: %s: %s", path,
                 more ? "larger than 4 KiB" : "empty");
        return -1;
    }
    buf[n] = '\0';
    int rc = lg_webhook_endpoint_set(e, "secret", buf, errstr, errstr_size);
    memset(buf, 0, sizeof(buf));
    return rc;
}

int lg_webhook_endpoint_set(lg_webhook_endpoint *e, const char *key, const char *value,
                            char *errstr, size_t errstr_size) {
    int64_t x;
    if (!strcmp(key, "url")) {
        if (strncmp(value, "http://", 7) && strncmp(value, "https://", 8)) {
            snprintf(errstr, errstr_size, "url: expected http:// or https://, got \"%s\"", value);
            return -1;
        }
        if (set_string(&e->url, value))
            goto oom;
    } else if (!strcmp(key, "types")) {
        return set_types(e, value, errstr, errstr_size);
    } else if (!strcmp(key, "template")) {
        int t = lg_webhook_template_from_name(value);
        if (t < 0) {
            snprintf(errstr, errstr_size, "template: \"%s\" (expected json, slack, ticket, revoke)",
                     value);
            return -1;
        }
        e->tmpl = (lg_webhook_template)t;
    } else if (!strcmp(key, "secret")) {
        if (!*value) {
            snprintf(errstr, errstr_size, "secret: empty");
            return -1;
        }
        if (e->secret)
            memset(e->secret, 0, e->secret_len);
        if (set_string(&e->secret, value))
            goto oom;
        e->secret_len = strlen(value);
    } else if (!strcmp(key, "secret.file")) {
        return read_secret(e, value, errstr, errstr_size);
    } else if (!strcmp(key, "timeout") || !strcmp(key, "backoff.initial") ||
               !strcmp(key, "backoff.max")) {
        if (parse_duration(value, &x) || x < 1) {
            snprintf(errstr, errstr_size, "%s: invalid duration \"%s\"", key, value);
            return -1;
        }
        *(!strcmp(key, "timeout")           ? &e->timeout_ms
          : !strcmp(key, "backoff.initial") ? &e->backoff_initial_ms
                                            : &e->backoff_max_ms) = x;
    } else if (!strcmp(key, "max.retries")) {
        char *end;
        errno = 0;
        long long r = strtoll(value, &end, 10);
        if (end == value || *end || errno || r < 0 || r > 1000) {
            snprintf(errstr, errstr_size, "max.retries: expected 0 .. 1000, got \"%s\"", value);
            return -1;
        }
        e->max_retries = r;
    } else if (!strcmp(key, "header")) {
        const char *colon = strchr(value, ':');
        if (!colon || colon == value || strpbrk(value, "\r\n")) {
            snprintf(errstr, errstr_size, "header: expected \"Name: value\", got \"%s\"", value);
            return -1;
        }
        char **nv = realloc(e->headers, (e->nheaders + 1) * sizeof(*nv));
        if (!nv)
            goto oom;
        e->headers = nv;
        if (!(nv[e->nheaders] = strdup(value)))
            goto oom;
        e->nheaders++;
    } else if (!strcmp(key, "ca.location")) {
        if (set_string(&e->ca_file, value))
            goto oom;
    } else if (!strcmp(key, "ssl.verify") || !strcmp(key, "dry_run")) {
        bool b;
        if (parse_bool(value, &b)) {
            snprintf(errstr, errstr_size, "%s: expected true or false, got \"%s\"", key, value);
            return -1;
        }
        if (!strcmp(key, "dry_run"))
            e->dry_run = b;
        else
            e->no_verify = !b;
    } else if (!strcmp(key, "audit.file")) {
        if (set_string(&e->audit_file, value))
            goto oom;
    } else {
        snprintf(errstr, errstr_size, "unknown endpoint key \"%s\"", key);
        return -1;
    }
    return 0;
oom:
    snprintf(errstr, errstr_size, "%s: out of memory", key);
    return -1;
}

int lg_webhook_endpoints_check(const lg_webhook_endpoints *eps, char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < eps->n; i++) {
        const lg_webhook_endpoint *e = &eps->v[i];
        if (!e->url) {
            snprintf(errstr, errstr_size, "endpoint [%s]: no url", e->name);
            return -1;
        }
        if (e->backoff_max_ms < e->backoff_initial_ms) {
            snprintf(errstr, errstr_size, "endpoint [%s]: backoff.max is below backoff.initial",
                     e->name);
            return -1;
        }
    }
    return 0;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int lg_webhook_endpoints_load(lg_webhook_endpoints *eps, const char *path, char *errstr,
                              size_t errstr_size) {
    char err[512], line[8192];
    int lineno = 0, rc = -1;
    size_t cur = (size_t)-1; /* index of the section being read */
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(errstr, errstr_size, "%s:%d: line too long", path, lineno);
            goto cleanup;
        }
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || close[1]) {
                snprintf(errstr, errstr_size, "%s:%d: expected \"[name]\"", path, lineno);
                goto cleanup;
            }
            *close = '\0';
            if (!lg_webhook_endpoints_add(eps, trim(s + 1), err, sizeof(err))) {
                snprintf(errstr, errstr_size, "%s:%d: %s", path, lineno, err);
                goto cleanup;
            }
            cur = eps->n - 1;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(errstr, errstr_size, "%s:%d: expected \"key = value\"", path, lineno);
            goto cleanup;
        }
        if (cur == (size_t)-1) {
            snprintf(errstr, errstr_size, "%s:%d: key outside an [endpoint] section", path, lineno);
            goto cleanup;
        }
        *eq = '\0';
        if (lg_webhook_endpoint_set(&eps->v[cur], trim(s), trim(eq + 1), err, sizeof(err))) {
            snprintf(errstr, errstr_size, "%s:%d: [%s] %s", path, lineno, eps->v[cur].name, err);
            goto cleanup;
        }
    }
    if (ferror(f)) {
        snprintf(errstr, errstr_size, "%s: read error", path);
        goto cleanup;
    }
    if (lg_webhook_endpoints_check(eps, err, sizeof(err)) != 0) {
        snprintf(errstr, errstr_size, "%s: %s", path, err);
        goto cleanup;
    }
    rc = 0;
cleanup:
    fclose(f);
    return rc;
}
