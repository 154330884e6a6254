/*
 * processor/sources/okta/okta.c - see okta.h.
 *
 * Mapping: an actor of type User whose alternateId is an e-mail is a HUMAN
 * and the actor of every fact; user.lifecycle.* -> HUMAN_STATUS per target
 * User (create also HUMAN); system.api_token.create/revoke -> CREATED /
 * DELETED OKTA_API_TOKEN; application.lifecycle.create/activate/deactivate/
 * delete -> CREATED / ENABLED true / ENABLED false / DELETED
 * OKTA_SERVICE_APP; user.account.privilege.grant/revoke naming "Super
 * administrator" -> PRIVILEGE on the target human.
 */
#include "processor/sources/okta/okta.h"

#include <string.h>

typedef struct okta_event {
    lg_src_env *env;
    lg_record *rec;
    lg_str actor; /* acting human e-mail or {NULL,0} */
    lg_str type;  /* eventType */
} okta_event;

static lg_fact *add(okta_event *e, lg_fact_type t, lg_node_kind k, lg_str subject) {
    lg_fact *f = lg_src_add(e->rec, t, k, subject);
    if (e->actor.n) {
        f->actor_kind = LG_NODE_HUMAN;
        f->actor = e->actor;
    }
    f->detail = e->type;
    return f;
}

/* Lifecycle status for a user.lifecycle.* event type; -1 when none. */
static int lifecycle_status(lg_str t, bool *created) {
    *created = false;
    if (!LG_STR_PREFIX(t, "user.lifecycle."))
        return -1;
    lg_str s = {t.p + 15, t.n - 15};
    if (LG_STR_EQ(s, "create")) {
        *created = true;
        return LG_STATUS_ACTIVE;
    }
    if (LG_STR_EQ(s, "activate") || LG_STR_EQ(s, "reactivate") || LG_STR_EQ(s, "unsuspend"))
        return LG_STATUS_ACTIVE;
    if (LG_STR_EQ(s, "suspend"))
        return LG_STATUS_SUSPENDED;
    if (LG_STR_EQ(s, "deactivate") || LG_STR_PREFIX(s, "delete."))
        return LG_STATUS_DEPARTED;
    return -1;
}

/* Calls fn for every target whose type equals want. */
static void each_target(okta_event *e, lg_json_val targets, const char *want,
                        void (*fn)(okta_event *e, lg_json_val t, void *arg), void *arg) {
    lg_json_iter it;
    lg_json_val t;
    lg_str want_s = {want, strlen(want)};
    if (!lg_json_iter_begin(targets, &it))
        return;
    while (lg_json_iter_next(&it, NULL, NULL, &t)) {
        lg_str type = lg_src_get(t, "type");
        if (type.n == want_s.n && memcmp(type.p, want_s.p, type.n) == 0)
            fn(e, t, arg);
    }
}

typedef struct status_arg {
    int status;
    bool created;
} status_arg;

static void on_status_target(okta_event *e, lg_json_val t, void *arg) {
    status_arg *sa = arg;
    lg_str email = lg_src_email(e->env, lg_src_get(t, "alternateId"));
    if (!email.n)
        return;
    if (sa->created)
        add(e, LG_FACT_HUMAN, LG_NODE_HUMAN, email);
    add(e, LG_FACT_HUMAN_STATUS, LG_NODE_HUMAN, email)->status = sa->status;
}

typedef struct simple_arg {
    lg_fact_type type;
    lg_node_kind kind;
    int flag;
} simple_arg;

static void on_id_target(okta_event *e, lg_json_val t, void *arg) {
    simple_arg *sa = arg;
    lg_str id = lg_src_get(t, "id");
    if (!id.n)
        return;
    lg_fact *f = add(e, sa->type, sa->kind, id);
    f->flag = sa->flag != 0;
    lg_str name = lg_src_get(t, "displayName");
    if (name.n)
        f->detail = name;
}

static void on_privilege_target(okta_event *e, lg_json_val t, void *arg) {
    simple_arg *sa = arg;
    lg_str email = lg_src_email(e->env, lg_src_get(t, "alternateId"));
    if (email.n)
        add(e, LG_FACT_PRIVILEGE, LG_NODE_HUMAN, email)->flag = sa->flag != 0;
}

int lg_okta_parse(lg_src_env *env, lg_json_val ev, lg_record *rec, char *errstr,
                  size_t errstr_size) {
    if (lg_src_id_time(ev, "okta", "uuid", "published", rec, errstr, errstr_size) != 0)
        return -1;
    okta_event e = {.env = env, .rec = rec};
    e.type = rec->event_name = lg_src_get(ev, "eventType");
    if (LG_STR_EQ(lg_src_path(ev, "outcome/result"), "FAILURE")) {
        rec->failed = true;
        return 0;
    }
    lg_json_val actor = lg_json_get(ev, "actor");
    if (LG_STR_EQ(lg_src_get(actor, "type"), "User")) {
        e.actor = lg_src_email(env, lg_src_get(actor, "alternateId"));
        if (e.actor.n)
            add(&e, LG_FACT_HUMAN, LG_NODE_HUMAN, e.actor);
    }
    lg_json_val targets = lg_json_get(ev, "target");
    lg_str ty = e.type;
    bool created;
    int status = lifecycle_status(ty, &created);
    if (status >= 0) {
        status_arg sa = {status, created};
        each_target(&e, targets, "User", on_status_target, &sa);
    } else if (LG_STR_EQ(ty, "system.api_token.create") ||
               LG_STR_EQ(ty, "system.api_token.revoke")) {
        bool create = LG_STR_EQ(ty, "system.api_token.create");
        simple_arg sa = {create ? LG_FACT_CREATED : LG_FACT_DELETED, LG_NODE_OKTA_API_TOKEN, 0};
        each_target(&e, targets, "Token", on_id_target, &sa);
    } else if (LG_STR_PREFIX(ty, "application.lifecycle.")) {
        lg_str s = {ty.p + 22, ty.n - 22};
        simple_arg sa = {0, LG_NODE_OKTA_SERVICE_APP, 0};
        if (LG_STR_EQ(s, "create"))
            sa.type = LG_FACT_CREATED;
        else if (LG_STR_EQ(s, "activate"))
            sa = (simple_arg){LG_FACT_ENABLED, LG_NODE_OKTA_SERVICE_APP, 1};
        else if (LG_STR_EQ(s, "deactivate"))
            sa.type = LG_FACT_ENABLED;
        else if (LG_STR_EQ(s, "delete"))
            sa.type = LG_FACT_DELETED;
        if (sa.type)
            each_target(&e, targets, "AppInstance", on_id_target, &sa);
    } else if (LG_STR_EQ(ty, "user.account.privilege.grant") ||
               LG_STR_EQ(ty, "user.account.privilege.revoke")) {
        bool grant = LG_STR_EQ(ty, "user.account.privilege.grant");
        lg_str what = lg_src_path(ev, grant ? "debugContext/debugData/privilegeGranted"
                                            : "debugContext/debugData/privilegeRevoked");
        if (lg_src_icontains(what, "super administrator")) {
            simple_arg sa = {LG_FACT_PRIVILEGE, LG_NODE_HUMAN, grant};
            size_t before = rec->nfacts;
            each_target(&e, targets, "User", on_privilege_target, &sa);
            for (size_t i = before; i < rec->nfacts; i++)
                rec->facts[i].detail = what;
        }
    }
    return 0;
}
