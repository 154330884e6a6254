/*
 * sinks/http/http.c - libcurl easy handle with fixed options.
 */
#include "sinks/http/http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_TIMEOUT_MS 30000

struct lg_http {
    CURL *curl;
    char *user_info, *ca_file, *cert_file, *key_file, *user_agent;
    const atomic_bool *abort_flag;
    lg_http_response *cur; /* response being filled */
    char curl_err[CURL_ERROR_SIZE];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

static void global_init(void) {
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *dup_opt(const char *s, bool *oom) {
    if (!s || !*s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

void lg_http_destroy(lg_http *h) {
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    free(h->user_info);
    free(h->ca_file);
    free(h->cert_file);
    free(h->key_file);
    free(h->user_agent);
    free(h);
}

static size_t on_body(char *p, size_t size, size_t n, void *opaque) {
    lg_http *h = opaque;
    size_t len = size * n;
    if (lg_strbuf_append(&h->cur->body, p, len) != 0)
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *opaque) {
    lg_http *h = opaque;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
        h->cur->retry_after_ms = -1; /* a new response (e.g. after 100 Continue) */
        return len;
    }
    if (len > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        char value[128];
        size_t vl = len - (sizeof(name) - 1);
        if (vl >= sizeof(value))
            vl = sizeof(value) - 1;
        memcpy(value, p + sizeof(name) - 1, vl);
        value[vl] = '\0';
        h->cur->retry_after_ms = lg_http_parse_retry_after(value, (int64_t)time(NULL));
    }
    return len;
}

static int on_progress(void *opaque, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
    (void)dt, (void)dn, (void)ut, (void)un;
    lg_http *h = opaque;
    return h->abort_flag && atomic_load(h->abort_flag) ? 1 : 0;
}

lg_http *lg_http_new(const lg_http_opts *opts, char *errstr, size_t errstr_size) {
    static const lg_http_opts none = {0};
    bool oom = false;
    char ua[64];
    if (!opts)
        opts = &none;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        snprintf(errstr, errstr_size, "http: curl_global_init: %s", curl_easy_strerror(global_rc));
        return NULL;
    }
    lg_http *h = calloc(1, sizeof(*h));
    if (!h)
        goto oom;
    snprintf(ua, sizeof(ua), "lineaged/%s", LG_VERSION);
    h->user_info = dup_opt(opts->user_info, &oom);
    h->ca_file = dup_opt(opts->ca_file, &oom);
    h->cert_file = dup_opt(opts->cert_file, &oom);
    h->key_file = dup_opt(opts->key_file, &oom);
    h->user_agent = dup_opt(opts->user_agent ? opts->user_agent : ua, &oom);
    if (oom)
        goto oom;
    if (!(h->curl = curl_easy_init())) {
        snprintf(errstr, errstr_size, "http: curl_easy_init failed");
        lg_http_destroy(h);
        return NULL;
    }
    CURL *c = h->curl;
    long timeout = opts->timeout_ms > 0 ? (long)opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_err);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (h->user_info) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, h->user_info);
    }
    if (h->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
    if (h->cert_file)
        curl_easy_setopt(c, CURLOPT_SSLCERT, h->cert_file);
    if (h->key_file)
        curl_easy_setopt(c, CURLOPT_SSLKEY, h->key_file);
    if (opts->no_verify) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return h;
oom:
    snprintf(errstr, errstr_size, "http: out of memory");
    lg_http_destroy(h);
    return NULL;
}

void lg_http_set_abort_flag(lg_http *h, const atomic_bool *flag) {
    h->abort_flag = flag;
}

/* Transport failures that a retry cannot fix. */
static bool permanent(CURLcode cc) {
    switch (cc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_LOGIN_DENIED:
        return true;
    default:
        return false;
    }
}

int lg_http_request(lg_http *h, const char *method, const char *url, const char *const *headers,
                    const void *body, size_t len, lg_http_response *resp) {
    CURL *c = h->curl;
    struct curl_slist *hl = NULL, *t;
    int rc = -1;
    lg_strbuf_reset(&resp->body);
    resp->status = 0;
    resp->retry_after_ms = -1;
    resp->error[0] = '\0';
    resp->permanent = false;
    h->curl_err[0] = '\0';
    h->cur = resp;
    /* no "Expect: 100-continue" round trip for larger bodies */
    if (!(t = curl_slist_append(hl, "Expect:"))) {
        snprintf(resp->error, sizeof(resp->error), "out of memory");
        goto cleanup;
    }
    hl = t;
    for (size_t i = 0; headers && headers[i]; i++) {
        if (!(t = curl_slist_append(hl, headers[i]))) {
            snprintf(resp->error, sizeof(resp->error), "out of memory");
            goto cleanup;
        }
        hl = t;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") ? method : NULL);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") ? method : NULL);
    }
    CURLcode cc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    if (cc != CURLE_OK) {
        if (cc == CURLE_ABORTED_BY_CALLBACK)
            snprintf(resp->error, sizeof(resp->error), "aborted");
        else
            snprintf(resp->error, sizeof(resp->error), "%s%s%.160s", curl_easy_strerror(cc),
                     h->curl_err[0] ? ": " : "", h->curl_err);
        resp->status = 0;
        resp->permanent = permanent(cc);
        goto cleanup;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    rc = 0;
cleanup:
    h->cur = NULL;
    curl_slist_free_all(hl);
    return rc;
}

void lg_http_response_free(lg_http_response *resp) {
    if (!resp)
        return;
    lg_strbuf_free(&resp->body);
}

int64_t lg_http_parse_retry_after(const char *value, int64_t now_unix) {
    while (*value == ' ' || *value == '\t')
        value++;
    char buf[128];
    size_t n = strlen(value);
    while (n > 0 && isspace((unsigned char)value[n - 1]))
        n--;
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, value, n);
    buf[n] = '\0';
    bool digits = true;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)buf[i]))
            digits = false;
    if (digits) {
        if (n > 9)
            return -1; /* absurd: more than 31 years */
        return (int64_t)strtoll(buf, NULL, 10) * 1000;
    }
    time_t when = curl_getdate(buf, NULL);
    if (when == (time_t)-1)
        return -1;
    int64_t d = (int64_t)when - now_unix;
    return d > 0 ? d * 1000 : 0;
}

char *lg_http_redact_url(const char *url, char *out, size_t size) {
    const char *scheme = strstr(url, "://");
    const char *host = scheme ? scheme + 3 : url;
    const char *slash = strchr(host, '/');
    const char *at = strchr(host, '@');
    if (at && (!slash || at < slash))
        snprintf(out, size, "%.*s%s", (int)(host - url), url, at + 1);
    else
        snprintf(out, size, "%s", url);
    return out;
}
