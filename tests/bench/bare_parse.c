/*
 * tests/bench/bare_parse.c - lg_bench_bare_parse: the parse-only baseline of
 * the replay benchmark. Reads the same files the same way `lineaged replay`
 * does (processor/sources/reader.h: gzip, framing) and parses each message
 * with the same JSON library through processor/json/json.h, and nothing
 * else: no facts, no state, no output.
 *
 *   lg_bench_bare_parse FILE...
 *
 * Prints one JSON object on stdout: messages, bytes, parse_errors, seconds
 * (wall), cpu_seconds, events_per_s and mb_per_s. Exit 0, 1 on an I/O
 * error, 2 on a usage error.
 */
#include "processor/json/json.h"
#include "processor/sources/reader.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

static double now_s(clockid_t clk) {
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: lg_bench_bare_parse FILE...\n");
        return 2;
    }
    lg_json_parser *jp = lg_json_parser_new();
    if (!jp) {
        fprintf(stderr, "lg_bench_bare_parse: out of memory\n");
        return 1;
    }
    uint64_t messages = 0, bytes = 0, errors = 0;
    char err[512];
    int rc = 0;
    double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 1; i < argc && rc == 0; i++) {
        lg_reader *r = lg_reader_open(argv[i], err, sizeof err);
        if (!r) {
            fprintf(stderr, "lg_bench_bare_parse: %s\n", err);
            rc = 1;
            break;
        }
        const char *msg;
        size_t len;
        int64_t line;
        int g;
        while ((g = lg_reader_next(r, &msg, &len, &line, err, sizeof err)) > 0) {
            lg_json_val root;
            messages++;
            bytes += len;
            if (lg_json_parse(jp, msg, len, &root, NULL, 0) != 0)
                errors++;
        }
        if (g < 0) {
            fprintf(stderr, "lg_bench_bare_parse: %s: %s\n", argv[i], err);
            rc = 1;
        }
        lg_reader_close(r);
    }
    double wall = now_s(CLOCK_MONOTONIC) - t0, cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    lg_json_parser_destroy(jp);
    if (rc != 0)
        return rc;
    printf("{\"messages\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"parse_errors\":%" PRIu64
           ",\"seconds\":%.6f,\"cpu_seconds\":%.6f,\"events_per_s\":%.1f,\"mb_per_s\":%.1f}\n",
           messages, bytes, errors, wall, cpu, wall > 0 ? (double)messages / wall : 0.0,
           wall > 0 ? (double)bytes / wall / 1e6 : 0.0);
    return 0;
}
