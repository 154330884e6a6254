/* processor/cli_query.c - see cli_query.h. */
#include "processor/cli_query.h"

#include "processor/api/api.h"
#include "processor/api/reader.h"
#include "processor/api/render.h"
#include "state/query.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXIT_USAGE 2
#define EXIT_NOT_FOUND 3

const char lg_cli_query_usage[] =
    "usage: lineaged query WHAT [--state DIR] [--config FILE] [--as-of TIME] [--json] [ARG]\n"
    "\n"
    "Asks the lineage state (safe beside a running daemon: it is opened as a\n"
    "RocksDB secondary instance). WHAT is one of:\n"
    "  owner ID         who owns an identity: the owner, the attribution chain with\n"
    "                   the evidence of each link, how sure it is, what depends on it.\n"
    "                   ID: access key id, ARN (any path, assumed-role), GitHub token\n"
    "                   (raw ghp_..., its hash or github-pat:...), agent id or ARN,\n"
    "                   Okta id, e-mail, name\n"
    "  owns PERSON      everything PERSON owns, transitively, as a tree, grouped by\n"
    "                   system and kind, with privileges and last use\n"
    "  offboard PERSON  each of PERSON's identities with a recommendation:\n"
    "                   deprovision, reassign or safe_to_remove, and the reason\n"
    "  orphans          current orphans and ownerless privileged keys\n"
    "  review           access-review export: every NHI and agent per owner\n"
    "  node ID          one identity's details and every piece of evidence\n"
    "  search TEXT      identities whose id or name contains TEXT\n"
    "\n"
    "options:\n"
    "  --state DIR         lineage state directory (default: state.dir)\n"
    "  --config FILE       configuration file\n"
    "  --as-of TIME        answer as of an event time: ISO-8601\n"
    "                      (2025-03-01T12:00:00Z) or a date (2025-03-01 = the END\n"
    "                      of that day, UTC); default now\n"
    "  --json              JSON instead of text\n"
    "  --csv               review only: CSV (RFC 4180) instead of text\n"
    "  --unused-days N     offboard: unused this many days -> deprovision (default 30)\n"
    "  --limit N           search: at most N results (default 50)\n"
    "  -h, --help          this text\n"
    "\n"
    "exit: 0 answered, 1 state error, 2 usage error, 3 not in the state.\n";

const char lg_cli_serve_usage[] =
    "usage: lineaged serve [--state DIR] [--config FILE] [--listen HOST:PORT]\n"
    "                      [--events FILE]\n"
    "\n"
    "Serves the HTTP API (JSON queries, /healthz, /readyz, /metrics) and the\n"
    "lineage map at / over a state directory, beside or without a running\n"
    "daemon. Loopback by default; any other address needs api.token or\n"
    "api.token.file (a bearer token every API request must carry).\n"
    "\n"
    "options:\n"
    "  --state DIR         lineage state directory (default: state.dir)\n"
    "  --config FILE       configuration file (api.listen, api.token, ...)\n"
    "  --listen HOST:PORT  overrides api.listen (port 0: any free port)\n"
    "  --events FILE       follow a JSON-lines file of derived events (the output\n"
    "                      of `lineaged replay`) for the map's live feed\n"
    "  -h, --help          this text\n"
    "\n"
    "It prints \"listening on http://HOST:PORT/\" on stdout once it accepts\n"
    "connections, and stops on SIGINT or SIGTERM.\n";

static int usage(const char *text, const char *fmt, const char *arg) {
    fprintf(stderr, "lineaged: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n\n%s", text);
    return EXIT_USAGE;
}

/* Loads the configuration and settles the state directory (--state, else
 * state.dir). Returns 0, or the exit code after printing the error. */
static int load_with_state(lg_cli_config_loader load, const char *cfgpath, const char **state,
                           lg_config **cfg, const char *usage_text, const char *cmd) {
    *cfg = load(cfgpath);
    if (!*cfg)
        return cfgpath ? EXIT_USAGE : 1;
    if (!*state && (*cfg)->state_dir[0])
        *state = (*cfg)->state_dir;
    if (*state)
        return 0;
    lg_config_destroy(*cfg);
    *cfg = NULL;
    return usage(usage_text, "%s: --state DIR (or state.dir) is required", cmd);
}

static const struct {
    const char *name;
    lg_render_query q;
    bool arg;
} whats[] = {
    {"owner", LG_RQ_OWNER, true},       {"owns", LG_RQ_OWNS, true},
    {"offboard", LG_RQ_OFFBOARD, true}, {"orphans", LG_RQ_ORPHANS, false},
    {"review", LG_RQ_REVIEW, false},    {"node", LG_RQ_NODE, true},
    {"search", LG_RQ_SEARCH, true},
};

static int parse_count(const char *s, long long max, long long *out) {
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

int lg_cli_query(int argc, char **argv, lg_cli_config_loader load) {
    static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"csv", no_argument, NULL, 'v'},
                                         {"unused-days", required_argument, NULL, 'u'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *state = NULL, *cfgpath = NULL;
    bool json = false, csv = false;
    lg_q_opts qo = {0};
    long long limit = 50;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "s:c:a:h", opts, NULL)) != -1) {
        long long v;
        switch (ch) {
        case 's':
            state = optarg;
            break;
        case 'c':
            cfgpath = optarg;
            break;
        case 'a':
            if (lg_q_parse_time(optarg, &qo.as_of) != 0)
                return usage(lg_cli_query_usage,
                             "query: bad --as-of \"%s\" (ISO-8601 or YYYY-MM-DD)", optarg);
            break;
        case 'j':
            json = true;
            break;
        case 'v':
            csv = true;
            break;
        case 'u':
            if (parse_count(optarg, 36500, &v) != 0)
                return usage(lg_cli_query_usage, "query: bad --unused-days \"%s\"", optarg);
            qo.unused_ms = v * 86400000LL;
            break;
        case 'l':
            if (parse_count(optarg, 100000, &limit) != 0)
                return usage(lg_cli_query_usage, "query: bad --limit \"%s\"", optarg);
            break;
        case 'h':
            fputs(lg_cli_query_usage, stdout);
            return 0;
        default:
            fprintf(stderr, "\n%s", lg_cli_query_usage);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return usage(lg_cli_query_usage, "query: what to ask is missing%s", "");
    const char *what = argv[optind++];
    size_t wi = 0, nw = sizeof whats / sizeof *whats;
    while (wi < nw && strcmp(whats[wi].name, what) != 0)
        wi++;
    if (wi == nw)
        return usage(lg_cli_query_usage, "query: unknown question \"%s\"", what);
    const char *arg = NULL;
    if (whats[wi].arg) {
        if (optind >= argc)
            return usage(lg_cli_query_usage, "query %s: an argument is required", what);
        arg = argv[optind++];
    }
    if (optind < argc)
        return usage(lg_cli_query_usage, "query: unexpected argument \"%s\"", argv[optind]);
    if (csv && whats[wi].q != LG_RQ_REVIEW)
        return usage(lg_cli_query_usage, "query: --csv is for review only%s", "");
    lg_config *cfg = NULL;
    int lrc = load_with_state(load, cfgpath, &state, &cfg, lg_cli_query_usage, "query");
    if (lrc != 0)
        return lrc;
    char err[1024];
    int rc = 1;
    lg_q_result *r = NULL;
    lg_strbuf out = LG_STRBUF_INIT;
    lg_state_reader *rd =
        lg_state_reader_open(state, (size_t)cfg->cache_mb, false, err, sizeof err);
    if (!rd) {
        fprintf(stderr, "lineaged: query: %s\n", err);
        goto cleanup;
    }
    lg_graph *g = NULL; /* the graphs are in the options */
    qo.graphs = lg_state_reader_graphs(rd);
    int qrc;
    switch (whats[wi].q) {
    case LG_RQ_OWNER:
        qrc = lg_q_owner(g, arg, &qo, &r, err, sizeof err);
        break;
    case LG_RQ_OWNS:
        qrc = lg_q_owns(g, arg, &qo, &r, err, sizeof err);
        break;
    case LG_RQ_OFFBOARD:
        qrc = lg_q_offboard(g, arg, &qo, &r, err, sizeof err);
        break;
    case LG_RQ_ORPHANS:
        qrc = lg_q_orphans(g, &qo, &r, err, sizeof err);
        break;
    case LG_RQ_REVIEW:
        qrc = lg_q_review(g, &qo, &r, err, sizeof err);
        break;
    case LG_RQ_NODE:
        qrc = lg_q_node(g, arg, &qo, &r, err, sizeof err);
        break;
    default:
        qrc = lg_q_search(g, arg, (size_t)limit, &qo, &r, err, sizeof err);
        break;
    }
    if (qrc != 0) {
        fprintf(stderr, "lineaged: query %s: %s\n", what, err);
        rc = qrc == LG_Q_NOT_FOUND ? EXIT_NOT_FOUND : 1;
        goto cleanup;
    }
    int wrc = csv    ? lg_render_review_csv(r, &out)
              : json ? lg_render_json(whats[wi].q, r, &out)
                     : lg_render_text(whats[wi].q, r, &out);
    if (wrc == 0 && json)
        wrc = lg_strbuf_putc(&out, '\n');
    if (wrc != 0) {
        fprintf(stderr, "lineaged: query: out of memory\n");
        goto cleanup;
    }
    if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len) {
        fprintf(stderr, "lineaged: query: cannot write the answer\n");
        goto cleanup;
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
cleanup:
    lg_strbuf_free(&out);
    lg_q_result_free(r);
    lg_state_reader_close(rd);
    lg_config_destroy(cfg);
    return rc;
}

int lg_cli_serve(int argc, char **argv, lg_cli_config_loader load, volatile sig_atomic_t *running) {
    static const struct option opts[] = {
        {"state", required_argument, NULL, 's'},  {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 'l'}, {"events", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *state = NULL, *cfgpath = NULL, *listen_at = NULL, *events = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "s:c:h", opts, NULL)) != -1) {
        switch (ch) {
        case 's':
            state = optarg;
            break;
        case 'c':
            cfgpath = optarg;
            break;
        case 'l':
            listen_at = optarg;
            break;
        case 'e':
            events = optarg;
            break;
        case 'h':
            fputs(lg_cli_serve_usage, stdout);
            return 0;
        default:
            fprintf(stderr, "\n%s", lg_cli_serve_usage);
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return usage(lg_cli_serve_usage, "serve: unexpected argument \"%s\"", argv[optind]);
    lg_config *cfg = NULL;
    int lrc = load_with_state(load, cfgpath, &state, &cfg, lg_cli_serve_usage, "serve");
    if (lrc != 0)
        return lrc;
    char err[1024];
    char *token = NULL;
    lg_api_opts ao = {0};
    int rc = 1;
    lg_api *api = NULL;
    if (lg_api_opts_from_config(cfg, &ao, &token, err, sizeof err) != 0) {
        fprintf(stderr, "lineaged: serve: %s\n", err);
        goto cleanup;
    }
    if (listen_at)
        ao.listen = listen_at;
    if (!ao.listen[0]) {
        rc = usage(lg_cli_serve_usage, "serve: api.listen is empty (the API is disabled)%s", "");
        goto cleanup;
    }
    ao.state_dir = state;
    ao.events_file = events;
    api = lg_api_start(&ao, err, sizeof err);
    if (!api) {
        LG_LOGE("serve", "%s", err);
        goto cleanup;
    }
    char url[300];
    lg_api_url(api, ao.listen, url, sizeof url);
    printf("listening on %s\n", url);
    fflush(stdout);
    LG_LOGI("serve", "lineage map and API on %s (state %s%s)", url, state,
            ao.token && ao.token[0] ? ", bearer token required" : "");
    while (*running) {
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL); /* wait for a signal; the server runs in its own threads */
    }
    LG_LOGI("serve", "stopping");
    rc = 0;
cleanup:
    lg_api_stop(api);
    free(token);
    lg_config_destroy(cfg);
    return rc;
}
