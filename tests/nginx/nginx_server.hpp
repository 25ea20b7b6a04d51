// Runs nginx (TLS + HTTP/2) on a free loopback port for one test, with certificates made at
// test time by start_nginx.sh. Throws (the test fails loudly) when nginx cannot be started.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

extern char **environ;

class NginxServer {
  public:
    NginxServer()
    {
        char tmpl[] = "/tmp/oneloop-nginx-XXXXXX";
        if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        port_ = free_port();
        std::string script = std::string(OL_NGINX_DIR) + "/start_nginx.sh";
        std::string port = std::to_string(port_);
        char *argv[] = {const_cast<char *>("/bin/sh"), const_cast<char *>(script.c_str()),
                        const_cast<char *>(dir_.c_str()), const_cast<char *>(port.c_str()),
                        nullptr};
        if (posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, argv, environ) != 0)
            throw std::runtime_error("cannot run " + script);
        // Certificates take a moment; nginx is up when the port accepts (bounded: ~20 s).
        for (int i = 0; i < 2000; i++) {
            int status;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("nginx exited early (exit " +
                                         std::to_string(WEXITSTATUS(status)) + "), see " + dir_ +
                                         "/error.log; is nginx-light installed?");
            }
            if (accepts()) return;
            usleep(10000);
        }
        stop();
        throw std::runtime_error("nginx did not start listening on port " + port);
    }
    ~NginxServer() { stop(); }
    NginxServer(const NginxServer &) = delete;
    NginxServer &operator=(const NginxServer &) = delete;

    int port() const { return port_; }
    std::string url(const std::string &path, const char *host = "localhost") const
    {
        return std::string("https://") + host + ":" + std::to_string(port_) + path;
    }
    std::string file(const char *name) const { return dir_ + "/" + name; }

  private:
    static int free_port()
    {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (bind(s, (sockaddr *)&a, sizeof a) != 0 || getsockname(s, (sockaddr *)&a, &len) != 0) {
            close(s);
            throw std::runtime_error("no free port");
        }
        close(s);
        return ntohs(a.sin_port);
    }
    bool accepts() const
    {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons((uint16_t)port_);
        bool ok = connect(s, (sockaddr *)&a, sizeof a) == 0;
        close(s);
        return ok;
    }
    void stop()
    {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            bool reaped = false;
            for (int i = 0; i < 300 && !reaped; i++) {
                reaped = waitpid(pid_, nullptr, WNOHANG) == pid_;
                if (!reaped) usleep(10000);
            }
            if (!reaped) {
                kill(pid_, SIGKILL);
                waitpid(pid_, nullptr, 0);
            }
            pid_ = -1;
        }
        if (!dir_.empty()) {
            std::string cmd = "rm -rf '" + dir_ + "'";
            if (system(cmd.c_str()) != 0) { /* a leftover temp dir is harmless */
            }
            dir_.clear();
        }
    }

    std::string dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};
