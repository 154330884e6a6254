/*
 * processor/main.c - the lineaged command line: replay, run, config.
 * Exit codes: 0 success, 1 I/O / state / Kafka error, 2 usage error.
 * Signals (SIGINT, SIGTERM) only clear the run flag.
 */
#include "processor/cli_query.h"
#include "processor/config.h"
#include "processor/kafka/run.h"
#include "processor/replay.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#ifdef LG_MIMALLOC
#include <mimalloc.h>
#endif

#define EXIT_USAGE 2

static volatile sig_atomic_t running = 1;

static void on_signal(int sig) {
    (void)sig;
    running = 0;
}

static void install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* a file size limit (ulimit -f) makes a write fail with EFBIG, which the
     * state and the sinks report, instead of killing the process */
    signal(SIGXFSZ, SIG_IGN);
}

static const char main_usage[] =
    "usage: lineaged [--help] [--version] <command> [options]\n"
    "\n"
    "Real-time identity lineage: humans -> non-human identities -> AI agents,\n"
    "from AWS CloudTrail, Okta, GitHub audit and Bedrock invocation logs.\n"
    "\n"
    "commands:\n"
    "  replay   process event files (or stdin) and print derived events\n"
    "  run      the daemon: consume Kafka topics, publish derived events\n"
    "  config   list configuration keys, generate docs or an example file\n"
    "  query    ask the lineage: owner, owns, offboard, orphans, review, node, search\n"
    "  serve    the HTTP API and the lineage map over a state directory\n"
    "\n"
    "`lineaged <command> --help` describes a command.\n";

static const char replay_usage[] =
    "usage: lineaged replay --state DIR [--config FILE] [--deadletter FILE] SOURCE:PATH...\n"
    "\n"
    "Feeds each input, in order and front to back, through the lineage engine and\n"
    "prints derived events as JSON lines on stdout. SOURCE is cloudtrail, okta,\n"
    "github or bedrock; PATH is a file of JSON lines, a JSON array or a\n"
    "{\"Records\":[...]} document (gzip accepted), or - for stdin. State is kept in\n"
    "DIR: a later replay continues from it and re-delivered events are ignored.\n"
    "\n"
    "options:\n"
    "  --state DIR         lineage state directory (created if missing)\n"
    "  --config FILE       configuration file (see `lineaged config`)\n"
    "  --deadletter FILE   unusable events, JSON lines (default DIR/deadletter.jsonl)\n"
    "  -h, --help          this text\n"
    "\n"
    "exit: 0 inputs processed (malformed events are dead-lettered and counted),\n"
    "      1 I/O or state error, 2 usage error.\n";

static const char run_usage[] =
    "usage: lineaged run [--config FILE] [--demo] [--max-messages N] [--exit-when-idle MS]\n"
    "\n"
    "Consumes the input topics as a consumer group, updates the lineage state and\n"
    "publishes derived events to topics.derived; offsets are committed only after\n"
    "the state and the derived events are durable. Without kafka.brokers an\n"
    "embedded Kafka (librdkafka mock cluster) is started in the process.\n"
    "\n"
    "options:\n"
    "  --config FILE         configuration file (see `lineaged config`)\n"
    "  --state DIR           overrides state.dir\n"
    "  --demo                embedded Kafka + the bundled demo company: produce it,\n"
    "                        process it, print the derived events read back from\n"
    "                        the output topic, then stop\n"
    "  --demo-dir DIR        demo data directory (default: deploy/demo)\n"
    "  --max-messages N      stop after N input messages\n"
    "  --exit-when-idle MS   stop when no input arrived for MS milliseconds\n"
    "  -h, --help            this text\n";

static const char config_usage[] =
    "usage: lineaged config [--config FILE] [--markdown | --example | --dump]\n"
    "\n"
    "Without options lists every configuration key with its type, default and\n"
    "description.\n"
    "\n"
    "options:\n"
    "  --markdown      print the reference (docs/configuration.md)\n"
    "  --example       print an example file with every default (deploy/lineaged.conf)\n"
    "  --dump          print the effective configuration (--config and LINEAGED_*)\n"
    "  --config FILE   file to load for --dump (validates it)\n"
    "  -h, --help      this text\n";

static int usage_error(const char *usage, const char *fmt, const char *arg) {
    fprintf(stderr, "lineaged: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n\n%s", usage);
    return EXIT_USAGE;
}

/* Loads defaults, the file (if any) and the environment, and applies the
 * log settings. Returns NULL (after printing the error) on failure. */
static lg_config *load_config(const char *path) {
    char err[1024];
    lg_config *c = lg_config_new();
    if (!c) {
        fprintf(stderr, "lineaged: out of memory\n");
        return NULL;
    }
    if ((path && lg_config_load_file(c, path, err, sizeof(err)) != 0) ||
        lg_config_load_env(c, err, sizeof(err)) != 0) {
        fprintf(stderr, "lineaged: config: %s\n", err);
        lg_config_destroy(c);
        return NULL;
    }
    lg_log_set_level((lg_log_level)lg_log_level_from_name(c->log_level));
    lg_log_set_timestamps(c->log_timestamps);
    return c;
}

static int cmd_replay(int argc, char **argv) {
    static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"deadletter", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *state = NULL, *cfgpath = NULL, *dlpath = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+s:c:d:h", opts, NULL)) != -1) {
        switch (ch) {
        case 's':
            state = optarg;
            break;
        case 'c':
            cfgpath = optarg;
            break;
        case 'd':
            dlpath = optarg;
            break;
        case 'h':
            fputs(replay_usage, stdout);
            return 0;
        default:
            fprintf(stderr, "\n%s", replay_usage);
            return EXIT_USAGE;
        }
    }
    int ninputs = argc - optind;
    if (ninputs <= 0)
        return usage_error(replay_usage, "replay: no input given%s", "");
    char err[1024];
    lg_replay_input *inputs = calloc((size_t)ninputs, sizeof(*inputs));
    if (!inputs)
        return 1;
    int stdin_uses = 0;
    for (int i = 0; i < ninputs; i++) {
        if (lg_replay_parse_input(argv[optind + i], &inputs[i], err, sizeof(err)) != 0) {
            free(inputs);
            return usage_error(replay_usage, "replay: %s", err);
        }
        stdin_uses += strcmp(inputs[i].path, "-") == 0;
    }
    if (stdin_uses > 1) {
        free(inputs);
        return usage_error(replay_usage, "replay: stdin (-) can be read only once%s", "");
    }
    lg_config *cfg = load_config(cfgpath);
    if (!cfg) {
        free(inputs);
        return cfgpath ? EXIT_USAGE : 1;
    }
    if (!state && cfg->state_dir[0])
        state = cfg->state_dir;
    if (!state) {
        lg_config_destroy(cfg);
        free(inputs);
        return usage_error(replay_usage, "replay: --state DIR is required%s", "");
    }
    lg_replay_opts ro = {.config = cfg,
                         .state_dir = state,
                         .deadletter_path = dlpath,
                         .inputs = inputs,
                         .ninputs = (size_t)ninputs,
                         .out = stdout,
                         .running = &running};
    int rc = 0;
    if (lg_replay_run(&ro, err, sizeof(err)) != 0) {
        LG_LOGE("replay", "%s", err);
        rc = 1;
    }
    lg_config_destroy(cfg);
    free(inputs);
    return rc;
}

static int parse_count(const char *s, int64_t *out) {
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

static int cmd_run(int argc, char **argv) {
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"state", required_argument, NULL, 's'},
                                         {"demo", no_argument, NULL, 'D'},
                                         {"demo-dir", required_argument, NULL, 'R'},
                                         {"max-messages", required_argument, NULL, 'm'},
                                         {"exit-when-idle", required_argument, NULL, 'i'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cfgpath = NULL;
    lg_kafka_run_opts ko = {.running = &running, .out = stdout};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+c:s:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            cfgpath = optarg;
            break;
        case 's':
            ko.state_dir = optarg;
            break;
        case 'D':
            ko.demo = true;
            break;
        case 'R':
            ko.demo_dir = optarg;
            break;
        case 'm':
            if (parse_count(optarg, &ko.max_messages) != 0)
                return usage_error(run_usage, "run: bad --max-messages \"%s\"", optarg);
            break;
        case 'i':
            if (parse_count(optarg, &ko.exit_when_idle_ms) != 0)
                return usage_error(run_usage, "run: bad --exit-when-idle \"%s\"", optarg);
            break;
        case 'h':
            fputs(run_usage, stdout);
            return 0;
        default:
            fprintf(stderr, "\n%s", run_usage);
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return usage_error(run_usage, "run: unexpected argument \"%s\"", argv[optind]);
    lg_config *cfg = load_config(cfgpath);
    if (!cfg)
        return cfgpath ? EXIT_USAGE : 1;
    ko.config = cfg;
    char err[1024];
    int rc = 0;
    if (lg_kafka_run(&ko, err, sizeof(err)) != 0) {
        LG_LOGE("run", "%s", err);
        rc = 1;
    }
    lg_config_destroy(cfg);
    return rc;
}

static int cmd_config(int argc, char **argv) {
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"markdown", no_argument, NULL, 'M'},
        {"example", no_argument, NULL, 'E'},      {"dump", no_argument, NULL, 'U'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *cfgpath = NULL;
    int mode = 0;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            cfgpath = optarg;
            break;
        case 'M':
        case 'E':
        case 'U':
            mode = ch;
            break;
        case 'h':
            fputs(config_usage, stdout);
            return 0;
        default:
            fprintf(stderr, "\n%s", config_usage);
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return usage_error(config_usage, "config: unexpected argument \"%s\"", argv[optind]);
    int rc;
    if (mode == 'M')
        rc = lg_config_describe(stdout, LG_CONFIG_DOC_MARKDOWN);
    else if (mode == 'E')
        rc = lg_config_describe(stdout, LG_CONFIG_DOC_EXAMPLE);
    else if (mode == 'U' || cfgpath) {
        lg_config *cfg = load_config(cfgpath);
        if (!cfg)
            return EXIT_USAGE;
        rc = lg_config_dump(cfg, stdout);
        lg_config_destroy(cfg);
    } else {
        printf("configuration keys (file: key = value; env: LINEAGED_<KEY>):\n");
        rc = lg_config_describe(stdout, LG_CONFIG_DOC_LIST);
    }
    return rc == 0 && fflush(stdout) == 0 ? 0 : 1;
}

#ifdef LG_MIMALLOC
/* mimalloc keeps a freed page resident until its thread reuses it; pages
 * freed on other threads (librdkafka's fetch buffers are allocated on its
 * broker threads and freed on ours) stay resident longer. Page reset gives
 * each freed page back to the OS at once (madvise). Measured on one stage
 * building 1M NHIs through `run`: peak RSS 216.5 MB against 243-254.5,
 * the throughput runs 187-190 MB against 216-219, at the same rate
 * (docs/performance.md). MIMALLOC_PAGE_RESET and MIMALLOC_DECOMMIT_DELAY
 * (or its old name MIMALLOC_RESET_DELAY) in the environment still decide. */
static void allocator_init(void) {
    if (!getenv("MIMALLOC_PAGE_RESET"))
        mi_option_set(mi_option_page_reset, 1);
    if (!getenv("MIMALLOC_RESET_DELAY") && !getenv("MIMALLOC_DECOMMIT_DELAY"))
        mi_option_set(mi_option_decommit_delay, 0);
}
#endif

/* The version, and the allocator actually serving malloc: a mimalloc
 * build says so only when a fresh malloc block is mimalloc's. */
static void print_version(void) {
    printf("lineaged %s\n", LG_VERSION);
#ifdef LG_MIMALLOC
    void *p = malloc(64);
    int v = mi_version();
    printf("allocator: mimalloc %d.%d.%d%s, page reset %s\n", v / 100, v / 10 % 10, v % 10,
           p && mi_is_in_heap_region(p) ? "" : " (linked, not in use)",
           mi_option_is_enabled(mi_option_page_reset) ? "on" : "off");
    free(p);
#else
    printf("allocator: libc malloc\n");
#endif
}

int main(int argc, char **argv) {
#ifdef LG_MIMALLOC
    allocator_init();
#endif
    if (argc < 2) {
        fputs(main_usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(main_usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        print_version();
        return 0;
    }
    install_signals();
    if (!strcmp(cmd, "replay"))
        return cmd_replay(argc - 1, argv + 1);
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "config"))
        return cmd_config(argc - 1, argv + 1);
    if (!strcmp(cmd, "query"))
        return lg_cli_query(argc - 1, argv + 1, load_config);
    if (!strcmp(cmd, "serve"))
        return lg_cli_serve(argc - 1, argv + 1, load_config, &running);
    return usage_error(main_usage, "unknown command \"%s\"", cmd);
}
