/* A failed transfer -> a stable OL_E* status, and a message without credentials. */
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ol__redact_credentials(const char *text)
{
    char *out = ol__strdup(text);
    if (!out) return NULL;
    char *scan = out;
    char *sep;
    while ((sep = strstr(scan, "://")) != NULL) {
        char *auth = sep + 3;
        size_t auth_len = strcspn(auth, "/?#\\ \t\"'<>");
        char *at = NULL; /* the last '@' ends the user info */
        for (char *p = auth; p < auth + auth_len; p++)
            if (*p == '@') at = p;
        if (at) memmove(auth, at + 1, strlen(at + 1) + 1);
        scan = auth;
    }
    return out;
}

int ol__http_status_from_curl(CURLcode code, long os_errno)
{
    switch (code) {
    case CURLE_OK: return OL_OK;
    case CURLE_UNSUPPORTED_PROTOCOL: return OL_EPROTOCOL_DENIED;
    case CURLE_URL_MALFORMAT: return OL_EURL;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return OL_EDNS;
    case CURLE_COULDNT_CONNECT: return os_errno == ECONNREFUSED ? OL_ECONNREFUSED : OL_ECONNECT;
    case CURLE_PROXY: return OL_ECONNECT;
    case CURLE_OPERATION_TIMEDOUT: return OL_ETIMEDOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED: return OL_ETLS;
    case CURLE_FILESIZE_EXCEEDED: return OL_ETOOLARGE;
#if LIBCURL_VERSION_NUM >= 0x080600 /* 8.6.0: headers over the limit */
    case CURLE_TOO_LARGE: return OL_ETOOLARGE;
#endif
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_RANGE_ERROR: return OL_EPROTO;
    case CURLE_RECV_ERROR: return OL_ERECV;
    case CURLE_SEND_ERROR:
    case CURLE_SEND_FAIL_REWIND: return OL_ESEND;
    case CURLE_PARTIAL_FILE: return OL_EPARTIAL;
    case CURLE_TOO_MANY_REDIRECTS: return OL_EREDIRECTS;
    case CURLE_GOT_NOTHING: return OL_EEMPTY;
    case CURLE_OUT_OF_MEMORY: return OL_ENOMEM;
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN: return OL_EINVAL;
    case CURLE_ABORTED_BY_CALLBACK: return OL_ECANCELED;
    default: return OL_ERROR;
    }
}

int ol__http_failure_status(ol_http_job *h, CURLcode result, long os_errno, bool connected,
                            char *msg, size_t cap)
{
    if (h->too_large || result == CURLE_FILESIZE_EXCEEDED) {
        snprintf(msg, cap, "response body larger than the limit of %lld bytes",
                 (long long)h->req.max_response_bytes);
        return OL_ETOOLARGE;
    }
    if (h->consumer_gone) {
        snprintf(msg, cap, "iterator closed by the consumer");
        return OL_ECANCELED;
    }
    if (h->idle_expired) {
        snprintf(msg, cap, "no data received for %ld ms (idle timeout)", h->req.idle_timeout_ms);
        return OL_ETIMEDOUT;
    }
    if (h->decode_failed) {
        snprintf(msg, cap, "%s", h->decode_msg);
        return OL_EPROTO;
    }
    /* curl 7.88 reports a header line over its limit (100 KB) as "out of memory", and all
     * header lines over 300 KB as a receive error: while the head is incomplete on a live
     * connection, that is the peer's doing. */
    bool head_too_large = result == CURLE_OUT_OF_MEMORY ||
                          (result == CURLE_RECV_ERROR && strstr(h->errbuf, "Too large"));
    if (head_too_large && connected && !h->resp->head_done) {
        snprintf(msg, cap, "response headers too large%s%s", h->errbuf[0] ? ": " : "", h->errbuf);
        return OL_ETOOLARGE;
    }
    if (result == CURLE_COULDNT_CONNECT &&
        (h->socket_errno == EMFILE || h->socket_errno == ENFILE)) {
        snprintf(msg, cap, "could not open a socket: %s (%s: out of file descriptors)",
                 strerror(h->socket_errno), h->socket_errno == EMFILE ? "EMFILE" : "ENFILE");
        return OL_ECONNECT;
    }
    char *redacted = h->errbuf[0] ? ol__redact_credentials(h->errbuf) : NULL;
    snprintf(msg, cap, "%s", redacted ? redacted : curl_easy_strerror(result));
    free(redacted);
    if (result == CURLE_WRITE_ERROR) return OL_ENOMEM; /* our callbacks refuse only on OOM */
    /* curl rejects a reply that is not HTTP ("HTTP/0.9 not allowed", "Unsupported response
     * code") with the code it also uses for a denied scheme; a denied scheme never connects. */
    if (result == CURLE_UNSUPPORTED_PROTOCOL && (connected || strstr(h->errbuf, "HTTP/0.9")))
        return OL_EPROTO;
    return ol__http_status_from_curl(result, os_errno);
}
