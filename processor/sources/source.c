/*
 * processor/sources/source.c - the parsing context and the dispatch that
 * splits a message into events ({"Records":[...]} envelopes and bare arrays,
 * for any source) and hands each to its source's parser.
 */
#include "processor/sources/source.h"

#include "processor/json/json.h"
#include "processor/sources/arena.h"
#include "processor/sources/bedrock/bedrock.h"
#include "processor/sources/cloudtrail/cloudtrail.h"
#include "processor/sources/github/github.h"
#include "processor/sources/okta/okta.h"
#include "processor/sources/parse_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lg_source_ctx {
    lg_json_parser *json;
    lg_src_env env; /* arena + auxiliary parser for embedded JSON */
    lg_record rec;
    char errstr[256];
};

lg_source_ctx *lg_source_ctx_new(void) {
    lg_source_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        goto fail;
    ctx->json = lg_json_parser_new();
    ctx->env.aux = lg_json_parser_new();
    ctx->env.arena = lg_arena_new(0);
    if (!ctx->json || !ctx->env.aux || !ctx->env.arena)
        goto fail;
    return ctx;
fail:
    lg_source_ctx_destroy(ctx);
    return NULL;
}

void lg_source_ctx_destroy(lg_source_ctx *ctx) {
    if (!ctx)
        return;
    lg_json_parser_destroy(ctx->json);
    lg_json_parser_destroy(ctx->env.aux);
    lg_arena_destroy(ctx->env.arena);
    free(ctx);
}

static lg_src_parse_fn parser_for(lg_source src) {
    switch (src) {
    case LG_SRC_CLOUDTRAIL:
        return lg_ct_parse;
    case LG_SRC_OKTA:
        return lg_okta_parse;
    case LG_SRC_GITHUB:
        return lg_gh_parse;
    case LG_SRC_BEDROCK:
        return lg_bedrock_parse;
    default:
        return NULL;
    }
}

/* Parses one event value. raw/rawlen are its bytes when known (a whole
 * message); for an element of a container they are NULL and the minified
 * element is produced for the callback. */
static int parse_event(lg_source_ctx *ctx, lg_source src, lg_src_parse_fn fn, lg_json_val ev,
                       const char *raw, size_t rawlen, lg_record_cb on_record, lg_bad_cb on_bad,
                       void *opaque) {
    char *owned = NULL;
    if (!raw) {
        owned = lg_json_minify(ev, &rawlen);
        raw = owned ? owned : "";
        if (!owned)
            rawlen = 0;
    }
    int rc;
    lg_arena_reset(ctx->env.arena);
    memset(&ctx->rec, 0, offsetof(lg_record, facts));
    ctx->rec.source = src;
    ctx->errstr[0] = '\0';
    if (lg_json_type_of(ev) != LG_JSON_OBJECT) {
        snprintf(ctx->errstr, sizeof ctx->errstr, "%s: event is not a JSON object",
                 lg_source_name(src));
        rc = on_bad ? on_bad(opaque, raw, rawlen, ctx->errstr) : 0;
    } else if (fn(&ctx->env, ev, &ctx->rec, ctx->errstr, sizeof ctx->errstr) != 0) {
        rc = on_bad ? on_bad(opaque, raw, rawlen, ctx->errstr) : 0;
    } else {
        rc = on_record ? on_record(opaque, &ctx->rec, raw, rawlen) : 0;
    }
    free(owned);
    return rc;
}

int lg_source_parse(lg_source_ctx *ctx, lg_source src, const char *buf, size_t len,
                    lg_record_cb on_record, lg_bad_cb on_bad, void *opaque) {
    lg_src_parse_fn fn = parser_for(src);
    if (!fn) {
        snprintf(ctx->errstr, sizeof ctx->errstr, "unknown source %d", (int)src);
        return on_bad ? on_bad(opaque, buf, len, ctx->errstr) : 0;
    }
    lg_json_val root;
    if (lg_json_parse(ctx->json, buf, len, &root, ctx->errstr, sizeof ctx->errstr) != 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s: %s", lg_source_name(src), ctx->errstr);
        return on_bad ? on_bad(opaque, buf, len, msg) : 0;
    }
    lg_json_val list = root;
    if (lg_json_type_of(root) == LG_JSON_OBJECT) {
        lg_json_val recs = lg_json_get(root, "Records");
        if (lg_json_type_of(recs) != LG_JSON_ARRAY)
            return parse_event(ctx, src, fn, root, buf, len, on_record, on_bad, opaque);
        list = recs;
    }
    if (lg_json_type_of(list) != LG_JSON_ARRAY)
        return parse_event(ctx, src, fn, root, buf, len, on_record, on_bad, opaque);
    lg_json_iter it;
    lg_json_val ev;
    lg_json_iter_begin(list, &it);
    while (lg_json_iter_next(&it, NULL, NULL, &ev)) {
        int rc = parse_event(ctx, src, fn, ev, NULL, 0, on_record, on_bad, opaque);
        if (rc != 0)
            return rc;
    }
    return 0;
}
