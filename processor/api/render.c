/* processor/api/render.c - see render.h. */
#include "processor/api/render.h"

#include "sinks/json/json_encode.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *lg_render_query_name(lg_render_query q) {
    static const char *const names[] = {"owner",  "owns",   "offboard", "orphans",
                                        "review", "search", "node",     "graph"};
    return (unsigned)q < sizeof names / sizeof *names ? names[q] : "unknown";
}

/* ---- a small JSON writer: commas and nesting handled here ---- */

typedef struct jw {
    lg_strbuf *b;
    int err;
    int depth;
    bool first[32];
    bool after_key;
} jw;

static void jw_raw(jw *w, const char *s) {
    if (!w->err && lg_strbuf_puts(w->b, s) != 0)
        w->err = -1;
}

static void jw_sep(jw *w) {
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        if (!w->first[w->depth])
            jw_raw(w, ",");
        w->first[w->depth] = false;
    }
}

static void jw_open(jw *w, const char *br) {
    jw_sep(w);
    jw_raw(w, br);
    if (w->depth < 31)
        w->depth++;
    w->first[w->depth] = true;
}

static void jw_close(jw *w, const char *br) {
    jw_raw(w, br);
    if (w->depth > 0)
        w->depth--;
}

#define jw_obj(w) jw_open(w, "{")
#define jw_end(w) jw_close(w, "}")
#define jw_arr(w) jw_open(w, "[")
#define jw_end_arr(w) jw_close(w, "]")

static void jw_key(jw *w, const char *k) {
    jw_sep(w);
    if (!w->err && lg_json_append_string(w->b, k, strlen(k)) != 0)
        w->err = -1;
    jw_raw(w, ":");
    w->after_key = true;
}

static void jw_str(jw *w, const char *s) {
    jw_sep(w);
    if (!s)
        jw_raw(w, "null");
    else if (!w->err && lg_json_append_string(w->b, s, strlen(s)) != 0)
        w->err = -1;
}

static void jw_int(jw *w, int64_t v) {
    jw_sep(w);
    if (!w->err && lg_strbuf_printf(w->b, "%" PRId64, v) != 0)
        w->err = -1;
}

static void jw_num(jw *w, double v) {
    jw_sep(w);
    if (!w->err && lg_strbuf_printf(w->b, "%.2f", v) != 0)
        w->err = -1;
}

static void jw_bool(jw *w, bool v) {
    jw_sep(w);
    jw_raw(w, v ? "true" : "false");
}

static void jw_time(jw *w, int64_t ms) {
    if (ms == LG_TIME_NONE || ms == LG_Q_NOW || ms <= LG_TIME_NONE + 1) {
        jw_str(w, NULL);
        return;
    }
    char buf[40];
    jw_str(w, lg_json_format_time(ms, buf, sizeof buf));
}

#define KS(w, k, v) (jw_key(w, k), jw_str(w, v))
#define KT(w, k, v) (jw_key(w, k), jw_time(w, v))
#define KB(w, k, v) (jw_key(w, k), jw_bool(w, v))
#define KI(w, k, v) (jw_key(w, k), jw_int(w, v))

static void j_owner(jw *w, const lg_q_item *it) {
    jw_key(w, "owner");
    if (!it->owner_id) {
        jw_str(w, NULL);
        return;
    }
    jw_obj(w);
    KS(w, "id", it->owner_id);
    KS(w, "status", lg_human_status_name(it->owner_status));
    KT(w, "since", it->owner_status_since);
    KS(w, "status_evidence", it->owner_status_evt);
    jw_end(w);
}

static void j_item(jw *w, const lg_q_item *it, bool full) {
    jw_obj(w);
    KS(w, "id", it->id);
    KS(w, "kind", lg_node_kind_name(it->kind));
    KS(w, "name", it->name);
    KS(w, "system", it->system);
    KS(w, "role", it->role);
    if (it->kind == LG_NODE_HUMAN) {
        KS(w, "status", lg_human_status_name(it->human_status));
    } else {
        KS(w, "status", lg_q_status_name(it->status));
    }
    KT(w, "status_since", it->status_since);
    KB(w, "privileged", it->privileged);
    jw_key(w, "flags");
    jw_arr(w);
    if (it->flags & LG_QF_ORPHAN)
        jw_str(w, "orphan");
    if (it->flags & LG_QF_PRIV_OWNERLESS)
        jw_str(w, "privileged_ownerless");
    if (it->kind == LG_NODE_HUMAN && it->human_status == LG_STATUS_DEPARTED)
        jw_str(w, "departed");
    jw_end_arr(w);
    j_owner(w, it);
    KS(w, "confidence", it->confidence);
    KS(w, "via", it->via);
    KS(w, "via_basis", it->via ? lg_basis_name(it->via_basis) : NULL);
    KI(w, "depth", it->depth);
    KT(w, "created", it->created_ms);
    KT(w, "last_used", it->last_used_ms);
    KB(w, "last_used_later", it->last_used_later);
    KS(w, "last_action", it->last_action);
    KI(w, "dependants", (int64_t)it->ndependants);
    KB(w, "complete", it->complete);
    if (it->action != LG_Q_NO_ACTION) {
        KS(w, "action", lg_q_action_name(it->action));
        KS(w, "reason", it->reason);
    }
    if (full) {
        KS(w, "tenant", it->tenant);
        KS(w, "status_evidence", it->status_evt);
        KS(w, "privilege_evidence", it->priv_evt);
        KS(w, "created_evidence", it->created_evt);
        KS(w, "creator", it->creator);
        KT(w, "first_used", it->first_used_ms);
        KS(w, "last_used_evidence", it->last_used_evt);
        KB(w, "cycle", it->cycle);
        jw_key(w, "chain");
        jw_arr(w);
        for (size_t i = 0; it->chain && i < it->nchain; i++) {
            jw_obj(w);
            KS(w, "from", it->chain[i]);
            KS(w, "to", it->chain[i + 1]);
            KS(w, "basis", lg_basis_name(it->basis[i]));
            KS(w, "evidence", it->evidence[i]);
            jw_end(w);
        }
        jw_end_arr(w);
    }
    jw_end(w);
}

static void j_items(jw *w, const char *key, const lg_q_result *r, size_t from, const char *role,
                    bool full) {
    jw_key(w, key);
    jw_arr(w);
    for (size_t i = from; i < r->nitems; i++)
        if (!role || strcmp(r->items[i].role, role) == 0)
            j_item(w, &r->items[i], full);
    jw_end_arr(w);
}

/* Owned items grouped by system and kind (they are sorted that way). */
static void j_groups(jw *w, const lg_q_result *r) {
    jw_key(w, "groups");
    jw_arr(w);
    for (size_t i = 1; i < r->nitems;) {
        size_t j = i;
        while (j < r->nitems && r->items[j].kind == r->items[i].kind)
            j++;
        jw_obj(w);
        KS(w, "system", r->items[i].system);
        KS(w, "kind", lg_node_kind_name(r->items[i].kind));
        KI(w, "count", (int64_t)(j - i));
        size_t priv = 0, active = 0;
        for (size_t k = i; k < j; k++) {
            priv += r->items[k].privileged;
            active += r->items[k].status == LG_Q_ACTIVE;
        }
        KI(w, "privileged", (int64_t)priv);
        KI(w, "active", (int64_t)active);
        jw_key(w, "items");
        jw_arr(w);
        for (size_t k = i; k < j; k++)
            j_item(w, &r->items[k], true);
        jw_end_arr(w);
        jw_end(w);
        i = j;
    }
    jw_end_arr(w);
}

int lg_render_json(lg_render_query q, const lg_q_result *r, lg_strbuf *out) {
    jw w = {.b = out};
    jw_obj(&w);
    KS(&w, "query", lg_render_query_name(q));
    KT(&w, "as_of", r->as_of);
    KB(&w, "truncated", r->truncated);
    const lg_q_item *first = r->nitems ? &r->items[0] : NULL;
    switch (q) {
    case LG_RQ_OWNER:
        jw_key(&w, "subject");
        if (first)
            j_item(&w, first, true);
        else
            jw_str(&w, NULL);
        if (first)
            j_owner(&w, first);
        KS(&w, "confidence", r->confidence);
        jw_key(&w, "confidence_score");
        jw_num(&w, r->confidence_score);
        KS(&w, "weakest_basis", r->weakest_basis);
        j_items(&w, "chain", r, 1, "chain", true);
        j_items(&w, "dependants", r, 1, "dependant", false);
        break;
    case LG_RQ_OWNS:
    case LG_RQ_OFFBOARD:
        jw_key(&w, "person");
        if (first)
            j_item(&w, first, false);
        else
            jw_str(&w, NULL);
        KI(&w, "count", (int64_t)(r->nitems ? r->nitems - 1 : 0));
        if (q == LG_RQ_OWNS) {
            j_groups(&w, r);
        } else {
            size_t n[4] = {0};
            for (size_t i = 1; i < r->nitems; i++)
                n[r->items[i].action & 3]++;
            jw_key(&w, "summary");
            jw_obj(&w);
            KI(&w, "deprovision", (int64_t)n[LG_Q_DEPROVISION]);
            KI(&w, "reassign", (int64_t)n[LG_Q_REASSIGN]);
            KI(&w, "safe_to_remove", (int64_t)n[LG_Q_SAFE_TO_REMOVE]);
            jw_end(&w);
            j_items(&w, "items", r, 1, NULL, true);
        }
        break;
    case LG_RQ_ORPHANS:
        j_items(&w, "orphans", r, 0, "orphan", true);
        j_items(&w, "privileged_ownerless", r, 0, "privileged_ownerless", true);
        break;
    case LG_RQ_REVIEW:
        KI(&w, "count", (int64_t)r->nitems);
        jw_key(&w, "owners");
        jw_arr(&w);
        for (size_t i = 0; i < r->nitems;) {
            size_t j = i;
            const char *o = r->items[i].owner_id;
            while (j < r->nitems &&
                   (o ? r->items[j].owner_id && strcmp(r->items[j].owner_id, o) == 0
                      : !r->items[j].owner_id))
                j++;
            jw_obj(&w);
            KS(&w, "owner", o);
            KS(&w, "owner_status", o ? lg_human_status_name(r->items[i].owner_status) : NULL);
            KI(&w, "count", (int64_t)(j - i));
            jw_key(&w, "identities");
            jw_arr(&w);
            for (size_t k = i; k < j; k++)
                j_item(&w, &r->items[k], true);
            jw_end_arr(&w);
            jw_end(&w);
            i = j;
        }
        jw_end_arr(&w);
        break;
    case LG_RQ_SEARCH:
        KS(&w, "q", r->subject);
        j_items(&w, "results", r, 0, NULL, false);
        break;
    case LG_RQ_NODE:
        jw_key(&w, "node");
        if (first)
            j_item(&w, first, true);
        else
            jw_str(&w, NULL);
        jw_key(&w, "evidence");
        jw_arr(&w);
        for (size_t i = 0; i < r->nevidence; i++) {
            jw_obj(&w);
            KS(&w, "what", r->evidence[i].what);
            KT(&w, "time", r->evidence[i].t);
            KS(&w, "event", r->evidence[i].evt);
            jw_end(&w);
        }
        jw_end_arr(&w);
        break;
    case LG_RQ_GRAPH:
        KS(&w, "root", r->subject);
        j_items(&w, "nodes", r, 0, NULL, false);
        jw_key(&w, "edges");
        jw_arr(&w);
        for (size_t i = 0; i < r->nedges; i++) {
            jw_obj(&w);
            KS(&w, "from", r->edges[i].from);
            KS(&w, "to", r->edges[i].to);
            KS(&w, "type", r->edges[i].type);
            KS(&w, "evidence", r->edges[i].evidence);
            KB(&w, "lineage", r->edges[i].lineage);
            jw_end(&w);
        }
        jw_end_arr(&w);
        break;
    }
    jw_end(&w);
    return w.err;
}

/* ---- CSV ---- */

static int csv_field(lg_strbuf *b, const char *s, bool last) {
    int rc = 0;
    if (!s)
        s = "";
    if (strpbrk(s, ",\"\r\n")) {
        rc |= lg_strbuf_putc(b, '"');
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                rc |= lg_strbuf_putc(b, '"');
            rc |= lg_strbuf_putc(b, *p);
        }
        rc |= lg_strbuf_putc(b, '"');
    } else {
        rc |= lg_strbuf_puts(b, s);
    }
    rc |= last ? lg_strbuf_puts(b, "\r\n") : lg_strbuf_putc(b, ',');
    return rc ? -1 : 0;
}

static const char *csv_time(int64_t ms, char *buf, size_t n) {
    if (ms == LG_TIME_NONE)
        return "";
    return lg_json_format_time(ms, buf, n);
}

int lg_render_review_csv(const lg_q_result *r, lg_strbuf *out) {
    static const char *const head[] = {"owner",      "owner_status", "identity_id", "kind",
                                       "system",     "name",         "tenant",      "status",
                                       "privileged", "created",      "last_used",   "attribution",
                                       "confidence", "chain",        "evidence"};
    const size_t nh = sizeof head / sizeof *head;
    int rc = 0;
    for (size_t i = 0; i < nh; i++)
        rc |= csv_field(out, head[i], i + 1 == nh);
    lg_strbuf chain = LG_STRBUF_INIT, ev = LG_STRBUF_INIT;
    for (size_t i = 0; i < r->nitems && !rc; i++) {
        const lg_q_item *it = &r->items[i];
        char t1[40], t2[40];
        lg_strbuf_reset(&chain);
        lg_strbuf_reset(&ev);
        for (size_t k = 0; it->chain && k <= it->nchain; k++)
            rc |= lg_strbuf_printf(&chain, "%s%s", k ? " > " : "", it->chain[k]);
        for (size_t k = 0; it->chain && k < it->nchain; k++)
            if (it->evidence[k])
                rc |= lg_strbuf_printf(&ev, "%s%s", ev.len ? " " : "", it->evidence[k]);
        const char *fields[] = {it->owner_id ? it->owner_id : "",
                                it->owner_id ? lg_human_status_name(it->owner_status) : "",
                                it->id,
                                lg_node_kind_name(it->kind),
                                it->system,
                                it->name,
                                it->tenant,
                                lg_q_status_name(it->status),
                                it->privileged ? "true" : "false",
                                csv_time(it->created_ms, t1, sizeof t1),
                                csv_time(it->last_used_ms, t2, sizeof t2),
                                it->nchain ? lg_basis_name(it->basis[0]) : "none",
                                it->confidence,
                                chain.len ? chain.data : "",
                                ev.len ? ev.data : ""};
        for (size_t k = 0; k < nh; k++)
            rc |= csv_field(out, fields[k], k + 1 == nh);
    }
    lg_strbuf_free(&chain);
    lg_strbuf_free(&ev);
    return rc ? -1 : 0;
}

/* ---- text ---- */

/* Appends s with control characters replaced by '?'. */
static int t_safe(lg_strbuf *b, const char *s) {
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : "-"); *p && !rc; p++)
        rc = lg_strbuf_putc(b, (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p);
    return rc;
}

static const char *t_day(int64_t ms, char *buf, size_t n) {
    if (ms == LG_TIME_NONE || ms <= LG_TIME_NONE + 1)
        return "-";
    lg_json_format_time(ms, buf, n);
    buf[10] = '\0';
    return buf;
}

/* "iam_user arn:... (name)  [departed] PRIVILEGED ORPHAN  ..." */
static int t_item(lg_strbuf *b, const lg_q_item *it, bool usage) {
    char d1[40], d2[40];
    int rc = lg_strbuf_printf(b, "%s ", lg_node_kind_name(it->kind));
    rc |= t_safe(b, it->id);
    if (it->name && strcmp(it->name, it->id) != 0) {
        rc |= lg_strbuf_puts(b, " (");
        rc |= t_safe(b, it->name);
        rc |= lg_strbuf_putc(b, ')');
    }
    if (it->kind == LG_NODE_HUMAN) {
        rc |= lg_strbuf_printf(b, "  [%s", lg_human_status_name(it->human_status));
        if (it->human_status != LG_STATUS_ACTIVE)
            rc |= lg_strbuf_printf(b, " since %s", t_day(it->status_since, d1, sizeof d1));
        rc |= lg_strbuf_putc(b, ']');
        return rc ? -1 : 0;
    }
    if (it->status != LG_Q_ACTIVE)
        rc |= lg_strbuf_printf(b, "  [%s %s]", lg_q_status_name(it->status),
                               t_day(it->status_since, d1, sizeof d1));
    if (it->privileged)
        rc |= lg_strbuf_puts(b, "  PRIVILEGED");
    if (it->flags & LG_QF_ORPHAN)
        rc |= lg_strbuf_puts(b, "  ORPHAN");
    if (it->flags & LG_QF_PRIV_OWNERLESS)
        rc |= lg_strbuf_puts(b, "  OWNERLESS");
    if (usage) {
        rc |= lg_strbuf_printf(b, "  created %s", t_day(it->created_ms, d1, sizeof d1));
        if (it->last_used_ms == LG_TIME_NONE)
            rc |= lg_strbuf_puts(b, "  never used");
        else
            rc |= lg_strbuf_printf(b, "  last used %s%s", t_day(it->last_used_ms, d2, sizeof d2),
                                   it->last_used_later ? "+" : "");
    }
    return rc ? -1 : 0;
}

static int t_asof(lg_strbuf *b, const lg_q_result *r) {
    char buf[40];
    if (r->as_of == LG_Q_NOW)
        return lg_strbuf_puts(b, "as of now");
    return lg_strbuf_printf(b, "as of %s", lg_json_format_time(r->as_of, buf, sizeof buf));
}

/* Tree of a person's identities: children are the items whose via is the
 * parent. prefix holds the "│  " columns drawn so far. */
static int t_tree(lg_strbuf *b, const lg_q_result *r, const char *parent, char *prefix, size_t plen,
                  int depth, bool offboard) {
    int rc = 0;
    size_t last = 0, count = 0;
    for (size_t i = 1; i < r->nitems; i++)
        if (r->items[i].via && strcmp(r->items[i].via, parent) == 0)
            last = i, count++;
    if (!count || depth > 16)
        return 0;
    for (size_t i = 1; i < r->nitems && !rc; i++) {
        const lg_q_item *it = &r->items[i];
        if (!it->via || strcmp(it->via, parent) != 0)
            continue;
        bool is_last = i == last;
        rc |= lg_strbuf_printf(b, "%.*s%s %s ─ ", (int)plen, prefix, is_last ? "└─" : "├─",
                               lg_basis_name(it->via_basis));
        rc |= t_item(b, it, true);
        if (offboard && it->action != LG_Q_NO_ACTION) {
            rc |= lg_strbuf_printf(b, "\n%.*s%s   => %s: ", (int)plen, prefix,
                                   is_last ? "  " : "│ ", lg_q_action_name(it->action));
            rc |= t_safe(b, it->reason);
        }
        rc |= lg_strbuf_putc(b, '\n');
        const char *col = is_last ? "   " : "│  ";
        size_t clen = strlen(col);
        if (plen + clen < 200) {
            memcpy(prefix + plen, col, clen);
            rc |= t_tree(b, r, it->id, prefix, plen + clen, depth + 1, offboard);
        }
    }
    return rc ? -1 : 0;
}

static int t_groups(lg_strbuf *b, const lg_q_result *r) {
    int rc = lg_strbuf_puts(b, "by system and kind:\n");
    for (size_t i = 1; i < r->nitems;) {
        size_t j = i, priv = 0, active = 0;
        while (j < r->nitems && r->items[j].kind == r->items[i].kind) {
            priv += r->items[j].privileged;
            active += r->items[j].status == LG_Q_ACTIVE;
            j++;
        }
        rc |= lg_strbuf_printf(b, "  %-8s %-26s %4zu  (%zu active, %zu privileged)\n",
                               r->items[i].system, lg_node_kind_name(r->items[i].kind), j - i,
                               active, priv);
        i = j;
    }
    return rc ? -1 : 0;
}

static int t_chain(lg_strbuf *b, const lg_q_item *it, const char *indent) {
    int rc = 0;
    for (size_t i = 0; it->chain && i < it->nchain; i++) {
        rc |= lg_strbuf_printf(b, "%s%*s└─ %s ─> ", indent, (int)(i * 2), "",
                               lg_basis_name(it->basis[i]));
        rc |= t_safe(b, it->chain[i + 1]);
        rc |= lg_strbuf_puts(b, "   evidence ");
        rc |= t_safe(b, it->evidence[i] ? it->evidence[i] : "-");
        rc |= lg_strbuf_putc(b, '\n');
    }
    return rc;
}

static int t_owner_line(lg_strbuf *b, const lg_q_item *it) {
    char d[40];
    if (!it->owner_id)
        return lg_strbuf_printf(b, "owner: (none)%s\n", it->cycle ? " - the chain loops" : "");
    int rc = lg_strbuf_puts(b, "owner: ");
    rc |= t_safe(b, it->owner_id);
    rc |= lg_strbuf_printf(b, " [%s", lg_human_status_name(it->owner_status));
    if (it->owner_status != LG_STATUS_ACTIVE)
        rc |= lg_strbuf_printf(b, " since %s", t_day(it->owner_status_since, d, sizeof d));
    rc |= lg_strbuf_puts(b, "]\n");
    return rc;
}

int lg_render_text(lg_render_query q, const lg_q_result *r, lg_strbuf *b) {
    int rc = 0;
    const lg_q_item *first = r->nitems ? &r->items[0] : NULL;
    char prefix[256];
    switch (q) {
    case LG_RQ_OWNER:
        if (!first)
            break;
        rc |= t_item(b, first, true);
        rc |= lg_strbuf_puts(b, "\n");
        rc |= t_owner_line(b, first);
        rc |= lg_strbuf_printf(b, "confidence: %s (%.2f", r->confidence, r->confidence_score);
        if (r->weakest_basis)
            rc |= lg_strbuf_printf(b, ", weakest link: %s", r->weakest_basis);
        rc |= lg_strbuf_puts(b, "), ");
        rc |= t_asof(b, r);
        rc |= lg_strbuf_puts(b, "\nchain:\n  ");
        rc |= t_safe(b, first->id);
        rc |= lg_strbuf_putc(b, '\n');
        rc |= t_chain(b, first, "  ");
        {
            size_t nd = 0;
            for (size_t i = 1; i < r->nitems; i++)
                nd += strcmp(r->items[i].role, "dependant") == 0;
            rc |=
                lg_strbuf_printf(b, "depends on it (active): %zu%s\n", nd, r->truncated ? "+" : "");
            for (size_t i = 1; i < r->nitems; i++) {
                if (strcmp(r->items[i].role, "dependant") != 0)
                    continue;
                rc |= lg_strbuf_puts(b, "  ");
                rc |= t_item(b, &r->items[i], true);
                rc |= lg_strbuf_puts(b, "  owner ");
                rc |= t_safe(b, r->items[i].owner_id ? r->items[i].owner_id : "(none)");
                rc |= lg_strbuf_putc(b, '\n');
            }
        }
        break;
    case LG_RQ_OWNS:
    case LG_RQ_OFFBOARD:
        if (!first)
            break;
        rc |= t_item(b, first, false);
        rc |= lg_strbuf_printf(b, "  %s %zu identities, ",
                               q == LG_RQ_OWNS ? "owns" : "offboarding:", r->nitems - 1);
        rc |= t_asof(b, r);
        rc |= lg_strbuf_puts(b, r->truncated ? " (truncated)\n" : "\n");
        if (q == LG_RQ_OFFBOARD) {
            size_t n[4] = {0};
            for (size_t i = 1; i < r->nitems; i++)
                n[r->items[i].action & 3]++;
            rc |= lg_strbuf_printf(b, "  %zu deprovision, %zu reassign, %zu safe to remove\n",
                                   n[LG_Q_DEPROVISION], n[LG_Q_REASSIGN], n[LG_Q_SAFE_TO_REMOVE]);
        }
        rc |= t_tree(b, r, first->id, prefix, 0, 0, q == LG_RQ_OFFBOARD);
        if (r->nitems > 1)
            rc |= t_groups(b, r);
        break;
    case LG_RQ_ORPHANS:
    case LG_RQ_REVIEW:
    case LG_RQ_SEARCH: {
        rc |= lg_strbuf_printf(b, "%s: %zu identities, ", lg_render_query_name(q), r->nitems);
        rc |= t_asof(b, r);
        rc |= lg_strbuf_puts(b, r->truncated ? " (truncated)\n" : "\n");
        const char *owner = "";
        for (size_t i = 0; i < r->nitems; i++) {
            const lg_q_item *it = &r->items[i];
            if (q == LG_RQ_REVIEW &&
                (i == 0 || strcmp(owner, it->owner_id ? it->owner_id : "") != 0)) {
                owner = it->owner_id ? it->owner_id : "";
                rc |= lg_strbuf_puts(b, "\n");
                rc |= t_safe(b, *owner ? owner : "(no owner)");
                if (*owner)
                    rc |= lg_strbuf_printf(b, " [%s]", lg_human_status_name(it->owner_status));
                rc |= lg_strbuf_puts(b, "\n");
            }
            rc |= lg_strbuf_puts(b, "  ");
            rc |= t_item(b, it, q != LG_RQ_SEARCH);
            if (q != LG_RQ_REVIEW && it->kind != LG_NODE_HUMAN) {
                rc |= lg_strbuf_puts(b, "  owner ");
                rc |= t_safe(b, it->owner_id ? it->owner_id : "(none)");
            }
            rc |= lg_strbuf_putc(b, '\n');
            if (q == LG_RQ_ORPHANS)
                rc |= t_chain(b, it, "    ");
        }
        break;
    }
    case LG_RQ_NODE: {
        if (!first)
            break;
        rc |= t_item(b, first, true);
        rc |= lg_strbuf_putc(b, '\n');
        rc |= t_owner_line(b, first);
        rc |= lg_strbuf_printf(b, "confidence: %s, dependants: %zu\nchain:\n", first->confidence,
                               first->ndependants);
        rc |= t_chain(b, first, "  ");
        rc |= lg_strbuf_puts(b, "evidence:\n");
        for (size_t i = 0; i < r->nevidence; i++) {
            char d[40];
            const char *ts = r->evidence[i].t == LG_TIME_NONE
                                 ? "-"
                                 : lg_json_format_time(r->evidence[i].t, d, sizeof d);
            rc |= lg_strbuf_printf(b, "  %-24s  ", ts);
            rc |= t_safe(b, r->evidence[i].what);
            rc |= lg_strbuf_puts(b, "  ");
            rc |= t_safe(b, r->evidence[i].evt ? r->evidence[i].evt : "");
            rc |= lg_strbuf_putc(b, '\n');
        }
        break;
    }
    case LG_RQ_GRAPH:
        for (size_t i = 0; i < r->nedges; i++) {
            rc |= t_safe(b, r->edges[i].from);
            rc |= lg_strbuf_printf(b, " -%s-> ", r->edges[i].type);
            rc |= t_safe(b, r->edges[i].to);
            rc |= lg_strbuf_putc(b, '\n');
        }
        break;
    }
    return rc ? -1 : 0;
}
