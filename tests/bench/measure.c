/*
 * tests/bench/measure.c - lg_bench_measure: runs one command and reports
 * what it cost, for the benchmarks (no dependency on GNU time).
 *
 *   lg_bench_measure --json FILE [--timeout S] [--kill-at PATH:BYTES] -- CMD [ARG...]
 *
 * The command inherits stdin, stdout and stderr. FILE receives one JSON
 * object: exit (or null), signal (or null), killed (true when --kill-at
 * fired), timed_out, wall_s, user_s, sys_s, max_rss_kb (the child's peak
 * resident set) and killed_at_pos.
 *
 * --kill-at PATH:BYTES sends SIGKILL to the command as soon as its read
 * position in PATH (from /proc/PID/fdinfo) reaches BYTES: a crash in the
 * middle of a replay, at a reproducible point. Positions are polled every
 * millisecond; --timeout S (default 3600) kills the command when it is
 * still running after S seconds.
 *
 * Exit: the command's exit status; 0 when --kill-at killed it; 1 when it
 * died of another signal, timed out or could not start; 2 on a usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The read position of pid's descriptor open on path, or -1. */
static long long read_pos(pid_t pid, const char *path) {
    char dir[64], link[PATH_MAX + 320], target[PATH_MAX];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long long pos = -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && pos < 0) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (strcmp(target, path) != 0)
            continue;
        char info[512];
        snprintf(info, sizeof info, "/proc/%d/fdinfo/%s", (int)pid, e->d_name);
        FILE *fp = fopen(info, "r");
        if (!fp)
            continue;
        if (fscanf(fp, "pos: %lld", &pos) != 1)
            pos = -1;
        fclose(fp);
    }
    closedir(d);
    return pos;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
    const char *json = NULL, *kill_spec = NULL;
    double timeout = 3600;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (i + 1 >= argc)
            break;
        if (strcmp(argv[i], "--json") == 0)
            json = argv[++i];
        else if (strcmp(argv[i], "--kill-at") == 0)
            kill_spec = argv[++i];
        else if (strcmp(argv[i], "--timeout") == 0)
            timeout = atof(argv[++i]);
        else
            break;
    }
    if (!json || i >= argc || timeout <= 0) {
        fprintf(stderr, "usage: lg_bench_measure --json FILE [--timeout S] "
                        "[--kill-at PATH:BYTES] -- CMD [ARG...]\n");
        return 2;
    }
    char kill_path[PATH_MAX] = "";
    long long kill_bytes = -1;
    if (kill_spec) {
        const char *colon = strrchr(kill_spec, ':');
        char raw[PATH_MAX];
        if (!colon || (size_t)(colon - kill_spec) >= sizeof raw) {
            fprintf(stderr, "lg_bench_measure: --kill-at wants PATH:BYTES\n");
            return 2;
        }
        memcpy(raw, kill_spec, (size_t)(colon - kill_spec));
        raw[colon - kill_spec] = '\0';
        kill_bytes = atoll(colon + 1);
        if (!realpath(raw, kill_path) || kill_bytes < 0) {
            fprintf(stderr, "lg_bench_measure: --kill-at %s: %s\n", raw, strerror(errno));
            return 2;
        }
    }
    FILE *out = fopen(json, "w");
    if (!out) {
        fprintf(stderr, "lg_bench_measure: %s: %s\n", json, strerror(errno));
        return 1;
    }
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "lg_bench_measure: fork: %s\n", strerror(errno));
        fclose(out);
        return 1;
    }
    if (pid == 0) {
        execvp(argv[i], argv + i);
        fprintf(stderr, "lg_bench_measure: cannot run %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    bool killed = false, timed_out = false;
    long long killed_at = -1;
    for (;;) {
        pid_t w = wait4(pid, &status, WNOHANG, &ru);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            fprintf(stderr, "lg_bench_measure: wait: %s\n", strerror(errno));
            fclose(out);
            return 1;
        }
        if (!killed && !timed_out && kill_bytes >= 0) {
            long long pos = read_pos(pid, kill_path);
            if (pos >= kill_bytes) {
                kill(pid, SIGKILL);
                killed = true;
                killed_at = pos;
            }
        }
        if (!killed && !timed_out && now_s() - t0 > timeout) {
            kill(pid, SIGKILL);
            timed_out = true;
        }
        sleep_ms(1);
    }
    double wall = now_s() - t0;
    bool exited = WIFEXITED(status), signalled = WIFSIGNALED(status);
    char exit_s[16] = "null", sig_s[16] = "null";
    if (exited)
        snprintf(exit_s, sizeof exit_s, "%d", WEXITSTATUS(status));
    if (signalled)
        snprintf(sig_s, sizeof sig_s, "%d", WTERMSIG(status));
    fprintf(out,
            "{\"exit\":%s,\"signal\":%s,\"killed\":%s,\"timed_out\":%s,\"wall_s\":%.6f,"
            "\"user_s\":%.6f,\"sys_s\":%.6f,\"max_rss_kb\":%ld,\"killed_at_pos\":%lld}\n",
            exit_s, sig_s, killed ? "true" : "false", timed_out ? "true" : "false", wall,
            (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
            (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss,
            killed_at);
    if (fclose(out) != 0)
        return 1;
    if (killed && signalled)
        return 0;
    if (exited)
        return WEXITSTATUS(status);
    return 1;
}
