/*
 * sinks/avro/avro_encode.h - Avro binary encoding of derived events and
 * dead letters with the schemas of schemas/ (embedded in the binary).
 *
 * The encoder parses every schema ONCE in lg_avro_encoder_new() and keeps,
 * per schema, a generic value interface, one reusable value and a memory
 * writer: encoding an event resets the value, fills it and writes it into
 * a buffer the encoder owns. Output is the bare Avro datum (no container,
 * no registry prefix); readers pick the schema with the fingerprint.
 *
 * Ownership: the caller owns the encoder (lg_avro_encoder_destroy). Events
 * are borrowed. The bytes returned by an encode call belong to the encoder
 * and stay valid until the next encode call or destroy. Not thread-safe.
 */
#ifndef LG_SINKS_AVRO_ENCODE_H
#define LG_SINKS_AVRO_ENCODE_H

#include "sinks/derived.h"
#include "sinks/sink.h"

#include <avro.h>
#include <stddef.h>
#include <stdint.h>

/* Schema index of the dead-letter record (derived types use their enum). */
#define LG_AVRO_DEADLETTER LG_DERIVED_TYPE_COUNT
#define LG_AVRO_SCHEMA_COUNT (LG_DERIVED_TYPE_COUNT + 1)

typedef struct lg_avro_encoder lg_avro_encoder;

/** Parses the embedded schemas. Returns NULL and fills errstr on failure
 *  (missing or invalid schema, ENOMEM). */
lg_avro_encoder *lg_avro_encoder_new(char *errstr, size_t errstr_size);

/** Destroys the encoder. NULL is a no-op. */
void lg_avro_encoder_destroy(lg_avro_encoder *enc);

/** Encodes ev with the schema of its type. On success returns 0 and points
 *  *out / *outlen at the encoder's buffer (see ownership above). Returns -1
 *  with errstr on failure (unknown type, ENOMEM). NULL required strings
 *  (event_id, subject id/kind, reason, owner status) are encoded as "". */
int lg_avro_encode_derived(lg_avro_encoder *enc, const lg_derived *ev, const void **out,
                           size_t *outlen, char *errstr, size_t errstr_size);

/** Encodes a dead letter with schemas/deadletter.avsc; same contract. */
int lg_avro_encode_deadletter(lg_avro_encoder *enc, const lg_deadletter *dl, const void **out,
                              size_t *outlen, char *errstr, size_t errstr_size);

/** CRC-64-AVRO fingerprint of the Parsing Canonical Form of schema `which`
 *  (an lg_derived_type or LG_AVRO_DEADLETTER); 0 when out of range. */
uint64_t lg_avro_encoder_fingerprint(const lg_avro_encoder *enc, int which);

/** The parsed schema `which` (borrowed; valid while enc lives), or NULL. */
avro_schema_t lg_avro_encoder_schema(const lg_avro_encoder *enc, int which);

/** The embedded JSON text of schema `which` (static), or NULL; *len gets
 *  its length when len is not NULL. */
const char *lg_avro_schema_json(int which, size_t *len);

#endif
