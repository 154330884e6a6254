/*
 * processor/config.c - the configuration table and everything generated
 * from it (parser, validation, docs, example file), plus stderr logging.
 */
#include "processor/config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum lg_conf_type {
    LG_CT_STRING,
    LG_CT_INT,
    LG_CT_BOOL,
    LG_CT_SIZE,     /* bytes, accepts K/M/G suffixes */
    LG_CT_DURATION, /* milliseconds, accepts ms/s/m/h suffixes */
    LG_CT_LIST,     /* comma-separated */
    LG_CT_PATH,
} lg_conf_type;

typedef struct lg_conf_prop {
    const char *key;
    lg_conf_type type;
    const char *def;     /* default, in the file syntax */
    int64_t min, max;    /* numeric bounds (INT, SIZE, DURATION) */
    const char *choices; /* "a|b|c" for enumerated strings/list items, or NULL */
    const char *doc;
    size_t offset;
} lg_conf_prop;

#define OFF(f) offsetof(lg_config, f)
#define KMAX INT64_C(1000000000)

/* The one table. Order is the order of the docs and the example file. */
static const lg_conf_prop props[] = {
    {"state.dir", LG_CT_PATH, "", 0, 0, NULL,
     "Directory of the RocksDB lineage state, created if missing. Required by `run` "
     "(`run --demo` uses a temporary directory when empty); `replay --state` overrides it.",
     OFF(state_dir)},
    {"kafka.brokers", LG_CT_STRING, "", 0, 0, NULL,
     "Kafka bootstrap servers (host:port,...). Empty: `run` starts an embedded Kafka "
     "(librdkafka mock cluster) in the process.",
     OFF(kafka_brokers)},
    {"kafka.group.id", LG_CT_STRING, "lineaged", 0, 0, NULL,
     "Consumer group of the input topics. Offsets are committed only after the derived "
     "events and the state of a batch are durable.",
     OFF(kafka_group_id)},
    {"topics.cloudtrail", LG_CT_STRING, "cloudtrail", 0, 0, NULL,
     "Input topic of AWS CloudTrail records (one record, a {\"Records\":[...]} envelope or "
     "an array per message).",
     OFF(topics_cloudtrail)},
    {"topics.okta", LG_CT_STRING, "okta", 0, 0, NULL, "Input topic of Okta System Log events.",
     OFF(topics_okta)},
    {"topics.github", LG_CT_STRING, "github", 0, 0, NULL, "Input topic of GitHub audit log events.",
     OFF(topics_github)},
    {"topics.bedrock", LG_CT_STRING, "bedrock", 0, 0, NULL,
     "Input topic of Amazon Bedrock model invocation log records.", OFF(topics_bedrock)},
    {"topics.derived", LG_CT_STRING, "lineage.derived", 0, 0, NULL,
     "Output topic of derived events (orphan.new, privileged_key.ownerless, ...).",
     OFF(topics_derived)},
    {"topics.deadletter", LG_CT_STRING, "lineage.deadletter", 0, 0, NULL,
     "Output topic of input messages that could not be used, with topic, partition, "
     "offset and reason.",
     OFF(topics_deadletter)},
    {"sources.enabled", LG_CT_LIST, "cloudtrail,okta,github,bedrock", 0, 0,
     "cloudtrail|okta|github|bedrock", "Sources whose input topics `run` subscribes to.",
     OFF(sources_enabled)},
    {"output.format", LG_CT_STRING, "avro", 0, 0, "avro|json",
     "Encoding of derived events on the Kafka output topic.", OFF(output_format)},
    {"processing.guarantee", LG_CT_STRING, "exactly_once", 0, 0, "exactly_once|at_least_once",
     "`exactly_once`: two stages joined by the internal facts topic, each committing its "
     "output, state changelog and input offsets in one Kafka transaction (read_committed "
     "consumers see every derived event once). `at_least_once`: one stage, no transactions, "
     "no changelog (re-delivered input is deduplicated, derived events may repeat after a "
     "crash).",
     OFF(processing_guarantee)},
    {"processing.stages", LG_CT_INT, "2", 1, 2, NULL,
     "`exactly_once` only. 2: a parse stage and a graph stage joined by the facts topic; "
     "the graph spreads over facts.partitions and the instances of the group. 1: one stage "
     "parses the input and applies it to the graph, committing derived events, changelog and "
     "input offsets in one transaction: no facts topic, one commit per event instead of two "
     "(lower latency, less broker work), but the whole graph in one state partition "
     "(changelog partition 0) on one active instance per group (a second instance fences the "
     "first). Switch between them only with the facts topic drained.",
     OFF(processing_stages)},
    {"instance.id", LG_CT_STRING, "", 0, 0, NULL,
     "Stable name of this instance, part of its Kafka transactional ids (a restarted "
     "instance fences its previous incarnation). When set, the consumers also use static "
     "membership (group.instance.id), so a restarted instance takes its partitions back "
     "without a rebalance. Empty: the host name, and no static membership. Give each "
     "instance of a consumer group its own.",
     OFF(instance_id)},
    {"topics.facts", LG_CT_STRING, "lineage.facts", 0, 0, NULL,
     "Internal topic between the parse stage and the graph stage (exactly_once): "
     "normalised lineage facts keyed by tenant.",
     OFF(topics_facts)},
    {"topics.changelog", LG_CT_STRING, "lineage.changelog", 0, 0, NULL,
     "Internal compacted topic holding every state change (exactly_once), partitioned like "
     "the facts topic: a new instance restores its state from it.",
     OFF(topics_changelog)},
    {"facts.partitions", LG_CT_INT, "1", 1, 1024, NULL,
     "Partitions of the facts and changelog topics when lineaged creates them. A tenant's "
     "graph lives in one partition; more partitions spread tenants over instances.",
     OFF(facts_partitions)},
    {"topics.create", LG_CT_BOOL, "true", 0, 0, NULL,
     "Create the internal topics at start when missing (changelog with "
     "cleanup.policy=compact).",
     OFF(topics_create)},
    {"topics.replication.factor", LG_CT_INT, "-1", -1, 32, NULL,
     "Replication factor of the internal topics lineaged creates (-1: the broker's "
     "default.replication.factor).",
     OFF(topics_replication_factor)},
    {"tenants.file", LG_CT_PATH, "", 0, 0, NULL,
     "CSV file mapping source tenants (AWS account or organisation id, Okta org, GitHub "
     "enterprise or org) to a tenant name, one `source-tenant,tenant` per line. Unmapped: "
     "the tenant `default`.",
     OFF(tenants_file)},
    {"transaction.timeout", LG_CT_DURATION, "10s", 1000, 900000, NULL,
     "Kafka transaction timeout: how long an open transaction of a crashed instance can "
     "hold back read_committed consumers.",
     OFF(transaction_timeout_ms)},
    {"detect.ownerless.hold", LG_CT_DURATION, "30s", 0, 86400000, NULL,
     "How long (processing time) a privileged key must stay without a human owner before "
     "`privileged_key.ownerless` is announced. CloudTrail exports are unsorted: a key and "
     "its policy can arrive before the CreateUser that names the owner. 0: at once. "
     "`replay` announces what is still held at the end of its input; `run --demo` uses 2 s.",
     OFF(ownerless_hold_ms)},
    {"dedupe.retention", LG_CT_DURATION, "30d", 0, 3650LL * 86400000, NULL,
     "How far behind the newest event time seen the re-delivery check remembers an event "
     "(every record but pure usage; its keys take 16 bytes each before compression). Older "
     "keys are dropped as RocksDB compacts; with exactly_once each batch deletes them, so "
     "that their tombstones keep the changelog bounded. A re-delivery older than this counts "
     "as a new event, but its facts apply idempotently and announce nothing twice. 0: forever. "
     "Accepts ms, s, m, h, d.",
     OFF(dedupe_retention_ms)},
    {"batch.max.messages", LG_CT_INT, "10000", 1, 10000000, NULL,
     "A batch is committed (state, derived events, input positions) after this many "
     "input messages.",
     OFF(batch_max_messages)},
    {"batch.max.ms", LG_CT_DURATION, "100ms", 1, 3600000, NULL,
     "... or after this long since the batch started (`run` only). Accepts ms, s, m, h.",
     OFF(batch_max_ms)},
    {"batch.linger.ms", LG_CT_DURATION, "0ms", 0, 3600000, NULL,
     "... or once no input has arrived for this long (`run` only). 0: as soon as the input "
     "runs dry, so a quiet stream is committed at once (lowest latency) and a busy one in "
     "batches of up to batch.max.ms; larger values make fewer, bigger transactions at low "
     "rates.",
     OFF(batch_linger_ms)},
    {"sink.flush.timeout", LG_CT_DURATION, "30s", 100, 3600000, NULL,
     "How long a commit waits for the output sink to confirm delivery before failing.",
     OFF(sink_flush_timeout_ms)},
    {"input.max.bytes", LG_CT_SIZE, "16M", 1024, INT64_C(1) << 31, NULL,
     "Largest accepted input message or line. Accepts K, M, G.", OFF(input_max_bytes)},
    {"owners.file", LG_CT_PATH, "", 0, 0, NULL,
     "CSV file of explicit owners, one `identity-id,owner-email` per line (e.g. "
     "`AKIA...,alice@example.com`). Empty: none.",
     OFF(owners_file)},
    {"aliases.file", LG_CT_PATH, "", 0, 0, NULL,
     "CSV file mapping GitHub logins to e-mails, one `github-login,email` per line. "
     "Empty: none.",
     OFF(aliases_file)},
    /* --- sinks: Schema Registry, webhooks, revocation hook (docs/sinks.md) --- */
    {"registry.url", LG_CT_STRING, "", 0, 0, NULL,
     "Schema Registry base URL (e.g. `https://sr.example:8081`). When set, the schema of each "
     "derived type is registered at start-up and Kafka values are framed in the Confluent wire "
     "format (magic byte 0, 4-byte schema id, Avro). Empty: bare Avro with the schema "
     "fingerprint in the `lineaged.schema.fingerprint` header.",
     OFF(registry_url)},
    {"registry.subject.strategy", LG_CT_STRING, "TopicRecordNameStrategy", 0, 0,
     "TopicNameStrategy|RecordNameStrategy|TopicRecordNameStrategy",
     "Subject naming: `<topic>-value`, `<record full name>` or `<topic>-<record full name>`. "
     "All six derived types share `topics.derived`, so TopicNameStrategy needs a subject "
     "compatibility of NONE.",
     OFF(registry_subject_strategy)},
    {"registry.basic.auth.user.info", LG_CT_STRING, "", 0, 0, NULL,
     "`user:password` for HTTP basic auth to the registry (prefer the environment variable "
     "LINEAGED_REGISTRY_BASIC_AUTH_USER_INFO). Empty: none.",
     OFF(registry_user_info)},
    {"registry.ssl.ca.location", LG_CT_PATH, "", 0, 0, NULL,
     "PEM CA bundle that signs the registry's certificate. Empty: the system store.",
     OFF(registry_ca_location)},
    {"registry.ssl.certificate.location", LG_CT_PATH, "", 0, 0, NULL,
     "PEM client certificate for mutual TLS with the registry. Empty: none.",
     OFF(registry_certificate_location)},
    {"registry.ssl.key.location", LG_CT_PATH, "", 0, 0, NULL,
     "PEM private key of `registry.ssl.certificate.location`.", OFF(registry_key_location)},
    {"registry.ssl.verify", LG_CT_BOOL, "true", 0, 0, NULL,
     "Verify the registry's certificate and host name. Turn off only for tests.",
     OFF(registry_ssl_verify)},
    {"registry.timeout", LG_CT_DURATION, "30s", 100, 3600000, NULL,
     "How long start-up keeps retrying an unreachable or failing (5xx) registry before it "
     "fails; also the limit of one request.",
     OFF(registry_timeout_ms)},
    {"webhook.endpoints.file", LG_CT_PATH, "", 0, 0, NULL,
     "File of webhook endpoints (`[name]` sections of `url`, `types`, `template` = "
     "json|slack|ticket, `secret.file`, `timeout`, `max.retries`, `header`...; see "
     "docs/sinks.md). Derived events are POSTed to each, signed, from a durable outbox. "
     "Empty: no webhooks.",
     OFF(webhook_endpoints_file)},
    {"webhook.outbox.dir", LG_CT_PATH, "", 0, 0, NULL,
     "Durable outbox (RocksDB) of webhook and revocation calls not yet delivered. Empty: "
     "`<state.dir>/webhook-outbox`.",
     OFF(webhook_outbox_dir)},
    {"webhook.deadletter.file", LG_CT_PATH, "", 0, 0, NULL,
     "JSON-lines file of webhook calls given up (a 4xx answer, or the retry budget spent), "
     "with the last status. Empty: `<state.dir>/webhook-deadletter.jsonl`.",
     OFF(webhook_deadletter_file)},
    {"revoke.url", LG_CT_STRING, "", 0, 0, NULL,
     "Revocation service endpoint, POSTed a JSON request (subject, owner, reason, evidence, "
     "suggested action such as `disable_access_key`) for each derived event of "
     "`revoke.types`. Empty: no revocation hook.",
     OFF(revoke_url)},
    {"revoke.types", LG_CT_LIST, "", 0, 0,
     "orphan.new|orphan.resolved|privileged_key.ownerless|privileged_key.ownerless.resolved|"
     "agent.departed_principal|credential.used_after_departure",
     "Derived event types that call the revocation service. Empty: none (opt-in).",
     OFF(revoke_types)},
    {"revoke.dry_run", LG_CT_BOOL, "true", 0, 0, NULL,
     "Record each revocation call in the audit file without sending it. Set false to "
     "really call `revoke.url`.",
     OFF(revoke_dry_run)},
    {"revoke.audit.file", LG_CT_PATH, "", 0, 0, NULL,
     "JSON-lines audit record of every revocation call and its answer (or dry run). Empty: "
     "`<state.dir>/revocations.jsonl`.",
     OFF(revoke_audit_file)},
    {"revoke.secret.file", LG_CT_PATH, "", 0, 0, NULL,
     "File holding the HMAC-SHA256 secret that signs revocation calls "
     "(X-Lineaged-Signature). Empty: unsigned.",
     OFF(revoke_secret_file)},
    {"revoke.timeout", LG_CT_DURATION, "10s", 100, 600000, NULL, "Timeout of one revocation call.",
     OFF(revoke_timeout_ms)},
    {"revoke.max.retries", LG_CT_INT, "10", 0, 1000, NULL,
     "Retries of a revocation call after a 5xx, 408, 429 or network error before it is "
     "dead-lettered.",
     OFF(revoke_max_retries)},
    /* --- end sinks --- */
    {"api.listen", LG_CT_STRING, "127.0.0.1:8080", 0, 0, NULL,
     "Address of the HTTP API and the lineage map (HOST:PORT or [V6]:PORT; port 0 = any free "
     "port). Empty: no API. Any address but loopback needs api.token or api.token.file.",
     OFF(api_listen)},
    {"api.token", LG_CT_STRING, "", 0, 0, NULL,
     "Bearer token every API request (but /healthz, /readyz and the map's static files) must "
     "carry as `Authorization: Bearer TOKEN`. Prefer api.token.file.",
     OFF(api_token)},
    {"api.token.file", LG_CT_PATH, "", 0, 0, NULL,
     "File whose first line is the API bearer token (overrides api.token).", OFF(api_token_file)},
    {"api.refresh", LG_CT_DURATION, "1s", 10, 3600000, NULL,
     "The API catches up with the daemon's latest commits at most this often. Accepts ms, s, "
     "m, h.",
     OFF(api_refresh_ms)},
    {"cache.mb", LG_CT_INT, "32", 1, 1048576, NULL,
     "RocksDB block cache size in MiB (per graph partition).", OFF(cache_mb)},
    {"cache.nodes", LG_CT_INT, "50000", 1000, 100000000, NULL,
     "Identities kept decoded in memory between batches (per graph partition), about "
     "0.8 KB each; a commit that finds it larger trims it to half, keeping the humans and "
     "the identities read more than once. With cache.mb the "
     "main term of memory use (measured at 1M identities: 200,000 nodes and 64 MiB peak at "
     "324 MB, 50,000 and 32 MiB at 193 MB, 9% slower on usage).",
     OFF(cache_nodes)},
    {"log.level", LG_CT_STRING, "info", 0, 0, "error|warn|info|debug",
     "Log threshold. Logs go to stderr, one line per message with level and component.",
     OFF(log_level)},
    {"log.timestamps", LG_CT_BOOL, "true", 0, 0, NULL,
     "Prefix log lines with an ISO-8601 UTC timestamp.", OFF(log_timestamps)},
};
#define NPROPS (sizeof(props) / sizeof(props[0]))

/* librdkafka properties lineaged's consumers get before the rdkafka.* keys,
 * which override them. processor/kafka/client.c reads the values from here,
 * so the reference cannot drift from the code. */
static const struct {
    const char *key, *value, *lib_default, *doc;
} rdkafka_defaults[] = {
    /* librdkafka looks at the prefetch queue's size only before it sends a
     * fetch, and decompresses the whole response into the queue when it
     * arrives (librdkafka issues 2076 and 2853). The bench's lz4 topics
     * compress about 6:1: with 8 MiB fetches a 16 MiB queue held up to
     * about 60 MB more. Measured with one stage building 1M NHIs: 8 MiB
     * 273-300 MB peak RSS, 2 MiB 243-248 MB, 1 MiB 237-242 MB; the 2 MiB
     * throughput median 11% below 8 MiB's, 1 MiB's 16% (performance.md). */
    {"fetch.max.bytes", "2097152", "52428800",
     "All consumers. librdkafka decompresses a whole fetch response into the prefetch queue, "
     "so a full queue can grow by this many bytes times the topics' compression ratio. "
     "Building 1M NHIs through one stage peaked at 273-300 MB RSS with 8 MiB and 243-248 MB "
     "with 2 MiB, for 11% less throughput (performance.md)."},
    {"fetch.wait.max.ms", "100", "500",
     "All consumers but the changelog restore's, which waits at most 10 ms so that the end "
     "of the changelog is noticed at once. The longest the broker holds a fetch of a quiet "
     "topic: latency it can add."},
    /* 16 MiB is several of the waker's intervals (LG_FETCHWAKE_INTERVAL_MS)
     * of a stage's work, so the queue refills before it runs dry. Measured
     * with processing.stages = 1: the same rate as 64 MiB (90,635 against
     * 84,180-95,557 events/s) and 50 MB less peak RSS. */
    {"queued.max.messages.kbytes", "16384", "65536",
     "The consumers of the input and facts topics (the changelog restore keeps librdkafka's "
     "default): about 11,000 CloudTrail records or 40,000 facts, the same rate as 64 MiB "
     "with 50 MB less peak RSS."},
    {"fetch.queue.backoff.ms", "50", "1000",
     "All consumers, with librdkafka 2.3 or later: how soon a consumer whose queue was full "
     "fetches again. Older librdkafka has no such property; there a thread per consumer "
     "wakes its fetchers every 50 ms while the queue is behind."},
};
#define NRDKAFKA (sizeof(rdkafka_defaults) / sizeof(rdkafka_defaults[0]))

/* librdkafka properties lineaged sets itself: as rdkafka.* keys they are
 * refused, since some would override lineaged's values and others would
 * be overridden without a word. */
static const struct {
    const char *key, *instead;
} rdkafka_reserved[] = {
    {"bootstrap.servers", "use kafka.brokers"},
    {"group.id", "use kafka.group.id"},
    {"group.instance.id", "instance.id sets it (static membership)"},
    {"transactional.id", "instance.id sets it (each stage has its own)"},
    {"transaction.timeout.ms", "use transaction.timeout"},
    {"enable.auto.commit", "lineaged commits offsets once a batch is durable"},
    {"enable.auto.offset.store", "lineaged commits offsets once a batch is durable"},
    {"auto.offset.reset", "a new consumer group starts at the earliest offset"},
    {"isolation.level", "lineaged reads read_committed"},
};
#define NRESERVED (sizeof(rdkafka_reserved) / sizeof(rdkafka_reserved[0]))

const char *lg_config_rdkafka_default(const char *key) {
    for (size_t i = 0; i < NRDKAFKA; i++)
        if (strcmp(rdkafka_defaults[i].key, key) == 0)
            return rdkafka_defaults[i].value;
    return NULL;
}

static const char *type_name(lg_conf_type t) {
    switch (t) {
    case LG_CT_STRING:
        return "string";
    case LG_CT_INT:
        return "int";
    case LG_CT_BOOL:
        return "bool";
    case LG_CT_SIZE:
        return "size";
    case LG_CT_DURATION:
        return "duration";
    case LG_CT_LIST:
        return "list";
    case LG_CT_PATH:
        return "path";
    }
    return "?";
}

static const lg_conf_prop *find_prop(const char *key) {
    for (size_t i = 0; i < NPROPS; i++)
        if (strcmp(props[i].key, key) == 0)
            return &props[i];
    return NULL;
}

static void strlist_clear(lg_strlist *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int strlist_push(lg_strlist *l, const char *s, size_t n) {
    char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
    if (!nv)
        return -1;
    l->v = nv;
    l->v[l->n] = strndup(s, n);
    if (!l->v[l->n])
        return -1;
    l->n++;
    return 0;
}

/* True when [s, s+n) is one of the '|'-separated choices. */
static bool in_choices(const char *choices, const char *s, size_t n) {
    const char *p = choices;
    while (*p) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, s, n) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

/* Parses a number with an optional unit suffix. units: NULL-terminated
 * suffix/multiplier pairs; the empty suffix gives the base unit. */
typedef struct unit {
    const char *suffix;
    int64_t mult;
} unit;

static const unit size_units[] = {{"", 1},
                                  {"b", 1},
                                  {"k", 1024},
                                  {"kb", 1024},
                                  {"m", 1024 * 1024},
                                  {"mb", 1024 * 1024},
                                  {"g", INT64_C(1) << 30},
                                  {"gb", INT64_C(1) << 30},
                                  {NULL, 0}};
static const unit duration_units[] = {{"", 1},        {"ms", 1},       {"s", 1000}, {"m", 60000},
                                      {"h", 3600000}, {"d", 86400000}, {NULL, 0}};
static const unit no_units[] = {{"", 1}, {NULL, 0}};

static int parse_scaled(const char *v, const unit *units, int64_t *out) {
    errno = 0;
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    if (end == v || errno)
        return -1;
    char suf[8];
    size_t n = 0;
    while (*end && n + 1 < sizeof(suf))
        suf[n++] = (char)tolower((unsigned char)*end++);
    suf[n] = '\0';
    if (*end)
        return -1;
    for (const unit *u = units; u->suffix; u++) {
        if (strcmp(u->suffix, suf) == 0) {
            if (x != 0 && (x > INT64_MAX / u->mult || x < INT64_MIN / u->mult))
                return -1;
            *out = (int64_t)x * u->mult;
            return 0;
        }
    }
    return -1;
}

static int set_prop(lg_config *c, const lg_conf_prop *p, const char *value, char *errstr,
                    size_t errstr_size) {
    void *field = (char *)c + p->offset;
    switch (p->type) {
    case LG_CT_STRING:
    case LG_CT_PATH: {
        if (p->choices && !in_choices(p->choices, value, strlen(value))) {
            snprintf(errstr, errstr_size, "%s: invalid value \"%s\" (expected %s)", p->key, value,
                     p->choices);
            return -1;
        }
        char *dup = strdup(value);
        if (!dup) {
            snprintf(errstr, errstr_size, "%s: out of memory", p->key);
            return -1;
        }
        free(*(char **)field);
        *(char **)field = dup;
        return 0;
    }
    case LG_CT_BOOL: {
        bool b;
        if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "on") ||
            !strcmp(value, "1"))
            b = true;
        else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "off") ||
                 !strcmp(value, "0"))
            b = false;
        else {
            snprintf(errstr, errstr_size, "%s: invalid bool \"%s\" (expected true or false)",
                     p->key, value);
            return -1;
        }
        *(bool *)field = b;
        return 0;
    }
    case LG_CT_INT:
    case LG_CT_SIZE:
    case LG_CT_DURATION: {
        const unit *u = p->type == LG_CT_SIZE       ? size_units
                        : p->type == LG_CT_DURATION ? duration_units
                                                    : no_units;
        int64_t x;
        if (parse_scaled(value, u, &x) != 0) {
            snprintf(errstr, errstr_size, "%s: invalid %s \"%s\"", p->key, type_name(p->type),
                     value);
            return -1;
        }
        if (x < p->min || x > p->max) {
            snprintf(errstr, errstr_size, "%s: value %s out of range [%" PRId64 ", %" PRId64 "]",
                     p->key, value, p->min, p->max);
            return -1;
        }
        *(int64_t *)field = x;
        return 0;
    }
    case LG_CT_LIST: {
        lg_strlist nl = {NULL, 0};
        const char *s = value;
        while (*s) {
            while (*s == ' ' || *s == ',')
                s++;
            if (!*s)
                break;
            const char *e = s;
            while (*e && *e != ',')
                e++;
            const char *t = e;
            while (t > s && t[-1] == ' ')
                t--;
            if (p->choices && !in_choices(p->choices, s, (size_t)(t - s))) {
                snprintf(errstr, errstr_size, "%s: invalid item \"%.*s\" (expected %s)", p->key,
                         (int)(t - s), s, p->choices);
                strlist_clear(&nl);
                return -1;
            }
            if (strlist_push(&nl, s, (size_t)(t - s)) != 0) {
                snprintf(errstr, errstr_size, "%s: out of memory", p->key);
                strlist_clear(&nl);
                return -1;
            }
            s = e;
        }
        strlist_clear((lg_strlist *)field);
        *(lg_strlist *)field = nl;
        return 0;
    }
    }
    return -1;
}

lg_config *lg_config_new(void) {
    char err[256];
    lg_config *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    for (size_t i = 0; i < NPROPS; i++)
        if (set_prop(c, &props[i], props[i].def, err, sizeof(err)) != 0)
            goto fail;
    return c;
fail:
    lg_config_destroy(c);
    return NULL;
}

void lg_config_destroy(lg_config *c) {
    if (!c)
        return;
    for (size_t i = 0; i < NPROPS; i++) {
        void *field = (char *)c + props[i].offset;
        if (props[i].type == LG_CT_STRING || props[i].type == LG_CT_PATH)
            free(*(char **)field);
        else if (props[i].type == LG_CT_LIST)
            strlist_clear((lg_strlist *)field);
    }
    strlist_clear(&c->rdkafka_keys);
    strlist_clear(&c->rdkafka_vals);
    free(c);
}

int lg_config_set(lg_config *c, const char *key, const char *value, char *errstr,
                  size_t errstr_size) {
    static const char rdk[] = "rdkafka.";
    if (strncmp(key, rdk, sizeof(rdk) - 1) == 0) {
        const char *k = key + sizeof(rdk) - 1;
        if (!*k) {
            snprintf(errstr, errstr_size, "%s: empty librdkafka property name", key);
            return -1;
        }
        for (size_t i = 0; i < NRESERVED; i++)
            if (strcmp(k, rdkafka_reserved[i].key) == 0) {
                snprintf(errstr, errstr_size,
                         "%s: lineaged sets this librdkafka property itself; %s", key,
                         rdkafka_reserved[i].instead);
                return -1;
            }
        for (size_t i = 0; i < c->rdkafka_keys.n; i++) {
            if (strcmp(c->rdkafka_keys.v[i], k) == 0) {
                char *dup = strdup(value);
                if (!dup)
                    goto oom;
                free(c->rdkafka_vals.v[i]);
                c->rdkafka_vals.v[i] = dup;
                return 0;
            }
        }
        if (strlist_push(&c->rdkafka_keys, k, strlen(k)) != 0)
            goto oom;
        if (strlist_push(&c->rdkafka_vals, value, strlen(value)) != 0) {
            free(c->rdkafka_keys.v[--c->rdkafka_keys.n]);
            goto oom;
        }
        return 0;
    }
    const lg_conf_prop *p = find_prop(key);
    if (!p) {
        snprintf(errstr, errstr_size, "unknown configuration key \"%s\"", key);
        return -1;
    }
    return set_prop(c, p, value, errstr, errstr_size);
oom:
    snprintf(errstr, errstr_size, "%s: out of memory", key);
    return -1;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

int lg_config_load_string(lg_config *c, const char *name, const char *text, char *errstr,
                          size_t errstr_size) {
    char err[512];
    int rc = -1;
    int lineno = 0;
    char *buf = strdup(text);
    if (!buf) {
        snprintf(errstr, errstr_size, "%s: out of memory", name);
        return -1;
    }
    char *line = buf;
    while (line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        char *s = trim(line);
        if (*s && *s != '#') {
            char *eq = strchr(s, '=');
            if (!eq) {
                snprintf(errstr, errstr_size, "%s:%d: expected \"key = value\"", name, lineno);
                goto cleanup;
            }
            *eq = '\0';
            char *key = trim(s);
            char *val = trim(eq + 1);
            if (!*key) {
                snprintf(errstr, errstr_size, "%s:%d: missing key before '='", name, lineno);
                goto cleanup;
            }
            if (lg_config_set(c, key, val, err, sizeof(err)) != 0) {
                snprintf(errstr, errstr_size, "%s:%d: %s", name, lineno, err);
                goto cleanup;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    rc = 0;
cleanup:
    free(buf);
    return rc;
}

/* Reads a whole text file (at most 16 MiB) into a malloc'd NUL-terminated
 * buffer. Returns 0 or -1 with errstr naming the file. */
static int read_text_file(const char *path, char **out, char *errstr, size_t errstr_size) {
    int rc = -1;
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0)
        goto io;
    long size = ftell(f);
    if (size < 0 || size > (1 << 24) || fseek(f, 0, SEEK_SET) != 0)
        goto io;
    text = malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size)
        goto io;
    text[size] = '\0';
    if (memchr(text, '\0', (size_t)size)) {
        snprintf(errstr, errstr_size, "%s: not a text file", path);
        goto cleanup;
    }
    *out = text;
    text = NULL;
    rc = 0;
    goto cleanup;
io:
    snprintf(errstr, errstr_size, "%s: cannot read: %s", path, errno ? strerror(errno) : "error");
cleanup:
    free(text);
    fclose(f);
    return rc;
}

int lg_config_load_file(lg_config *c, const char *path, char *errstr, size_t errstr_size) {
    char *text = NULL;
    if (read_text_file(path, &text, errstr, errstr_size) != 0)
        return -1;
    int rc = lg_config_load_string(c, path, text, errstr, errstr_size);
    free(text);
    return rc;
}

static char *trim_field(char *s) {
    s = trim(s);
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        s++;
    }
    return s;
}

int lg_pairs_load(lg_pairs *out, const char *path, char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    if (!path || !*path)
        return 0;
    if (read_text_file(path, &out->text, errstr, errstr_size) != 0)
        return -1;
    size_t cap = 0;
    int lineno = 0;
    char *line = out->text;
    while (line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        char *s = trim(line);
        line = nl ? nl + 1 : NULL;
        if (!*s || *s == '#')
            continue;
        char *comma = strchr(s, ',');
        if (!comma) {
            snprintf(errstr, errstr_size, "%s:%d: expected \"id,email\"", path, lineno);
            return -1;
        }
        *comma = '\0';
        char *id = trim_field(s), *email = trim_field(comma + 1);
        if (!*id || !strchr(email, '@') || strchr(email, ',')) {
            snprintf(errstr, errstr_size, "%s:%d: expected \"id,email\"", path, lineno);
            return -1;
        }
        for (char *e = email; *e; e++)
            *e = (char)tolower((unsigned char)*e);
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            lg_pair *nv = realloc(out->v, cap * sizeof(*nv));
            if (!nv) {
                snprintf(errstr, errstr_size, "%s: out of memory", path);
                return -1;
            }
            out->v = nv;
        }
        out->v[out->n].id = id;
        out->v[out->n].email = email;
        out->n++;
    }
    return 0;
}

void lg_pairs_free(lg_pairs *p) {
    if (!p)
        return;
    free(p->v);
    free(p->text);
    memset(p, 0, sizeof(*p));
}

int lg_config_engine_opts(const lg_config *c, lg_engine_opts *out, lg_pairs *owners,
                          lg_pairs *aliases, char *errstr, size_t errstr_size) {
    if (lg_pairs_load(owners, c->owners_file, errstr, errstr_size) != 0 ||
        lg_pairs_load(aliases, c->aliases_file, errstr, errstr_size) != 0)
        return -1;
    out->owners = owners->v;
    out->nowners = owners->n;
    out->aliases = aliases->v;
    out->naliases = aliases->n;
    out->cache_mb = (size_t)c->cache_mb;
    out->cache_nodes = (size_t)c->cache_nodes;
    out->sink_flush_timeout_ms = (int)c->sink_flush_timeout_ms;
    out->ownerless_hold_ms = c->ownerless_hold_ms;
    out->dedupe_retention_ms = c->dedupe_retention_ms;
    return 0;
}

/* LINEAGED_ + key with '.' as '_', upper-cased. */
static void env_name(const char *key, char *out, size_t size) {
    size_t n = (size_t)snprintf(out, size, "LINEAGED_");
    for (const char *k = key; *k && n + 1 < size; k++)
        out[n++] = *k == '.' ? '_' : (char)toupper((unsigned char)*k);
    out[n] = '\0';
}

int lg_config_load_env(lg_config *c, char *errstr, size_t errstr_size) {
    char name[128], err[512];
    for (size_t i = 0; i < NPROPS; i++) {
        env_name(props[i].key, name, sizeof(name));
        const char *v = getenv(name);
        if (!v)
            continue;
        if (set_prop(c, &props[i], v, err, sizeof(err)) != 0) {
            snprintf(errstr, errstr_size, "environment %s: %s", name, err);
            return -1;
        }
    }
    return 0;
}

/* ---- generated documentation ---- */

static const char *display_default(const lg_conf_prop *p) {
    return p->def[0] ? p->def : "(empty)";
}

/* Numeric bounds or the enumerated values, joined by sep. */
static void write_range(FILE *out, const lg_conf_prop *p, const char *sep) {
    if (p->type == LG_CT_INT || p->type == LG_CT_SIZE || p->type == LG_CT_DURATION)
        fprintf(out, "%" PRId64 " .. %" PRId64 "%s", p->min, p->max,
                p->type == LG_CT_DURATION ? " ms"
                : p->type == LG_CT_SIZE   ? " bytes"
                                          : "");
    else if (p->choices)
        for (const char *c = p->choices; *c; c++)
            fputs(*c == '|' ? sep : (char[]){*c, 0}, out);
}

/* Writes doc wrapped at ~78 columns, each line starting with prefix. */
static void write_wrapped(FILE *out, const char *prefix, const char *doc) {
    const size_t width = 78 - strlen(prefix);
    const char *s = doc;
    while (*s) {
        size_t len = strlen(s);
        size_t take = len;
        if (len > width) {
            take = width;
            while (take > 0 && s[take] != ' ')
                take--;
            if (take == 0)
                take = width;
        }
        fprintf(out, "%s%.*s\n", prefix, (int)take, s);
        s += take;
        while (*s == ' ')
            s++;
    }
}

int lg_config_describe(FILE *out, lg_config_doc style) {
    switch (style) {
    case LG_CONFIG_DOC_LIST:
        for (size_t i = 0; i < NPROPS; i++) {
            const lg_conf_prop *p = &props[i];
            fprintf(out, "  %-20s %-8s default %s\n", p->key, type_name(p->type),
                    display_default(p));
            write_wrapped(out, "        ", p->doc);
        }
        fprintf(out, "  rdkafka.*            passed to librdkafka with the prefix removed\n");
        break;
    case LG_CONFIG_DOC_MARKDOWN:
        fprintf(out, "# lineaged configuration reference\n\n"
                     "<!-- GENERATED by `lineaged config --markdown` from the tables in "
                     "processor/config.c. Do not edit. -->\n\n"
                     "A configuration file holds `key = value` lines; `#` starts a comment "
                     "line and blank lines are ignored. Unknown keys are an error reported as "
                     "`FILE:LINE`. Pass it with `--config FILE`. An environment variable "
                     "`LINEAGED_<KEY>` (dots as underscores, upper case, e.g. "
                     "`LINEAGED_KAFKA_BROKERS`) overrides the file.\n\n"
                     "Types: `size` accepts the suffixes K, M, G (powers of 1024); `duration` "
                     "accepts ms, s, m, h, d (no suffix: milliseconds); `list` is "
                     "comma-separated; `bool` is true/false.\n\n"
                     "| Key | Type | Default | Range / values | Description |\n"
                     "|---|---|---|---|---|\n");
        for (size_t i = 0; i < NPROPS; i++) {
            const lg_conf_prop *p = &props[i];
            fprintf(out, "| `%s` | %s | %s%s%s | ", p->key, type_name(p->type),
                    p->def[0] ? "`" : "", display_default(p), p->def[0] ? "`" : "");
            write_range(out, p, ", ");
            fprintf(out, " | ");
            for (const char *d = p->doc; *d; d++)
                fputs(*d == '|' ? "\\|" : (char[]){*d, 0}, out);
            fprintf(out, " |\n");
        }
        fprintf(out, "\n## librdkafka properties\n\n"
                     "Any key starting with `rdkafka.` is passed to librdkafka (consumer and "
                     "producer) with the prefix removed, e.g. `rdkafka.security.protocol = "
                     "SASL_SSL`. See librdkafka's CONFIGURATION.md for the names.\n\n"
                     "lineaged's consumers start from these values instead of librdkafka's "
                     "defaults; an `rdkafka.` key overrides each (e.g. "
                     "`rdkafka.fetch.max.bytes = 8388608` where memory is not bounded):\n\n"
                     "| Property | lineaged | librdkafka | Where and why |\n"
                     "|---|---|---|---|\n");
        for (size_t i = 0; i < NRDKAFKA; i++)
            fprintf(out, "| `%s` | `%s` | `%s` | %s |\n", rdkafka_defaults[i].key,
                    rdkafka_defaults[i].value, rdkafka_defaults[i].lib_default,
                    rdkafka_defaults[i].doc);
        fprintf(out, "\nThese properties lineaged sets itself; as `rdkafka.` keys they are an "
                     "error:\n\n");
        for (size_t i = 0; i < NRESERVED; i++)
            fprintf(out, "- `%s`: %s\n", rdkafka_reserved[i].key, rdkafka_reserved[i].instead);
        break;
    case LG_CONFIG_DOC_EXAMPLE:
        fprintf(out, "# lineaged example configuration.\n"
                     "# GENERATED by `lineaged config --example`; every key is shown with its\n"
                     "# default value. See docs/configuration.md.\n");
        for (size_t i = 0; i < NPROPS; i++) {
            const lg_conf_prop *p = &props[i];
            fprintf(out, "\n");
            write_wrapped(out, "# ", p->doc);
            fprintf(out, "# Type: %s", type_name(p->type));
            if (p->choices || p->type == LG_CT_INT || p->type == LG_CT_SIZE ||
                p->type == LG_CT_DURATION) {
                fprintf(out, ", range: ");
                write_range(out, p, "|");
            }
            fprintf(out, "\n%s =%s%s\n", p->key, p->def[0] ? " " : "", p->def);
        }
        fprintf(out, "\n# librdkafka properties pass through with the \"rdkafka.\" prefix "
                     "removed:\n# rdkafka.security.protocol = SASL_SSL\n");
        break;
    }
    return ferror(out) ? -1 : 0;
}

int lg_config_dump(const lg_config *c, FILE *out) {
    for (size_t i = 0; i < NPROPS; i++) {
        const lg_conf_prop *p = &props[i];
        const void *field = (const char *)c + p->offset;
        fprintf(out, "%s = ", p->key);
        switch (p->type) {
        case LG_CT_STRING:
        case LG_CT_PATH:
            fprintf(out, "%s", *(char *const *)field);
            break;
        case LG_CT_BOOL:
            fprintf(out, "%s", *(const bool *)field ? "true" : "false");
            break;
        case LG_CT_INT:
        case LG_CT_SIZE:
            fprintf(out, "%" PRId64, *(const int64_t *)field);
            break;
        case LG_CT_DURATION:
            fprintf(out, "%" PRId64 "ms", *(const int64_t *)field);
            break;
        case LG_CT_LIST: {
            const lg_strlist *l = field;
            for (size_t j = 0; j < l->n; j++)
                fprintf(out, "%s%s", j ? "," : "", l->v[j]);
            break;
        }
        }
        fprintf(out, "\n");
    }
    for (size_t i = 0; i < c->rdkafka_keys.n; i++)
        fprintf(out, "rdkafka.%s = %s\n", c->rdkafka_keys.v[i], c->rdkafka_vals.v[i]);
    return ferror(out) ? -1 : 0;
}

/* ---- logging ---- */

static lg_log_level log_threshold = LG_LOG_INFO;
static bool log_ts = true;

void lg_log_set_level(lg_log_level level) {
    log_threshold = level;
}

void lg_log_set_timestamps(bool on) {
    log_ts = on;
}

int lg_log_level_from_name(const char *name) {
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

bool lg_log_enabled(lg_log_level level) {
    return level <= log_threshold;
}

void lg_log(lg_log_level level, const char *component, const char *fmt, ...) {
    static const char *tags[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    if (!lg_log_enabled(level))
        return;
    char line[2048];
    size_t n = 0;
    if (log_ts) {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n += strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
        n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ ", ts.tv_nsec / 1000000);
    }
    n += (size_t)snprintf(line + n, sizeof(line) - n, "%s %s: ", tags[level], component);
    if (n < sizeof(line)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof(line) - n, fmt, ap);
        va_end(ap);
    }
    fprintf(stderr, "%s\n", line);
}
