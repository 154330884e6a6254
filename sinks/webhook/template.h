/*
 * sinks/webhook/template.h - request bodies of the webhook endpoints, one
 * per receiver shape (docs/sinks.md shows each):
 *   json    the derived event's JSON (sinks/json), unchanged;
 *   slack   a Slack incoming-webhook message: "text" (fallback) and
 *           "blocks" (a section with type, subject, owner, privilege and
 *           reason in mrkdwn, and a context line with event id, tenant and
 *           evidence);
 *   ticket  a ticket-shaped object: title, description, severity
 *           (critical|high|medium|info), status (open|resolved), labels,
 *           dedupe_key (event_id), correlation_key (the opening event's id,
 *           so a *.resolved closes the ticket its opening event opened) and
 *           the whole event;
 *   revoke  the revocation request of sinks/revoke.
 *
 * Ownership: events are borrowed; output is appended to a caller buffer.
 */
#ifndef LG_SINKS_WEBHOOK_TEMPLATE_H
#define LG_SINKS_WEBHOOK_TEMPLATE_H

#include "sinks/derived.h"
#include "sinks/strbuf.h"

typedef enum lg_webhook_template {
    LG_WEBHOOK_JSON = 0,
    LG_WEBHOOK_SLACK = 1,
    LG_WEBHOOK_TICKET = 2,
    LG_WEBHOOK_REVOKE = 3,
} lg_webhook_template;

/** Parses "json", "slack", "ticket", "revoke"; -1 when unknown. */
int lg_webhook_template_from_name(const char *name);

/** Static name of a template. */
const char *lg_webhook_template_name(lg_webhook_template t);

/** Appends the body of ev in template t. Returns 0 or -1 (ENOMEM). */
int lg_webhook_render(lg_webhook_template t, const lg_derived *ev, lg_strbuf *out);

#endif
