/* Runs one timer job on the default loop through an installed oneloop. */
#include <oneloop.h>
#include <stdio.h>

int main(void)
{
    if (ol_version() != OL_VERSION_NUMBER) {
        fprintf(stderr, "header %d, library %u\n", OL_VERSION_NUMBER, ol_version());
        return 1;
    }
    ol_job *job = NULL;
    ol_future *future = NULL;
    if (ol_job_timer_new(&job, 1) != OL_OK) return 2;
    if (ol_job_submit(ol_loop_default(), job, &future) != OL_OK) return 3;
    if (ol_future_wait(future, 5000) != OL_OK || ol_future_status(future) != OL_OK) return 4;
    ol_future_release(future);
    printf("installed oneloop %s works\n", ol_version_string());
    return 0;
}
