/*
 * sinks/revoke/revoke.h - the revocation hook's request: what lineaged
 * asks a revocation service to do about a derived event's subject.
 *
 * The hook is a webhook endpoint (sinks/webhook) with the "revoke"
 * template, dry run on by default and an audit record of every call
 * (sinks/outputs builds it from the revoke.* keys). The body is the derived
 * event's JSON (sinks/json: type, event_id, event_time, subject, owner,
 * privileged, reason, resolves, tenant, evidence, chain, schema_version)
 * with two members in front:
 *   "action":       the suggested action, lg_revoke_action();
 *   "requested_by": "lineaged/<version>".
 * docs/sinks.md documents it with an example.
 *
 * Ownership: events are borrowed; output is appended to a caller buffer.
 */
#ifndef LG_SINKS_REVOKE_REVOKE_H
#define LG_SINKS_REVOKE_REVOKE_H

#include "sinks/derived.h"
#include "sinks/strbuf.h"

/** Suggested action for ev's subject (static string):
 *  disable_access_key (access_key), revoke_sessions (sts_session,
 *  iam_role, federated_user), disable_user (iam_user),
 *  disable_service_credential, revoke_token (GitHub tokens, Okta API
 *  tokens), delete_key (GitHub deploy/SSH keys), suspend_installation
 *  (GitHub App installations), deactivate_app (Okta service apps),
 *  disable_agent (agents), review (anything else), and "none" for the
 *  *.resolved types (the condition ended). */
const char *lg_revoke_action(const lg_derived *ev);

/** Appends the request body. Returns 0 or -1 (ENOMEM). */
int lg_revoke_encode(const lg_derived *ev, lg_strbuf *out);

#endif
