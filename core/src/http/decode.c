/* Content-Encoding decoders: zlib for gzip and deflate, libbrotlidec for br (when built with
 * it). Each step decodes only as much as the caller's buffer holds. */
#include "decode.h"

#include "../util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#ifdef OL_HAVE_BROTLI
#    include <brotli/decode.h>
#endif

typedef enum { CODING_GZIP, CODING_DEFLATE, CODING_BR } coding_kind;

struct ol_http_decoder {
    coding_kind kind;
    bool ended;   /* the compressed stream is complete: later input is dropped */
    bool started; /* deflate: output came (the zlib header was good); br: window checked */
    z_stream z;
#ifdef OL_HAVE_BROTLI
    BrotliDecoderState *br;
#endif
    char error[96];
};

const char *ol__decoder_accept_encoding(void)
{
#ifdef OL_HAVE_BROTLI
    return "gzip, deflate, br";
#else
    return "gzip, deflate";
#endif
}

/* The coding name without surrounding blanks, compared case-insensitively. */
static bool coding_is(const char *coding, const char *name)
{
    while (*coding == ' ' || *coding == '\t') coding++;
    size_t n = strlen(name);
    if (strncasecmp(coding, name, n) != 0) return false;
    for (coding += n; *coding; coding++)
        if (*coding != ' ' && *coding != '\t') return false;
    return true;
}

static int zlib_init(ol_http_decoder *d, int window_bits)
{
    memset(&d->z, 0, sizeof d->z);
    return inflateInit2(&d->z, window_bits) == Z_OK ? OL_OK : OL_ENOMEM;
}

int ol__decoder_new(const char *coding, ol_http_decoder **out, char *msg, size_t msg_cap)
{
    *out = NULL;
    if (!coding || coding_is(coding, "") || coding_is(coding, "identity")) return OL_OK;
    coding_kind kind;
    if (coding_is(coding, "gzip") || coding_is(coding, "x-gzip"))
        kind = CODING_GZIP;
    else if (coding_is(coding, "deflate"))
        kind = CODING_DEFLATE;
#ifdef OL_HAVE_BROTLI
    else if (coding_is(coding, "br"))
        kind = CODING_BR;
#endif
    else {
        snprintf(msg, msg_cap, "unsupported Content-Encoding \"%.64s\" (decoded: %s)", coding,
                 ol__decoder_accept_encoding());
        return OL_EPROTO;
    }
    ol_http_decoder *d = calloc(1, sizeof *d);
    if (!d) return OL_ENOMEM;
    d->kind = kind;
    int rc = OL_OK;
    if (kind == CODING_GZIP)
        rc = zlib_init(d, 15 + 16); /* gzip wrapper */
    else if (kind == CODING_DEFLATE)
        rc = zlib_init(d, 15); /* zlib wrapper, see step_zlib */
#ifdef OL_HAVE_BROTLI
    else if (!(d->br = BrotliDecoderCreateInstance(NULL, NULL, NULL)))
        rc = OL_ENOMEM;
#endif
    if (rc != OL_OK) {
        free(d);
        return rc;
    }
    *out = d;
    return OL_OK;
}

static int fail(ol_http_decoder *d, const char *what)
{
    snprintf(d->error, sizeof d->error, "%s", what);
    return OL_EPROTO;
}

static int step_zlib(ol_http_decoder *d, const unsigned char **in, size_t *in_len,
                     unsigned char *out, size_t cap, size_t *produced)
{
    z_stream *z = &d->z;
    uInt in_avail = *in_len > UINT_MAX ? UINT_MAX : (uInt)*in_len;
    z->next_in = (Bytef *)*in;
    z->avail_in = in_avail;
    z->next_out = out;
    z->avail_out = cap > UINT_MAX ? UINT_MAX : (uInt)cap;
    uInt out_avail = z->avail_out;
    int zr = inflate(z, Z_NO_FLUSH);
    if (zr == Z_DATA_ERROR && d->kind == CODING_DEFLATE && !d->started) {
        /* "deflate" is the zlib format, but some servers send raw deflate (as curl accepts). */
        inflateEnd(z);
        if (zlib_init(d, -15) != OL_OK) return fail(d, "out of memory decoding deflate");
        d->started = true;
        return step_zlib(d, in, in_len, out, cap, produced);
    }
    size_t used = in_avail - z->avail_in;
    if (used) *in += used; /* *in may be NULL when nothing is held: NULL + 0 is undefined */
    *in_len -= used;
    *produced = out_avail - z->avail_out;
    if (*produced) d->started = true; /* a zlib header that failed gives no output */
    if (zr == Z_STREAM_END) {
        d->ended = true;
        return OL_OK;
    }
    if (zr == Z_OK || zr == Z_BUF_ERROR) return OL_OK; /* BUF_ERROR: no progress possible */
    return fail(d, d->kind == CODING_GZIP ? "corrupt gzip body" : "corrupt deflate body");
}

#ifdef OL_HAVE_BROTLI
/* The window (WBITS) a brotli stream declares in its first bits (RFC 7932 section 9.1); 0 for
 * the large-window extension, which standard streams never use. */
static unsigned brotli_window_bits(unsigned char first)
{
    if (!(first & 1)) return 16;
    unsigned n = (first >> 1) & 7;
    if (n) return 17 + n;
    unsigned m = (first >> 4) & 7;
    if (m == 1) return 0;
    return m ? 8 + m : 17;
}

static int step_brotli(ol_http_decoder *d, const unsigned char **in, size_t *in_len,
                       unsigned char *out, size_t cap, size_t *produced)
{
    if (!d->started && *in_len) {
        unsigned bits = brotli_window_bits(**in);
        unsigned limit_kib = (1u << OL_HTTP_BROTLI_MAX_WINDOW_BITS) >> 10;
        if (bits == 0)
            return fail(d, "brotli large-window stream refused (windows are limited to 4 MiB)");
        if (bits > OL_HTTP_BROTLI_MAX_WINDOW_BITS) {
            snprintf(d->error, sizeof d->error, "brotli window of %u KiB exceeds the %u KiB limit",
                     (1u << bits) >> 10, limit_kib);
            return OL_EPROTO;
        }
        d->started = true;
    }
    size_t avail_out = cap;
    BrotliDecoderResult r =
        BrotliDecoderDecompressStream(d->br, in_len, in, &avail_out, &out, NULL);
    *produced = cap - avail_out;
    if (r == BROTLI_DECODER_RESULT_ERROR) return fail(d, "corrupt brotli body");
    if (r == BROTLI_DECODER_RESULT_SUCCESS) d->ended = true;
    return OL_OK;
}
#endif

int ol__decoder_step(ol_http_decoder *d, const unsigned char **in, size_t *in_len,
                     unsigned char *out, size_t cap, size_t *produced)
{
    *produced = 0;
    int rc = OL_OK;
    if (!d->ended) {
#ifdef OL_HAVE_BROTLI
        if (d->kind == CODING_BR)
            rc = step_brotli(d, in, in_len, out, cap, produced);
        else
#endif
            rc = step_zlib(d, in, in_len, out, cap, produced);
    }
    if (d->ended) { /* whatever follows the stream's end is not part of the body */
        if (*in_len) *in += *in_len;
        *in_len = 0;
    }
    return rc;
}

const char *ol__decoder_error(const ol_http_decoder *d) { return d->error; }

void ol__decoder_free(ol_http_decoder *d)
{
    if (!d) return;
#ifdef OL_HAVE_BROTLI
    if (d->kind == CODING_BR)
        BrotliDecoderDestroyInstance(d->br);
    else
#endif
        inflateEnd(&d->z);
    free(d);
}
