/*
 * sinks/webhook/template.c - json, slack, ticket and revoke bodies.
 */
#include "sinks/webhook/template.h"

#include "sinks/json/json_encode.h"
#include "sinks/revoke/revoke.h"

#include <stdbool.h>
#include <string.h>

static const char *const names[] = {"json", "slack", "ticket", "revoke"};

int lg_webhook_template_from_name(const char *name) {
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

const char *lg_webhook_template_name(lg_webhook_template t) {
    return (unsigned)t < 4 ? names[t] : "?";
}

static bool resolved(const lg_derived *ev) {
    return ev->type == LG_DERIVED_ORPHAN_RESOLVED || ev->type == LG_DERIVED_PRIV_OWNERLESS_RESOLVED;
}

static const char *or_dash(const char *s) {
    return s && *s ? s : "-";
}

/* Slack mrkdwn: &, < and > are control characters (links, mentions). */
static int put_mrkdwn(lg_strbuf *b, const char *s) {
    for (; s && *s; s++) {
        int rc = *s == '&'   ? lg_strbuf_puts(b, "&amp;")
                 : *s == '<' ? lg_strbuf_puts(b, "&lt;")
                 : *s == '>' ? lg_strbuf_puts(b, "&gt;")
                             : lg_strbuf_putc(b, *s);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* One-line summary, plain text: "orphan.new: access_key AKIA... (name)". */
static int put_summary(lg_strbuf *b, const lg_derived *ev) {
    if (lg_strbuf_printf(b, "%s: %s %s", lg_derived_type_name(ev->type), or_dash(ev->subject_kind),
                         or_dash(ev->subject_id)) != 0)
        return -1;
    if (ev->subject_name && lg_strbuf_printf(b, " (%s)", ev->subject_name) != 0)
        return -1;
    return 0;
}

/* "alice@x (departed 2024-04-30)" or "none". */
static int put_owner_text(lg_strbuf *b, const lg_derived *ev) {
    char t[40];
    if (!ev->owner_id)
        return lg_strbuf_puts(b, "none");
    if (lg_strbuf_printf(b, "%s (%s", ev->owner_id, or_dash(ev->owner_status)) != 0)
        return -1;
    if (ev->owner_departed_ms &&
        lg_strbuf_printf(b, " %.10s", lg_json_format_time(ev->owner_departed_ms, t, sizeof(t))))
        return -1;
    return lg_strbuf_putc(b, ')');
}

/* Appends "key": <JSON string of text>, text built in tmp. */
static int put_json_text(lg_strbuf *out, const char *key, const lg_strbuf *text, bool first) {
    return lg_strbuf_printf(out, "%s\"%s\":", first ? "" : ",", key) ||
                   lg_json_append_string(out, text->data ? text->data : "", text->len)
               ? -1
               : 0;
}

static int render_slack(const lg_derived *ev, lg_strbuf *out, lg_strbuf *tmp) {
    char t[40];
    lg_strbuf_reset(tmp);
    if (lg_strbuf_puts(tmp, "lineaged ") || put_summary(tmp, ev) ||
        lg_strbuf_puts(tmp, ", owner ") || put_owner_text(tmp, ev) ||
        lg_strbuf_printf(tmp, ": %s", or_dash(ev->reason)) || lg_strbuf_putc(out, '{') ||
        put_json_text(out, "text", tmp, true))
        return -1;
    /* section: bold type, code subject, owner, privilege, reason */
    lg_strbuf_reset(tmp);
    if (lg_strbuf_printf(tmp, "%s *%s*  `",
                         resolved(ev) ? ":white_check_mark:" : ":rotating_light:",
                         lg_derived_type_name(ev->type)) ||
        put_mrkdwn(tmp, or_dash(ev->subject_id)) || lg_strbuf_puts(tmp, "` (") ||
        put_mrkdwn(tmp, or_dash(ev->subject_kind)) ||
        (ev->subject_name && (lg_strbuf_puts(tmp, ", ") || put_mrkdwn(tmp, ev->subject_name))) ||
        lg_strbuf_puts(tmp, ")\n*Owner:* "))
        return -1;
    lg_strbuf owner = LG_STRBUF_INIT;
    int rc =
        put_owner_text(&owner, ev) || put_mrkdwn(tmp, owner.data) ||
        lg_strbuf_printf(tmp, "\n*Privileged:* %s\n*Reason:* ", ev->privileged ? "yes" : "no") ||
        put_mrkdwn(tmp, or_dash(ev->reason));
    lg_strbuf_free(&owner);
    if (rc ||
        lg_strbuf_puts(out, ",\"blocks\":[{\"type\":\"section\",\"text\":{\"type\":"
                            "\"mrkdwn\",") ||
        put_json_text(out, "text", tmp, true) || lg_strbuf_puts(out, "}}"))
        return -1;
    /* context: event id, time, tenant, evidence */
    lg_strbuf_reset(tmp);
    if (lg_strbuf_printf(tmp, "event_id %s · %s", or_dash(ev->event_id),
                         lg_json_format_time(ev->event_time_ms, t, sizeof(t))) ||
        (ev->tenant && (lg_strbuf_puts(tmp, " · tenant ") || put_mrkdwn(tmp, ev->tenant))))
        return -1;
    for (size_t i = 0; i < ev->nevidence && i < LG_DERIVED_MAX_EVIDENCE; i++)
        if (lg_strbuf_puts(tmp, i ? ", " : " · evidence ") || put_mrkdwn(tmp, ev->evidence[i]))
            return -1;
    return lg_strbuf_puts(out, ",{\"type\":\"context\",\"elements\":[{\"type\":\"mrkdwn\",") ||
                   put_json_text(out, "text", tmp, true) || lg_strbuf_puts(out, "}]}]}")
               ? -1
               : 0;
}

static const char *severity(const lg_derived *ev) {
    if (resolved(ev))
        return "info";
    if (ev->type == LG_DERIVED_USED_AFTER_DEPARTURE)
        return "critical";
    if (ev->privileged || ev->type == LG_DERIVED_PRIV_OWNERLESS ||
        ev->type == LG_DERIVED_AGENT_DEPARTED_PRINCIPAL)
        return "high";
    return "medium";
}

static int render_ticket(const lg_derived *ev, lg_strbuf *out, lg_strbuf *tmp) {
    lg_strbuf_reset(tmp);
    if (lg_strbuf_puts(tmp, "[lineaged] ") || put_summary(tmp, ev) ||
        lg_strbuf_puts(tmp, ", owner ") || put_owner_text(tmp, ev) || lg_strbuf_putc(out, '{') ||
        put_json_text(out, "title", tmp, true))
        return -1;
    lg_strbuf_reset(tmp);
    if (lg_strbuf_printf(tmp, "%s\n\nPrivileged: %s\nLineage: ", or_dash(ev->reason),
                         ev->privileged ? "yes" : "no"))
        return -1;
    for (size_t i = 0; i < ev->nchain && i < LG_DERIVED_MAX_CHAIN; i++)
        if (lg_strbuf_printf(tmp, "%s%s", i ? " -> " : "", ev->chain[i]))
            return -1;
    if (lg_strbuf_puts(tmp, "\nEvidence: "))
        return -1;
    for (size_t i = 0; i < ev->nevidence && i < LG_DERIVED_MAX_EVIDENCE; i++)
        if (lg_strbuf_printf(tmp, "%s%s", i ? ", " : "", ev->evidence[i]))
            return -1;
    if (lg_strbuf_printf(tmp, "\nEvent id: %s", or_dash(ev->event_id)) ||
        put_json_text(out, "description", tmp, false) ||
        lg_strbuf_printf(out, ",\"severity\":\"%s\",\"status\":\"%s\",\"labels\":[\"lineaged\",",
                         severity(ev), resolved(ev) ? "resolved" : "open") ||
        lg_json_append_string(out, lg_derived_type_name(ev->type),
                              strlen(lg_derived_type_name(ev->type))) ||
        lg_strbuf_putc(out, ',') ||
        lg_json_append_string(out, or_dash(ev->subject_kind), strlen(or_dash(ev->subject_kind))) ||
        lg_strbuf_puts(out, "],\"dedupe_key\":") ||
        lg_json_append_string(out, or_dash(ev->event_id), strlen(or_dash(ev->event_id))) ||
        lg_strbuf_puts(out, ",\"correlation_key\":"))
        return -1;
    const char *corr = ev->resolves ? ev->resolves : or_dash(ev->event_id);
    return lg_json_append_string(out, corr, strlen(corr)) || lg_strbuf_puts(out, ",\"event\":") ||
                   lg_json_encode_derived(ev, out) || lg_strbuf_putc(out, '}')
               ? -1
               : 0;
}

int lg_webhook_render(lg_webhook_template t, const lg_derived *ev, lg_strbuf *out) {
    lg_strbuf tmp = LG_STRBUF_INIT;
    int rc;
    switch (t) {
    case LG_WEBHOOK_SLACK:
        rc = render_slack(ev, out, &tmp);
        break;
    case LG_WEBHOOK_TICKET:
        rc = render_ticket(ev, out, &tmp);
        break;
    case LG_WEBHOOK_REVOKE:
        rc = lg_revoke_encode(ev, out);
        break;
    default:
        rc = lg_json_encode_derived(ev, out);
        break;
    }
    lg_strbuf_free(&tmp);
    return rc;
}
