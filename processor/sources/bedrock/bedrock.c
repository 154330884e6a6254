/* processor/sources/bedrock/bedrock.c - see bedrock.h. */
#include "processor/sources/bedrock/bedrock.h"

#include "processor/sources/aws_arn.h"

int lg_bedrock_parse(lg_src_env *env, lg_json_val ev, lg_record *rec, char *errstr,
                     size_t errstr_size) {
    if (lg_src_id_time(ev, "bedrock", "requestId", "timestamp", rec, errstr, errstr_size) != 0)
        return -1;
    rec->event_name = lg_src_get(ev, "operation");
    rec->tenant = lg_src_get(ev, "accountId");

    lg_aws_principal p;
    if (!lg_aws_arn_parse(env->arena, lg_src_path(ev, "identity/arn"), &p))
        return 0;
    lg_str email = lg_src_email(env, p.session);
    if (email.n && lg_aws_is_sso_role(p.name))
        lg_src_add(rec, LG_FACT_HUMAN, LG_NODE_HUMAN, email);
    lg_fact *f = lg_src_add(rec, LG_FACT_USED, p.kind, p.id);
    f->object = email;
    f->detail = rec->event_name;
    return 0;
}
