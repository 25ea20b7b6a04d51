/* The #define constants of the 0.1 headers keep their values (core/ABI.md). The debug info
 * that tests/check_abi.sh compares holds no macros, so they are pinned here: this file does
 * not compile when one changes. Struct version numbers (*_VERSION) and defaults may grow and
 * are not pinned. A constant released later is added here with its release. */
#include <oneloop.h>

_Static_assert(OL_WAIT_FOREVER == -1, "OL_WAIT_FOREVER changed: an ABI break (core/ABI.md)");
_Static_assert(OL_LOOP_NO_THREAD == 1u, "OL_LOOP_NO_THREAD changed: an ABI break (core/ABI.md)");
_Static_assert(OL_RUN_DEFAULT == 0, "OL_RUN_DEFAULT changed: an ABI break (core/ABI.md)");
_Static_assert(OL_RUN_ONCE == 1, "OL_RUN_ONCE changed: an ABI break (core/ABI.md)");
_Static_assert(OL_RUN_NOWAIT == 2, "OL_RUN_NOWAIT changed: an ABI break (core/ABI.md)");
_Static_assert(
    OL_VERSION_NUMBER == OL_VERSION_MAJOR * 10000 + OL_VERSION_MINOR * 100 + OL_VERSION_PATCH,
    "OL_VERSION_NUMBER disagrees with OL_VERSION_MAJOR/MINOR/PATCH (scripts/version.py --write)");
