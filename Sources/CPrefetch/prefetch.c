// The target's one function is inline, in include/prefetch.h.
#include "prefetch.h"
