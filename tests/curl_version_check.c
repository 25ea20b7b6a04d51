/* Which libcurl the library loads at run time, and whether it is the one the build compiled
 * against (a second build links a libcurl unpacked into a private prefix: make test-curl8).
 * This program does not link libcurl itself: the one it finds is the one liboneloop loaded.
 * Usage: curl_version_check [expected version, e.g. 8.14.1]   Prints one line; exit 1 on a
 * mismatch. */
#include <oneloop.h>

#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef curl_version_info_data *(*version_info_fn)(CURLversion);

int main(int argc, char **argv)
{
    (void)ol_version(); /* links liboneloop, and so the libcurl it needs */
    version_info_fn version_info = (version_info_fn)dlsym(RTLD_DEFAULT, "curl_version_info");
    Dl_info where = {0};
    if (!version_info || !dladdr((void *)version_info, &where)) {
        fprintf(stderr, "curl_version_check: no libcurl loaded: %s\n", dlerror());
        return 1;
    }
    const char *loaded = version_info(CURLVERSION_NOW)->version;
    printf("libcurl %s loaded from %s (compiled against %s)\n", loaded, where.dli_fname,
           LIBCURL_VERSION);
    if (strcmp(loaded, LIBCURL_VERSION) != 0) {
        fprintf(stderr, "curl_version_check: the loaded libcurl is not the compiled one\n");
        return 1;
    }
    if (argc > 1 && strcmp(loaded, argv[1]) != 0) {
        fprintf(stderr, "curl_version_check: expected libcurl %s\n", argv[1]);
        return 1;
    }
    return 0;
}
