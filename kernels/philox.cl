// Philox4x32-10 and the draws built on it: the same functions as the Swift side
// (Sources/MicrocircuitModel/Philox.swift), word for word, so both backends draw the same
// numbers. Doubles are formed exactly (no rounding) and FP contraction is off, so every
// arithmetic result matches the host bit for bit.
#pragma OPENCL FP_CONTRACT OFF
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable

#define STREAM_BACKGROUND_POISSON 6u
#define STREAM_THALAMIC_POISSON 7u

static inline uint4 philox4x32_10(uint4 counter, uint2 key) {
    uint x = counter.x, y = counter.y, z = counter.z, w = counter.w, k0 = key.x, k1 = key.y;
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        ulong product0 = (ulong)0xD2511F53u * x, product1 = (ulong)0xCD9E8D57u * z;
        x = (uint)(product1 >> 32) ^ y ^ k0;
        y = (uint)product1;
        z = (uint)(product0 >> 32) ^ w ^ k1;
        w = (uint)product0;
    }
    return (uint4)(x, y, z, w);
}

// Uniform double in (0, 1) from 32 bits; exact in double.
static inline double open_unit(uint word) {
    return ((double)word + 0.5) * 0x1p-32;
}

// Word `lane` of r, chosen in two selections: a chain of comparisons became a dynamically
// indexed copy of r on the stack for NVIDIA's target (Benchmarks/gpu/registers.sh).
static inline uint lane_word(uint4 r, uint lane) {
    uint2 pair = (lane & 2u) != 0u ? r.zw : r.xy;
    return (lane & 1u) != 0u ? pair.y : pair.x;
}

// Uniform integer in [0, n) from 64 random bits (RandomDraw.index).
static inline uint random_index(uint hi, uint lo, uint n) {
    return (uint)mul_hi(((ulong)hi << 32) | (ulong)lo, (ulong)n);
}

// log x from IEEE basic operations only, the same operations in the same order as
// PortableLog.log on the host, so both give the same bits (OpenCL's log may differ from
// libm's in the last place). x must be positive and normal.
static inline double portable_log(double x) {
    ulong bits = as_ulong(x);
    ulong fraction = bits & 0x000FFFFFFFFFFFFFUL;
    ulong upper = (0x6a09e667f3bcdUL - fraction) >> 63;
    double m = as_double(fraction | ((0x3FFUL - upper) << 52));
    double e = (double)((int)((bits >> 52) & 0x7FFUL) - 1023 + (int)upper);
    double f = m - 1.0;
    double t = f / (2.0 + f);
    double u = t * t;
    double u2 = u * u;
    double u4 = u2 * u2;
    double u8 = u4 * u4;
    double q0 = 0x1.5555555555555p-2 + 0x1.999999999999ap-3 * u;
    double q1 = 0x1.2492492492492p-3 + 0x1.c71c71c71c71cp-4 * u;
    double q2 = 0x1.745d1745d1746p-4 + 0x1.3b13b13b13b14p-4 * u;
    double q3 = 0x1.1111111111111p-4 + 0x1.e1e1e1e1e1e1ep-5 * u;
    double q4 = 0x1.af286bca1af28p-5 + 0x1.8618618618618p-5 * u;
    double p = (q0 + q1 * u2) + (q2 + q3 * u2) * u4 + q4 * u8;
    double two_t = 2.0 * t;
    double log_m = two_t + two_t * (u * p);
    return e * 0x1.62e42fee00000p-1 + (log_m + e * 0x1.a39ef35793c76p-33);
}

// The 64-bit words of one counter for normal draws (Ziggurat.Words): the blocks (counter.x,
// .y, .z, .w | retry << 24) for retry = 0, 1, ..., two words per draw.
typedef struct {
    uint4 counter;
    uint2 key;
    uint4 block;
    uint retry;
    uint used;
} normal_words;

static inline normal_words normal_words_start(uint4 counter, uint2 key) {
    normal_words w;
    w.counter = counter;
    w.key = key;
    w.block = philox4x32_10(counter, key);
    w.retry = 0u;
    w.used = 0u;
    return w;
}

static inline ulong next_normal_word(normal_words *w) {
    if (w->used == 4u) {
        w->retry += 1u;
        w->block = philox4x32_10((uint4)(w->counter.x, w->counter.y, w->counter.z, w->counter.w | w->retry << 24), w->key);
        w->used = 0u;
    }
    w->used += 2u;
    return w->used == 2u ? ((ulong)w->block.x << 32) | w->block.y : ((ulong)w->block.z << 32) | w->block.w;
}

// Uniform in (0, 1) from the top 52 bits; exact in double.
static inline double open_unit52(ulong bits) {
    return ((double)(bits >> 12) + 0.5) * 0x1p-52;
}

// One standard normal value by the ziggurat (Ziggurat.draw): 7 bits choose the layer, 1 the
// sign, 53 the position; x and f are the host's tables (x[1] is r, where the tail begins).
static inline double ziggurat_draw(normal_words *w, __constant const double *x, __constant const double *f) {
    for (;;) {
        ulong bits = next_normal_word(w);
        uint layer = (uint)(bits & 0x7FUL);
        bool negative = (bits & 0x80UL) != 0UL;
        double z = (double)(bits >> 11) * 0x1p-53 * x[layer];
        if (z < x[layer + 1]) return negative ? -z : z;
        if (layer == 0u) {
            for (;;) {
                double a = -portable_log(open_unit52(next_normal_word(w))) / x[1];
                double b = -portable_log(open_unit52(next_normal_word(w)));
                if (b + b > a * a) {
                    z = x[1] + a;
                    return negative ? -z : z;
                }
            }
        }
        double y = f[layer] + (double)(next_normal_word(w) >> 11) * 0x1p-53 * (f[layer + 1] - f[layer]);
        if (portable_log(y) < -0.5 * z * z) return negative ? -z : z;
    }
}

// Two standard normal values (RandomDraw.normalPair).
static inline double2 normal_pair(uint4 counter, uint2 key, __constant const double *x, __constant const double *f) {
    normal_words w = normal_words_start(counter, key);
    double first = ziggurat_draw(&w, x, f);
    return (double2)(first, ziggurat_draw(&w, x, f));
}

// Word item % 4 of the block (item / 4, step): one block serves four items.
static inline uint poisson_word(uint item, uint step, uint2 key) {
    return lane_word(philox4x32_10((uint4)(item >> 2, step, 0u, 0u), key), item & 3u);
}

// Poisson count by inversion of the CDF with one uniform: the smallest k with
// u <= cdf[k], from the host's table of POISSON_TABLE entries (RandomDraw.poisson). The
// table rises monotonically, so that is the number of entries below u; the first
// POISSON_COUNTED_WITHOUT_BRANCHES are counted without a branch, and the search goes on only
// if they are all below u.
#define POISSON_TABLE 256
#define POISSON_COUNTED_WITHOUT_BRANCHES 8u
static inline uint poisson_draw(uint word, __constant const double *cdf) {
    double u = open_unit(word);
    uint k = 0;
    for (uint entry = 0; entry < POISSON_COUNTED_WITHOUT_BRANCHES; entry++) k += u > cdf[entry] ? 1u : 0u;
    if (k == POISSON_COUNTED_WITHOUT_BRANCHES) {
        while (k < POISSON_TABLE - 1 && u > cdf[k]) k++;
    }
    return k;
}

// Known-answer check of the device's Philox: one block per work-item.
__kernel void generate_philox_blocks(__global const uint4 *counters, __global const uint2 *keys,
                                     __global uint4 *blocks, uint count) {
    uint i = (uint)get_global_id(0);
    if (i < count) blocks[i] = philox4x32_10(counters[i], keys[i]);
}

// Host-identity check of the device's normal draws and logarithm: one of each per work-item.
__kernel void generate_normal_pairs(__global const uint4 *counters, __global const uint2 *keys,
                                    __global double2 *normals, __global const double *log_arguments,
                                    __global double *logs, uint count,
                                    __constant const double *ziggurat_x, __constant const double *ziggurat_f) {
    uint i = (uint)get_global_id(0);
    if (i < count) {
        normals[i] = normal_pair(counters[i], keys[i], ziggurat_x, ziggurat_f);
        logs[i] = portable_log(log_arguments[i]);
    }
}
