/*
 * sinks/revoke/revoke.c - suggested actions and the request body.
 */
#include "sinks/revoke/revoke.h"

#include "sinks/json/json_encode.h"

#include <string.h>

static const struct {
    const char *kind;
    const char *action;
} actions[] = {
    {"access_key", "disable_access_key"},
    {"sts_session", "revoke_sessions"},
    {"iam_role", "revoke_sessions"},
    {"federated_user", "revoke_sessions"},
    {"iam_user", "disable_user"},
    {"service_credential", "disable_service_credential"},
    {"github_fine_grained_pat", "revoke_token"},
    {"github_classic_token", "revoke_token"},
    {"okta_api_token", "revoke_token"},
    {"github_deploy_key", "delete_key"},
    {"github_ssh_key", "delete_key"},
    {"github_app_installation", "suspend_installation"},
    {"okta_service_app", "deactivate_app"},
    {"agent", "disable_agent"},
};

const char *lg_revoke_action(const lg_derived *ev) {
    if (ev->type == LG_DERIVED_ORPHAN_RESOLVED || ev->type == LG_DERIVED_PRIV_OWNERLESS_RESOLVED)
        return "none";
    for (size_t i = 0; ev->subject_kind && i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(ev->subject_kind, actions[i].kind) == 0)
            return actions[i].action;
    return "review";
}

int lg_revoke_encode(const lg_derived *ev, lg_strbuf *out) {
    if (lg_strbuf_printf(out, "{\"action\":\"%s\",\"requested_by\":\"lineaged/%s\",",
                         lg_revoke_action(ev), LG_VERSION) != 0)
        return -1;
    size_t at = out->len;
    if (lg_json_encode_derived(ev, out) != 0)
        return -1;
    /* the event object's members follow ours: drop its opening brace */
    memmove(out->data + at, out->data + at + 1, out->len - at);
    out->len--;
    return 0;
}
