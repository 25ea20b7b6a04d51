/* oneloop: common definitions (export macros, status codes, version).
 *
 * Every function of the library returns an int status: OL_OK (0) on success or a negative
 * OL_E* code. The codes are stable forever and only ever appended to. The failure detail of a
 * job lives on its future (ol_future_status, ol_future_error_message), never in thread-local
 * state.
 */
#ifndef ONELOOP_COMMON_H
#define ONELOOP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(OL_CDEF)
#    define OL_EXTERN
#elif defined(_WIN32)
#    if defined(OL_BUILDING)
#        define OL_EXTERN __declspec(dllexport)
#    elif defined(OL_STATIC)
#        define OL_EXTERN
#    else
#        define OL_EXTERN __declspec(dllimport)
#    endif
#elif defined(__GNUC__)
#    define OL_EXTERN __attribute__((visibility("default")))
#else
#    define OL_EXTERN
#endif

#ifdef __cplusplus
#    define OL_BEGIN_DECL extern "C" {
#    define OL_END_DECL }
#else
#    define OL_BEGIN_DECL
#    define OL_END_DECL
#endif

#define OL_VERSION_MAJOR 0
#define OL_VERSION_MINOR 1
#define OL_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH */
#define OL_VERSION_NUMBER 100
#define OL_VERSION_STRING "0.1.0"

OL_BEGIN_DECL

/* Status codes. Stable and append-only. */
typedef enum ol_status {
    OL_OK = 0,
    OL_ERROR = -1,     /* unclassified failure (see the future's message) */
    OL_EINVAL = -2,    /* invalid argument: NULL handle, bad option, bad value */
    OL_ENOMEM = -3,    /* out of memory */
    OL_ETIMEDOUT = -4, /* a wait or a job's own timeout expired */
    OL_ECANCELED = -5, /* the job was cancelled */
    OL_ECLOSED = -6,   /* the loop is shutting down or shut down: nothing accepted */
    OL_EDEADLK = -7,   /* a blocking wait was called on the loop's own thread */
    OL_EFORKED = -8,   /* the handle belongs to the parent process of a fork */
    OL_EAGAIN = -9,    /* try again (channel full, nothing ready) */
    OL_EPENDING = -10, /* the future has not settled yet */
    OL_ENOTSUP = -11,  /* not supported by this build or this kind of job */
    OL_EALREADY = -12, /* already settled / already submitted / already running */
    OL_ESTATE = -13,   /* the call does not fit the object's state */
    /* Transport and HTTP failures (the curl message is on the future). */
    OL_EURL = -30,             /* malformed URL */
    OL_EPROTOCOL_DENIED = -31, /* scheme not allowed (file://, gopher://, ...) */
    OL_EDNS = -32,             /* host name (or proxy name) could not be resolved */
    OL_ECONNREFUSED = -33,     /* connection refused */
    OL_ECONNECT = -34,         /* other failure to connect */
    OL_ETLS = -35,             /* TLS handshake or certificate verification failed */
    OL_ETOOLARGE = -36,        /* response larger than the job's limit, or headers too large */
    OL_EPROTO = -37,           /* the peer spoke invalid HTTP */
    OL_ERECV = -38,            /* receiving failed (connection reset, ...) */
    OL_ESEND = -39,            /* sending failed */
    OL_EPARTIAL = -40,         /* response body shorter than announced, truncated chunked body */
    OL_EREDIRECTS = -41,       /* too many redirects */
    OL_EEMPTY = -42,           /* server closed the connection without replying */
    OL_EHOSTLIMIT = -43,       /* waited a whole connect timeout for a connection slot: every
                             * connection of the per-host limit stayed busy (max_host_connections) */
    OL_ITEROVER = -100         /* iteration is over (not an error) */
} ol_status;

/* Static, never NULL, English description of a status code. Any thread. */
OL_EXTERN const char *ol_strerror(int status);

/* Run-time version of the library, OL_VERSION_NUMBER of the build. Any thread.
 * Bindings compare it with the header's OL_VERSION_NUMBER at load time. */
OL_EXTERN unsigned ol_version(void);
OL_EXTERN const char *ol_version_string(void);

/* Timeouts are int64_t milliseconds: negative waits forever, 0 polls. */
#define OL_WAIT_FOREVER (-1)

OL_END_DECL

#endif
