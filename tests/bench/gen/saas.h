/*
 * tests/bench/gen/saas.h - Okta System Log events, GitHub audit log events
 * and Amazon Bedrock model invocation log records in their real shapes.
 *
 * Ownership: every writer appends one record to c->rec; callers are
 * borrowed.
 */
#ifndef LG_BENCH_GEN_SAAS_H
#define LG_BENCH_GEN_SAAS_H

#include "tests/bench/gen/cloudtrail.h"
#include "tests/bench/gen/ctx.h"

#include <stdbool.h>

/* ---- Okta ---- */

/** user.lifecycle.<what> ("create", "activate", "deactivate", "suspend",
 *  "unsuspend") of person p, done by admin person a. */
void lg_gen_okta_lifecycle(lg_gen_ctx *c, uint32_t p, const char *what, uint32_t a);

/** user.session.start or user.authentication.sso by person p. */
void lg_gen_okta_session(lg_gen_ctx *c, uint32_t p);

/** system.api_token.create (create) or .revoke of person p's token i. */
void lg_gen_okta_token(lg_gen_ctx *c, uint32_t p, uint32_t i, bool create);

/** application.lifecycle.<what> of person p's service app i. */
void lg_gen_okta_app(lg_gen_ctx *c, uint32_t p, uint32_t i, const char *what);

/** app.oauth2.as.token.grant.access_token: person p's service app i at work. */
void lg_gen_okta_app_grant(lg_gen_ctx *c, uint32_t p, uint32_t i);

/* ---- GitHub ---- */

/** personal_access_token.create (LG_GEN_GH_PAT) or oauth_authorization.create
 *  (LG_GEN_GH_CLASSIC) of person p's token i; admin: admin-level scopes. */
void lg_gen_gh_token_create(lg_gen_ctx *c, uint32_t p, lg_gen_nhi kind, uint32_t i, bool admin);

/** personal_access_token.destroy / oauth_authorization.destroy. */
void lg_gen_gh_token_destroy(lg_gen_ctx *c, uint32_t p, lg_gen_nhi kind, uint32_t i);

/** public_key.create of an SSH key (LG_GEN_GH_SSH_KEY) or deploy key. */
void lg_gen_gh_key_create(lg_gen_ctx *c, uint32_t p, lg_gen_nhi kind, uint32_t i);

/** A git or API event made with person p's token i (git.clone, git.push,
 *  ...). */
void lg_gen_gh_token_use(lg_gen_ctx *c, uint32_t p, lg_gen_nhi kind, uint32_t i);

/** A web event of person p with no token (user.login, pull_request.*). */
void lg_gen_gh_web(lg_gen_ctx *c, uint32_t p);

/* ---- Bedrock model invocation logs ---- */

/** An InvokeModel / Converse invocation log record made by session w. */
void lg_gen_bedrock_log(lg_gen_ctx *c, const lg_gen_caller *w);

#endif
