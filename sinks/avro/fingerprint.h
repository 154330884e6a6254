/*
 * sinks/avro/fingerprint.h - Avro Parsing Canonical Form and the 64-bit
 * Rabin fingerprint (CRC-64-AVRO) of the Avro specification, computed here
 * because libavro's C API does not expose them. Kafka messages carry the
 * fingerprint in a header so consumers without a schema registry can tell
 * which schema wrote a value.
 *
 * Ownership: schemas are borrowed; output goes to a caller-owned buffer.
 */
#ifndef LG_SINKS_AVRO_FINGERPRINT_H
#define LG_SINKS_AVRO_FINGERPRINT_H

#include "sinks/strbuf.h"

#include <avro.h>
#include <stddef.h>
#include <stdint.h>

/** Appends the Parsing Canonical Form of schema (full names, only the
 *  attributes that matter for reading, no whitespace) to out.
 *  Returns 0, or -1 on ENOMEM or an unsupported schema node. */
int lg_avro_canonical_form(avro_schema_t schema, lg_strbuf *out);

/** CRC-64-AVRO of p[0..len): the spec's fingerprint64. */
uint64_t lg_avro_crc64(const void *p, size_t len);

/** Formats a fingerprint as 16 lower-case hex digits of its 8 bytes in
 *  little-endian order: the byte order of Avro single-object encoding and
 *  the text fastavro.schema.fingerprint(..., "CRC-64-AVRO") returns.
 *  out must hold 17 bytes. Returns out. */
char *lg_avro_fingerprint_hex(uint64_t fp, char out[17]);

#endif
