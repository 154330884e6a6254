/*
 * sinks/webhook/sign.c - HMAC-SHA256 over "<t>.<body>" with libcrypto.
 */
#include "sinks/webhook/sign.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>

int lg_webhook_sign(const void *secret, size_t secret_len, int64_t t, const void *body,
                    size_t body_len, char out[LG_WEBHOOK_SIGNATURE_MAX]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char prefix[32];
    int n = snprintf(prefix, sizeof(prefix), "%" PRId64 ".", t);
    int rc = -1;
    out[0] = '\0';
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *mc = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
                           OSSL_PARAM_construct_end()};
    size_t outl = 0;
    if (!mc || !EVP_MAC_init(mc, secret, secret_len, params) ||
        !EVP_MAC_update(mc, (const unsigned char *)prefix, (size_t)n) ||
        !EVP_MAC_update(mc, body, body_len) || !EVP_MAC_final(mc, mac, &outl, sizeof(mac)) ||
        outl != 32)
        goto cleanup;
    maclen = (unsigned int)outl;
    n = snprintf(out, LG_WEBHOOK_SIGNATURE_MAX, "t=%" PRId64 ",v1=", t);
    for (unsigned int i = 0; i < maclen; i++) {
        out[n++] = hex[mac[i] >> 4];
        out[n++] = hex[mac[i] & 15];
    }
    out[n] = '\0';
    rc = 0;
cleanup:
    EVP_MAC_CTX_free(mc);
    EVP_MAC_free(m);
    return rc;
}
