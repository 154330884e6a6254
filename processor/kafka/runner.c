/* processor/kafka/runner.c - see runner.h. */
#include "processor/kafka/runner.h"
#include "processor/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct runner {
    struct lg_runners *g;
    const char *name;
    lg_runner_step_fn step;
    void *stage;
    pthread_t thread;
    bool started;
    atomic_bool force;
    int result; /* under g->mu */
    bool ended; /* under g->mu */
    char err[512];
} runner;

struct lg_runners {
    int poll_ms;
    atomic_bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cond; /* signalled when a runner ends */
    runner r[LG_RUNNERS_MAX];
    int n;
};

static void *run(void *arg) {
    runner *r = arg;
    lg_runners *g = r->g;
    char err[512] = "";
    int rc = 0;
    while (!atomic_load(&g->stop)) {
        rc = r->step(r->stage, g->poll_ms, atomic_load(&r->force), err, sizeof err);
        if (rc != 0)
            break;
    }
    pthread_mutex_lock(&g->mu);
    r->result = rc;
    r->ended = true;
    snprintf(r->err, sizeof r->err, "%s", err);
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

lg_runners *lg_runners_new(int poll_ms) {
    lg_runners *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->poll_ms = poll_ms > 0 ? poll_ms : 1;
    atomic_init(&g->stop, false);
    pthread_mutex_init(&g->mu, NULL);
    lg_mono_cond_init(&g->cond);
    return g;
}

int lg_runners_add(lg_runners *g, const char *name, lg_runner_step_fn step, void *stage,
                   char *errstr, size_t errstr_size) {
    if (g->n >= LG_RUNNERS_MAX) {
        snprintf(errstr, errstr_size, "runners: at most %d stages", LG_RUNNERS_MAX);
        return -1;
    }
    runner *r = &g->r[g->n];
    memset(r, 0, sizeof *r);
    r->g = g;
    r->name = name;
    r->step = step;
    r->stage = stage;
    atomic_init(&r->force, false);
    int e = pthread_create(&r->thread, NULL, run, r);
    if (e != 0) {
        snprintf(errstr, errstr_size, "runners: cannot start the %s thread: %s", name, strerror(e));
        return -1;
    }
    r->started = true;
    /* named for top -H, perf and gdb: "lg parse stage", "lg graph stage"
     * (at most 15 characters; a longer name is cut) */
    char tname[16];
    snprintf(tname, sizeof tname, "lg %s", name);
    pthread_setname_np(r->thread, tname);
    return g->n++;
}

void lg_runners_force(lg_runners *g, int i, bool force) {
    if (i >= 0 && i < g->n)
        atomic_store(&g->r[i].force, force);
}

static int first_ended(lg_runners *g, char *errstr, size_t errstr_size) {
    for (int i = 0; i < g->n; i++)
        if (g->r[i].ended && g->r[i].result != 0) {
            snprintf(errstr, errstr_size, "%s: %s", g->r[i].name, g->r[i].err);
            return g->r[i].result;
        }
    return 0;
}

int lg_runners_wait(lg_runners *g, int timeout_ms, char *errstr, size_t errstr_size) {
    struct timespec until;
    lg_mono_deadline(&until, timeout_ms);
    pthread_mutex_lock(&g->mu);
    int rc;
    while ((rc = first_ended(g, errstr, errstr_size)) == 0)
        if (pthread_cond_timedwait(&g->cond, &g->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&g->mu);
    return rc;
}

void lg_runners_stop(lg_runners *g) {
    atomic_store(&g->stop, true);
    for (int i = 0; i < g->n; i++)
        if (g->r[i].started) {
            pthread_join(g->r[i].thread, NULL);
            g->r[i].started = false;
        }
}

void lg_runners_destroy(lg_runners *g) {
    if (!g)
        return;
    lg_runners_stop(g);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cond);
    free(g);
}
