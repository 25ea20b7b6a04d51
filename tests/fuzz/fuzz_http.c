/* libFuzzer harness for the HTTP kind: the response header-line parser (with the accessors
 * that read its result) and the HTTP job's option setters. The first byte picks the target.
 * Build and run: tests/fuzz/run_fuzz.sh [seconds]. */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

static void fuzz_headers(const uint8_t *data, size_t size)
{
    ol_response *resp = ol__response_new();
    if (!resp) return;
    /* curl hands over one line per call: split at '\n', keeping it, as curl does. */
    size_t start = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] != '\n' && i + 1 < size) continue;
        size_t len = i + 1 - start;
        char *line = malloc(len ? len : 1); /* an exact-size copy: ASan sees any overread */
        if (!line) break;
        memcpy(line, data + start, len);
        ol__response_header_line(resp, line, len);
        free(line);
        start = i + 1;
    }
    ol__response_append(resp, data, size, size / 2);
    size_t n = ol_response_header_count(resp);
    for (size_t i = 0; i <= n; i++) {
        const char *name = NULL, *value = NULL;
        if (ol_response_header_at(resp, i, &name, &value) == OL_OK) {
            (void)strlen(name);
            (void)strlen(value);
            (void)ol_response_header(resp, name);
        }
    }
    (void)ol_response_header(resp, "content-length");
    (void)ol_response_status(resp);
    (void)ol_response_http_version(resp);
    ol_response *head = ol__response_clone_head(resp);
    ol__response_free(head);
    ol__response_free(resp);
}

/* A script of setter calls: [op][key][len][len bytes]... on one job. */
static void fuzz_setters(const uint8_t *data, size_t size)
{
    ol_job *job = NULL;
    if (ol_http_job_new(&job, NULL, "http://127.0.0.1/") != OL_OK) return;
    size_t i = 0;
    while (i + 3 <= size) {
        uint8_t op = data[i], key = data[i + 1];
        size_t len = data[i + 2];
        i += 3;
        if (len > size - i) len = size - i;
        int option = 100 + key % 50; /* every OL_HTTP_* key and unknown ones around them */
        char *str = malloc(len + 1);
        if (!str) break;
        memcpy(str, data + i, len);
        str[len] = '\0';
        switch (op % 5) {
        case 0: {
            int64_t v = 0;
            memcpy(&v, str, len < sizeof v ? len : sizeof v);
            if (op & 0x80) v %= 2000; /* small values reach the valid ranges */
            ol_job_set_int(job, option, v);
            break;
        }
        case 1: ol_job_set_str(job, option, str); break;
        case 2: ol_job_set_bytes(job, option, data + i, len); break;
        case 3: ol_http_job_set_body_borrowed(job, data + i, len, NULL, NULL); break;
        case 4: {
            ol_job *other = NULL;
            if (ol_http_job_new(&other, len ? str : NULL, str) == OL_OK) ol_job_free(other);
            break;
        }
        }
        free(str);
        i += len;
    }
    ol_job_free(job);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    if (data[0] & 1)
        fuzz_setters(data + 1, size - 1);
    else
        fuzz_headers(data + 1, size - 1);
    return 0;
}
