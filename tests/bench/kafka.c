/*
 * tests/bench/kafka.c - lg_bench_kafka: the Kafka side of the benchmarks
 * (tests/bench/run.sh), against a real broker
 * (tests/integration/kafka/broker.sh). One program, five commands:
 *
 *   lg_bench_kafka topics -b BOOT [-c KEY=VALUE]... NAME:PARTITIONS[:compact]...
 *       creates topics (existing ones are left alone), each -c as a topic
 *       config.
 *   lg_bench_kafka produce -b BOOT TOPIC=FILE...
 *       produces every line of each file (JSON lines) as one message, as fast
 *       as the broker takes them (lz4, idempotent, acks=all, linger 20 ms).
 *   lg_bench_kafka consume -b BOOT -g GROUP TOPIC...
 *       the bare consumer: subscribes to the topics with librdkafka's default
 *       settings, reads every message that was in them when it started and
 *       discards it. records_per_s: from creating the consumer to the last
 *       message; read_records_per_s: from the first message to the last
 *       (without the group join).
 *   lg_bench_kafka watch -b BOOT -g GROUP [-f FACTS] [--until done|graph|input]
 *                        [--beyond N] [--since-ms EPOCH_MS] [--timeout S] TOPIC...
 *       follows a `lineaged run` (exactly-once) from outside through the
 *       committed offsets of its two consumer groups (GROUP on the input
 *       TOPICs, GROUP.graph on the FACTS topic; read_committed, so only
 *       committed transactions count), polled every 20 ms:
 *         done      the parse stage committed every input message that was
 *                   in the topics when watch started, and the graph stage
 *                   committed the facts topic up to its end (the end's last
 *                   offset is a transaction marker: committed >= end - 1);
 *         graph     the graph stage's committed offsets (summed) passed N;
 *         input     the parse stage's committed offsets (summed) reached N.
 *       first_advance_ms: when the graph stage's offsets first moved.
 *       Without -f (a run with processing.stages = 1: no facts topic, the
 *       input offsets commit with the graph's output) the graph's progress
 *       is GROUP's on the input TOPICs, and done is every input committed.
 *       elapsed_ms is measured from EPOCH_MS (default: watch's start).
 *   lg_bench_kafka committed -b BOOT -g GROUP TOPIC...
 *       the sum of GROUP's committed offsets on the topics, once two reads
 *       300 ms apart agree (no commit in flight).
 *   lg_bench_kafka latency -b BOOT --derived T --cloudtrail T --okta T
 *                          --rate R --seconds S [--windows N] [--probes-per-s P]
 *                          [--settle S] [--warmup-timeout S] [--drain-timeout S]
 *                          TOPIC=FILE...
 *       end-to-end latency: produces the background files (interleaved by
 *       line count, so they end together; each wraps around) at R
 *       messages/s for S seconds; P of those messages a second are probes:
 *       CloudTrail CreateUser calls made by the IAM Identity Center session
 *       of a person whom an Okta user.lifecycle.deactivate (produced
 *       first) made departed, each
 *       creating a new IAM user, so each probe makes lineaged announce
 *       orphan.new for that user at once. A read_committed consumer of the
 *       derived topic matches each orphan.new to its probe by the user name.
 *       Latency = the time the derived event is read - the time the probe's
 *       delivery report arrived (the append); also reported from the
 *       produce call. A warm-up probe (not counted) must come back first.
 *       per_second_max_ms: the worst latency of each second's probes (-1:
 *       none came back), in sending order. With --settle, the same load
 *       runs for that many seconds first; its probes are reported apart
 *       (settle_*), not in the figures: the broker's JIT and lineaged adapt
 *       to a new kind of load, which a steady-state latency leaves out.
 *       With --windows N the timed phase is N windows of S seconds in a
 *       row, each also reported alone (window_stats: its probes, p50, p99,
 *       max, rate, and its start and end on the wall clock in Unix ms, to
 *       line up with other logs), so that a figure can be the median of N
 *       windows; the top-level figures cover every window's probes.
 *
 * Every command prints one JSON object on stdout. Exit 0 on success, 1 on a
 * Kafka error or timeout (the JSON says which), 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG "lg_bench_kafka"
#define MAX_TOPICS 16
#define MAX_CONFIGS 16

/* ---- common ---- */

static double mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(double ms) {
    struct timespec ts = {(time_t)(ms / 1e3), (long)(fmod(ms, 1e3) * 1e6)};
    nanosleep(&ts, NULL);
}

/* A client configuration with the bootstrap servers and the given
 * key/value pairs (NULL-terminated); NULL (reported) on a bad key. */
static rd_kafka_conf_t *conf_new(const char *boot, const char *const *kv) {
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (rd_kafka_conf_set(c, "bootstrap.servers", boot, err, sizeof err) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(c, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK)
        goto fail;
    for (; kv && kv[0]; kv += 2)
        if (rd_kafka_conf_set(c, kv[0], kv[1], err, sizeof err) != RD_KAFKA_CONF_OK)
            goto fail;
    return c;
fail:
    fprintf(stderr, PROG ": %s\n", err);
    rd_kafka_conf_destroy(c);
    return NULL;
}

static rd_kafka_t *client_new(rd_kafka_type_t type, rd_kafka_conf_t *c) {
    char err[512];
    if (!c)
        return NULL;
    rd_kafka_t *rk = rd_kafka_new(type, c, err, sizeof err);
    if (!rk) {
        fprintf(stderr, PROG ": %s\n", err);
        rd_kafka_conf_destroy(c);
        return NULL;
    }
    if (type == RD_KAFKA_CONSUMER)
        rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* Adds every partition of topic to list; waits up to timeout_ms for the
 * topic to exist. Returns the partition count, -1 on failure. */
static int add_partitions(rd_kafka_t *rk, const char *topic, rd_kafka_topic_partition_list_t *list,
                          int timeout_ms) {
    double until = mono_ms() + timeout_ms;
    for (;;) {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t err =
            rkt ? rd_kafka_metadata(rk, 0, rkt, &md, 5000) : RD_KAFKA_RESP_ERR__INVALID_ARG;
        int n = -1;
        if (!err && md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt > 0) {
            n = md->topics[0].partition_cnt;
            for (int i = 0; i < n; i++)
                rd_kafka_topic_partition_list_add(list, topic, md->topics[0].partitions[i].id);
        } else if (!err && md->topic_cnt == 1) {
            err = md->topics[0].err ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
        }
        if (md)
            rd_kafka_metadata_destroy(md);
        if (rkt)
            rd_kafka_topic_destroy(rkt);
        if (n > 0)
            return n;
        if (mono_ms() >= until) {
            if (timeout_ms > 0)
                fprintf(stderr, PROG ": topic %s: %s\n", topic, rd_kafka_err2str(err));
            return -1;
        }
        sleep_ms(100);
    }
}

/* Sets each element's offset to its partition's high watermark (and adds
 * hi - lo to *total). Returns 0 or -1. */
static int high_watermarks(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *list, int64_t *total) {
    for (int i = 0; i < list->cnt; i++) {
        int64_t lo = 0, hi = 0;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            rk, list->elems[i].topic, list->elems[i].partition, &lo, &hi, 10000);
        if (err) {
            fprintf(stderr, PROG ": watermarks of %s/%" PRId32 ": %s\n", list->elems[i].topic,
                    list->elems[i].partition, rd_kafka_err2str(err));
            return -1;
        }
        list->elems[i].offset = hi;
        if (total)
            *total += hi - lo;
    }
    return 0;
}

/* The committed offsets of rk's group for list (a copy is returned, NULL on
 * an error or a transaction still in flight: retry). */
static rd_kafka_topic_partition_list_t *committed(rd_kafka_t *rk,
                                                  const rd_kafka_topic_partition_list_t *list) {
    rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(list);
    if (rd_kafka_committed(rk, c, 2000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_topic_partition_list_destroy(c);
        return NULL;
    }
    for (int i = 0; i < c->cnt; i++)
        if (c->elems[i].err && c->elems[i].err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
            rd_kafka_topic_partition_list_destroy(c);
            return NULL;
        }
    return c;
}

static int64_t offset_sum(const rd_kafka_topic_partition_list_t *c) {
    int64_t s = 0;
    for (int i = 0; i < c->cnt; i++)
        if (c->elems[i].offset > 0)
            s += c->elems[i].offset;
    return s;
}

/* ---- topics ---- */

static int cmd_topics(const char *boot, char **cfg, int ncfg, char **args, int nargs) {
    rd_kafka_t *rk = client_new(RD_KAFKA_PRODUCER, conf_new(boot, NULL));
    if (!rk)
        return 1;
    rd_kafka_NewTopic_t *nt[64];
    int n = 0, rc = 1;
    char err[512];
    for (int i = 0; i < nargs && n < 64; i++) {
        char name[256];
        int parts = 0;
        char flag[16] = "";
        if (sscanf(args[i], "%255[^:]:%d:%15s", name, &parts, flag) < 2 || parts < 1) {
            fprintf(stderr, PROG ": topics: want NAME:PARTITIONS[:compact], got %s\n", args[i]);
            goto done;
        }
        nt[n] = rd_kafka_NewTopic_new(name, parts, 1, err, sizeof err);
        if (!nt[n]) {
            fprintf(stderr, PROG ": %s: %s\n", name, err);
            goto done;
        }
        n++;
        if (strcmp(flag, "compact") == 0)
            rd_kafka_NewTopic_set_config(nt[n - 1], "cleanup.policy", "compact");
        for (int j = 0; j < ncfg; j++) {
            char k[128], v[128];
            if (sscanf(cfg[j], "%127[^=]=%127s", k, v) == 2)
                rd_kafka_NewTopic_set_config(nt[n - 1], k, v);
        }
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, nt, (size_t)n, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 60000);
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    if (!res) {
        fprintf(stderr, PROG ": topics: %s\n",
                ev ? rd_kafka_event_error_string(ev) : "no answer in 60 s");
    } else {
        size_t cnt;
        const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &cnt);
        rc = 0;
        for (size_t i = 0; i < cnt; i++) {
            rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
            if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                fprintf(stderr, PROG ": topic %s: %s\n", rd_kafka_topic_result_name(tr[i]),
                        rd_kafka_topic_result_error_string(tr[i]));
                rc = 1;
            }
        }
        if (rc == 0)
            printf("{\"created\":%d}\n", n);
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
done:
    for (int i = 0; i < n; i++)
        rd_kafka_NewTopic_destroy(nt[i]);
    rd_kafka_destroy(rk);
    return rc;
}

/* ---- produce ---- */

typedef struct dr_count {
    int64_t ok, failed;
    char first_err[256];
} dr_count;

static void dr_counter(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    dr_count *d = opaque;
    if (m->err) {
        if (!d->failed++)
            snprintf(d->first_err, sizeof d->first_err, "%s", rd_kafka_err2str(m->err));
    } else {
        d->ok++;
    }
}

/* Produces one message, waiting while the local queue is full. */
static rd_kafka_resp_err_t produce1(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const char *p, size_t n,
                                    void *opaque) {
    for (;;) {
        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)p, n, NULL, 0,
                             opaque) == 0)
            return RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return err;
        rd_kafka_poll(rk, 5);
    }
}

static const char *const producer_kv[] = {"linger.ms",
                                          "20",
                                          "batch.num.messages",
                                          "10000",
                                          "queue.buffering.max.messages",
                                          "200000",
                                          "queue.buffering.max.kbytes",
                                          "1048576",
                                          "compression.type",
                                          "lz4",
                                          "enable.idempotence",
                                          "true",
                                          NULL};

static int cmd_produce(const char *boot, char **args, int nargs) {
    dr_count d = {0};
    rd_kafka_conf_t *c = conf_new(boot, producer_kv);
    if (!c)
        return 1;
    rd_kafka_conf_set_dr_msg_cb(c, dr_counter);
    rd_kafka_conf_set_opaque(c, &d);
    rd_kafka_t *rk = client_new(RD_KAFKA_PRODUCER, c);
    if (!rk)
        return 1;
    int64_t records = 0, bytes = 0;
    int rc = 0;
    char *line = NULL;
    size_t cap = 0;
    double t0 = mono_ms();
    for (int i = 0; i < nargs && rc == 0; i++) {
        char *eq = strchr(args[i], '=');
        if (!eq) {
            fprintf(stderr, PROG ": produce: want TOPIC=FILE, got %s\n", args[i]);
            rc = 2;
            break;
        }
        *eq = '\0';
        FILE *fp = fopen(eq + 1, "r");
        if (!fp) {
            fprintf(stderr, PROG ": %s: %s\n", eq + 1, strerror(errno));
            rc = 1;
            break;
        }
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, args[i], NULL);
        ssize_t n;
        while (rc == 0 && (n = getline(&line, &cap, fp)) > 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                n--;
            if (n == 0)
                continue;
            rd_kafka_resp_err_t err = produce1(rk, rkt, line, (size_t)n, NULL);
            if (err) {
                fprintf(stderr, PROG ": produce to %s: %s\n", args[i], rd_kafka_err2str(err));
                rc = 1;
            }
            records++;
            bytes += n;
            if ((records & 1023) == 0)
                rd_kafka_poll(rk, 0);
        }
        rd_kafka_topic_destroy(rkt);
        fclose(fp);
    }
    free(line);
    rd_kafka_resp_err_t ferr = rd_kafka_flush(rk, 600000);
    double s = (mono_ms() - t0) / 1e3;
    if (ferr || d.failed)
        rc = rc ? rc : 1;
    printf("{\"records\":%" PRId64 ",\"bytes\":%" PRId64 ",\"seconds\":%.3f,"
           "\"records_per_s\":%.0f,\"mb_per_s\":%.1f,\"delivered\":%" PRId64 ",\"failed\":%" PRId64
           ",\"error\":\"%s\"}\n",
           records, bytes, s, s > 0 ? (double)records / s : 0, s > 0 ? (double)bytes / s / 1e6 : 0,
           d.ok, d.failed, ferr ? rd_kafka_err2str(ferr) : d.first_err);
    rd_kafka_destroy(rk);
    return rc;
}

/* ---- consume: the bare consumer ---- */

static int cmd_consume(const char *boot, const char *group, double timeout_s, char **topics,
                       int ntopics) {
    const char *kv[] = {"group.id", group, "auto.offset.reset", "earliest", "enable.auto.commit",
                        "false",    NULL};
    double t0 = mono_ms();
    rd_kafka_t *rk = client_new(RD_KAFKA_CONSUMER, conf_new(boot, kv));
    if (!rk)
        return 1;
    int rc = 1;
    int64_t expected = 0, records = 0, bytes = 0;
    double first = 0, last = 0;
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(16);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(ntopics);
    for (int i = 0; i < ntopics; i++) {
        if (add_partitions(rk, topics[i], parts, 10000) < 0)
            goto done;
        rd_kafka_topic_partition_list_add(subs, topics[i], RD_KAFKA_PARTITION_UA);
    }
    if (high_watermarks(rk, parts, &expected) != 0)
        goto done;
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, subs);
    if (err) {
        fprintf(stderr, PROG ": subscribe: %s\n", rd_kafka_err2str(err));
        goto done;
    }
    while (records < expected) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) {
            if (mono_ms() - t0 > timeout_s * 1e3) {
                fprintf(stderr, PROG ": consume: %" PRId64 " of %" PRId64 " after %.0f s\n",
                        records, expected, timeout_s);
                goto done;
            }
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                fprintf(stderr, PROG ": consume: %s\n", rd_kafka_message_errstr(m));
        } else {
            last = mono_ms();
            if (!records)
                first = last;
            records++;
            bytes += (int64_t)m->len;
        }
        rd_kafka_message_destroy(m);
    }
    rc = 0;
done:;
    double s = (last - t0) / 1e3, rs = (last - first) / 1e3;
    printf("{\"records\":%" PRId64 ",\"expected\":%" PRId64 ",\"bytes\":%" PRId64
           ",\"seconds\":%.3f,\"first_message_s\":%.3f,\"read_seconds\":%.3f,"
           "\"records_per_s\":%.0f,\"read_records_per_s\":%.0f,\"read_mb_per_s\":%.1f}\n",
           records, expected, bytes, s, records ? (first - t0) / 1e3 : 0, rs,
           s > 0 ? (double)records / s : 0, rs > 0 ? (double)records / rs : 0,
           rs > 0 ? (double)bytes / rs / 1e6 : 0);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_topic_partition_list_destroy(subs);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}

/* ---- watch and committed: a run's progress from its consumer groups ---- */

static rd_kafka_t *group_handle(const char *boot, const char *group) {
    const char *kv[] = {"group.id", group, "enable.auto.commit", "false", NULL};
    return client_new(RD_KAFKA_CONSUMER, conf_new(boot, kv));
}

/* The sum of the group's committed offsets, stable over two reads. */
static int cmd_committed(const char *boot, const char *group, char **topics, int ntopics) {
    rd_kafka_t *rk = group_handle(boot, group);
    if (!rk)
        return 1;
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(16);
    int rc = 1;
    for (int i = 0; i < ntopics; i++)
        if (add_partitions(rk, topics[i], parts, 10000) < 0)
            goto done;
    int64_t prev = -1;
    for (int tries = 0; tries < 100; tries++) {
        rd_kafka_topic_partition_list_t *c = committed(rk, parts);
        if (c) {
            int64_t s = offset_sum(c);
            rd_kafka_topic_partition_list_destroy(c);
            if (s == prev) {
                printf("{\"committed\":%" PRId64 "}\n", s);
                rc = 0;
                goto done;
            }
            prev = s;
        }
        sleep_ms(300);
    }
    fprintf(stderr, PROG ": committed: no stable answer in 30 s\n");
done:
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_destroy(rk);
    return rc;
}

typedef enum { UNTIL_DONE, UNTIL_GRAPH, UNTIL_INPUT } until_mode;

static int cmd_watch(const char *boot, const char *group, const char *facts, until_mode until,
                     int64_t beyond, int64_t since, double timeout_s, char **topics, int ntopics) {
    char ggroup[512];
    snprintf(ggroup, sizeof ggroup, "%s.graph", group);
    rd_kafka_t *hin = group_handle(boot, group), *hg = facts ? group_handle(boot, ggroup) : NULL;
    rd_kafka_topic_partition_list_t *in = rd_kafka_topic_partition_list_new(16);
    rd_kafka_topic_partition_list_t *fl = rd_kafka_topic_partition_list_new(4);
    int rc = 1;
    bool timed_out = false, have_facts = false;
    int64_t in_total = 0, in_sum = 0, g_sum = 0, g0 = -1, f_end = 0;
    double t0 = mono_ms(), first_advance = -1, next_report = t0 + 5000;
    if (!hin || (facts && !hg))
        goto done;
    for (int i = 0; i < ntopics; i++)
        if (add_partitions(hin, topics[i], in, 10000) < 0)
            goto done;
    if (high_watermarks(hin, in, NULL) != 0)
        goto done;
    for (int i = 0; i < in->cnt; i++)
        in_total += in->elems[i].offset;
    for (;;) {
        double now = mono_ms();
        if (now - t0 > timeout_s * 1e3) {
            timed_out = true;
            break;
        }
        if (facts && !have_facts) /* lineaged creates it at start */
            have_facts = add_partitions(hg, facts, fl, 0) > 0;
        rd_kafka_topic_partition_list_t *ci = committed(hin, in);
        /* one stage: the input offsets are the graph's */
        rd_kafka_topic_partition_list_t *cg =
            !facts       ? (ci ? rd_kafka_topic_partition_list_copy(ci) : NULL)
            : have_facts ? committed(hg, fl)
                         : NULL;
        bool in_done = ci != NULL;
        if (ci) {
            in_sum = offset_sum(ci);
            for (int i = 0; i < ci->cnt; i++)
                if ((ci->elems[i].offset > 0 ? ci->elems[i].offset : 0) < in->elems[i].offset)
                    in_done = false; /* (nothing committed on an empty partition is done) */
        }
        bool done = false;
        if (cg) {
            g_sum = offset_sum(cg);
            if (g0 < 0)
                g0 = g_sum;
            else if (g_sum > g0 && first_advance < 0)
                first_advance = (double)(wall_ms() - since);
        }
        if (until == UNTIL_INPUT)
            done = ci && in_sum >= beyond;
        else if (until == UNTIL_GRAPH)
            done = cg && g_sum > beyond;
        else if (in_done && !facts)
            done = true;
        else if (in_done && cg) {
            /* every input committed: the facts topic is complete */
            rd_kafka_topic_partition_list_t *ends = rd_kafka_topic_partition_list_copy(fl);
            f_end = 0;
            if (high_watermarks(hg, ends, NULL) == 0) {
                done = true;
                for (int i = 0; i < ends->cnt; i++) {
                    f_end += ends->elems[i].offset;
                    if (ends->elems[i].offset > 0 &&
                        cg->elems[i].offset < ends->elems[i].offset - 1)
                        done = false;
                }
            }
            rd_kafka_topic_partition_list_destroy(ends);
        }
        if (ci)
            rd_kafka_topic_partition_list_destroy(ci);
        if (cg)
            rd_kafka_topic_partition_list_destroy(cg);
        if (done)
            break;
        if (now > next_report) {
            next_report = now + 5000;
            fprintf(stderr,
                    PROG ": watch: %.0f s: input committed %" PRId64 "/%" PRId64
                         ", facts committed %" PRId64 "\n",
                    (now - t0) / 1e3, in_sum, in_total, g_sum);
        }
        sleep_ms(20);
    }
    rc = timed_out ? 1 : 0;
done:;
    int64_t elapsed = wall_ms() - since;
    printf("{\"elapsed_ms\":%" PRId64 ",\"first_advance_ms\":%.0f,\"timed_out\":%s,"
           "\"input_committed\":%" PRId64 ",\"input_end\":%" PRId64 ",\"facts_committed\":%" PRId64
           ",\"facts_end\":%" PRId64 "}\n",
           elapsed, first_advance, timed_out ? "true" : "false", in_sum, in_total, g_sum, f_end);
    rd_kafka_topic_partition_list_destroy(in);
    rd_kafka_topic_partition_list_destroy(fl);
    if (hin)
        rd_kafka_destroy(hin);
    if (hg)
        rd_kafka_destroy(hg);
    return rc;
}

/* ---- latency ---- */

typedef struct lat {
    pthread_mutex_t mu;
    int nprobes;     /* slots, the warm-up (0) included */
    double *sent;    /* produce call, mono ms; < 0 unset */
    double *dlvd;    /* delivery report */
    double *recv;    /* derived event read */
    char nonce[16];  /* makes this run's probes new events */
    int64_t derived; /* derived messages read */
    int64_t dr_failed;
    volatile int stop;
    rd_kafka_t *prod, *cons;
} lat;

static void lat_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    lat *L = opaque;
    intptr_t id = (intptr_t)m->_private; /* probe + 1, 0 = background */
    double now = mono_ms();
    pthread_mutex_lock(&L->mu);
    if (m->err)
        L->dr_failed++;
    else if (id > 0 && id <= L->nprobes)
        L->dlvd[id - 1] = now;
    pthread_mutex_unlock(&L->mu);
}

static void *lat_poll_thread(void *arg) {
    lat *L = arg;
    while (!L->stop)
        rd_kafka_poll(L->prod, 20);
    return NULL;
}

/* Reads the derived topic; records when each probe's orphan.new arrives. */
static void *lat_consume_thread(void *arg) {
    lat *L = arg;
    char pat[64];
    int pn = snprintf(pat, sizeof pat, "user/bench-probe-%s-", L->nonce);
    while (!L->stop) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(L->cons, 20);
        if (!m)
            continue;
        double now = mono_ms();
        if (!m->err && m->payload) {
            const char *p = m->payload;
            const char *hit = memmem(p, m->len, pat, (size_t)pn);
            bool orphan = memmem(p, m->len, "\"type\":\"orphan.new\"", 19) != NULL;
            pthread_mutex_lock(&L->mu);
            L->derived++;
            if (hit && orphan && (size_t)(hit - p) + (size_t)pn + 8 <= m->len) {
                int id = 0;
                for (int i = 0; i < 8; i++)
                    id = id * 10 + (hit[pn + i] - '0');
                if (id >= 0 && id < L->nprobes && L->recv[id] < 0)
                    L->recv[id] = now;
            }
            pthread_mutex_unlock(&L->mu);
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

/* The probe person's departure (a new Okta event per run). */
static int lat_departure(lat *L, rd_kafka_topic_t *okta) {
    char buf[2048];
    int n = snprintf(
        buf, sizeof buf,
        "{\"actor\":{\"id\":\"00ubenchadmin0000001\",\"type\":\"User\",\"alternateId\":"
        "\"bench.admin@acme-corp.example\",\"displayName\":\"Bench Admin\",\"detailEntry\":null},"
        "\"client\":{\"userAgent\":{\"rawUserAgent\":\"Mozilla/5.0\",\"os\":\"Linux\",\"browser\":"
        "\"FIREFOX\"},\"zone\":\"null\",\"device\":\"Computer\",\"id\":null,\"ipAddress\":"
        "\"203.0.113.10\",\"geographicalContext\":null},\"device\":null,\"displayMessage\":"
        "\"Deactivate Okta user\",\"eventType\":\"user.lifecycle.deactivate\",\"outcome\":{"
        "\"result\":\"SUCCESS\",\"reason\":null},\"published\":\"2025-01-02T08:00:00.000Z\","
        "\"severity\":\"INFO\",\"legacyEventType\":\"core.user.config.user_status.deactivate\","
        "\"transaction\":{\"type\":\"WEB\",\"id\":\"benchprobe%s\",\"detail\":{}},\"uuid\":"
        "\"b0000000-0000-4000-8000-%s\",\"version\":\"0\",\"request\":{\"ipChain\":[]},"
        "\"target\":[{\"id\":\"00ubenchprobe0000001\",\"type\":\"User\",\"alternateId\":"
        "\"bench.probe@acme-corp.example\",\"displayName\":\"Bench Probe\",\"detailEntry\":null}]}",
        L->nonce, L->nonce);
    return produce1(L->prod, okta, buf, (size_t)n, NULL) ? -1 : 0;
}

/* Probe id: a CreateUser by the departed person's SSO session. */
static int lat_probe(lat *L, rd_kafka_topic_t *ct, int id) {
    char buf[4096];
    int n = snprintf(
        buf, sizeof buf,
        "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":"
        "\"AROABENCHPROBE0000001:bench.probe@acme-corp.example\",\"arn\":\"arn:aws:sts::"
        "938395300533:assumed-role/AWSReservedSSO_PowerUserAccess_b0b0b0b0b0b0b0b0/"
        "bench.probe@acme-corp.example\",\"accountId\":\"938395300533\",\"accessKeyId\":"
        "\"ASIABENCHPROBE000001\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\","
        "\"principalId\":\"AROABENCHPROBE0000001\",\"arn\":\"arn:aws:iam::938395300533:role/"
        "aws-reserved/sso.amazonaws.com/AWSReservedSSO_PowerUserAccess_b0b0b0b0b0b0b0b0\","
        "\"accountId\":\"938395300533\",\"userName\":\"AWSReservedSSO_PowerUserAccess_"
        "b0b0b0b0b0b0b0b0\"},\"webIdFederationData\":{},\"attributes\":{\"creationDate\":"
        "\"2025-01-03T08:00:00Z\",\"mfaAuthenticated\":\"true\"}}},\"eventTime\":"
        "\"2025-01-03T08:00:01Z\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":"
        "\"CreateUser\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"203.0.113.10\","
        "\"userAgent\":\"aws-cli/2.15.30\",\"requestParameters\":{\"userName\":"
        "\"bench-probe-%s-%08d\",\"path\":\"/\"},\"responseElements\":{\"user\":{\"path\":\"/\","
        "\"userName\":\"bench-probe-%s-%08d\",\"userId\":\"AIDABENCHPROBE%08d\",\"arn\":"
        "\"arn:aws:iam::938395300533:user/bench-probe-%s-%08d\",\"createDate\":"
        "\"Jan 3, 2025, 8:00:01 AM\"}},\"requestID\":\"b1000000-0000-4000-%s-%08d\",\"eventID\":"
        "\"b2000000-0000-4000-%s-%08d\",\"readOnly\":false,\"eventType\":\"AwsApiCall\","
        "\"managementEvent\":true,\"recipientAccountId\":\"938395300533\",\"eventCategory\":"
        "\"Management\"}",
        L->nonce, id, L->nonce, id, id, L->nonce, id, L->nonce, id, L->nonce, id);
    pthread_mutex_lock(&L->mu);
    L->sent[id] = mono_ms();
    pthread_mutex_unlock(&L->mu);
    return produce1(L->prod, ct, buf, (size_t)n, (void *)(intptr_t)(id + 1)) ? -1 : 0;
}

/* The background: the files interleaved in proportion to their line
 * counts, so that they all reach their ends together (in proportion to
 * their bytes, a file of shorter records ran out and wrapped first), each
 * wrapping around at its end. */
typedef struct bg {
    rd_kafka_topic_t *rkt[MAX_TOPICS];
    FILE *fp[MAX_TOPICS];
    double weight[MAX_TOPICS], sent[MAX_TOPICS];
    int n;
    int64_t wraps;
    char *line;
    size_t cap;
} bg;

/* The lines of fp (its last line may lack a newline); fp is rewound. */
static double count_lines(FILE *fp) {
    char buf[1 << 16];
    double lines = 0;
    size_t n;
    int last = '\n';
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
        for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++)
            lines++;
        last = buf[n - 1];
    }
    rewind(fp);
    return lines + (last != '\n');
}

static int bg_next(lat *L, bg *b) {
    int best = 0;
    for (int i = 1; i < b->n; i++)
        if (b->sent[i] / b->weight[i] < b->sent[best] / b->weight[best])
            best = i;
    ssize_t n;
    int ends = 0;
    for (;;) { /* the next non-blank line, from the start again at the end */
        n = getline(&b->line, &b->cap, b->fp[best]);
        if (n < 0) {
            if (++ends > 1)
                return -1; /* no record in the file */
            rewind(b->fp[best]);
            b->wraps++;
            continue;
        }
        while (n > 0 && (b->line[n - 1] == '\n' || b->line[n - 1] == '\r'))
            n--;
        if (n > 0)
            break;
    }
    b->sent[best] += 1;
    return produce1(L->prod, b->rkt[best], b->line, (size_t)n, NULL) ? -1 : 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[n]. */
static double pct(const double *v, int n, double q) {
    if (n == 0)
        return -1;
    int k = (int)ceil(q * n) - 1;
    return v[k < 0 ? 0 : (k >= n ? n - 1 : k)];
}

/* Latencies of probes first..last that came back: delivery report to read
 * (d) and produce call to read (s), sorted, st->n of each; their mean and
 * per-second worst. d and s are the caller's, with room for every probe. */
typedef struct lat_stats {
    int n;
    double *d, *s; /* sorted */
    double mean;
    char per_s[4096]; /* worst of each second's probes, in sending order */
} lat_stats;

static void lat_stats_of(const lat *L, int first, int last, int pps, lat_stats *st) {
    int n = 0;
    for (int i = first; i <= last; i++)
        if (L->recv[i] >= 0 && L->dlvd[i] >= 0) {
            st->d[n] = L->recv[i] - L->dlvd[i];
            st->s[n++] = L->recv[i] - L->sent[i];
        }
    st->n = n;
    st->mean = 0;
    if (n) {
        qsort(st->d, (size_t)n, sizeof *st->d, cmp_double);
        qsort(st->s, (size_t)n, sizeof *st->s, cmp_double);
        for (int i = 0; i < n; i++)
            st->mean += st->d[i] / n;
    }
    /* the worst latency of each second's probes, in sending order: a tail
     * that recurs (commits, collections) or one that grows (a backlog) */
    size_t off = 0;
    st->per_s[0] = '\0';
    for (int f = first; f <= last && off + 16 < sizeof st->per_s; f += pps) {
        double worst = -1;
        for (int i = f; i < f + pps && i <= last; i++)
            if (L->recv[i] >= 0 && L->dlvd[i] >= 0 && L->recv[i] - L->dlvd[i] > worst)
                worst = L->recv[i] - L->dlvd[i];
        off += (size_t)snprintf(st->per_s + off, sizeof st->per_s - off, "%s%.0f",
                                f > first ? "," : "", worst);
    }
}

/* Produces at rate messages a second for seconds, one in every `every` a
 * probe (numbered on from *probes). Returns NULL or what failed. */
static const char *lat_load(lat *L, bg *b, rd_kafka_topic_t *ct, double rate, int64_t every,
                            double seconds, int *probes, int64_t *background, double *achieved) {
    int64_t produced = 0;
    double t0 = mono_ms(), end = t0 + seconds * 1e3;
    for (;;) {
        double now = mono_ms();
        if (now >= end)
            break;
        int64_t due = (int64_t)((now - t0) / 1e3 * rate);
        while (produced < due) {
            int r;
            if (produced % every == every / 2 && *probes + 1 < L->nprobes)
                r = lat_probe(L, ct, ++*probes);
            else
                r = bg_next(L, b), ++*background;
            if (r != 0)
                return "produce failed";
            produced++;
        }
        sleep_ms(0.5);
    }
    *achieved = (double)produced / ((mono_ms() - t0) / 1e3);
    return NULL;
}

#define MAX_WINDOWS 16

static int cmd_latency(const char *boot, const char *derived, const char *ct_topic,
                       const char *okta_topic, double rate, double seconds, int windows,
                       double probes_per_s, double settle_s, double warmup_s, double drain_s,
                       char **args, int nargs) {
    lat L = {0};
    bg b = {0};
    pthread_mutex_init(&L.mu, NULL);
    snprintf(
        L.nonce, sizeof L.nonce, "%012" PRIx64,
        (uint64_t)(((uint64_t)wall_ms() * 1000 + (uint64_t)getpid() % 1000) & 0xffffffffffffu));
    L.nprobes = (int)(probes_per_s * (settle_s + windows * seconds)) + 2;
    L.sent = malloc(sizeof(double) * (size_t)L.nprobes);
    L.dlvd = malloc(sizeof(double) * (size_t)L.nprobes);
    L.recv = malloc(sizeof(double) * (size_t)L.nprobes);
    lat_stats m = {.d = malloc(sizeof(double) * (size_t)L.nprobes),
                   .s = malloc(sizeof(double) * (size_t)L.nprobes)};
    lat_stats w = {.d = malloc(sizeof(double) * (size_t)L.nprobes),
                   .s = malloc(sizeof(double) * (size_t)L.nprobes)};
    int wfirst[MAX_WINDOWS] = {0}, wlast[MAX_WINDOWS] = {0}, nwin = 0;
    double wrate[MAX_WINDOWS] = {0};
    int64_t wstart[MAX_WINDOWS] = {0}, wend[MAX_WINDOWS] = {0}; /* wall clock, ms */
    char wjson[MAX_WINDOWS * 320] = "";
    pthread_t tp, tc;
    bool threads = false;
    int rc = 1, probes = 0, seen = 0, first = 1; /* first: the first measured probe */
    int64_t background = 0;
    double warmup_ms = -1, achieved = 0, settle_rate = 0;
    const char *why = "";
    if (!L.sent || !L.dlvd || !L.recv || !m.d || !m.s || !w.d || !w.s) {
        why = "out of memory";
        goto done;
    }
    for (int i = 0; i < L.nprobes; i++)
        L.sent[i] = L.dlvd[i] = L.recv[i] = -1;
    const char *pkv[] = {"linger.ms", "1", "compression.type", "lz4", "enable.idempotence",
                         "true",      NULL};
    rd_kafka_conf_t *pc = conf_new(boot, pkv);
    if (pc) {
        rd_kafka_conf_set_dr_msg_cb(pc, lat_dr);
        rd_kafka_conf_set_opaque(pc, &L);
    }
    char group[64];
    snprintf(group, sizeof group, "lg-bench-latency-%s", L.nonce);
    /* read_committed is librdkafka's default; short fetch waits so that the
     * moment of reading is the moment of visibility */
    const char *ckv[] = {"group.id",
                         group,
                         "isolation.level",
                         "read_committed",
                         "enable.auto.commit",
                         "false",
                         "fetch.wait.max.ms",
                         "10",
                         NULL};
    L.prod = client_new(RD_KAFKA_PRODUCER, pc);
    L.cons = client_new(RD_KAFKA_CONSUMER, conf_new(boot, ckv));
    if (!L.prod || !L.cons) {
        why = "cannot create the clients";
        goto done;
    }
    /* the derived topic from its current end */
    rd_kafka_topic_partition_list_t *dp = rd_kafka_topic_partition_list_new(4);
    if (add_partitions(L.cons, derived, dp, 10000) < 0 || high_watermarks(L.cons, dp, NULL) != 0) {
        rd_kafka_topic_partition_list_destroy(dp);
        why = "derived topic unavailable";
        goto done;
    }
    rd_kafka_assign(L.cons, dp);
    rd_kafka_topic_partition_list_destroy(dp);
    for (int i = 0; i < nargs && b.n < MAX_TOPICS; i++) {
        char *eq = strchr(args[i], '=');
        struct stat st;
        if (!eq || stat(eq + 1, &st) != 0 || st.st_size == 0) {
            fprintf(stderr, PROG ": latency: background %s: want TOPIC=FILE (non-empty)\n",
                    args[i]);
            why = "bad background";
            goto done;
        }
        *eq = '\0';
        if (!(b.fp[b.n] = fopen(eq + 1, "r"))) {
            why = "cannot open a background file";
            goto done;
        }
        b.rkt[b.n] = rd_kafka_topic_new(L.prod, args[i], NULL);
        b.weight[b.n] = count_lines(b.fp[b.n]);
        b.n++;
    }
    if (b.n == 0) {
        why = "no background files";
        goto done;
    }
    rd_kafka_topic_t *ct = rd_kafka_topic_new(L.prod, ct_topic, NULL);
    rd_kafka_topic_t *okta = rd_kafka_topic_new(L.prod, okta_topic, NULL);
    if (pthread_create(&tp, NULL, lat_poll_thread, &L) != 0) {
        why = "no thread";
        goto topics;
    }
    if (pthread_create(&tc, NULL, lat_consume_thread, &L) != 0) {
        L.stop = 1;
        pthread_join(tp, NULL);
        why = "no thread";
        goto topics;
    }
    threads = true;
    /* warm-up: the departure, then probe 0 must come back */
    double w0 = mono_ms();
    if (lat_departure(&L, okta) != 0 || lat_probe(&L, ct, 0) != 0) {
        why = "produce failed";
        goto topics;
    }
    for (;;) {
        pthread_mutex_lock(&L.mu);
        double r0 = L.recv[0];
        pthread_mutex_unlock(&L.mu);
        if (r0 >= 0) {
            warmup_ms = r0 - w0;
            break;
        }
        if (mono_ms() - w0 > warmup_s * 1e3) {
            why = "the warm-up probe's orphan.new never came";
            goto topics;
        }
        sleep_ms(5);
    }
    /* the settling phase, then the timed one: rate messages a second, one
     * in every `every` a probe */
    int64_t every = (int64_t)llround(rate / probes_per_s);
    if (every < 1)
        every = 1;
    const char *failed = NULL;
    if (settle_s > 0)
        failed = lat_load(&L, &b, ct, rate, every, settle_s, &probes, &background, &settle_rate);
    first = probes + 1;
    for (; nwin < windows && !failed; nwin++) {
        wfirst[nwin] = probes + 1;
        wstart[nwin] = wall_ms();
        failed = lat_load(&L, &b, ct, rate, every, seconds, &probes, &background, &wrate[nwin]);
        wend[nwin] = wall_ms();
        wlast[nwin] = probes;
        achieved += wrate[nwin] / windows;
    }
    if (failed) {
        why = failed;
        goto topics;
    }
    /* drain: wait for every probe (or the deadline) */
    rd_kafka_flush(L.prod, 30000);
    double d0 = mono_ms();
    for (;;) {
        pthread_mutex_lock(&L.mu);
        seen = 0;
        for (int i = 1; i <= probes; i++)
            seen += L.recv[i] >= 0;
        pthread_mutex_unlock(&L.mu);
        if (seen == probes || mono_ms() - d0 > drain_s * 1e3)
            break;
        sleep_ms(10);
    }
    rc = seen == probes && probes >= first ? 0 : 1;
    if (rc)
        why = probes >= first ? "some probes' derived events never came" : "no probe sent";
topics:
    if (threads) {
        L.stop = 1;
        pthread_join(tp, NULL);
        pthread_join(tc, NULL);
    }
    if (ct)
        rd_kafka_topic_destroy(ct);
    if (okta)
        rd_kafka_topic_destroy(okta);
done:;
    int pn = (int)llround(probes_per_s) > 0 ? (int)llround(probes_per_s) : 1;
    if (L.recv && m.d && m.s && w.d && w.s) {
        size_t off = 0;
        /* each window alone (w is reused); an entry takes at most about
         * 230 bytes, so the buffer holds MAX_WINDOWS of them */
        for (int k = 0; k < nwin && off < sizeof wjson; k++) {
            lat_stats_of(&L, wfirst[k], wlast[k], pn, &w);
            off += (size_t)snprintf(
                wjson + off, sizeof wjson - off,
                "%s{\"probes\":%d,\"seen\":%d,\"rate_achieved\":%.0f,\"p50_ms\":%.2f,"
                "\"p99_ms\":%.2f,\"max_ms\":%.2f,\"start_unix_ms\":%" PRId64
                ",\"end_unix_ms\":%" PRId64 "}",
                k ? "," : "", wlast[k] - wfirst[k] + 1, w.n, wrate[k], pct(w.d, w.n, 0.5),
                pct(w.d, w.n, 0.99), w.n ? w.d[w.n - 1] : -1, wstart[k], wend[k]);
        }
        lat_stats_of(&L, first, probes, pn, &m);
        lat_stats_of(&L, 1, first - 1, pn, &w);
    }
    printf("{\"rate_target\":%.0f,\"rate_achieved\":%.0f,\"seconds\":%.1f,\"background\":%" PRId64
           ",\"background_wraps\":%" PRId64 ",\"probes\":%d,\"seen\":%d,\"lost\":%d,"
           "\"delivery_failed\":%" PRId64 ",\"derived_read\":%" PRId64 ",\"warmup_ms\":%.1f,"
           "\"min_ms\":%.2f,\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,"
           "\"mean_ms\":%.2f,\"send_p50_ms\":%.2f,\"send_p99_ms\":%.2f,\"send_max_ms\":%.2f,"
           "\"per_second_max_ms\":[%s],\"settle_seconds\":%.1f,\"settle_rate_achieved\":%.0f,"
           "\"settle_probes\":%d,\"settle_seen\":%d,\"settle_p50_ms\":%.2f,"
           "\"settle_p99_ms\":%.2f,\"settle_max_ms\":%.2f,\"settle_per_second_max_ms\":[%s],"
           "\"windows\":%d,\"window_stats\":[%s],\"error\":\"%s\"}\n",
           rate, achieved, seconds, background, b.wraps, probes - first + 1, m.n,
           probes - first + 1 - m.n, L.dr_failed, L.derived, warmup_ms, m.n ? m.d[0] : -1,
           pct(m.d, m.n, 0.5), pct(m.d, m.n, 0.9), pct(m.d, m.n, 0.99), m.n ? m.d[m.n - 1] : -1,
           m.n ? m.mean : -1, pct(m.s, m.n, 0.5), pct(m.s, m.n, 0.99), m.n ? m.s[m.n - 1] : -1,
           m.per_s, settle_s, settle_rate, first - 1, w.n, pct(w.d, w.n, 0.5), pct(w.d, w.n, 0.99),
           w.n ? w.d[w.n - 1] : -1, w.per_s, nwin, wjson, why);
    for (int i = 0; i < b.n; i++) {
        fclose(b.fp[i]);
        rd_kafka_topic_destroy(b.rkt[i]);
    }
    free(b.line);
    if (L.cons) {
        rd_kafka_consumer_close(L.cons);
        rd_kafka_destroy(L.cons);
    }
    if (L.prod) {
        rd_kafka_flush(L.prod, 10000);
        rd_kafka_destroy(L.prod);
    }
    free(L.sent);
    free(L.dlvd);
    free(L.recv);
    free(m.d);
    free(m.s);
    free(w.d);
    free(w.s);
    pthread_mutex_destroy(&L.mu);
    return rc;
}

/* ---- main ---- */

static int usage(void) {
    fprintf(stderr,
            "usage: " PROG " topics    -b BOOT [-c KEY=VALUE]... NAME:PARTITIONS[:compact]...\n"
            "       " PROG " produce   -b BOOT TOPIC=FILE...\n"
            "       " PROG " consume   -b BOOT -g GROUP [--timeout S] TOPIC...\n"
            "       " PROG " watch     -b BOOT -g GROUP -f FACTS [--until done|graph|input]\n"
            "                          [--beyond N] [--since-ms MS] [--timeout S] TOPIC...\n"
            "       " PROG " committed -b BOOT -g GROUP TOPIC...\n"
            "       " PROG " latency   -b BOOT --derived T --cloudtrail T --okta T --rate R\n"
            "                          --seconds S [--windows N] [--probes-per-s P] [--settle S]\n"
            "                          [--warmup-timeout S] [--drain-timeout S] TOPIC=FILE...\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    const char *boot = NULL, *group = NULL, *facts = NULL, *derived = NULL, *ct = NULL,
               *okta = NULL;
    char *cfg[MAX_CONFIGS];
    int ncfg = 0;
    until_mode until = UNTIL_DONE;
    int64_t beyond = 0, since = wall_ms();
    double timeout = 900, rate = 0, seconds = 0, pps = 20, warm = 120, drain = 30, settle = 0;
    int windows = 1;
    static const struct option opts[] = {{"brokers", required_argument, NULL, 'b'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"group", required_argument, NULL, 'g'},
                                         {"facts", required_argument, NULL, 'f'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"beyond", required_argument, NULL, 'B'},
                                         {"since-ms", required_argument, NULL, 's'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"derived", required_argument, NULL, 'd'},
                                         {"cloudtrail", required_argument, NULL, 'C'},
                                         {"okta", required_argument, NULL, 'o'},
                                         {"rate", required_argument, NULL, 'r'},
                                         {"seconds", required_argument, NULL, 'S'},
                                         {"probes-per-s", required_argument, NULL, 'p'},
                                         {"warmup-timeout", required_argument, NULL, 'w'},
                                         {"settle", required_argument, NULL, 'L'},
                                         {"drain-timeout", required_argument, NULL, 'D'},
                                         {"windows", required_argument, NULL, 'W'},
                                         {NULL, 0, NULL, 0}};
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "b:c:g:f:", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            boot = optarg;
            break;
        case 'c':
            if (ncfg == MAX_CONFIGS)
                return usage();
            cfg[ncfg++] = optarg;
            break;
        case 'g':
            group = optarg;
            break;
        case 'f':
            facts = optarg;
            break;
        case 'u':
            if (strcmp(optarg, "done") == 0)
                until = UNTIL_DONE;
            else if (strcmp(optarg, "graph") == 0)
                until = UNTIL_GRAPH;
            else if (strcmp(optarg, "input") == 0)
                until = UNTIL_INPUT;
            else
                return usage();
            break;
        case 'B':
            beyond = strtoll(optarg, NULL, 10);
            break;
        case 's':
            since = strtoll(optarg, NULL, 10);
            break;
        case 't':
            timeout = atof(optarg);
            break;
        case 'd':
            derived = optarg;
            break;
        case 'C':
            ct = optarg;
            break;
        case 'o':
            okta = optarg;
            break;
        case 'r':
            rate = atof(optarg);
            break;
        case 'S':
            seconds = atof(optarg);
            break;
        case 'p':
            pps = atof(optarg);
            break;
        case 'w':
            warm = atof(optarg);
            break;
        case 'L':
            settle = atof(optarg);
            break;
        case 'D':
            drain = atof(optarg);
            break;
        case 'W':
            windows = atoi(optarg);
            if (windows < 1 || windows > MAX_WINDOWS)
                return usage();
            break;
        default:
            return usage();
        }
    }
    char **rest = argv + optind;
    int nrest = argc - optind;
    if (!boot || nrest < 1 || nrest > MAX_TOPICS * 4)
        return usage();
    if (strcmp(cmd, "topics") == 0)
        return cmd_topics(boot, cfg, ncfg, rest, nrest);
    if (strcmp(cmd, "produce") == 0)
        return cmd_produce(boot, rest, nrest);
    if (nrest > MAX_TOPICS)
        return usage();
    if (strcmp(cmd, "consume") == 0 && group)
        return cmd_consume(boot, group, timeout, rest, nrest);
    if (strcmp(cmd, "committed") == 0 && group)
        return cmd_committed(boot, group, rest, nrest);
    if (strcmp(cmd, "watch") == 0 && group)
        return cmd_watch(boot, group, facts, until, beyond, since, timeout, rest, nrest);
    if (strcmp(cmd, "latency") == 0 && derived && ct && okta && rate > 0 && seconds > 0 && pps > 0)
        return cmd_latency(boot, derived, ct, okta, rate, seconds, windows, pps, settle, warm,
                           drain, rest, nrest);
    return usage();
}
