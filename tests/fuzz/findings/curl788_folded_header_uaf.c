#include <curl/curl.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static const char *replies[2];
static int lfd;
static void *serve(void *arg) {
    for (int i = 0; i < 2; i++) {
        int c = accept(lfd, NULL, NULL);
        char buf[4096]; recv(c, buf, sizeof buf, 0);
        send(c, replies[i], strlen(replies[i]), MSG_NOSIGNAL);
        shutdown(c, SHUT_WR); close(c);
    }
    return NULL;
}
static size_t sink(char *p, size_t s, size_t n, void *u) { return s * n; }
int main(int argc, char **argv) {
    replies[0] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nok";
    replies[1] = argv[1];
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    bind(lfd, (void *)&a, sizeof a); listen(lfd, 4); getsockname(lfd, (void *)&a, &l);
    pthread_t t; pthread_create(&t, NULL, serve, NULL);
    char url[64]; snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    for (int i = 0; i < 2; i++) {
        CURLcode rc = curl_easy_perform(e);
        printf("transfer %d: %d %s\n", i, rc, curl_easy_strerror(rc));
    }
    curl_easy_cleanup(e);
    return 0;
}
