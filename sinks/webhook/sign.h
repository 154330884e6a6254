/*
 * sinks/webhook/sign.h - the webhook signature header.
 *
 *   X-Lineaged-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *
 * The timestamp is part of the signed text, so a receiver that checks the
 * HMAC and rejects timestamps older than a few minutes is protected against
 * replays (docs/sinks.md shows how to verify, in Python). v1 is 64
 * lower-case hex digits.
 *
 * Ownership: inputs are borrowed; output goes to a caller buffer.
 */
#ifndef LG_SINKS_WEBHOOK_SIGN_H
#define LG_SINKS_WEBHOOK_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define LG_WEBHOOK_SIGNATURE_HEADER "X-Lineaged-Signature"
/* "t=" + 20 digits + ",v1=" + 64 hex + NUL */
#define LG_WEBHOOK_SIGNATURE_MAX 96

/** Writes the header value "t=<t>,v1=<hex>" for body signed with secret at
 *  unix time t into out (LG_WEBHOOK_SIGNATURE_MAX bytes). Returns 0, or -1
 *  when HMAC fails (out is then ""). */
int lg_webhook_sign(const void *secret, size_t secret_len, int64_t t, const void *body,
                    size_t body_len, char out[LG_WEBHOOK_SIGNATURE_MAX]);

#endif
