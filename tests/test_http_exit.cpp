// C23 with TLS (issue 13.1): a process that exits with HTTPS requests, streams, timers and work
// jobs in flight on the default loop exits with status 0, never a signal and never a hang, by
// every exit path. exit_with_https runs as a process of its own, many times: the crash it
// guards against (OpenSSL's exit cleanup racing a handshake on the loop thread) is a race.
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "nginx/nginx_server.hpp"

namespace {
// "exit N" or "signal N" or "hang"; the child is killed if it runs past the deadline.
std::string run_exit_program(const NginxServer &ngx, int seed, const char *how)
{
    std::string port = std::to_string(ngx.port()), ca = ngx.file("ca.crt");
    std::string seed_text = std::to_string(seed);
    char *argv[] = {const_cast<char *>(OL_EXIT_WITH_HTTPS),
                    const_cast<char *>(port.c_str()),
                    const_cast<char *>(ca.c_str()),
                    const_cast<char *>(seed_text.c_str()),
                    const_cast<char *>(how),
                    nullptr};
    pid_t pid;
    if (posix_spawn(&pid, OL_EXIT_WITH_HTTPS, nullptr, nullptr, argv, environ) != 0)
        return "cannot spawn";
    for (int i = 0; i < 2000; i++) { // 20 s: a healthy run takes well under a second
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                     : "signal " + std::to_string(WTERMSIG(status));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return "hang";
}

void exits_cleanly_every_time(const char *how)
{
    NginxServer ngx;
    for (int seed = 1; seed <= 20; seed++) {
        INFO("exit path " << how << ", seed " << seed);
        CHECK(run_exit_program(ngx, seed, how) == "exit 0");
    }
}
} // namespace

TEST_CASE("C23 returning from main with HTTPS requests in flight never crashes",
          "[http][tls][exit]")
{
    exits_cleanly_every_time("return");
}

TEST_CASE("C23 exit() with HTTPS requests in flight never crashes", "[http][tls][exit]")
{
    exits_cleanly_every_time("exit");
}

TEST_CASE("C23 exit() from another thread while main submits HTTPS never crashes",
          "[http][tls][exit]")
{
    exits_cleanly_every_time("exit-from-thread");
}

TEST_CASE("C23 exit() from a callback on the loop thread with HTTPS in flight never crashes",
          "[http][tls][exit]")
{
    exits_cleanly_every_time("exit-from-loop-thread");
}
