/*
 * sinks/derived.c - wire names of the derived event types.
 */
#include "sinks/derived.h"

#include <string.h>

static const char *const derived_names[LG_DERIVED_TYPE_COUNT] = {
    [LG_DERIVED_ORPHAN_NEW] = "orphan.new",
    [LG_DERIVED_ORPHAN_RESOLVED] = "orphan.resolved",
    [LG_DERIVED_PRIV_OWNERLESS] = "privileged_key.ownerless",
    [LG_DERIVED_PRIV_OWNERLESS_RESOLVED] = "privileged_key.ownerless.resolved",
    [LG_DERIVED_AGENT_DEPARTED_PRINCIPAL] = "agent.departed_principal",
    [LG_DERIVED_USED_AFTER_DEPARTURE] = "credential.used_after_departure",
};

const char *lg_derived_type_name(lg_derived_type t) {
    if ((int)t < 0 || (int)t >= LG_DERIVED_TYPE_COUNT)
        return "unknown";
    return derived_names[t];
}

int lg_derived_type_from_name(const char *name) {
    if (!name)
        return -1;
    for (int i = 0; i < LG_DERIVED_TYPE_COUNT; i++)
        if (strcmp(derived_names[i], name) == 0)
            return i;
    return -1;
}
