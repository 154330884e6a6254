/*
 * processor/factcodec.h - the binary form of a parsed record (state/fact.h)
 * on the internal facts topic between the two stages of `lineaged run`
 * (parse and normalise -> lineage graph).
 *
 * Format (version 1): u8 version, u8 source, varint zigzag time_ms, u8 failed,
 * strings event_id, event_name, tenant, varint nfacts, then per fact:
 * varints type, kind, actor_kind, parent_kind, status, flag and strings
 * subject, actor, parent, object, detail. A string is a varint length + 1
 * (0 = absent) followed by its bytes.
 *
 * Ownership: encode appends to a caller-owned lg_wbuf. decode fills a
 * caller-owned lg_record whose strings BORROW the input buffer.
 */
#ifndef LG_PROCESSOR_FACTCODEC_H
#define LG_PROCESSOR_FACTCODEC_H

#include "state/codec.h"
#include "state/fact.h"

#define LG_FACTCODEC_VERSION 1

/** Appends rec's encoding to w. Returns 0, or -1 on ENOMEM (w->oom). */
int lg_factcodec_encode(const lg_record *rec, lg_wbuf *w);

/** The source of the record encoded in buf[0..len), from its header alone
 *  (the rest is not decoded), and in *failed whether it is a failed call;
 *  LG_SRC_NONE and false when buf is not a record of this version. */
lg_source lg_factcodec_head(const void *buf, size_t len, bool *failed);

/** Decodes buf[0..len) into *rec: its header and rec->facts[0..nfacts)
 *  (the facts after them are not touched). Returns 0, or -1 on a malformed
 *  or unknown-version record. */
int lg_factcodec_decode(const void *buf, size_t len, lg_record *rec);

#endif
