/*
 * processor/sources/github/github.c - see github.h.
 *
 * Mapping:
 *  - actor -> GH_ACCOUNT "github:LOGIN"; external_identity_nameid that is an
 *    e-mail -> HUMAN + ALIAS(github:LOGIN -> e-mail) (the alias is for the
 *    actor, or for `user` when there is no actor or on org.*member* events
 *    an actor performs on another user, where the nameid is the member's);
 *  - personal_access_token.create/access_granted -> CREATED GH_FINE_PAT,
 *    oauth_authorization.create / oauth_access.create -> CREATED
 *    GH_CLASSIC_TOKEN (id from hashed_token, else token_id; no id -> no
 *    fact); flag = any admin-level scope (lg_gh_scope_is_admin);
 *  - oauth_access.regenerate -> USED of that token (same id, still alive);
 *  - *.destroy, access_revoked, credential_revoked, oauth_*.destroy/revoke
 *    -> DELETED of that token;
 *  - public_key.create/delete -> GH_DEPLOY_KEY (repo present) or
 *    GH_SSH_KEY; the key id is fingerprint, else id, else (create only) the
 *    event id;
 *  - integration_installation.create/delete/destroy -> GH_APP_INSTALL;
 *  - org.remove_member -> MEMBER_REMOVED;
 *  - any other event carrying hashed_token/token_id and a fine-grained or
 *    classic programmatic_access_type -> USED of that token.
 */
#include "processor/sources/github/github.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gh_event {
    lg_src_env *env;
    lg_json_val ev;
    lg_record *rec;
    lg_str actor; /* github:LOGIN or {NULL,0} */
    lg_str action;
} gh_event;

static lg_str prefixed(lg_arena *a, const char *prefix, lg_str s) {
    if (!s.n)
        return LG_STR_NULL;
    lg_str parts[2] = {{prefix, strlen(prefix)}, s};
    return lg_arena_join(a, parts, 2);
}

static lg_fact *add(gh_event *e, lg_fact_type t, lg_node_kind k, lg_str subject) {
    lg_fact *f = lg_src_add(e->rec, t, k, subject);
    if (e->actor.n) {
        f->actor_kind = LG_NODE_GH_ACCOUNT;
        f->actor = e->actor;
    }
    f->detail = e->action;
    return f;
}

/* A string member, or a number member rendered as text into the arena. */
static lg_str str_or_num(lg_arena *a, lg_json_val v, const char *key) {
    lg_json_val m = lg_json_get(v, key);
    lg_str s = LG_STR_NULL;
    if (lg_json_str(m, &s.p, &s.n))
        return s;
    int64_t i;
    if (!lg_json_int(m, &i))
        return LG_STR_NULL;
    char *p = lg_arena_alloc(a, 24);
    if (!p)
        return LG_STR_NULL;
    int n = snprintf(p, 24, "%lld", (long long)i);
    return (lg_str){p, (size_t)n};
}

/* Admin-level: the admin:* family (org, enterprise, repo_hook, org_hook,
 * public_key, gpg_key, ssh_signing_key), site_admin and delete_repo. Plain
 * `repo` and `workflow` write code but administer nothing: not privileged. */
bool lg_gh_scope_is_admin(lg_str s) {
    return LG_STR_PREFIX(s, "admin:") || LG_STR_EQ(s, "site_admin") || LG_STR_EQ(s, "delete_repo");
}

/* token_scopes is a comma-separated string or an array of strings. */
static bool scopes_admin(lg_json_val scopes) {
    lg_str s;
    if (lg_json_str(scopes, &s.p, &s.n)) {
        size_t i = 0;
        while (i < s.n) {
            while (i < s.n && (s.p[i] == ',' || s.p[i] == ' '))
                i++;
            size_t j = i;
            while (j < s.n && s.p[j] != ',' && s.p[j] != ' ')
                j++;
            if (j > i && lg_gh_scope_is_admin((lg_str){s.p + i, j - i}))
                return true;
            i = j;
        }
        return false;
    }
    return lg_src_any_str(scopes, lg_gh_scope_is_admin);
}

/* Token node id for a kind: github-pat:<h> / github-token:<h>. */
static lg_str token_id(gh_event *e, lg_node_kind kind) {
    lg_str h = lg_src_get(e->ev, "hashed_token");
    if (!h.n)
        h = str_or_num(e->env->arena, e->ev, "token_id");
    if (!h.n)
        return LG_STR_NULL;
    return prefixed(e->env->arena,
                    kind == LG_NODE_GH_FINE_PAT ? "github-pat:" : "github-token:", h);
}

static lg_node_kind token_kind_of_action(lg_str a) {
    if (LG_STR_PREFIX(a, "personal_access_token."))
        return LG_NODE_GH_FINE_PAT;
    if (LG_STR_PREFIX(a, "oauth_authorization.") || LG_STR_PREFIX(a, "oauth_access."))
        return LG_NODE_GH_CLASSIC_TOKEN;
    return LG_NODE_UNKNOWN;
}

static lg_node_kind token_kind_of_access_type(lg_str t) {
    if (lg_src_icontains(t, "fine-grained"))
        return LG_NODE_GH_FINE_PAT;
    if (lg_src_icontains(t, "classic") || lg_src_icontains(t, "oauth") ||
        lg_src_ieq(t, "personal_access_token"))
        return LG_NODE_GH_CLASSIC_TOKEN;
    return LG_NODE_UNKNOWN;
}

static bool token_event(gh_event *e) {
    lg_str a = e->action;
    lg_node_kind kind = token_kind_of_action(a);
    if (kind == LG_NODE_UNKNOWN)
        return false;
    lg_str tail = {memchr(a.p, '.', a.n), 0};
    tail.p++;
    tail.n = a.n - (size_t)(tail.p - a.p);
    bool create = LG_STR_EQ(tail, "create") ||
                  (kind == LG_NODE_GH_FINE_PAT && LG_STR_EQ(tail, "access_granted"));
    bool del = LG_STR_EQ(tail, "destroy") || LG_STR_EQ(tail, "access_revoked") ||
               LG_STR_EQ(tail, "credential_revoked") || LG_STR_EQ(tail, "revoke");
    bool regen = LG_STR_EQ(tail, "regenerate");
    if (!create && !del && !regen)
        return true; /* e.g. request_created: a token event, no fact */
    lg_str id = token_id(e, kind);
    if (!id.n)
        return true;
    lg_str user = lg_src_get(e->ev, "user");
    lg_str owner = user.n ? prefixed(e->env->arena, "github:", user) : e->actor;
    lg_fact *f = add(e, create ? LG_FACT_CREATED : del ? LG_FACT_DELETED : LG_FACT_USED, kind, id);
    if (owner.n) {
        f->actor_kind = LG_NODE_GH_ACCOUNT;
        f->actor = owner;
        f->parent_kind = LG_NODE_GH_ACCOUNT;
        f->parent = owner;
    }
    if (create) {
        lg_str name = lg_src_get(e->ev, "user_programmatic_access_name");
        if (name.n)
            f->detail = name;
        f->flag = scopes_admin(lg_json_get(e->ev, "token_scopes"));
    }
    return true;
}

static void key_event(gh_event *e, bool create) {
    lg_arena *a = e->env->arena;
    lg_str repo = lg_src_get(e->ev, "repo");
    lg_str key = lg_src_get(e->ev, "fingerprint");
    if (!key.n)
        key = str_or_num(a, e->ev, "id");
    if (!key.n && create)
        key = e->rec->event_id;
    if (!key.n)
        return;
    lg_str login = lg_src_get(e->ev, "user");
    if (!login.n)
        login = lg_src_get(e->ev, "actor");
    lg_node_kind kind = repo.n ? LG_NODE_GH_DEPLOY_KEY : LG_NODE_GH_SSH_KEY;
    lg_str scope = repo.n ? repo : login;
    lg_str parts[4] = {LG_STR_LIT("github-key:"), scope, LG_STR_LIT(":"), key};
    lg_str id = lg_arena_join(a, parts, 4);
    lg_fact *f = add(e, create ? LG_FACT_CREATED : LG_FACT_DELETED, kind, id);
    if (kind == LG_NODE_GH_SSH_KEY && login.n) {
        f->parent_kind = LG_NODE_GH_ACCOUNT;
        f->parent = prefixed(a, "github:", login);
    }
    lg_str title = lg_src_get(e->ev, "title");
    if (title.n)
        f->detail = title;
}

static void app_event(gh_event *e, bool create) {
    lg_arena *a = e->env->arena;
    lg_str inst = str_or_num(a, e->ev, "installation_id");
    if (!inst.n)
        inst = lg_src_get(e->ev, "integration");
    if (!inst.n)
        inst = lg_src_get(e->ev, "name");
    if (!inst.n)
        return;
    lg_str parts[4] = {LG_STR_LIT("github-app:"), lg_src_get(e->ev, "org"), LG_STR_LIT(":"), inst};
    lg_fact *f = add(e, create ? LG_FACT_CREATED : LG_FACT_DELETED, LG_NODE_GH_APP_INSTALL,
                     lg_arena_join(a, parts, 4));
    lg_str name = lg_src_get(e->ev, "name");
    if (name.n)
        f->detail = name;
}

static void token_usage(gh_event *e) {
    lg_node_kind kind = token_kind_of_access_type(lg_src_get(e->ev, "programmatic_access_type"));
    if (kind == LG_NODE_UNKNOWN)
        return;
    lg_str id = token_id(e, kind);
    if (!id.n)
        return;
    lg_fact *f = add(e, LG_FACT_USED, kind, id);
    if (e->actor.n) {
        f->parent_kind = LG_NODE_GH_ACCOUNT;
        f->parent = e->actor;
    }
}

static uint64_t fnv1a(const char *p, size_t n, uint64_t h) {
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* "gh-" + 32 hex digits from the minified event. */
static lg_str synth_id(lg_arena *a, lg_json_val ev) {
    size_t n = 0;
    char *min = lg_json_minify(ev, &n);
    if (!min)
        return LG_STR_NULL;
    uint64_t h1 = fnv1a(min, n, 0xcbf29ce484222325ULL);
    uint64_t h2 = fnv1a(min, n, 0x84222325cbf29ce4ULL ^ (uint64_t)n);
    free(min);
    char *p = lg_arena_alloc(a, 36);
    if (!p)
        return LG_STR_NULL;
    snprintf(p, 36, "gh-%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
    return (lg_str){p, 35};
}

static bool event_time(lg_json_val ev, int64_t *ms, bool *present) {
    static const char *keys[] = {"@timestamp", "created_at", "at_sign_timestamp"};
    *present = false;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        lg_json_val t = lg_json_get(ev, keys[i]);
        lg_json_type ty = lg_json_type_of(t);
        if (ty == LG_JSON_MISSING || ty == LG_JSON_NULL)
            continue;
        *present = true;
        if (lg_src_time(t, ms))
            return true;
    }
    return false;
}

int lg_gh_parse(lg_src_env *env, lg_json_val ev, lg_record *rec, char *errstr, size_t errstr_size) {
    bool present;
    if (!event_time(ev, &rec->time_ms, &present))
        return lg_src_bad(errstr, errstr_size,
                          present ? "github: unparsable @timestamp/created_at"
                                  : "github: missing @timestamp/created_at");
    rec->event_id = lg_src_get(ev, "_document_id");
    if (!rec->event_id.n)
        rec->event_id = synth_id(env->arena, ev);
    if (!rec->event_id.n)
        return lg_src_bad(errstr, errstr_size, "github: cannot build an event id");
    gh_event e = {.env = env, .ev = ev, .rec = rec};
    e.action = rec->event_name = lg_src_get(ev, "action");
    rec->tenant = lg_src_get(ev, "org");
    lg_str login = lg_src_get(ev, "actor");
    e.actor = prefixed(env->arena, "github:", login);

    /* external_identity_nameid is the SAML identity of the actor, except on
     * membership events an admin performs on someone else (org.add_member,
     * org.remove_member, org.invite_member ...): there it is the member's. */
    lg_str email = lg_src_email(env, lg_src_get(ev, "external_identity_nameid"));
    lg_str user_login = lg_src_get(ev, "user");
    bool about_user = user_login.n &&
                      !(login.n == user_login.n && memcmp(login.p, user_login.p, login.n) == 0) &&
                      LG_STR_PREFIX(e.action, "org.") && lg_src_icontains(e.action, "member");
    lg_str alias = e.actor.n && !about_user ? e.actor : prefixed(env->arena, "github:", user_login);
    if (email.n && alias.n) {
        add(&e, LG_FACT_HUMAN, LG_NODE_HUMAN, email);
        add(&e, LG_FACT_ALIAS, LG_NODE_GH_ACCOUNT, alias)->object = email;
    }
    lg_str a = e.action;
    if (!a.n)
        return 0;
    if (token_event(&e))
        return 0;
    if (LG_STR_EQ(a, "public_key.create") || LG_STR_EQ(a, "public_key.delete")) {
        key_event(&e, LG_STR_EQ(a, "public_key.create"));
    } else if (LG_STR_EQ(a, "integration_installation.create") ||
               LG_STR_EQ(a, "integration_installation.delete") ||
               LG_STR_EQ(a, "integration_installation.destroy")) {
        app_event(&e, LG_STR_EQ(a, "integration_installation.create"));
    } else if (LG_STR_EQ(a, "org.remove_member")) {
        lg_str user = prefixed(env->arena, "github:", lg_src_get(ev, "user"));
        if (user.n)
            add(&e, LG_FACT_MEMBER_REMOVED, LG_NODE_GH_ACCOUNT, user)->detail = rec->tenant;
    } else {
        token_usage(&e);
    }
    return 0;
}
