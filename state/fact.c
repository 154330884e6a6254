/* state/fact.c - names of sources, node kinds and statuses (state/fact.h). */
#include "state/fact.h"

#include <string.h>

static const char *const source_names[LG_SRC_COUNT] = {"none", "cloudtrail", "okta", "github",
                                                       "bedrock"};

const char *lg_source_name(lg_source src) {
    if ((int)src < 0 || (int)src >= LG_SRC_COUNT)
        return "none";
    return source_names[src];
}

lg_source lg_source_from_name(const char *name) {
    for (int i = 1; i < LG_SRC_COUNT; i++)
        if (name && strcmp(name, source_names[i]) == 0)
            return (lg_source)i;
    return LG_SRC_NONE;
}

static const char *const kind_names[LG_NODE_KIND_COUNT] = {
    "unknown",
    "human",
    "iam_user",
    "iam_role",
    "access_key",
    "service_credential",
    "sts_session",
    "aws_root",
    "federated_user",
    "github_account",
    "github_fine_grained_pat",
    "github_classic_token",
    "github_deploy_key",
    "github_ssh_key",
    "github_app_installation",
    "okta_api_token",
    "okta_service_app",
    "agent",
    "okta_user",
};

const char *lg_node_kind_name(lg_node_kind kind) {
    if ((int)kind < 0 || (int)kind >= LG_NODE_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

bool lg_node_kind_is_credential(lg_node_kind kind) {
    switch (kind) {
    case LG_NODE_ACCESS_KEY:
    case LG_NODE_SERVICE_CRED:
    case LG_NODE_STS_SESSION:
    case LG_NODE_GH_FINE_PAT:
    case LG_NODE_GH_CLASSIC_TOKEN:
    case LG_NODE_GH_DEPLOY_KEY:
    case LG_NODE_GH_SSH_KEY:
    case LG_NODE_OKTA_API_TOKEN:
        return true;
    default:
        return false;
    }
}

bool lg_node_kind_is_nhi(lg_node_kind kind) {
    return kind != LG_NODE_UNKNOWN && kind != LG_NODE_HUMAN && kind != LG_NODE_GH_ACCOUNT &&
           kind != LG_NODE_OKTA_USER && (int)kind < LG_NODE_KIND_COUNT;
}

const char *lg_human_status_name(int status) {
    switch (status) {
    case LG_STATUS_ACTIVE:
        return "active";
    case LG_STATUS_SUSPENDED:
        return "suspended";
    case LG_STATUS_DEPARTED:
        return "departed";
    default:
        return "unknown";
    }
}
