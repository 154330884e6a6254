/*
 * processor/sources/github/github.h - GitHub audit-log events to lineage
 * facts.
 *
 * Required: a parsable time (@timestamp, else created_at, else
 * at_sign_timestamp: epoch milliseconds or a date string). The event id is
 * _document_id; when it is absent a stable id "gh-" + 32 hex digits is
 * synthesised from two 64-bit FNV-1a hashes of the minified event, so a
 * re-delivered copy of the same event gets the same id.
 */
#ifndef LG_SOURCES_GITHUB_H
#define LG_SOURCES_GITHUB_H

#include "processor/sources/parse_util.h"

/** Maps one GitHub audit event into *rec. Returns 0, or -1 with a reason in
 *  errstr ("github: missing @timestamp"). Strings are borrowed (fact.h). */
int lg_gh_parse(lg_src_env *env, lg_json_val ev, lg_record *rec, char *errstr, size_t errstr_size);

/** True when a token scope is "admin-level": any "admin:*" scope, site_admin
 *  or delete_repo (not repo or workflow: they write code, administer nothing). */
bool lg_gh_scope_is_admin(lg_str scope);

#endif
