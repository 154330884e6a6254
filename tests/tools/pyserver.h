/*
 * tests/tools/pyserver.h - runs the Python test servers of tests/tools/
 * (schema_registry.py, webhook_receiver.py) from C tests, and the venv
 * they need (avro_venv.sh). Header-only, for tests.
 *
 * A server prints "PORT <n>" once it listens on 127.0.0.1 and exits when
 * its stdin closes: ps_stop() closes it (and kills the process if it has
 * not gone within 5 s), and if the test process dies the pipe closes with
 * it, so no server outlives its test.
 *
 * Ownership: ps_venv returns a malloc'd path the caller frees; a
 * ps_server is a plain struct the caller keeps and ps_stop()s.
 */
#ifndef LG_TESTS_PYSERVER_H
#define LG_TESTS_PYSERVER_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct ps_server {
    pid_t pid;
    int in_fd; /* write end of the server's stdin; closing it stops the server */
    int port;
} ps_server;

static inline long long ps_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The venv python (tests/tools/avro_venv.sh DIR [flag]) or NULL, with the
 * reason printed, when Python or the package index is unavailable. */
static inline char *ps_venv(const char *dir, const char *flag) {
    char cmd[2048], line[1024];
    snprintf(cmd, sizeof(cmd), "bash %s/tests/tools/avro_venv.sh %s %s", LG_SOURCE_DIR, dir,
             flag ? flag : "");
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    char *out = NULL;
    if (fgets(line, sizeof(line), p)) {
        line[strcspn(line, "\n")] = '\0';
        out = strdup(line);
    }
    if (pclose(p) != 0) {
        free(out);
        printf("# avro_venv.sh %s failed (python3, venv or the package index unavailable)\n",
               flag ? flag : "");
        return NULL;
    }
    return out;
}

/* Starts argv (argv[0] is looked up in PATH) and waits up to 60 s for its
 * "PORT <n>" line. Returns 0 or -1 (the process is then stopped). */
static inline int ps_start(ps_server *s, char *const argv[]) {
    int in[2], out[2];
    memset(s, 0, sizeof(*s));
    s->pid = -1;
    s->in_fd = -1;
    if (pipe(in) != 0)
        return -1;
    if (pipe(out) != 0) {
        close(in[0]), close(in[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    fcntl(in[1], F_SETFD, FD_CLOEXEC);
    s->pid = pid;
    s->in_fd = in[1];
    char buf[256];
    size_t n = 0;
    long long deadline = ps_now_ms() + 60000;
    while (n + 1 < sizeof(buf) && !memchr(buf, '\n', n)) {
        struct pollfd pf = {out[0], POLLIN, 0};
        long long left = deadline - ps_now_ms();
        if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
            break;
        ssize_t r = read(out[0], buf + n, sizeof(buf) - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(out[0]);
    buf[n] = '\0';
    if (sscanf(buf, "PORT %d", &s->port) != 1 || s->port <= 0) {
        printf("# %s did not start: %s\n", argv[1] ? argv[1] : argv[0], buf);
        close(s->in_fd);
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = -1;
        return -1;
    }
    return 0;
}

/* Stops the server: closes its stdin, waits up to 5 s, then kills it. */
static inline void ps_stop(ps_server *s) {
    if (s->pid <= 0)
        return;
    if (s->in_fd >= 0)
        close(s->in_fd);
    long long deadline = ps_now_ms() + 5000;
    for (;;) {
        pid_t r = waitpid(s->pid, NULL, WNOHANG);
        if (r == s->pid || (r < 0 && errno != EINTR))
            break;
        if (ps_now_ms() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
            break;
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    s->pid = -1;
    s->in_fd = -1;
}

#endif
