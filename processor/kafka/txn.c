/* processor/kafka/txn.c - see txn.h. */
#include "processor/kafka/txn.h"
#include "processor/clock.h"

#include "processor/config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define COMP "txn"

static lg_txn_result classify(rd_kafka_error_t *e, const char *what, char *errstr,
                              size_t errstr_size) {
    snprintf(errstr, errstr_size, "%s: %s", what, rd_kafka_error_string(e));
    lg_txn_result r = rd_kafka_error_is_fatal(e) ? LG_TXN_FATAL : LG_TXN_ABORTED;
    rd_kafka_error_destroy(e);
    return r;
}

lg_txn_result lg_txn_begin(rd_kafka_t *producer, char *errstr, size_t errstr_size) {
    rd_kafka_error_t *e = rd_kafka_begin_transaction(producer);
    if (!e)
        return LG_TXN_OK;
    classify(e, "begin transaction", errstr, errstr_size);
    return LG_TXN_FATAL;
}

lg_txn_result lg_txn_abort(rd_kafka_t *producer, int timeout_ms, char *errstr, size_t errstr_size) {
    int64_t deadline = lg_mono_ms() + timeout_ms;
    for (;;) {
        rd_kafka_error_t *e = rd_kafka_abort_transaction(producer, timeout_ms);
        if (!e)
            return LG_TXN_ABORTED;
        if (rd_kafka_error_is_retriable(e) && lg_mono_ms() < deadline) {
            rd_kafka_error_destroy(e);
            continue;
        }
        if (rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__STATE) {
            /* no transaction in progress */
            rd_kafka_error_destroy(e);
            return LG_TXN_ABORTED;
        }
        classify(e, "abort transaction", errstr, errstr_size);
        return LG_TXN_FATAL;
    }
}

lg_txn_result lg_txn_commit(rd_kafka_t *producer, rd_kafka_t *consumer,
                            const rd_kafka_topic_partition_list_t *offsets, int timeout_ms,
                            char *errstr, size_t errstr_size) {
    int64_t deadline = lg_mono_ms() + timeout_ms;
    rd_kafka_error_t *e;
    if (offsets && offsets->cnt > 0) {
        rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata(consumer);
        for (;;) {
            e = rd_kafka_send_offsets_to_transaction(producer, offsets, md, timeout_ms);
            if (!e || !rd_kafka_error_is_retriable(e) || lg_mono_ms() >= deadline)
                break;
            rd_kafka_error_destroy(e);
        }
        rd_kafka_consumer_group_metadata_destroy(md);
        if (e && classify(e, "send offsets to transaction", errstr, errstr_size) == LG_TXN_FATAL)
            return LG_TXN_FATAL;
        if (e) {
            char ab[256];
            return lg_txn_abort(producer, timeout_ms, ab, sizeof ab);
        }
    }
    for (;;) {
        e = rd_kafka_commit_transaction(producer, timeout_ms);
        if (!e)
            return LG_TXN_OK;
        if (rd_kafka_error_is_retriable(e) && lg_mono_ms() < deadline) {
            rd_kafka_error_destroy(e);
            continue;
        }
        if (classify(e, "commit transaction", errstr, errstr_size) == LG_TXN_FATAL)
            return LG_TXN_FATAL;
        char ab[256];
        return lg_txn_abort(producer, timeout_ms, ab, sizeof ab);
    }
}

int lg_kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errstr,
                             size_t errstr_size) {
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, t, &md, timeout_ms);
    int n = -1;
    if (!err && md->topic_cnt == 1 && !md->topics[0].err)
        n = md->topics[0].partition_cnt;
    else
        snprintf(errstr, errstr_size, "metadata of %s: %s", topic,
                 rd_kafka_err2str(err ? err : md->topics[0].err));
    if (md)
        rd_kafka_metadata_destroy(md);
    if (t)
        rd_kafka_topic_destroy(t);
    return n;
}

int lg_kafka_ensure_topic(rd_kafka_t *rk, const char *topic, int partitions, int replication,
                          bool compact, int timeout_ms, char *errstr, size_t errstr_size) {
    char e[256];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, replication, e, sizeof e);
    if (!nt) {
        snprintf(errstr, errstr_size, "create topic %s: %s", topic, e);
        return -1;
    }
    if (compact)
        rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(ao, timeout_ms, NULL, 0);
    rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
    int rc = -1;
    if (!ev) {
        snprintf(errstr, errstr_size, "create topic %s: no answer within %d ms", topic, timeout_ms);
    } else if (rd_kafka_event_error(ev)) {
        snprintf(errstr, errstr_size, "create topic %s: %s", topic,
                 rd_kafka_event_error_string(ev));
    } else {
        size_t n;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rd_kafka_resp_err_t err = n ? rd_kafka_topic_result_error(res[0]) : 0;
        if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            snprintf(errstr, errstr_size, "create topic %s: %s", topic,
                     rd_kafka_topic_result_error_string(res[0]));
        else
            rc = 0;
        if (!err)
            lg_log(LG_LOG_INFO, COMP, "created topic %s (%d partitions%s)", topic, partitions,
                   compact ? ", compacted" : "");
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

void lg_kafka_txn_id(const lg_config *c, const char *stage, char *out, size_t out_size) {
    char host[256] = "lineaged";
    const char *inst = c->instance_id;
    if (!inst || !*inst) {
        if (gethostname(host, sizeof host - 1) != 0)
            snprintf(host, sizeof host, "lineaged");
        host[sizeof host - 1] = '\0';
        inst = host;
    }
    snprintf(out, out_size, "lineaged-%s-%s-%s", c->kafka_group_id, inst, stage);
}

int lg_kafka_rewind(rd_kafka_t *consumer, int timeout_ms, char *errstr, size_t errstr_size) {
    rd_kafka_topic_partition_list_t *a = NULL;
    rd_kafka_resp_err_t err = rd_kafka_assignment(consumer, &a);
    if (err) {
        snprintf(errstr, errstr_size, "assignment: %s", rd_kafka_err2str(err));
        return -1;
    }
    int rc = 0;
    if (a->cnt > 0) {
        err = rd_kafka_committed(consumer, a, timeout_ms);
        if (err) {
            snprintf(errstr, errstr_size, "committed offsets: %s", rd_kafka_err2str(err));
            rc = -1;
        } else {
            for (int i = 0; i < a->cnt; i++)
                if (a->elems[i].offset < 0)
                    a->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
            rd_kafka_error_t *e = rd_kafka_seek_partitions(consumer, a, timeout_ms);
            if (e) {
                snprintf(errstr, errstr_size, "seek: %s", rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
                rc = -1;
            }
        }
    }
    rd_kafka_topic_partition_list_destroy(a);
    return rc;
}

bool lg_kafka_err_is_auth(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
           err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
           err == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
           err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED;
}
