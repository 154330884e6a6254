/*
 * processor/kafka/demo.c - demo producer and derived-topic reader.
 */
#include "processor/kafka/demo.h"
#include "processor/kafka/client.h"

#include "processor/json/json.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COMP "demo"

static bool is_demo_dir(const char *dir) {
    char p[PATH_MAX];
    struct stat st;
    int n = snprintf(p, sizeof(p), "%.*s/cloudtrail.jsonl", PATH_MAX - 32, dir);
    if (n < 0 || (size_t)n >= sizeof(p))
        return false;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int lg_demo_locate(const char *hint, char *out, size_t out_size, char *errstr, size_t errstr_size) {
    char exe[PATH_MAX], cand[4][PATH_MAX];
    size_t n = 0;
    if (hint) {
        snprintf(cand[n++], PATH_MAX, "%s", hint);
    } else {
        snprintf(cand[n++], PATH_MAX, "deploy/demo");
#ifdef LG_SCHEMAS_DIR
        snprintf(cand[n++], PATH_MAX, "%s/../deploy/demo", LG_SCHEMAS_DIR);
#endif
        ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (len > 0) {
            exe[len] = '\0';
            char *slash = strrchr(exe, '/');
            if (slash)
                *slash = '\0';
            snprintf(cand[n++], PATH_MAX, "%.*s/../deploy/demo", PATH_MAX - 20, exe);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (is_demo_dir(cand[i])) {
            snprintf(out, out_size, "%s", cand[i]);
            return 0;
        }
    }
    snprintf(errstr, errstr_size, "demo data (cloudtrail.jsonl ...) not found in %s%s%s%s%s",
             cand[0], n > 1 ? ", " : "", n > 1 ? cand[1] : "", n > 2 ? ", " : "",
             n > 2 ? cand[2] : "");
    return -1;
}

static int produce_file(rd_kafka_t *rk, const char *topic, const char *path, int64_t *produced,
                        char *errstr, size_t errstr_size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errstr, errstr_size, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        rd_kafka_resp_err_t err;
        while ((err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                        RD_KAFKA_V_VALUE(line, (size_t)len),
                                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                        RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 50);
        if (err) {
            snprintf(errstr, errstr_size, "produce to %s: %s", topic, rd_kafka_err2str(err));
            goto cleanup;
        }
        (*produced)++;
    }
    rc = 0;
cleanup:
    free(line);
    fclose(f);
    return rc;
}

int lg_demo_produce(const lg_config *c, const char *bootstrap, const char *dir, int64_t *produced,
                    char *errstr, size_t errstr_size) {
    const char *names[] = {"okta", "github", "cloudtrail", "bedrock"};
    const char *topics[] = {c->topics_okta, c->topics_github, c->topics_cloudtrail,
                            c->topics_bedrock};
    int rc = -1;
    *produced = 0;
    rd_kafka_conf_t *conf = lg_kafka_client_conf(c, bootstrap, errstr, errstr_size);
    if (!conf)
        return -1;
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    for (size_t i = 0; i < 4; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%.*s/%s.jsonl", PATH_MAX - 32, dir, names[i]);
        if (produce_file(rk, topics[i], path, produced, errstr, errstr_size) != 0)
            goto cleanup;
    }
    rd_kafka_resp_err_t err = rd_kafka_flush(rk, 30000);
    if (err) {
        snprintf(errstr, errstr_size, "demo producer flush: %s", rd_kafka_err2str(err));
        goto cleanup;
    }
    lg_log(LG_LOG_INFO, COMP, "produced %lld demo messages from %s", (long long)*produced, dir);
    rc = 0;
cleanup:
    rd_kafka_destroy(rk);
    return rc;
}

struct lg_demo_watch {
    rd_kafka_t *rk;
    lg_json_parser *json;
    int64_t seen[LG_DERIVED_TYPE_COUNT];
};

lg_demo_watch *lg_demo_watch_new(const char *bootstrap, const char *topic, char *errstr,
                                 size_t errstr_size) {
    lg_demo_watch *w = calloc(1, sizeof(*w));
    rd_kafka_topic_partition_list_t *parts = NULL;
    rd_kafka_conf_t *conf = NULL;
    if (!w || !(w->json = lg_json_parser_new())) {
        snprintf(errstr, errstr_size, "out of memory");
        goto fail;
    }
    conf = lg_kafka_client_conf(NULL, bootstrap, errstr, errstr_size);
    if (!conf || rd_kafka_conf_set(conf, "group.id", "lineaged-demo-reader", errstr, errstr_size) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, errstr_size))
        goto fail;
    w->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
    if (!w->rk)
        goto fail;
    conf = NULL;
    rd_kafka_poll_set_consumer(w->rk);
    /* The derived topic of the embedded cluster has one partition. */
    parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t err = rd_kafka_assign(w->rk, parts);
    if (err) {
        snprintf(errstr, errstr_size, "demo reader: assign %s: %s", topic, rd_kafka_err2str(err));
        goto fail;
    }
    rd_kafka_topic_partition_list_destroy(parts);
    return w;
fail:
    if (parts)
        rd_kafka_topic_partition_list_destroy(parts);
    if (conf)
        rd_kafka_conf_destroy(conf);
    lg_demo_watch_destroy(w);
    return NULL;
}

static const char *jstr(lg_json_val v, const char *path, char *buf, size_t size) {
    const char *s;
    size_t n;
    if (!lg_json_str(lg_json_path(v, path), &s, &n))
        return "-";
    snprintf(buf, size, "%.*s", (int)n, s);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?'; /* no terminal escapes */
    return buf;
}

static void print_derived(lg_demo_watch *w, FILE *out, const char *buf, size_t len) {
    char err[256], t[40], type[64], sid[160], kind[40], name[160], owner[160], st[40], reason[400];
    lg_json_val root;
    if (lg_json_parse(w->json, buf, len, &root, err, sizeof(err)) != 0) {
        lg_log(LG_LOG_WARN, COMP, "derived topic: undecodable event: %s", err);
        return;
    }
    int ti = lg_derived_type_from_name(jstr(root, "type", type, sizeof(type)));
    if (ti >= 0)
        w->seen[ti]++;
    if (!out)
        return;
    bool priv = false;
    lg_json_bool(lg_json_get(root, "privileged"), &priv);
    const char *nm = jstr(root, "subject/name", name, sizeof(name));
    const char *ow = jstr(root, "owner/id", owner, sizeof(owner));
    fprintf(out, "%-24s %-34s %-12s %s%s%s%s  owner=%s%s%s%s  %s%s\n",
            jstr(root, "event_time", t, sizeof(t)), type,
            jstr(root, "subject/kind", kind, sizeof(kind)),
            jstr(root, "subject/id", sid, sizeof(sid)), *nm != '-' ? " (" : "",
            *nm != '-' ? nm : "", *nm != '-' ? ")" : "", *ow != '-' ? ow : "(none)",
            *ow != '-' ? " [" : "", *ow != '-' ? jstr(root, "owner/status", st, sizeof(st)) : "",
            *ow != '-' ? "]" : "", priv ? "privileged; " : "",
            jstr(root, "reason", reason, sizeof(reason)));
    fflush(out);
}

int lg_demo_watch_poll(lg_demo_watch *w, FILE *out, int timeout_ms) {
    int n = 0;
    rd_kafka_message_t *m = rd_kafka_consumer_poll(w->rk, timeout_ms);
    while (m) {
        if (!m->err) {
            print_derived(w, out, m->payload, m->len);
            n++;
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            lg_log(LG_LOG_WARN, COMP, "derived topic: %s", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
        m = rd_kafka_consumer_poll(w->rk, 0);
    }
    return n;
}

int64_t lg_demo_watch_seen(const lg_demo_watch *w, lg_derived_type t) {
    return (int)t >= 0 && t < LG_DERIVED_TYPE_COUNT ? w->seen[t] : 0;
}

void lg_demo_watch_destroy(lg_demo_watch *w) {
    if (!w)
        return;
    if (w->rk) {
        rd_kafka_consumer_close(w->rk);
        rd_kafka_destroy(w->rk);
    }
    lg_json_parser_destroy(w->json);
    free(w);
}
