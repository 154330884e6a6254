/*
 * tests/tools/demo_state.h - builds the demo company's lineage state
 * (deploy/demo: okta, github, cloudtrail, bedrock, in that order) in a
 * directory with `lineaged replay`'s driver, for tests of the read side.
 * Header-only: include it in one test file.
 */
#ifndef LG_TESTS_DEMO_STATE_H
#define LG_TESTS_DEMO_STATE_H

#include "processor/config.h"
#include "processor/replay.h"

#include <signal.h>
#include <stdio.h>

/** Replays the demo into dir (created if missing); derived events go to
 *  events_path as JSON lines (NULL: discarded). Returns 0 or -1 (printed). */
static inline int demo_state_build(const char *dir, const char *events_path) {
    static const char *const names[] = {"okta", "github", "cloudtrail", "bedrock"};
    char paths[4][1024], dl[1024], err[512];
    lg_replay_input in[4];
    for (int i = 0; i < 4; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/deploy/demo/%s.jsonl", LG_SOURCE_DIR, names[i]);
        in[i].src = lg_source_from_name(names[i]);
        in[i].path = paths[i];
    }
    snprintf(dl, sizeof dl, "%s/deadletter.jsonl", dir);
    lg_config *cfg = lg_config_new();
    FILE *out = fopen(events_path ? events_path : "/dev/null", "w");
    int rc = -1;
    if (cfg && out) {
        volatile sig_atomic_t running = 1;
        lg_replay_opts ro = {.config = cfg,
                             .state_dir = dir,
                             .deadletter_path = dl,
                             .inputs = in,
                             .ninputs = 4,
                             .out = out,
                             .running = &running};
        rc = lg_replay_run(&ro, err, sizeof err);
        if (rc != 0)
            fprintf(stderr, "demo_state_build: %s\n", err);
    }
    if (out)
        fclose(out);
    lg_config_destroy(cfg);
    return rc;
}

#endif
