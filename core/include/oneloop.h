/* oneloop: one async executor per process, for synchronous code in any language.
 * See README.md for an overview and core/ABI.md for the stability policy. */
#ifndef ONELOOP_H
#define ONELOOP_H

#include "oneloop/common.h"
#include "oneloop/future.h"
#include "oneloop/http.h"
#include "oneloop/iter.h"
#include "oneloop/job.h"
#include "oneloop/loop.h"

#endif
