/* Exits from main with jobs in flight on the default loop (C23). Run by test_fork.cpp as a
 * process of its own, so that exit() meets nothing but oneloop. */
#include <oneloop.h>
#include <stdio.h>

int main(void)
{
    ol_loop *loop = ol_loop_default();
    for (int i = 0; i < 1000; i++) {
        ol_job *job = NULL;
        ol_future *f = NULL;
        if (ol_job_timer_new(&job, 600000) != OL_OK || ol_job_submit(loop, job, &f) != OL_OK)
            return 2;
        if (i % 2) ol_future_release(f); /* the other half stay referenced */
    }
    puts("exiting with 1000 timers in flight");
    return 0;
}
