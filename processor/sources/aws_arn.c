/* processor/sources/aws_arn.c - see aws_arn.h. */
#include "processor/sources/aws_arn.h"

#include "processor/sources/parse_util.h"

#include <string.h>

static lg_str last_segment(lg_str s) {
    if (!s.n)
        return LG_STR_NULL;
    size_t i = s.n;
    while (i > 0 && s.p[i - 1] != '/')
        i--;
    return (lg_str){s.p + i, s.n - i};
}

lg_str lg_aws_iam_id(lg_arena *a, lg_str partition, lg_str account, const char *type, lg_str name) {
    name = last_segment(name);
    if (account.n == 0 || name.n == 0)
        return LG_STR_NULL;
    if (partition.n == 0)
        partition = LG_STR_LIT("aws");
    lg_str parts[8] = {LG_STR_LIT("arn:"),
                       partition,
                       LG_STR_LIT(":iam::"),
                       account,
                       {":", 1},
                       {type, strlen(type)},
                       {"/", 1},
                       name};
    return lg_arena_join(a, parts, 8);
}

bool lg_aws_is_sso_role(lg_str role_name) {
    return LG_STR_PREFIX(role_name, "AWSReservedSSO_");
}

bool lg_aws_arn_parse(lg_arena *a, lg_str arn, lg_aws_principal *out) {
    memset(out, 0, sizeof *out);
    if (!LG_STR_PREFIX(arn, "arn:"))
        return false;
    /* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE */
    lg_str f[5];
    size_t pos = 4;
    for (int k = 0; k < 4; k++) {
        const char *c = memchr(arn.p + pos, ':', arn.n - pos);
        if (!c)
            return false;
        f[k] = (lg_str){arn.p + pos, (size_t)(c - (arn.p + pos))};
        pos = (size_t)(c - arn.p) + 1;
    }
    f[4] = (lg_str){arn.p + pos, arn.n - pos}; /* resource */
    lg_str partition = f[0], service = f[1], account = f[3], res = f[4];
    out->partition = partition;
    out->account = account;
    if (LG_STR_EQ(res, "root")) {
        out->kind = LG_NODE_AWS_ROOT;
        out->id = arn;
        return true;
    }
    const char *slash = memchr(res.p, '/', res.n);
    if (!slash)
        return false;
    lg_str rtype = {res.p, (size_t)(slash - res.p)};
    lg_str rest = {slash + 1, res.n - rtype.n - 1};
    if (rest.n == 0)
        return false;
    if (LG_STR_EQ(rtype, "assumed-role")) {
        const char *s2 = memchr(rest.p, '/', rest.n);
        lg_str role = rest;
        if (s2) {
            role = (lg_str){rest.p, (size_t)(s2 - rest.p)};
            out->session = (lg_str){s2 + 1, rest.n - role.n - 1};
        }
        out->kind = LG_NODE_IAM_ROLE;
        out->name = role;
        out->id = lg_aws_iam_id(a, partition, account, "role", role);
        return out->id.n > 0;
    }
    if (LG_STR_EQ(rtype, "federated-user")) {
        out->kind = LG_NODE_FEDERATED_USER;
        out->name = rest;
        out->id = arn;
        return true;
    }
    bool user = LG_STR_EQ(rtype, "user"), role = LG_STR_EQ(rtype, "role");
    if ((!user && !role) || !LG_STR_EQ(service, "iam"))
        return false;
    out->kind = user ? LG_NODE_IAM_USER : LG_NODE_IAM_ROLE;
    out->name = last_segment(rest);
    if (out->name.n == 0)
        return false;
    if (out->name.n == rest.n && f[2].n == 0) {
        out->id = arn; /* already canonical: no copy */
        return true;
    }
    out->id = lg_aws_iam_id(a, partition, account, user ? "user" : "role", out->name);
    return out->id.n > 0;
}
