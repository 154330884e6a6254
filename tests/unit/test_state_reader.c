/*
 * tests/unit/test_state_reader.c - the scratch directories of
 * processor/api/reader.h: a reader holds its own locked while open and
 * removes it at close, and the next open removes those that killed readers
 * left behind (their lock free, or no lock and untouched for an hour) and
 * nothing else. The queries through a reader are in test_query.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include "processor/api/reader.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *base;      /* TMPDIR while a test runs */
static char *saved_tmp; /* TMPDIR before */
static char path[2048];

static int setup(void **state) {
    (void)state;
    const char *t = getenv("TMPDIR");
    saved_tmp = t ? strdup(t) : NULL;
    base = tu_tmpdir("lg-state-reader");
    return base && setenv("TMPDIR", base, 1) == 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    if (saved_tmp)
        setenv("TMPDIR", saved_tmp, 1);
    else
        unsetenv("TMPDIR");
    free(saved_tmp);
    tu_rmtree(base);
    free(base);
    return 0;
}

/* base/rel, in the static path. */
static const char *at(const char *rel) {
    snprintf(path, sizeof path, "%s/%s", base, rel);
    return path;
}

static bool exists(const char *rel) {
    struct stat st;
    return lstat(at(rel), &st) == 0;
}

static void make_dir(const char *rel) {
    assert_int_equal(mkdir(at(rel), 0700), 0);
}

static void make_file(const char *rel) {
    int fd = open(at(rel), O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
}

/* Sets the access and modification times of rel seconds_ago back. */
static void age(const char *rel, time_t seconds_ago) {
    struct timespec ts[2] = {{.tv_sec = time(NULL) - seconds_ago}};
    ts[1] = ts[0];
    assert_int_equal(utimensat(AT_FDCWD, at(rel), ts, AT_SYMLINK_NOFOLLOW), 0);
}

/* A scratch directory as a reader makes it: a .lock and a graph's files. */
static void make_scratch(const char *name) {
    char rel[256];
    make_dir(name);
    snprintf(rel, sizeof rel, "%s/.lock", name);
    make_file(rel);
    snprintf(rel, sizeof rel, "%s/flat", name);
    make_dir(rel);
    snprintf(rel, sizeof rel, "%s/flat/LOG", name);
    make_file(rel);
}

/* Opens rel/.lock and takes its lock, as a live reader holds it. */
static int hold_lock(const char *rel) {
    char lock[256];
    snprintf(lock, sizeof lock, "%s/.lock", rel);
    int fd = open(at(lock), O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
    return fd;
}

/* The name of the one lineaged-reader-* entry under base not in known (a
 * NULL-terminated list): the scratch directory of an open reader. */
static void own_scratch(const char *const *known, char *name, size_t size) {
    DIR *d = opendir(base);
    assert_non_null(d);
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        bool is_known = strncmp(e->d_name, "lineaged-reader-", 16) != 0;
        for (const char *const *k = known; *k && !is_known; k++)
            is_known = strcmp(e->d_name, *k) == 0;
        if (!is_known && found++ == 0)
            snprintf(name, size, "%s", e->d_name);
    }
    closedir(d);
    assert_int_equal(found, 1);
}

/* A reader with no state yet (allow_empty): the sweep and the scratch
 * directory are all it does. */
static lg_state_reader *open_reader(void) {
    char err[512] = "";
    lg_state_reader *r = lg_state_reader_open(at("no-state"), 0, true, err, sizeof err);
    if (!r)
        fail_msg("open: %s", err);
    return r;
}

/* The reader's own scratch directory is locked while it is open and gone
 * after close; a second reader's sweep leaves the first's alone. */
static void test_own_scratch(void **state) {
    (void)state;
    const char *none[] = {NULL};
    char name[256], rel[300];
    lg_state_reader *r = open_reader();
    own_scratch(none, name, sizeof name);
    snprintf(rel, sizeof rel, "%s/.lock", name);
    assert_true(exists(rel));
    snprintf(rel, sizeof rel, "%s/.lock.new", name);
    assert_false(exists(rel));
    /* held: another open file description cannot take it */
    snprintf(rel, sizeof rel, "%s/.lock", name);
    int fd = open(at(rel), O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
    assert_int_equal(errno, EWOULDBLOCK);
    close(fd);

    lg_state_reader *r2 = open_reader();
    assert_true(exists(name));
    const char *first[] = {name, NULL};
    char name2[256];
    own_scratch(first, name2, sizeof name2);
    lg_state_reader_close(r2);
    assert_false(exists(name2));
    assert_true(exists(name));

    lg_state_reader_close(r);
    assert_false(exists(name));
}

/* What a killed reader left is removed at the next open; what a live one
 * holds, what is not ours and what is not a scratch directory stay. */
static void test_sweep(void **state) {
    (void)state;
    /* 1. a dead reader's: its lock is free */
    make_scratch("lineaged-reader-stale1");
    /* 2. a live reader's: its lock is held (by this test) */
    make_scratch("lineaged-reader-live1");
    int live = hold_lock("lineaged-reader-live1");
    /* 3. no lock file: an hour without change makes it stale */
    make_dir("lineaged-reader-old");
    make_dir("lineaged-reader-old/flat");
    make_file("lineaged-reader-old/flat/LOG");
    age("lineaged-reader-old/flat/LOG", 7200);
    age("lineaged-reader-old/flat", 7200);
    age("lineaged-reader-old", 7200);
    make_dir("lineaged-reader-fresh");
    make_dir("lineaged-reader-busy"); /* old, but a file in it was just written */
    make_file("lineaged-reader-busy/LOG");
    age("lineaged-reader-busy", 7200);
    /* 4. not a scratch directory: another name, a symlink to a directory,
     * another user's (when we may make one) */
    make_scratch("other-dir");
    age("other-dir", 7200);
    make_scratch("target");
    make_file("target/keep");
    age("target", 7200);
    char target[2048];
    snprintf(target, sizeof target, "%s", at("target"));
    assert_int_equal(symlink(target, at("lineaged-reader-link")), 0);
    bool as_root = geteuid() == 0;
    if (as_root) {
        make_scratch("lineaged-reader-foreign");
        assert_int_equal(lchown(at("lineaged-reader-foreign"), 65534, 65534), 0);
    }

    lg_state_reader *r = open_reader();
    static const struct {
        const char *rel;
        bool kept;
    } after[] = {
        {"lineaged-reader-stale1", false},
        {"lineaged-reader-live1/.lock", true},
        {"lineaged-reader-live1/flat/LOG", true},
        {"lineaged-reader-old", false},
        {"lineaged-reader-fresh", true},
        {"lineaged-reader-busy/LOG", true},
        {"other-dir/.lock", true},
        {"other-dir/flat/LOG", true},
        {"target/.lock", true},
        {"target/flat/LOG", true},
        {"target/keep", true},
    };
    for (size_t i = 0; i < sizeof after / sizeof *after; i++)
        if (exists(after[i].rel) != after[i].kept)
            fail_msg("%s: %s", after[i].rel, after[i].kept ? "removed" : "kept");
    struct stat st;
    assert_int_equal(lstat(at("lineaged-reader-link"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    if (as_root)
        assert_true(exists("lineaged-reader-foreign/flat/LOG"));
    const char *known[] = {"lineaged-reader-live1",   "lineaged-reader-fresh",
                           "lineaged-reader-busy",    "lineaged-reader-link",
                           "lineaged-reader-foreign", NULL};
    char name[256];
    own_scratch(known, name, sizeof name);
    lg_state_reader_close(r);
    assert_false(exists(name));

    /* the live reader dies: the next open removes its directory */
    close(live);
    r = open_reader();
    assert_false(exists("lineaged-reader-live1"));
    assert_true(exists("lineaged-reader-fresh"));
    lg_state_reader_close(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_own_scratch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
