// Spawns the HTTP fixture server (tests/fixture) for one test: reads "PORT <n>" from its stdout,
// and stops it in the destructor by closing its stdin (then SIGKILL if it lingers).
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

extern char **environ;

class FixtureServer {
  public:
    explicit FixtureServer(const char *path = OL_FIXTURE_SERVER)
    {
        int in[2], out[2];
        if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe failed");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_addclose(&fa, in[1]);
        posix_spawn_file_actions_addclose(&fa, out[0]);
        char *argv[] = {const_cast<char *>(path), nullptr};
        int rc = posix_spawn(&pid_, path, &fa, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(in[0]);
        close(out[1]);
        if (rc != 0) {
            close(in[1]);
            close(out[0]);
            throw std::runtime_error(std::string("cannot start fixture server ") + path);
        }
        stdin_fd_ = in[1];
        std::string line;
        char c;
        while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
        close(out[0]);
        if (sscanf(line.c_str(), "PORT %d", &port_) != 1 || port_ <= 0) {
            stop();
            throw std::runtime_error("fixture server did not print its port: '" + line + "'");
        }
    }
    ~FixtureServer() { stop(); }
    FixtureServer(const FixtureServer &) = delete;
    FixtureServer &operator=(const FixtureServer &) = delete;

    int port() const { return port_; }
    // "http://127.0.0.1:<port><path>"
    std::string url(const std::string &path, const char *host = "127.0.0.1") const
    {
        return std::string("http://") + host + ":" + std::to_string(port_) + path;
    }

  private:
    void stop()
    {
        if (stdin_fd_ >= 0) {
            close(stdin_fd_);
            stdin_fd_ = -1;
        }
        if (pid_ <= 0) return;
        for (int i = 0; i < 200; i++) { // up to ~2 s for a clean exit
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return;
            }
            usleep(10000);
        }
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int port_ = 0;
};
