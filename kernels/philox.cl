// Philox4x32-10 and the draws built on it: the same functions as the Swift side
// (Sources/MicrocircuitModel/Philox.swift), word for word, so both backends draw the same
// numbers. Doubles are formed exactly (no rounding) and FP contraction is off, so every
// arithmetic result matches the host bit for bit.
#pragma OPENCL FP_CONTRACT OFF
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable

#define STREAM_BACKGROUND_POISSON 6u
#define STREAM_THALAMIC_POISSON 7u

inline uint4 philox4x32_10(uint4 c, uint2 k) {
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k.x += 0x9E3779B9u;
            k.y += 0xBB67AE85u;
        }
        uint hi0 = mul_hi(0xD2511F53u, c.x), lo0 = 0xD2511F53u * c.x;
        uint hi1 = mul_hi(0xCD9E8D57u, c.z), lo1 = 0xCD9E8D57u * c.z;
        c = (uint4)(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}

// Uniform double in (0, 1) from 32 bits; exact in double.
inline double open_unit(uint word) {
    return ((double)word + 0.5) * 0x1p-32;
}

inline uint lane_word(uint4 r, uint lane) {
    return lane == 0u ? r.x : lane == 1u ? r.y : lane == 2u ? r.z : r.w;
}

// Word item % 4 of the block (item / 4, step): one block serves four items.
inline uint poisson_word(uint item, uint step, uint2 key) {
    return lane_word(philox4x32_10((uint4)(item >> 2, step, 0u, 0u), key), item & 3u);
}

// Poisson count by inversion of the CDF with one uniform: the smallest k with
// u <= cdf[k], from the host's table of POISSON_TABLE entries (RandomDraw.poisson).
#define POISSON_TABLE 256
inline uint poisson_draw(uint word, __constant const double *cdf) {
    double u = open_unit(word);
    uint k = 0;
    while (k < POISSON_TABLE - 1 && u > cdf[k]) k++;
    return k;
}

// Known-answer check of the device's Philox: one block per work-item.
__kernel void generate_philox_blocks(__global const uint4 *counters, __global const uint2 *keys,
                                     __global uint4 *blocks, uint count) {
    uint i = get_global_id(0);
    if (i < count) blocks[i] = philox4x32_10(counters[i], keys[i]);
}
