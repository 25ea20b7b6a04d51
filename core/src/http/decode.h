/* Response body decoding (Content-Encoding gzip, deflate, br), done by oneloop rather than
 * curl so that decoding follows the consumer's pace: the caller hands in compressed input and
 * an output buffer, and the decoder never produces more than fits. Loop thread only. */
#ifndef OL_SRC_HTTP_DECODE_H
#define OL_SRC_HTTP_DECODE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ol_http_decoder ol_http_decoder;

/* The brotli window a stream may ask for (RFC 7932 WBITS): larger ones are refused, since the
 * decoder keeps the whole window in memory. 4 MiB is the window encoders use by default. */
#define OL_HTTP_BROTLI_MAX_WINDOW_BITS 22

/* The Accept-Encoding value listing what this build decodes ("gzip, deflate[, br]"). */
const char *ol__decoder_accept_encoding(void);

/* A decoder for a Content-Encoding value: *out is NULL for "identity" or an empty value.
 * OL_EPROTO for a coding this build does not decode (msg says which), OL_ENOMEM. */
int ol__decoder_new(const char *coding, ol_http_decoder **out, char *msg, size_t msg_cap);

/* Decode from *in (advanced past what was consumed) into out, at most cap bytes; *produced
 * gets the count. Input after the end of the compressed stream is dropped. OL_OK, or
 * OL_EPROTO for corrupt input / a refused brotli window (ol__decoder_error says why). */
int ol__decoder_step(ol_http_decoder *d, const unsigned char **in, size_t *in_len,
                     unsigned char *out, size_t cap, size_t *produced);

const char *ol__decoder_error(const ol_http_decoder *d);
void ol__decoder_free(ol_http_decoder *d);

#endif
