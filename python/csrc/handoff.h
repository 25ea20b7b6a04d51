/* The hand-off of a coroutine job's result to the thread waiting for it (see handoff.c). */
typedef struct olpy_handoff {
    int settled; /* set (release) once the job's future has settled; a hint, never the truth */
} olpy_handoff;

int olpy_handoff_spin(olpy_handoff *handoff);
int olpy_handoff_poll(int epoll_fd, olpy_handoff *const *settled, size_t n_settled, int timeout_ms,
                      int *fds, uint32_t *events, int max_events);
