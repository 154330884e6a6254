/*
 * sinks/webhook/outbox.c - RocksDB FIFOs keyed by (endpoint, seq).
 */
#include "sinks/webhook/outbox.h"

#include "sinks/webhook/endpoint.h"
#include "state/codec.h"

#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX (LG_WEBHOOK_NAME_MAX + 1 + 8)

struct lg_outbox {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_writeoptions_t *wo_sync;
    rocksdb_writeoptions_t *wo;
    rocksdb_readoptions_t *ro;
    rocksdb_writebatch_t *staged;
    size_t nstaged;
    uint64_t next_seq; /* writer only */
};

/* Fills key with endpoint NUL seq(BE); returns its length or 0 when the
 * name is too long. */
static size_t make_key(char key[KEY_MAX], const char *endpoint, uint64_t seq) {
    size_t n = strlen(endpoint);
    if (n >= LG_WEBHOOK_NAME_MAX)
        return 0;
    memcpy(key, endpoint, n);
    key[n++] = '\0';
    lg_be64_put((unsigned char *)key + n, seq);
    return n + 8;
}

/* Splits a key; returns 0 or -1 when it is not an outbox key. */
static int split_key(const char *k, size_t klen, const char **endpoint, uint64_t *seq) {
    const char *nul = memchr(k, '\0', klen);
    if (!nul || (size_t)(k + klen - nul) != 9)
        return -1;
    *endpoint = k;
    *seq = lg_be64_get((const unsigned char *)nul + 1);
    return 0;
}

void lg_outbox_close(lg_outbox *o) {
    if (!o)
        return;
    if (o->db)
        rocksdb_close(o->db);
    if (o->opts)
        rocksdb_options_destroy(o->opts);
    if (o->wo_sync)
        rocksdb_writeoptions_destroy(o->wo_sync);
    if (o->wo)
        rocksdb_writeoptions_destroy(o->wo);
    if (o->ro)
        rocksdb_readoptions_destroy(o->ro);
    if (o->staged)
        rocksdb_writebatch_destroy(o->staged);
    free(o);
}

static int find_max_seq(void *opaque, const char *endpoint, uint64_t seq, const char *v,
                        size_t len) {
    (void)endpoint, (void)v, (void)len;
    uint64_t *max = opaque;
    if (seq + 1 > *max)
        *max = seq + 1;
    return 0;
}

lg_outbox *lg_outbox_open(const char *dir, char *errstr, size_t errstr_size) {
    char *err = NULL;
    lg_outbox *o = calloc(1, sizeof(*o));
    if (!o || !(o->opts = rocksdb_options_create()) ||
        !(o->wo_sync = rocksdb_writeoptions_create()) || !(o->wo = rocksdb_writeoptions_create()) ||
        !(o->ro = rocksdb_readoptions_create()) || !(o->staged = rocksdb_writebatch_create())) {
        snprintf(errstr, errstr_size, "webhook outbox: out of memory");
        goto fail;
    }
    rocksdb_options_set_create_if_missing(o->opts, 1);
    rocksdb_options_set_write_buffer_size(o->opts, 4 << 20);
    rocksdb_options_set_max_open_files(o->opts, 64);
    rocksdb_options_set_keep_log_file_num(o->opts, 2);
    rocksdb_writeoptions_set_sync(o->wo_sync, 1);
    o->db = rocksdb_open(o->opts, dir, &err);
    if (!o->db) {
        snprintf(errstr, errstr_size, "webhook outbox %s: %s", dir, err ? err : "open failed");
        rocksdb_free(err);
        goto fail;
    }
    if (lg_outbox_scan(o, find_max_seq, &o->next_seq, errstr, errstr_size) != 0)
        goto fail;
    if (o->next_seq == 0)
        o->next_seq = 1;
    return o;
fail:
    lg_outbox_close(o);
    return NULL;
}

int lg_outbox_stage(lg_outbox *o, const char *endpoint, const void *value, size_t len) {
    char key[KEY_MAX];
    size_t klen = make_key(key, endpoint, o->next_seq);
    if (!klen)
        return -1;
    rocksdb_writebatch_put(o->staged, key, klen, value, len);
    o->next_seq++;
    o->nstaged++;
    return 0;
}

size_t lg_outbox_staged(const lg_outbox *o) {
    return o->nstaged;
}

int lg_outbox_commit(lg_outbox *o, char *errstr, size_t errstr_size) {
    char *err = NULL;
    if (o->nstaged == 0)
        return 0;
    rocksdb_write(o->db, o->wo_sync, o->staged, &err);
    if (err) {
        snprintf(errstr, errstr_size, "webhook outbox: write: %s", err);
        rocksdb_free(err);
        return -1;
    }
    rocksdb_writebatch_clear(o->staged);
    o->nstaged = 0;
    return 0;
}

int lg_outbox_next(lg_outbox *o, const char *endpoint, uint64_t from, lg_outbox_entry *out,
                   char *errstr, size_t errstr_size) {
    char key[KEY_MAX], *err = NULL;
    size_t klen = make_key(key, endpoint, from), plen = strlen(endpoint) + 1;
    int rc = 0;
    rocksdb_iterator_t *it = rocksdb_create_iterator(o->db, o->ro);
    rocksdb_iter_seek(it, key, klen);
    if (rocksdb_iter_valid(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *name;
        uint64_t seq;
        if (kl > plen && memcmp(k, key, plen) == 0 && split_key(k, kl, &name, &seq) == 0) {
            const char *v = rocksdb_iter_value(it, &vl);
            if (!(out->value = malloc(vl + 1))) {
                snprintf(errstr, errstr_size, "webhook outbox: out of memory");
                rc = -1;
            } else {
                memcpy(out->value, v, vl);
                out->value[vl] = '\0';
                out->len = vl;
                out->seq = seq;
                rc = 1;
            }
        }
    }
    rocksdb_iter_get_error(it, &err);
    if (err) {
        snprintf(errstr, errstr_size, "webhook outbox: read: %s", err);
        rocksdb_free(err);
        if (rc == 1)
            free(out->value);
        rc = -1;
    }
    rocksdb_iter_destroy(it);
    return rc;
}

int lg_outbox_delete(lg_outbox *o, const char *endpoint, uint64_t seq, char *errstr,
                     size_t errstr_size) {
    char key[KEY_MAX], *err = NULL;
    size_t klen = make_key(key, endpoint, seq);
    rocksdb_delete(o->db, o->wo, key, klen, &err);
    if (err) {
        snprintf(errstr, errstr_size, "webhook outbox: delete: %s", err);
        rocksdb_free(err);
        return -1;
    }
    return 0;
}

int lg_outbox_scan(lg_outbox *o,
                   int (*fn)(void *opaque, const char *endpoint, uint64_t seq, const char *value,
                             size_t len),
                   void *opaque, char *errstr, size_t errstr_size) {
    char *err = NULL;
    int rc = 0;
    rocksdb_iterator_t *it = rocksdb_create_iterator(o->db, o->ro);
    for (rocksdb_iter_seek_to_first(it); rc == 0 && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl), *name;
        uint64_t seq;
        if (split_key(k, kl, &name, &seq) != 0)
            continue; /* not ours */
        const char *v = rocksdb_iter_value(it, &vl);
        rc = fn(opaque, name, seq, v, vl);
    }
    rocksdb_iter_get_error(it, &err);
    if (err) {
        snprintf(errstr, errstr_size, "webhook outbox: read: %s", err);
        rocksdb_free(err);
        rc = -1;
    }
    rocksdb_iter_destroy(it);
    return rc;
}
