#pragma once
#include <zlib.h>

/// `inflateInit2` is a macro, so Swift cannot see it; this names it.
static inline int CZlib_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
