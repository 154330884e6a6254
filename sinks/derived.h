/*
 * sinks/derived.h - a derived event: what the detectors publish when a
 * lineage condition begins or ends. Encoders (JSON, Avro) and transports
 * (stdout, file, Kafka) take this struct; they never look at the graph.
 *
 * Ownership: all strings are BORROWED (NUL-terminated) and valid only for
 * the duration of the call that hands the struct over. A sink that keeps an
 * event past that call must copy it (lg_derived_copy) or encode it first.
 */
#ifndef LG_SINKS_DERIVED_H
#define LG_SINKS_DERIVED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lg_derived_type {
    LG_DERIVED_ORPHAN_NEW = 0,               /* "orphan.new" */
    LG_DERIVED_ORPHAN_RESOLVED = 1,          /* "orphan.resolved" */
    LG_DERIVED_PRIV_OWNERLESS = 2,           /* "privileged_key.ownerless" */
    LG_DERIVED_PRIV_OWNERLESS_RESOLVED = 3,  /* "privileged_key.ownerless.resolved" */
    LG_DERIVED_AGENT_DEPARTED_PRINCIPAL = 4, /* "agent.departed_principal" */
    LG_DERIVED_USED_AFTER_DEPARTURE = 5,     /* "credential.used_after_departure" */
} lg_derived_type;
#define LG_DERIVED_TYPE_COUNT 6

/* Version of the derived-event record layout, carried as schema_version in
 * every encoding (JSON and Avro). Bump it when schemas/ gains a field. */
#define LG_DERIVED_SCHEMA_VERSION 1

#define LG_DERIVED_MAX_EVIDENCE 16
#define LG_DERIVED_MAX_CHAIN 16

typedef struct lg_derived {
    lg_derived_type type;
    const char *event_id;      /* 32 lower-case hex chars, deterministic */
    int64_t event_time_ms;     /* when the condition began/ended, event time */
    const char *subject_id;    /* native id (access key id, ARN, token id...) */
    const char *subject_kind;  /* lg_node_kind_name() */
    const char *subject_name;  /* display name, may be NULL */
    const char *owner_id;      /* human e-mail, NULL when ownerless */
    const char *owner_status;  /* "active" / "suspended" / "departed", NULL if no owner */
    int64_t owner_departed_ms; /* departure time, 0 if not departed */
    bool privileged;
    const char *reason;   /* one sentence for people */
    const char *resolves; /* for *.resolved: event_id of the opening event, else NULL */
    const char *tenant;   /* may be NULL */
    size_t nevidence;
    const char *evidence[LG_DERIVED_MAX_EVIDENCE]; /* "source:event-id" */
    size_t nchain;
    const char *chain[LG_DERIVED_MAX_CHAIN]; /* subject -> ... -> owner, node ids */
} lg_derived;

/** Stable wire name of a type ("orphan.new", ...). Static string. */
const char *lg_derived_type_name(lg_derived_type t);

/** Parses a wire name; returns -1 when unknown. */
int lg_derived_type_from_name(const char *name);

#endif
