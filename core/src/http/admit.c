/* Admission per host: at most max_host_connections transfers of one host are inside the curl
 * multi handle at a time; the others wait here, first come first served, and enter as earlier
 * ones leave. curl 7.88 parks the transfers over CURLMOPT_MAX_HOST_CONNECTIONS on a list that
 * curl_multi_remove_handle walks in full for every finished transfer, so a burst of N requests
 * to one host cost O(N^2) there (a fifth of the CPU at 10,000 in flight). Loop thread only. */
#include "http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define HOST_BUCKETS 256

struct ol_http_host {
    struct ol_http_host *next; /* bucket chain */
    size_t active;             /* this host's transfers in the multi */
    ol_http_job *wait_head, *wait_tail;
    char key[]; /* "scheme://host:port", lower case */
};

struct ol_http_admission {
    unsigned limit; /* 0: no admission control */
    ol_http_host *buckets[HOST_BUCKETS];
};

ol_http_admission *ol__http_admission_new(unsigned per_host_limit)
{
    ol_http_admission *a = calloc(1, sizeof *a);
    if (a) a->limit = per_host_limit;
    return a;
}

void ol__http_admission_free(ol_http_admission *a)
{
    if (!a) return;
    for (size_t i = 0; i < HOST_BUCKETS; i++) {
        while (a->buckets[i]) {
            ol_http_host *next = a->buckets[i]->next;
            free(a->buckets[i]);
            a->buckets[i] = next;
        }
    }
    free(a);
}

/* The URL's scheme and authority without user info: the connection-pool identity that the
 * per-host limit is about. Writes at most cap bytes including the NUL. */
static void host_key(const char *url, char *key, size_t cap)
{
    const char *sep = strstr(url, "://");
    const char *auth = sep ? sep + 3 : url;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', auth_len);
    while (at) { /* the last '@' ends the user info */
        auth_len -= (size_t)(at + 1 - auth);
        auth = at + 1;
        at = memchr(auth, '@', auth_len);
    }
    size_t n = 0;
    for (const char *p = url; sep && p < sep + 3 && n + 1 < cap; p++)
        key[n++] = (char)tolower((unsigned char)*p);
    for (size_t i = 0; i < auth_len && n + 1 < cap; i++)
        key[n++] = (char)tolower((unsigned char)auth[i]);
    key[n] = '\0';
}

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h % HOST_BUCKETS;
}

static ol_http_host *host_get(ol_http_admission *a, const char *url)
{
    char key[512];
    host_key(url, key, sizeof key);
    ol_http_host **slot = &a->buckets[hash(key)];
    for (ol_http_host *h = *slot; h; h = h->next)
        if (strcmp(h->key, key) == 0) return h;
    size_t len = strlen(key);
    ol_http_host *h = calloc(1, sizeof *h + len + 1);
    if (!h) return NULL;
    memcpy(h->key, key, len + 1);
    h->next = *slot;
    *slot = h;
    return h;
}

/* Free a host entry nobody uses, so the table does not grow with every host ever seen. */
static void host_drop_if_idle(ol_http_admission *a, ol_http_host *host)
{
    if (host->active || host->wait_head) return;
    for (ol_http_host **p = &a->buckets[hash(host->key)]; *p; p = &(*p)->next) {
        if (*p == host) {
            *p = host->next;
            free(host);
            return;
        }
    }
}

bool ol__http_admit(ol_http_admission *a, ol_http_job *h, const char *url)
{
    if (!a->limit) return true;
    ol_http_host *host = host_get(a, url);
    if (!host) return true; /* out of memory: let curl do the limiting */
    h->host = host;
    if (host->active < a->limit) {
        host->active++;
        return true;
    }
    h->waiting = true;
    h->wait_prev = host->wait_tail;
    h->wait_next = NULL;
    if (host->wait_tail)
        host->wait_tail->wait_next = h;
    else
        host->wait_head = h;
    host->wait_tail = h;
    return false;
}

static void unlink_waiting(ol_http_host *host, ol_http_job *h)
{
    if (h->wait_prev)
        h->wait_prev->wait_next = h->wait_next;
    else
        host->wait_head = h->wait_next;
    if (h->wait_next)
        h->wait_next->wait_prev = h->wait_prev;
    else
        host->wait_tail = h->wait_prev;
    h->wait_prev = h->wait_next = NULL;
    h->waiting = false;
}

ol_http_job *ol__http_leave(ol_http_admission *a, ol_http_job *h, bool hand_over)
{
    ol_http_host *host = h->host;
    if (!host) return NULL;
    h->host = NULL;
    ol_http_job *next = NULL;
    if (h->waiting) {
        unlink_waiting(host, h); /* cancelled before it got in */
    } else if (hand_over && host->wait_head) {
        next = host->wait_head; /* takes over the slot: active stays the same */
        unlink_waiting(host, next);
    } else {
        host->active--;
    }
    host_drop_if_idle(a, host);
    return next;
}

ol_http_job *ol__http_admission_expired(ol_http_admission *a, uint64_t now, uint64_t *next_due)
{
    ol_http_job *expired = NULL;
    *next_due = 0;
    for (size_t i = 0; i < HOST_BUCKETS; i++) {
        ol_http_host *host = a->buckets[i];
        while (host) {
            ol_http_host *next_host = host->next;
            ol_http_job *h = host->wait_head;
            while (h) {
                ol_http_job *next = h->wait_next;
                uint64_t due = h->queue_deadline_ms;
                if (due && due <= now) {
                    unlink_waiting(host, h);
                    h->host = NULL;
                    h->wait_next = expired;
                    expired = h;
                } else if (due && (!*next_due || due < *next_due)) {
                    *next_due = due;
                }
                h = next;
            }
            host_drop_if_idle(a, host);
            host = next_host;
        }
    }
    return expired;
}
