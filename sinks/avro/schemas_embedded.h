/*
 * sinks/avro/schemas_embedded.h - the Avro schemas of the schemas/ .avsc files,
 * compiled into the binary at build time (see embed_schemas.cmake and the
 * "sinks: embedded schemas" block of CMakeLists.txt), so the daemon never
 * reads schema files at run time.
 *
 * Ownership: everything here is static, read-only data.
 */
#ifndef LG_SINKS_AVRO_SCHEMAS_EMBEDDED_H
#define LG_SINKS_AVRO_SCHEMAS_EMBEDDED_H

#include <stddef.h>

typedef struct lg_avro_embedded {
    const char *name; /* file name without ".avsc": "orphan.new", "deadletter" */
    const char *json; /* the schema text, NUL-terminated */
    size_t len;       /* strlen(json) */
} lg_avro_embedded;

/** All embedded schemas, sorted by name. */
extern const lg_avro_embedded lg_avro_embedded_schemas[];
extern const size_t lg_avro_embedded_count;

#endif
