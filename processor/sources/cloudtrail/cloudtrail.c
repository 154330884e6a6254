/*
 * processor/sources/cloudtrail/cloudtrail.c - see cloudtrail.h.
 *
 * Mapping summary:
 *  - the caller (userIdentity) becomes the actor of every fact, and one USED
 *    fact for the acting credential/principal (detail = eventName);
 *  - IAM create/delete/tag/policy calls, STS credential issuance and the
 *    Bedrock agent control plane become CREATED / DELETED / ENABLED / OWNER /
 *    PRIVILEGE / SESSION / AGENT_ROLE facts.
 * PutUserPolicy/PutRolePolicy emit PRIVILEGE true when the inline document
 * allows "*" or "iam:*", and PRIVILEGE false otherwise (the named inline
 * policy was replaced by a non-admin one); detail is the policy name.
 */
#include "processor/sources/cloudtrail/cloudtrail.h"

#include "processor/sources/aws_arn.h"

#include <string.h>

/* The principal that made the call. */
typedef struct ct_caller {
    lg_node_kind kind; /* actor kind: the IAM user / root, or the session */
    lg_str id;         /* actor id */
    lg_node_kind used_kind;
    lg_str used; /* what the USED fact is about: the credential */
    lg_node_kind parent_kind;
    lg_str parent;      /* what the used credential belongs to */
    lg_str object;      /* session identity hint (e-mail / sourceIdentity) */
    lg_node_kind pkind; /* the principal behind the credential */
    lg_str principal;   /* user / role / root / federated-user id */
    lg_str partition;
} ct_caller;

static lg_node_kind credential_kind(lg_str key) {
    return LG_STR_PREFIX(key, "ASIA") ? LG_NODE_STS_SESSION : LG_NODE_ACCESS_KEY;
}

/* The tail of principalId after its last ':' ("AROA...:session"). */
static lg_str principal_tail(lg_str pid) {
    if (!pid.n)
        return LG_STR_NULL;
    size_t i = pid.n;
    while (i > 0 && pid.p[i - 1] != ':')
        i--;
    return (lg_str){pid.p + i, pid.n - i};
}

static void set_actor(lg_fact *f, const ct_caller *c) {
    f->actor_kind = c->id.n ? c->kind : LG_NODE_UNKNOWN;
    f->actor = c->id;
}

/* Resolves userIdentity into *c; may add HUMAN facts (SSO, SAML). */
static void resolve_caller(lg_src_env *env, lg_json_val ev, lg_record *rec, ct_caller *c) {
    lg_json_val ui = lg_json_get(ev, "userIdentity");
    lg_str type = lg_src_get(ui, "type");
    lg_str arn = lg_src_get(ui, "arn");
    lg_str key = lg_src_get(ui, "accessKeyId");
    lg_str acct = lg_src_get(ui, "accountId");
    lg_aws_principal p;
    memset(c, 0, sizeof *c);
    bool parsed = lg_aws_arn_parse(env->arena, arn, &p);
    c->partition = p.partition;

    if (LG_STR_EQ(type, "IAMUser") || LG_STR_EQ(type, "Root")) {
        bool root = LG_STR_EQ(type, "Root");
        if (parsed && p.kind == (root ? LG_NODE_AWS_ROOT : LG_NODE_IAM_USER)) {
            c->principal = p.id;
        } else if (root && acct.n) {
            lg_str parts[3] = {LG_STR_LIT("arn:aws:iam::"), acct, LG_STR_LIT(":root")};
            c->principal = lg_arena_join(env->arena, parts, 3);
        } else if (!root) {
            c->principal =
                lg_aws_iam_id(env->arena, LG_STR_NULL, acct, "user", lg_src_get(ui, "userName"));
        }
        if (!c->principal.n)
            return;
        c->pkind = root ? LG_NODE_AWS_ROOT : LG_NODE_IAM_USER;
        c->kind = c->used_kind = c->pkind;
        c->id = c->used = c->principal;
        if (key.n) { /* the USED fact is about the key, parent = the user */
            c->used_kind = credential_kind(key);
            c->used = key;
            c->parent_kind = c->pkind;
            c->parent = c->principal;
        }
        return;
    }
    if (LG_STR_EQ(type, "AssumedRole")) {
        lg_str session = LG_STR_NULL, role_name = LG_STR_NULL;
        if (parsed && p.kind == LG_NODE_IAM_ROLE) {
            c->principal = p.id;
            session = p.session;
            role_name = p.name;
        }
        lg_aws_principal issuer;
        if (!c->principal.n &&
            lg_aws_arn_parse(env->arena, lg_src_path(ui, "sessionContext/sessionIssuer/arn"),
                             &issuer) &&
            issuer.kind == LG_NODE_IAM_ROLE) {
            c->principal = issuer.id;
            role_name = issuer.name;
            c->partition = issuer.partition;
        }
        if (!session.n)
            session = principal_tail(lg_src_get(ui, "principalId"));
        if (!c->principal.n)
            return;
        c->pkind = LG_NODE_IAM_ROLE;
        lg_str email = lg_src_email(env, session);
        lg_str source_identity = lg_src_path(ui, "sessionContext/sourceIdentity");
        c->object = source_identity.n ? source_identity : email;
        if (email.n && lg_aws_is_sso_role(role_name)) {
            lg_src_add(rec, LG_FACT_HUMAN, LG_NODE_HUMAN, email);
            c->object = email;
        }
        if (key.n) {
            c->kind = LG_NODE_STS_SESSION;
            c->id = key;
            c->parent_kind = LG_NODE_IAM_ROLE;
            c->parent = c->principal;
        } else {
            c->kind = LG_NODE_IAM_ROLE;
            c->id = c->principal;
        }
        return;
    }
    if (LG_STR_EQ(type, "FederatedUser")) {
        if (!parsed || p.kind != LG_NODE_FEDERATED_USER)
            return;
        c->pkind = LG_NODE_FEDERATED_USER;
        c->principal = p.id;
        if (key.n) {
            c->kind = LG_NODE_STS_SESSION;
            c->id = key;
            c->parent_kind = LG_NODE_FEDERATED_USER;
            c->parent = p.id;
        } else {
            c->kind = LG_NODE_FEDERATED_USER;
            c->id = p.id;
        }
        return;
    }
    if (LG_STR_EQ(type, "SAMLUser") || LG_STR_EQ(type, "WebIdentityUser")) {
        lg_str email = lg_src_email(env, lg_src_get(ui, "userName"));
        if (!email.n)
            email = lg_src_email(env, principal_tail(lg_src_get(ui, "principalId")));
        if (email.n) {
            lg_src_add(rec, LG_FACT_HUMAN, LG_NODE_HUMAN, email);
            c->kind = c->pkind = LG_NODE_HUMAN;
            c->id = c->principal = email;
            c->object = email;
        }
    }
    /* AWSService, AWSAccount, IdentityCenterUser, Unknown: no actor. */
}

/* Resolves the caller; for all but IAM users and root, what is used is the
 * actor itself. */
static void resolve(lg_src_env *env, lg_json_val ev, lg_record *rec, ct_caller *c) {
    resolve_caller(env, ev, rec, c);
    if (!c->used.n) {
        c->used_kind = c->kind;
        c->used = c->id;
    }
}

/* Owner e-mail from a tags array [{key, value}] (key "owner", any case). */
static lg_str owner_tag(lg_src_env *env, lg_json_val tags) {
    lg_json_iter it;
    lg_json_val t;
    if (!lg_json_iter_begin(tags, &it))
        return LG_STR_NULL;
    while (lg_json_iter_next(&it, NULL, NULL, &t)) {
        if (!lg_src_ieq(lg_src_get(t, "key"), "owner"))
            continue;
        lg_str email = lg_src_email(env, lg_src_get(t, "value"));
        if (email.n)
            return email;
    }
    return LG_STR_NULL;
}

static bool is_owner_key(lg_str s) {
    return lg_src_ieq(s, "owner");
}

static bool is_admin_policy_arn(lg_str arn) {
    if (!arn.n)
        return false;
    size_t i = arn.n;
    while (i > 0 && arn.p[i - 1] != '/')
        i--;
    lg_str name = {arn.p + i, arn.n - i};
    return LG_STR_EQ(name, "AdministratorAccess") || LG_STR_EQ(name, "IAMFullAccess") ||
           LG_STR_EQ(name, "PowerUserAccess");
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* URL-decodes s into the arena when it contains '%' or '+' escapes. */
static lg_str url_decode(lg_arena *a, lg_str s) {
    if (!memchr(s.p, '%', s.n))
        return s;
    char *out = lg_arena_alloc(a, s.n);
    if (!out)
        return LG_STR_NULL;
    size_t o = 0;
    for (size_t i = 0; i < s.n; i++) {
        int h, l;
        if (s.p[i] == '%' && i + 2 < s.n && (h = hexval(s.p[i + 1])) >= 0 &&
            (l = hexval(s.p[i + 2])) >= 0) {
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else if (s.p[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = s.p[i];
        }
    }
    return (lg_str){out, o};
}

static bool is_admin_action(lg_str s) {
    return LG_STR_EQ(s, "*") || lg_src_ieq(s, "iam:*");
}

static bool statement_is_admin(lg_json_val st) {
    lg_str effect = lg_src_get(st, "Effect");
    return LG_STR_EQ(effect, "Allow") && lg_src_any_str(lg_json_get(st, "Action"), is_admin_action);
}

/* True when an inline policy document (JSON text) allows * or iam:*. */
static bool policy_doc_is_admin(lg_src_env *env, lg_str doc) {
    doc = url_decode(env->arena, doc);
    if (!doc.n)
        return false;
    lg_json_val root;
    char err[64];
    if (lg_json_parse(env->aux, doc.p, doc.n, &root, err, sizeof err) != 0)
        return false;
    lg_json_val st = lg_json_get(root, "Statement");
    if (lg_json_type_of(st) == LG_JSON_OBJECT)
        return statement_is_admin(st);
    lg_json_iter it;
    lg_json_val s;
    if (!lg_json_iter_begin(st, &it))
        return false;
    while (lg_json_iter_next(&it, NULL, NULL, &s))
        if (statement_is_admin(s))
            return true;
    return false;
}

typedef struct ct_event {
    lg_src_env *env;
    lg_json_val ev, req, resp;
    lg_record *rec;
    ct_caller caller;
    lg_str account; /* recipient account */
    lg_str name;    /* eventName */
} ct_event;

static lg_fact *add(ct_event *e, lg_fact_type t, lg_node_kind k, lg_str subject) {
    lg_fact *f = lg_src_add(e->rec, t, k, subject);
    set_actor(f, &e->caller);
    f->detail = e->name;
    return f;
}

static lg_str user_id(ct_event *e, lg_str name) {
    return lg_aws_iam_id(e->env->arena, e->caller.partition, e->account, "user", name);
}

static lg_str role_id(ct_event *e, lg_str name) {
    return lg_aws_iam_id(e->env->arena, e->caller.partition, e->account, "role", name);
}

/* The IAM user a credential call targets: requestParameters.userName, else
 * the caller's own user (or root). */
static void credential_owner(ct_event *e, lg_str resp_user, lg_node_kind *kind, lg_str *id) {
    lg_str name = lg_src_get(e->req, "userName");
    if (!name.n)
        name = resp_user;
    if (name.n) {
        *kind = LG_NODE_IAM_USER;
        *id = user_id(e, name);
    } else if (e->caller.pkind == LG_NODE_IAM_USER || e->caller.pkind == LG_NODE_AWS_ROOT) {
        *kind = e->caller.pkind;
        *id = e->caller.principal;
    } else {
        *kind = LG_NODE_UNKNOWN;
        *id = LG_STR_NULL;
    }
}

/* The user or role a policy/tag call is about. */
static bool iam_target(ct_event *e, lg_node_kind *kind, lg_str *id) {
    lg_str u = lg_src_get(e->req, "userName");
    if (u.n) {
        *kind = LG_NODE_IAM_USER;
        *id = user_id(e, u);
    } else {
        *kind = LG_NODE_IAM_ROLE;
        *id = role_id(e, lg_src_get(e->req, "roleName"));
    }
    return id->n > 0;
}

static void iam_create_principal(ct_event *e, bool user) {
    lg_str name = lg_src_get(e->req, user ? "userName" : "roleName");
    lg_aws_principal p;
    lg_str id = LG_STR_NULL;
    if (lg_aws_arn_parse(e->env->arena, lg_src_path(e->resp, user ? "user/arn" : "role/arn"), &p))
        id = p.id;
    if (!id.n)
        id = user ? user_id(e, name) : role_id(e, name);
    if (!id.n)
        return;
    lg_fact *f = add(e, LG_FACT_CREATED, user ? LG_NODE_IAM_USER : LG_NODE_IAM_ROLE, id);
    f->detail = name;
    f->object = owner_tag(e->env, lg_json_get(e->req, "tags"));
}

static void iam_event(ct_event *e) {
    lg_str n = e->name;
    lg_node_kind k;
    lg_str id;
    lg_fact *f;
    if (LG_STR_EQ(n, "CreateUser") || LG_STR_EQ(n, "CreateRole")) {
        iam_create_principal(e, LG_STR_EQ(n, "CreateUser"));
    } else if (LG_STR_EQ(n, "CreateAccessKey")) {
        lg_str key = lg_src_path(e->resp, "accessKey/accessKeyId");
        if (!key.n)
            return;
        credential_owner(e, lg_src_path(e->resp, "accessKey/userName"), &k, &id);
        f = add(e, LG_FACT_CREATED, LG_NODE_ACCESS_KEY, key);
        f->parent_kind = k;
        f->parent = id;
        f->detail = LG_STR_NULL; /* a key has no name of its own */
    } else if (LG_STR_EQ(n, "CreateServiceSpecificCredential")) {
        lg_str cred = lg_src_path(e->resp, "serviceSpecificCredential/serviceSpecificCredentialId");
        if (!cred.n)
            return;
        credential_owner(e, lg_src_path(e->resp, "serviceSpecificCredential/userName"), &k, &id);
        f = add(e, LG_FACT_CREATED, LG_NODE_SERVICE_CRED, cred);
        f->parent_kind = k;
        f->parent = id;
        f->detail = lg_src_get(e->req, "serviceName");
    } else if (LG_STR_EQ(n, "DeleteUser") || LG_STR_EQ(n, "DeleteRole")) {
        bool user = LG_STR_EQ(n, "DeleteUser");
        id = user ? user_id(e, lg_src_get(e->req, "userName"))
                  : role_id(e, lg_src_get(e->req, "roleName"));
        if (id.n)
            add(e, LG_FACT_DELETED, user ? LG_NODE_IAM_USER : LG_NODE_IAM_ROLE, id);
    } else if (LG_STR_EQ(n, "DeleteAccessKey") || LG_STR_EQ(n, "UpdateAccessKey")) {
        lg_str key = lg_src_get(e->req, "accessKeyId");
        lg_str status = lg_src_get(e->req, "status");
        bool del = LG_STR_EQ(n, "DeleteAccessKey");
        if (!key.n || (!del && !LG_STR_EQ(status, "Active") && !LG_STR_EQ(status, "Inactive")))
            return;
        credential_owner(e, LG_STR_NULL, &k, &id);
        f = add(e, del ? LG_FACT_DELETED : LG_FACT_ENABLED, credential_kind(key), key);
        f->parent_kind = k;
        f->parent = id;
        f->flag = !del && LG_STR_EQ(status, "Active");
    } else if (LG_STR_EQ(n, "DeleteServiceSpecificCredential")) {
        lg_str cred = lg_src_get(e->req, "serviceSpecificCredentialId");
        if (cred.n)
            add(e, LG_FACT_DELETED, LG_NODE_SERVICE_CRED, cred);
    } else if (LG_STR_EQ(n, "TagUser") || LG_STR_EQ(n, "TagRole")) {
        lg_str owner = owner_tag(e->env, lg_json_get(e->req, "tags"));
        if (owner.n && iam_target(e, &k, &id))
            add(e, LG_FACT_OWNER, k, id)->object = owner;
    } else if (LG_STR_EQ(n, "UntagUser") || LG_STR_EQ(n, "UntagRole")) {
        if (lg_src_any_str(lg_json_get(e->req, "tagKeys"), is_owner_key) && iam_target(e, &k, &id))
            add(e, LG_FACT_OWNER, k, id); /* object {NULL,0}: owner removed */
    } else if (LG_STR_EQ(n, "AttachUserPolicy") || LG_STR_EQ(n, "AttachRolePolicy") ||
               LG_STR_EQ(n, "DetachUserPolicy") || LG_STR_EQ(n, "DetachRolePolicy")) {
        lg_str policy = lg_src_get(e->req, "policyArn");
        if (is_admin_policy_arn(policy) && iam_target(e, &k, &id)) {
            f = add(e, LG_FACT_PRIVILEGE, k, id);
            f->flag = LG_STR_PREFIX(n, "Attach");
            f->detail = policy;
        }
    } else if (LG_STR_EQ(n, "PutUserPolicy") || LG_STR_EQ(n, "PutRolePolicy")) {
        lg_str doc = lg_src_get(e->req, "policyDocument");
        lg_str pname = lg_src_get(e->req, "policyName");
        if (doc.n && iam_target(e, &k, &id)) {
            f = add(e, LG_FACT_PRIVILEGE, k, id);
            f->flag = policy_doc_is_admin(e->env, doc);
            f->detail = pname;
        }
    } else if (LG_STR_EQ(n, "DeleteUserPolicy") || LG_STR_EQ(n, "DeleteRolePolicy")) {
        lg_str pname = lg_src_get(e->req, "policyName");
        if (pname.n && iam_target(e, &k, &id)) {
            f = add(e, LG_FACT_PRIVILEGE, k, id);
            f->flag = false;
            f->detail = pname;
        }
    }
}

static void sts_event(ct_event *e) {
    lg_str n = e->name;
    bool assume = LG_STR_PREFIX(n, "AssumeRole");
    bool session_token = LG_STR_EQ(n, "GetSessionToken");
    bool federation = LG_STR_EQ(n, "GetFederationToken");
    if (!(LG_STR_EQ(n, "AssumeRole") || LG_STR_EQ(n, "AssumeRoleWithSAML") ||
          LG_STR_EQ(n, "AssumeRoleWithWebIdentity") || session_token || federation))
        return;
    lg_str key = lg_src_path(e->resp, "credentials/accessKeyId");
    if (!key.n)
        return;
    lg_fact *f = add(e, LG_FACT_SESSION, LG_NODE_STS_SESSION, key);
    lg_aws_principal p;
    if (assume) {
        if (lg_aws_arn_parse(e->env->arena, lg_src_get(e->req, "roleArn"), &p) &&
            p.kind == LG_NODE_IAM_ROLE) {
            f->parent_kind = LG_NODE_IAM_ROLE;
            f->parent = p.id;
        }
    } else if (session_token) {
        f->parent_kind = e->caller.principal.n ? e->caller.pkind : LG_NODE_UNKNOWN;
        f->parent = e->caller.principal;
    } else if (lg_aws_arn_parse(e->env->arena, lg_src_path(e->resp, "federatedUser/arn"), &p) &&
               p.kind == LG_NODE_FEDERATED_USER) {
        f->parent_kind = LG_NODE_FEDERATED_USER;
        f->parent = p.id;
    }
    lg_str source_identity = lg_src_get(e->req, "sourceIdentity");
    f->object = source_identity.n ? source_identity
                                  : lg_src_email(e->env, lg_src_get(e->req, "roleSessionName"));
    if (!f->object.n && e->caller.kind == LG_NODE_HUMAN)
        f->object = e->caller.id;
}

/* Agent id from an agent-alias ARN arn:aws:bedrock:R:A:agent-alias/AGENT/ALIAS. */
static lg_str agent_from_resources(lg_json_val resources) {
    lg_json_iter it;
    lg_json_val r;
    if (!lg_json_iter_begin(resources, &it))
        return LG_STR_NULL;
    while (lg_json_iter_next(&it, NULL, NULL, &r)) {
        lg_str arn = lg_src_get(r, "ARN");
        const char *m = arn.n ? memchr(arn.p, '/', arn.n) : NULL;
        if (!m || (size_t)(m - arn.p) < 11 || memcmp(m - 11, "agent-alias", 11) != 0)
            continue;
        const char *start = m + 1, *end = arn.p + arn.n;
        const char *slash = memchr(start, '/', (size_t)(end - start));
        lg_str id = {start, (size_t)((slash ? slash : end) - start)};
        if (id.n)
            return id;
    }
    return LG_STR_NULL;
}

static void agent_role(ct_event *e, lg_str agent, lg_str role_arn) {
    lg_aws_principal p;
    if (!lg_aws_arn_parse(e->env->arena, role_arn, &p) || p.kind != LG_NODE_IAM_ROLE)
        return;
    lg_fact *f = add(e, LG_FACT_AGENT_ROLE, LG_NODE_AGENT, agent);
    f->parent_kind = LG_NODE_IAM_ROLE;
    f->parent = p.id;
}

static void bedrock_event(ct_event *e) {
    lg_str n = e->name;
    lg_str agent = lg_src_path(e->resp, "agent/agentId");
    if (!agent.n)
        agent = lg_src_get(e->req, "agentId");
    if (LG_STR_EQ(n, "CreateAgent") || LG_STR_EQ(n, "UpdateAgent")) {
        if (!agent.n)
            return;
        lg_str role = lg_src_path(e->resp, "agent/agentResourceRoleArn");
        if (!role.n)
            role = lg_src_get(e->req, "agentResourceRoleArn");
        if (LG_STR_EQ(n, "CreateAgent")) {
            lg_str name = lg_src_get(e->req, "agentName");
            lg_fact *f = add(e, LG_FACT_CREATED, LG_NODE_AGENT, agent);
            f->detail = name.n ? name : lg_src_path(e->resp, "agent/agentName");
        }
        agent_role(e, agent, role);
    } else if (LG_STR_EQ(n, "DeleteAgent")) {
        if (agent.n)
            add(e, LG_FACT_DELETED, LG_NODE_AGENT, agent);
    } else if (LG_STR_EQ(n, "InvokeAgent")) {
        if (!agent.n)
            agent = agent_from_resources(lg_json_get(e->ev, "resources"));
        if (agent.n)
            add(e, LG_FACT_USED, LG_NODE_AGENT, agent);
    }
}

int lg_ct_parse(lg_src_env *env, lg_json_val ev, lg_record *rec, char *errstr, size_t errstr_size) {
    if (lg_src_id_time(ev, "cloudtrail", "eventID", "eventTime", rec, errstr, errstr_size) != 0)
        return -1;
    ct_event e = {.env = env, .ev = ev, .rec = rec};
    e.name = rec->event_name = lg_src_get(ev, "eventName");
    e.account = lg_src_get(ev, "recipientAccountId");
    if (!e.account.n)
        e.account = lg_src_path(ev, "userIdentity/accountId");
    rec->tenant = e.account;
    lg_json_val err = lg_json_get(ev, "errorCode");
    lg_json_type et = lg_json_type_of(err);
    /* A failed call creates nothing, but it still proves the credential that
     * made it is live: only the USED fact is kept. */
    rec->failed = et != LG_JSON_MISSING && et != LG_JSON_NULL;
    resolve(env, ev, rec, &e.caller);
    if (e.caller.used.n) {
        lg_fact *f = lg_src_add(rec, LG_FACT_USED, e.caller.used_kind, e.caller.used);
        f->parent_kind = e.caller.parent.n ? e.caller.parent_kind : LG_NODE_UNKNOWN;
        f->parent = e.caller.parent;
        f->object = e.caller.object;
        f->detail = e.name;
    }
    if (rec->failed || !e.name.n)
        return 0;
    e.req = lg_json_get(ev, "requestParameters");
    e.resp = lg_json_get(ev, "responseElements");
    lg_str src = lg_src_get(ev, "eventSource");
    if (LG_STR_EQ(src, "iam.amazonaws.com"))
        iam_event(&e);
    else if (LG_STR_EQ(src, "sts.amazonaws.com"))
        sts_event(&e);
    else if (LG_STR_EQ(src, "bedrock.amazonaws.com") ||
             LG_STR_EQ(src, "bedrock-agent.amazonaws.com") ||
             LG_STR_EQ(src, "bedrock-agent-runtime.amazonaws.com"))
        bedrock_event(&e);
    return 0;
}
