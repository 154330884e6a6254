/*
 * sinks/outputs/outputs.c - configuration -> Kafka + webhooks + revocation.
 */
#include "sinks/outputs/outputs.h"

#include "sinks/fanout/fanout.h"
#include "sinks/kafka/kafka_sink.h"
#include "sinks/registry/registry.h"
#include "sinks/webhook/webhook_sink.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_log(const lg_outputs_opts *o, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void out_log(const lg_outputs_opts *o, int level, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (o->log)
        o->log(o->log_opaque, level, msg);
    else
        fprintf(stderr, "lineaged: sinks/outputs: %s\n", msg);
}

/* Kafka sink of the configuration; takes *conf. */
static lg_sink *kafka_from_config(const lg_outputs_opts *o, rd_kafka_conf_t **conf, char *errstr,
                                  size_t errstr_size) {
    const lg_config *c = o->config;
    lg_registry *reg = NULL;
    lg_sink *s = NULL;
    size_t n = c->rdkafka_keys.n;
    const char **props = calloc(2 * n + 1, sizeof(*props));
    if (!props) {
        snprintf(errstr, errstr_size, "outputs: out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        props[2 * i] = c->rdkafka_keys.v[i];
        props[2 * i + 1] = c->rdkafka_vals.v[i];
    }
    bool json = o->json || strcmp(c->output_format, "json") == 0;
    lg_sink_kafka_opts ko = {.conf = *conf,
                             .brokers = o->bootstrap ? o->bootstrap : c->kafka_brokers,
                             .props = props,
                             .nprops = n,
                             .topic = c->topics_derived,
                             .deadletter_topic = c->topics_deadletter,
                             .format = json ? LG_SINK_KAFKA_JSON : LG_SINK_KAFKA_AVRO,
                             .log = o->log,
                             .log_opaque = o->log_opaque};
    *conf = NULL; /* the Kafka sink owns it from here */
    if (ko.brokers && !*ko.brokers)
        ko.brokers = NULL;
    if (*c->registry_url && json) {
        out_log(o, 4, "registry.url is ignored: derived events go out as JSON");
    } else if (*c->registry_url) {
        int st = lg_registry_strategy_from_name(c->registry_subject_strategy);
        lg_registry_opts ro = {.url = c->registry_url, .deadline_ms = c->registry_timeout_ms};
        ro.http.user_info = c->registry_user_info;
        ro.http.ca_file = c->registry_ca_location;
        ro.http.cert_file = c->registry_certificate_location;
        ro.http.key_file = c->registry_key_location;
        ro.http.no_verify = !c->registry_ssl_verify;
        ro.http.timeout_ms = c->registry_timeout_ms;
        if (st < 0) {
            snprintf(errstr, errstr_size, "registry.subject.strategy: unknown \"%s\"",
                     c->registry_subject_strategy);
            rd_kafka_conf_destroy(ko.conf);
            goto cleanup;
        }
        if (!(reg = lg_registry_new(&ro, errstr, errstr_size))) {
            rd_kafka_conf_destroy(ko.conf);
            goto cleanup;
        }
        ko.registry = reg;
        ko.subject_strategy = (lg_registry_strategy)st;
    }
    s = lg_sink_kafka_new(&ko, errstr, errstr_size);
cleanup:
    lg_registry_destroy(reg);
    free(props);
    return s;
}

/* "<state_dir>/<name>" into buf, or the configured path. */
static const char *path_or_default(const char *configured, const char *state_dir, const char *name,
                                   char *buf, size_t size) {
    if (configured && *configured)
        return configured;
    if (!state_dir || !*state_dir)
        return NULL;
    snprintf(buf, size, "%s/%s", state_dir, name);
    return buf;
}

/* Adds the revocation hook endpoint from revoke.*. */
static int add_revoke(const lg_outputs_opts *o, lg_webhook_endpoints *eps, char *errstr,
                      size_t errstr_size) {
    const lg_config *c = o->config;
    char err[512], num[32], audit[4096];
    if (!*c->revoke_url) {
        if (c->revoke_types.n) {
            snprintf(errstr, errstr_size, "revoke.types is set but revoke.url is empty");
            return -1;
        }
        return 0;
    }
    if (c->revoke_types.n == 0) {
        out_log(o, 4, "revoke.url is set but revoke.types is empty: the revocation hook is off");
        return 0;
    }
    const char *audit_path = path_or_default(c->revoke_audit_file, o->state_dir,
                                             "revocations.jsonl", audit, sizeof(audit));
    if (!audit_path) {
        snprintf(errstr, errstr_size, "revoke: no revoke.audit.file and no state directory");
        return -1;
    }
    lg_webhook_endpoint *e = lg_webhook_endpoints_add(eps, "revoke", err, sizeof(err));
    if (!e)
        goto fail;
    lg_strbuf types = LG_STRBUF_INIT;
    for (size_t i = 0; i < c->revoke_types.n; i++)
        if ((i && lg_strbuf_putc(&types, ',')) || lg_strbuf_puts(&types, c->revoke_types.v[i])) {
            lg_strbuf_free(&types);
            snprintf(err, sizeof(err), "out of memory");
            goto fail;
        }
    int rc = lg_webhook_endpoint_set(e, "types", types.data, err, sizeof(err));
    lg_strbuf_free(&types);
    if (rc || lg_webhook_endpoint_set(e, "url", c->revoke_url, err, sizeof(err)) ||
        lg_webhook_endpoint_set(e, "template", "revoke", err, sizeof(err)) ||
        lg_webhook_endpoint_set(e, "dry_run", c->revoke_dry_run ? "true" : "false", err,
                                sizeof(err)) ||
        lg_webhook_endpoint_set(e, "audit.file", audit_path, err, sizeof(err)) ||
        (*c->revoke_secret_file &&
         lg_webhook_endpoint_set(e, "secret.file", c->revoke_secret_file, err, sizeof(err))))
        goto fail;
    snprintf(num, sizeof(num), "%lld", (long long)c->revoke_timeout_ms);
    if (lg_webhook_endpoint_set(e, "timeout", num, err, sizeof(err)))
        goto fail;
    snprintf(num, sizeof(num), "%lld", (long long)c->revoke_max_retries);
    if (lg_webhook_endpoint_set(e, "max.retries", num, err, sizeof(err)))
        goto fail;
    out_log(o, 6, "revocation hook on for %zu type(s), %s; audit in %s", c->revoke_types.n,
            c->revoke_dry_run ? "dry run (calls are recorded, not sent)" : "live", audit_path);
    return 0;
fail:
    snprintf(errstr, errstr_size, "revoke: %s", err);
    return -1;
}

/* The webhook sink of webhook.endpoints.file and revoke.*, or NULL in *out
 * when neither is configured. */
static int webhook_from_config(const lg_outputs_opts *o, lg_sink **out, char *errstr,
                               size_t errstr_size) {
    const lg_config *c = o->config;
    lg_webhook_endpoints eps = {0};
    char outbox[4096], dl[4096];
    int rc = -1;
    *out = NULL;
    if (*c->webhook_endpoints_file &&
        lg_webhook_endpoints_load(&eps, c->webhook_endpoints_file, errstr, errstr_size) != 0)
        goto cleanup;
    if (add_revoke(o, &eps, errstr, errstr_size) != 0)
        goto cleanup;
    if (eps.n == 0) {
        rc = 0;
        goto cleanup;
    }
    lg_sink_webhook_opts wo = {
        .endpoints = &eps,
        .outbox_dir = path_or_default(c->webhook_outbox_dir, o->state_dir, "webhook-outbox", outbox,
                                      sizeof(outbox)),
        .deadletter_path = path_or_default(c->webhook_deadletter_file, o->state_dir,
                                           "webhook-deadletter.jsonl", dl, sizeof(dl)),
        .log = o->log,
        .log_opaque = o->log_opaque};
    if (!wo.outbox_dir || !wo.deadletter_path) {
        snprintf(errstr, errstr_size,
                 "webhooks need a state directory (or webhook.outbox.dir and "
                 "webhook.deadletter.file)");
        goto cleanup;
    }
    size_t n = eps.n;
    if (!(*out = lg_sink_webhook_new(&wo, errstr, errstr_size)))
        goto cleanup;
    out_log(o, 6, "webhooks: %zu endpoint(s), outbox %s", n, wo.outbox_dir);
    rc = 0;
cleanup:
    lg_webhook_endpoints_free(&eps);
    return rc;
}

lg_sink *lg_outputs_new(const lg_outputs_opts *o, char *errstr, size_t errstr_size) {
    lg_sink *primary = o->primary, *hooks = NULL;
    rd_kafka_conf_t *conf = o->producer_conf;
    if (webhook_from_config(o, &hooks, errstr, errstr_size) != 0)
        goto fail;
    if (primary && conf) {
        rd_kafka_conf_destroy(conf);
        conf = NULL;
    }
    if (!primary && !(primary = kafka_from_config(o, &conf, errstr, errstr_size)))
        goto fail;
    if (!hooks)
        return primary;
    lg_sink *both[2] = {primary, hooks};
    return lg_sink_fanout_new(both, 2, errstr, errstr_size);
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    lg_sink_destroy(primary);
    lg_sink_destroy(hooks);
    return NULL;
}

lg_sink *lg_outputs_primary(lg_sink *s) {
    return lg_sink_fanout_count(s) ? lg_sink_fanout_child(s, 0) : s;
}

lg_sink *lg_outputs_webhook(lg_sink *s) {
    return lg_sink_fanout_count(s) ? lg_sink_fanout_child(s, 1) : NULL;
}
