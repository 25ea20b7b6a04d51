/* Status strings, the version, strings. */
#include "util.h"

#include <stdlib.h>
#include <string.h>

const char *ol_strerror(int status)
{
    switch (status) {
    case OL_OK: return "success";
    case OL_ERROR: return "error";
    case OL_EINVAL: return "invalid argument";
    case OL_ENOMEM: return "out of memory";
    case OL_ETIMEDOUT: return "timed out";
    case OL_ECANCELED: return "cancelled";
    case OL_ECLOSED: return "loop is shut down";
    case OL_EDEADLK: return "blocking wait on the loop's own thread would deadlock";
    case OL_EFORKED: return "handle belongs to the parent process of a fork";
    case OL_EAGAIN: return "try again";
    case OL_EPENDING: return "not settled yet";
    case OL_ENOTSUP: return "not supported";
    case OL_EALREADY: return "already settled";
    case OL_ESTATE: return "invalid state for this call";
    case OL_EURL: return "malformed URL";
    case OL_EPROTOCOL_DENIED: return "URL scheme not allowed";
    case OL_EDNS: return "could not resolve host";
    case OL_ECONNREFUSED: return "connection refused";
    case OL_ECONNECT: return "could not connect";
    case OL_ETLS: return "TLS failure";
    case OL_ETOOLARGE: return "response too large";
    case OL_EPROTO: return "invalid HTTP response";
    case OL_ERECV: return "failure receiving data";
    case OL_ESEND: return "failure sending data";
    case OL_EPARTIAL: return "response body truncated";
    case OL_EREDIRECTS: return "too many redirects";
    case OL_EEMPTY: return "server returned nothing";
    case OL_EHOSTLIMIT: return "no free connection to the host (per-host connection limit)";
    case OL_ITEROVER: return "iteration over";
    default: return "unknown status";
    }
}

unsigned ol_version(void) { return OL_VERSION_NUMBER; }
const char *ol_version_string(void) { return OL_VERSION_STRING; }

char *ol__strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}
