/*
 * processor/config.h - lineaged configuration and logging.
 *
 * One table (config.c) declares every key: name, type, default, bounds and
 * documentation. The same table drives parsing, validation, the key listing
 * (`lineaged config`), the generated reference docs/configuration.md
 * (`lineaged config --markdown`) and the example deploy/lineaged.conf
 * (`lineaged config --example`). A second table holds the librdkafka
 * properties lineaged's consumers start from (lg_config_rdkafka_default),
 * which the reference lists too.
 *
 * File format: `key = value` lines, `#` comments, blank lines. Unknown keys
 * are an error reported with FILE:LINE. Keys starting with `rdkafka.` are not
 * in the table: they are kept, in order, and passed to librdkafka with the
 * prefix removed; the properties lineaged sets itself (group.id,
 * transactional.id, ...: a list in config.c) are refused with what to use
 * instead. Environment variables LINEAGED_<KEY> (dots as `_`,
 * upper-cased, e.g. LINEAGED_KAFKA_BROKERS) override the file.
 *
 * Ownership: lg_config_new() returns a config the caller owns and frees with
 * lg_config_destroy(). Every string and list in it is owned by the config and
 * valid until it is destroyed; callers read the fields but do not free them.
 */
#ifndef LG_PROCESSOR_CONFIG_H
#define LG_PROCESSOR_CONFIG_H

#include "processor/engine.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** A list of owned NUL-terminated strings. */
typedef struct lg_strlist {
    char **v;
    size_t n;
} lg_strlist;

/** The parsed configuration. Read the fields; do not free them. */
typedef struct lg_config {
    char *state_dir;
    char *kafka_brokers; /* "" = embedded mock cluster */
    char *kafka_group_id;
    char *topics_cloudtrail;
    char *topics_okta;
    char *topics_github;
    char *topics_bedrock;
    char *topics_derived;
    char *topics_deadletter;
    lg_strlist sources_enabled;
    char *output_format;        /* "avro" | "json" */
    char *processing_guarantee; /* "exactly_once" | "at_least_once" */
    int64_t processing_stages;  /* exactly_once: 2 (parse, graph) or 1 (both) */
    char *instance_id;          /* "" = host name */
    char *topics_facts;
    char *topics_changelog;
    int64_t facts_partitions;
    bool topics_create;
    int64_t topics_replication_factor;
    char *tenants_file;
    int64_t transaction_timeout_ms;
    int64_t ownerless_hold_ms;
    int64_t dedupe_retention_ms;
    int64_t batch_max_messages;
    int64_t batch_max_ms;
    int64_t batch_linger_ms;
    int64_t sink_flush_timeout_ms;
    int64_t input_max_bytes;
    char *owners_file;
    char *aliases_file;
    char *log_level;
    bool log_timestamps;
    int64_t cache_mb;
    int64_t cache_nodes;
    /* sinks: Schema Registry (Kafka values in the Confluent wire format) */
    char *registry_url; /* "" = no registry: bare Avro + fingerprint header */
    char *registry_subject_strategy;
    char *registry_user_info;
    char *registry_ca_location;
    char *registry_certificate_location;
    char *registry_key_location;
    bool registry_ssl_verify;
    int64_t registry_timeout_ms;
    /* sinks: webhooks (sinks/webhook) and the revocation hook (sinks/revoke) */
    char *webhook_endpoints_file;  /* "" = no webhooks */
    char *webhook_outbox_dir;      /* "" = <state.dir>/webhook-outbox */
    char *webhook_deadletter_file; /* "" = <state.dir>/webhook-deadletter.jsonl */
    char *revoke_url;              /* "" = no revocation hook */
    lg_strlist revoke_types;       /* derived types that call it; empty = none */
    bool revoke_dry_run;
    char *revoke_audit_file; /* "" = <state.dir>/revocations.jsonl */
    char *revoke_secret_file;
    int64_t revoke_timeout_ms;
    int64_t revoke_max_retries;
    /* the HTTP API and the lineage map (processor/api) */
    char *api_listen; /* "" = no API */
    char *api_token;  /* "" = none (loopback only) */
    char *api_token_file;
    int64_t api_refresh_ms;
    /* rdkafka.* passthrough: rdkafka_keys.v[i] (prefix removed) = vals.v[i] */
    lg_strlist rdkafka_keys;
    lg_strlist rdkafka_vals;
} lg_config;

/** Returns a config holding the defaults, or NULL on ENOMEM. Caller owns it. */
lg_config *lg_config_new(void);

/** Frees the config and everything in it. NULL is a no-op. */
void lg_config_destroy(lg_config *c);

/** Reads a config file into c (keys not in the file keep their value).
 *  Returns 0, or -1 with errstr "FILE:LINE: message" on the first bad line
 *  (unknown key, bad value, out of bounds) or "FILE: <strerror>" when the
 *  file cannot be read. */
int lg_config_load_file(lg_config *c, const char *path, char *errstr, size_t errstr_size);

/** Parses config text (as in a file); name is used in error messages. */
int lg_config_load_string(lg_config *c, const char *name, const char *text, char *errstr,
                          size_t errstr_size);

/** Sets one key from a string value, validating it. Returns 0 or -1 with
 *  errstr (without location). */
int lg_config_set(lg_config *c, const char *key, const char *value, char *errstr,
                  size_t errstr_size);

/** Applies LINEAGED_<KEY> environment overrides for every table key.
 *  Returns 0 or -1 with errstr naming the variable. */
int lg_config_load_env(lg_config *c, char *errstr, size_t errstr_size);

/** Output styles of lg_config_describe(). */
typedef enum lg_config_doc {
    LG_CONFIG_DOC_LIST = 0,     /* short listing (key, type, default) */
    LG_CONFIG_DOC_MARKDOWN = 1, /* docs/configuration.md */
    LG_CONFIG_DOC_EXAMPLE = 2,  /* deploy/lineaged.conf */
} lg_config_doc;

/** Writes the table-generated documentation to out. Returns 0 or -1 on a
 *  write error. Output is deterministic (a test compares it with the files
 *  committed in the repository). */
int lg_config_describe(FILE *out, lg_config_doc style);

/** lineaged's own default of librdkafka property key for its consumers
 *  (static storage; the table in config.c, listed in the reference), or
 *  NULL when it sets none. rdkafka.* keys override it. */
const char *lg_config_rdkafka_default(const char *key);

/** Writes the effective configuration as `key = value` lines. */
int lg_config_dump(const lg_config *c, FILE *out);

/** (id, e-mail) pairs read from a CSV file (owners.file, aliases.file). */
typedef struct lg_pairs {
    lg_pair *v; /* strings point into text */
    size_t n;
    char *text;
} lg_pairs;

/** Reads a CSV file of `id,email` lines (blank lines and `#` comments
 *  skipped, surrounding spaces and double quotes trimmed, e-mails
 *  lower-cased). An empty path gives an empty set. Returns 0, or -1 with
 *  errstr "FILE:LINE: ..." or "FILE: <strerror>". The caller frees the set
 *  with lg_pairs_free() (also after an error). */
int lg_pairs_load(lg_pairs *out, const char *path, char *errstr, size_t errstr_size);

/** Frees what lg_pairs_load() allocated; the struct is zeroed. NULL is a
 *  no-op. */
void lg_pairs_free(lg_pairs *p);

/** Fills an engine options struct from the configuration: cache size, flush
 *  timeout, and the owners/aliases read into *owners / *aliases (which the
 *  caller frees with lg_pairs_free() once the engine is closed). out->sinks
 *  and state_dir are left for the caller. Returns 0 or -1 with errstr. */
int lg_config_engine_opts(const lg_config *c, lg_engine_opts *out, lg_pairs *owners,
                          lg_pairs *aliases, char *errstr, size_t errstr_size);

/* ---- logging: stderr, one line per message, level and component ---- */

typedef enum lg_log_level {
    LG_LOG_ERROR = 0,
    LG_LOG_WARN = 1,
    LG_LOG_INFO = 2,
    LG_LOG_DEBUG = 3,
} lg_log_level;

/** Sets the process-wide log threshold (default INFO). */
void lg_log_set_level(lg_log_level level);

/** Parses "error|warn|info|debug"; returns -1 when unknown. */
int lg_log_level_from_name(const char *name);

/** Prefix each line with an ISO-8601 UTC timestamp (default true). */
void lg_log_set_timestamps(bool on);

bool lg_log_enabled(lg_log_level level);

/** Logs "LEVEL component: message" to stderr when level is enabled. */
void lg_log(lg_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LG_LOGE(comp, ...) lg_log(LG_LOG_ERROR, comp, __VA_ARGS__)
#define LG_LOGW(comp, ...) lg_log(LG_LOG_WARN, comp, __VA_ARGS__)
#define LG_LOGI(comp, ...) lg_log(LG_LOG_INFO, comp, __VA_ARGS__)
#define LG_LOGD(comp, ...)                                                                         \
    do {                                                                                           \
        if (lg_log_enabled(LG_LOG_DEBUG))                                                          \
            lg_log(LG_LOG_DEBUG, comp, __VA_ARGS__);                                               \
    } while (0)

#endif
