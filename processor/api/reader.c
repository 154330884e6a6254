/* processor/api/reader.c - see reader.h. */
#include "processor/api/reader.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct lg_state_reader {
    lg_graph *g;
    char scratch[4096];
};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
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

lg_state_reader *lg_state_reader_open(const char *state_dir, size_t cache_mb, char *errstr,
                                      size_t errstr_size) {
    lg_state_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    char current[4096];
    snprintf(current, sizeof current, "%s/CURRENT", state_dir);
    if (access(current, R_OK) != 0) {
        snprintf(errstr, errstr_size, "%s: no lineage state here (%s)", state_dir, strerror(errno));
        goto fail;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(r->scratch, sizeof r->scratch, "%s/lineaged-reader-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r->scratch)) {
        snprintf(errstr, errstr_size, "%s: %s", r->scratch, strerror(errno));
        r->scratch[0] = '\0';
        goto fail;
    }
    lg_graph_opts go = {.cache_mb = cache_mb, .secondary_dir = r->scratch};
    r->g = lg_graph_open(state_dir, &go, errstr, errstr_size);
    if (!r->g)
        goto fail;
    return r;
fail:
    lg_state_reader_close(r);
    return NULL;
}

lg_graph *lg_state_reader_graph(lg_state_reader *r) {
    return r->g;
}

int lg_state_reader_refresh(lg_state_reader *r, char *errstr, size_t errstr_size) {
    return lg_graph_refresh(r->g, errstr, errstr_size);
}

void lg_state_reader_close(lg_state_reader *r) {
    if (!r)
        return;
    lg_graph_close(r->g);
    if (r->scratch[0])
        nftw(r->scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(r);
}
