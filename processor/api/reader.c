/* processor/api/reader.c - see reader.h. */
#include "processor/api/reader.h"
#include "processor/config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARTS 4096
#define SCRATCH_PREFIX "lineaged-reader-"
#define LOCK_NAME ".lock"
/* A scratch directory with no lock file is its creator's before the lock
 * (see lock_scratch) or an older version's: stale once nothing in it has
 * changed for this long. */
#define UNLOCKED_STALE_S 3600

struct lg_state_reader {
    char *state_dir;
    size_t cache_mb;
    bool partitioned;
    bool allow_empty;
    lg_graph **graphs; /* flat: one; partitioned: by partition number order */
    int *numbers;      /* partition numbers (-1 for the flat layout) */
    size_t n, cap;
    lg_q_graphs view;
    char scratch[4096];
    int lock_fd; /* scratch/.lock, flock'ed while the reader lives; -1 before */
};

static _Thread_local int remove_errno; /* remove_entry's first failure but ENOENT */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0 && errno != ENOENT && !remove_errno)
        remove_errno = errno;
    return 0;
}

/* Removes the tree at dir, not following links. Returns 0 once it is gone
 * (also when another sweeper removed it first), else an errno. */
static int remove_tree(const char *dir) {
    remove_errno = 0;
    int rc = nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    int walk_errno = errno;
    struct stat st;
    if (lstat(dir, &st) != 0 && errno == ENOENT)
        return 0;
    return remove_errno ? remove_errno : rc != 0 ? walk_errno : ENOTEMPTY;
}

static _Thread_local time_t newest_mtime;

static int note_mtime(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)path;
    (void)ftw;
    if (flag != FTW_NS && st->st_mtime > newest_mtime)
        newest_mtime = st->st_mtime;
    return 0;
}

/* Whether the scratch directory dir (st from lstat) belongs to no live
 * reader: its lock file is not held, or, with no lock file, nothing in it
 * changed for UNLOCKED_STALE_S. Returns 1 with *lock_fd the lock (held; -1
 * when none) to keep until the directory is removed, else 0. */
static int is_stale(const char *dir, const struct stat *st, time_t now, int *lock_fd) {
    char lock[4200];
    *lock_fd = -1;
    if (!S_ISDIR(st->st_mode) || st->st_uid != geteuid() ||
        snprintf(lock, sizeof lock, "%s/" LOCK_NAME, dir) >= (int)sizeof lock)
        return 0;
    int fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            *lock_fd = fd; /* its owner is dead */
            return 1;
        }
        close(fd); /* held (EWOULDBLOCK): alive; or cannot tell: leave it */
        return 0;
    }
    if (errno != ENOENT)
        return 0;
    newest_mtime = 0;
    return nftw(dir, note_mtime, 16, FTW_PHYS) == 0 && now - newest_mtime > UNLOCKED_STALE_S;
}

/* Removes the scratch directories under parent that readers killed before
 * their close left behind. Best effort: never fails, logs one line at most. */
static void sweep_stale(const char *parent) {
    DIR *d = opendir(parent);
    if (!d)
        return; /* making our own there fails and says why */
    time_t now = time(NULL);
    int removed = 0, failed = 0, first_errno = 0;
    char first[4200] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char dir[4200];
        struct stat st;
        int lock_fd = -1;
        if (strncmp(e->d_name, SCRATCH_PREFIX, strlen(SCRATCH_PREFIX)) != 0 ||
            snprintf(dir, sizeof dir, "%s/%s", parent, e->d_name) >= (int)sizeof dir ||
            lstat(dir, &st) != 0 || !is_stale(dir, &st, now, &lock_fd))
            continue;
        int err = remove_tree(dir);
        if (lock_fd >= 0)
            close(lock_fd);
        if (!err)
            removed++;
        else if (!failed++) {
            snprintf(first, sizeof first, "%s", dir);
            first_errno = err;
        }
    }
    closedir(d);
    if (failed)
        LG_LOGW("api",
                "removed %d stale reader scratch directories under %s, could not remove %d "
                "(first %s: %s)",
                removed, parent, failed, first, strerror(first_errno));
    else if (removed)
        LG_LOGI("api", "removed %d stale reader scratch directories under %s", removed, parent);
}

/* Creates scratch/.lock and holds it (flock) until close. Locked before it
 * takes its name, so that a sweeper never finds it unlocked while we live.
 * Returns 0, or -1 with errstr. */
static int lock_scratch(lg_state_reader *r, char *errstr, size_t errstr_size) {
    char fresh[4200], lock[4200];
    snprintf(fresh, sizeof fresh, "%s/" LOCK_NAME ".new", r->scratch);
    snprintf(lock, sizeof lock, "%s/" LOCK_NAME, r->scratch);
    r->lock_fd = open(fresh, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (r->lock_fd < 0 || flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0 || rename(fresh, lock) != 0) {
        snprintf(errstr, errstr_size, "%s: %s", fresh, strerror(errno));
        return -1;
    }
    return 0;
}

static _Thread_local int64_t size_total;

static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)path;
    (void)ftw;
    if (flag == FTW_F)
        size_total += (int64_t)st->st_size;
    return 0;
}

int64_t lg_dir_size(const char *dir) {
    size_total = 0;
    if (nftw(dir, add_size, 16, FTW_PHYS) != 0)
        return -1;
    return size_total;
}

static bool has_db(const char *dir) {
    char current[4200];
    if (snprintf(current, sizeof current, "%s/CURRENT", dir) >= (int)sizeof current)
        return false;
    return access(current, R_OK) == 0;
}

/* Opens the graph in dir as a secondary with its files in scratch/name. */
static int open_one(lg_state_reader *r, const char *dir, const char *name, int number, char *errstr,
                    size_t errstr_size) {
    char own[4200];
    if (snprintf(own, sizeof own, "%s/%s", r->scratch, name) >= (int)sizeof own) {
        snprintf(errstr, errstr_size, "%s: path too long", name);
        return -1;
    }
    if (mkdir(own, 0700) != 0 && errno != EEXIST) {
        snprintf(errstr, errstr_size, "%s: %s", own, strerror(errno));
        return -1;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        lg_graph **ng = realloc(r->graphs, cap * sizeof *ng);
        if (ng)
            r->graphs = ng;
        int *nn = ng ? realloc(r->numbers, cap * sizeof *nn) : NULL;
        if (!nn) {
            snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
        r->numbers = nn;
        r->cap = cap;
    }
    lg_graph_opts go = {.cache_mb = r->cache_mb, .secondary_dir = own};
    lg_graph *g = lg_graph_open(dir, &go, errstr, errstr_size);
    if (!g)
        return -1;
    /* keep the partitions in number order */
    size_t at = r->n;
    while (at > 0 && r->numbers[at - 1] > number)
        at--;
    memmove(r->graphs + at + 1, r->graphs + at, (r->n - at) * sizeof *r->graphs);
    memmove(r->numbers + at + 1, r->numbers + at, (r->n - at) * sizeof *r->numbers);
    r->graphs[at] = g;
    r->numbers[at] = number;
    r->n++;
    r->view = (lg_q_graphs){r->graphs, r->n};
    return 0;
}

static bool is_open(const lg_state_reader *r, int number) {
    for (size_t i = 0; i < r->n; i++)
        if (r->numbers[i] == number)
            return true;
    return false;
}

/* Opens the partitions p<N> of the state not opened yet. */
static int scan_partitions(lg_state_reader *r, char *errstr, size_t errstr_size) {
    if (!r->n && has_db(r->state_dir)) /* a flat state appeared */
        return open_one(r, r->state_dir, "flat", -1, errstr, errstr_size);
    DIR *d = opendir(r->state_dir);
    if (!d && errno == ENOENT && r->allow_empty)
        return 0;
    if (!d) {
        snprintf(errstr, errstr_size, "%s: no lineage state here (%s)", r->state_dir,
                 strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char *end = NULL;
        if (e->d_name[0] != 'p' || e->d_name[1] < '0' || e->d_name[1] > '9')
            continue;
        long num = strtol(e->d_name + 1, &end, 10);
        if (*end || num < 0 || num >= MAX_PARTS || is_open(r, (int)num))
            continue;
        char dir[4200];
        if (snprintf(dir, sizeof dir, "%s/%s", r->state_dir, e->d_name) < (int)sizeof dir &&
            has_db(dir))
            rc = open_one(r, dir, e->d_name, (int)num, errstr, errstr_size);
    }
    closedir(d);
    return rc;
}

lg_state_reader *lg_state_reader_open(const char *state_dir, size_t cache_mb, bool allow_empty,
                                      char *errstr, size_t errstr_size) {
    lg_state_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->state_dir = strdup(state_dir))) {
        snprintf(errstr, errstr_size, "out of memory");
        free(r);
        return NULL;
    }
    r->lock_fd = -1;
    r->cache_mb = cache_mb;
    r->allow_empty = allow_empty;
    r->partitioned = !has_db(state_dir);
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    sweep_stale(tmp);
    snprintf(r->scratch, sizeof r->scratch, "%s/" SCRATCH_PREFIX "XXXXXX", tmp);
    if (!mkdtemp(r->scratch)) {
        snprintf(errstr, errstr_size, "%s: %s", r->scratch, strerror(errno));
        r->scratch[0] = '\0';
        goto fail;
    }
    if (lock_scratch(r, errstr, errstr_size) != 0)
        goto fail;
    if (!r->partitioned ? open_one(r, state_dir, "flat", -1, errstr, errstr_size) != 0
                        : scan_partitions(r, errstr, errstr_size) != 0)
        goto fail;
    if (!r->n && !allow_empty) {
        snprintf(errstr, errstr_size,
                 "%s: no lineage state here (no CURRENT file, no p<N> "
                 "partitions)",
                 state_dir);
        goto fail;
    }
    return r;
fail:
    lg_state_reader_close(r);
    return NULL;
}

const lg_q_graphs *lg_state_reader_graphs(lg_state_reader *r) {
    return &r->view;
}

int lg_state_reader_refresh(lg_state_reader *r, char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < r->n; i++)
        if (lg_graph_refresh(r->graphs[i], errstr, errstr_size) != 0)
            return -1;
    return r->partitioned ? scan_partitions(r, errstr, errstr_size) : 0;
}

void lg_state_reader_close(lg_state_reader *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        lg_graph_close(r->graphs[i]);
    free(r->graphs);
    free(r->numbers);
    if (r->scratch[0])
        remove_tree(r->scratch);
    if (r->lock_fd >= 0)
        close(r->lock_fd); /* after the removal: a sweeper never sees it unlocked */
    free(r->state_dir);
    free(r);
}
