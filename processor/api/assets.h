/*
 * processor/api/assets.h - the lineage map's static files (processor/api/map/),
 * compiled into the binary at build time by processor/api/embed_assets.cmake
 * so the daemon serves them with no file or network access.
 *
 * Ownership: static data, never freed.
 */
#ifndef LG_PROCESSOR_API_ASSETS_H
#define LG_PROCESSOR_API_ASSETS_H

#include <stddef.h>

typedef struct lg_api_asset {
    const char *path; /* URL path: "/" for index.html, "/map.js", ... */
    const char *type; /* Content-Type */
    const char *data; /* the bytes (NUL-terminated for convenience) */
    size_t len;       /* without the NUL */
} lg_api_asset;

extern const lg_api_asset lg_api_assets[]; /* ends with a {NULL,...} entry */
extern const size_t lg_api_asset_count;

/** The asset served at path, or NULL. */
const lg_api_asset *lg_api_asset_find(const char *path);

#endif
