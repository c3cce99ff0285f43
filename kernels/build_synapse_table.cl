// Network construction on the device: the same synapses as NetworkBuilder on the host
// (Sources/Connectivity), in the same canonical order. Synapse k of a projection draws its
// endpoints, weight and delay from Philox counters named by (k, projection), exactly as
// Projection.endpoints and Projection.parameters do; rows are then sorted by the packed
// synapse (target, delay, weight), which is the host's order too. Three steps:
// count_row_lengths (per projection), a prefix sum on the host, place_synapses (per
// projection; atomics choose the places, so the order within a row is arbitrary until)
// sort_rows puts every row in canonical order.

#define STREAM_CONNECTION_ENDPOINTS 1u
#define STREAM_SYNAPSE_PARAMETERS 2u
#define STREAM_WEIGHT_REDRAW 3u
#define STREAM_DELAY_REDRAW 4u
#define MAX_DELAY_STEPS 255u

static inline uint4 synapse_counter(ulong k, uint projection, uint attempt) {
    return (uint4)((uint)k, (uint)(k >> 32), projection, attempt);
}

// Global source row and target of synapse k (Projection.endpoints).
static inline uint2 synapse_endpoints(ulong k, uint projection, uint seed, uint source_first, uint source_count,
                                      uint target_first, uint target_count) {
    uint4 b = philox4x32_10(synapse_counter(k, projection, 0u), (uint2)(seed, STREAM_CONNECTION_ENDPOINTS));
    return (uint2)(source_first + random_index(b.x, b.y, source_count),
                   target_first + random_index(b.z, b.w, target_count));
}

// Adds one to the row of every synapse of one projection.
__kernel void count_row_lengths(
    ulong synapse_count, uint projection, uint seed, uint source_first, uint source_count,
    uint target_first, uint target_count, __global uint *row_length)
{
    ulong k = get_global_id(0);
    if (k >= synapse_count) return;
    uint2 ends = synapse_endpoints(k, projection, seed, source_first, source_count, target_first, target_count);
    atomic_inc(&row_length[ends.x]);
}

// Draws every synapse of one projection (Projection.parameters: weight redrawn until its
// sign matches the mean's, delay redrawn below minimum_delay, rounded to the nearest step,
// weight quantised to fixed point) and writes it to a free place in its row. The longest
// delay in steps (256 standing for anything longer than 255) of each ring goes to
// longest_delay: [0] of the synapses with weights >= 0, [1] of those below (RingSlots).
__kernel void place_synapses(
    ulong synapse_count, uint projection, uint seed, uint source_first, uint source_count,
    uint target_first, uint target_count,
    double weight_mean, double weight_std, double delay_mean, double delay_std,
    double minimum_delay, double resolution, double units_per_picoampere,
    __global const ulong *row_start, __global uint *row_fill,
    __global uint *targets, __global int *weights, __global uchar *delays, __global uint *longest_delay,
    __constant const double *ziggurat_x, __constant const double *ziggurat_f)
{
    ulong k = get_global_id(0);
    if (k >= synapse_count) return;
    uint2 ends = synapse_endpoints(k, projection, seed, source_first, source_count, target_first, target_count);

    double2 z = normal_pair(synapse_counter(k, projection, 0u), (uint2)(seed, STREAM_SYNAPSE_PARAMETERS), ziggurat_x, ziggurat_f);
    double weight = weight_mean + weight_std * z.x;
    double delay = delay_mean + delay_std * z.y;
    for (uint attempt = 1u; weight_mean >= 0.0 ? weight < 0.0 : weight > 0.0; attempt++) {
        weight = weight_mean + weight_std * normal_pair(synapse_counter(k, projection, attempt),
                                                        (uint2)(seed, STREAM_WEIGHT_REDRAW), ziggurat_x, ziggurat_f).x;
    }
    for (uint attempt = 1u; delay < minimum_delay; attempt++) {
        delay = delay_mean + delay_std * normal_pair(synapse_counter(k, projection, attempt),
                                                     (uint2)(seed, STREAM_DELAY_REDRAW), ziggurat_x, ziggurat_f).x;
    }
    // Nearest whole step (delays are at least half a step), checked before conversion.
    double steps = delay / resolution + 0.5;
    uint delay_steps = steps >= (double)(MAX_DELAY_STEPS + 1u) ? MAX_DELAY_STEPS + 1u : max(1u, (uint)steps);
    double units = weight * units_per_picoampere;
    int quantized = (int)(units + (units < 0.0 ? -0.5 : 0.5));
    atomic_max(longest_delay + (quantized >= 0 ? 0 : 1), delay_steps);

    ulong place = row_start[ends.x] + atomic_inc(&row_fill[ends.x]);
    targets[place] = ends.y;
    weights[place] = quantized;
    delays[place] = (uchar)min(delay_steps, MAX_DELAY_STEPS);
}

// SynapseKey.pack: the order of rows is the order of these keys.
static inline ulong synapse_key(__global const uint *targets, __global const int *weights,
                                __global const uchar *delays, ulong i) {
    return ((ulong)targets[i] << 40) | ((ulong)delays[i] << 32) | (ulong)(uint)weights[i];
}

static inline void order_pair(__global uint *targets, __global int *weights, __global uchar *delays, ulong i, ulong j) {
    if (synapse_key(targets, weights, delays, i) > synapse_key(targets, weights, delays, j)) {
        uint target = targets[i]; targets[i] = targets[j]; targets[j] = target;
        int weight = weights[i]; weights[i] = weights[j]; weights[j] = weight;
        uchar delay = delays[i]; delays[i] = delays[j]; delays[j] = delay;
    }
}

// One work-group sorts one row in place by bitonic merging in global memory (rows of the
// full-scale model hold up to ~7,000 synapses, more than local memory takes). Every
// comparator puts the smaller key first, so a row of any length sorts as if padded to a
// power of two with keys larger than all others, and comparators that reach past its end
// are skipped.
__kernel void sort_rows(__global const ulong *row_start,
                        __global uint *targets, __global int *weights, __global uchar *delays)
{
    ulong start = row_start[get_group_id(0)];
    ulong length = row_start[get_group_id(0) + 1] - start;
    if (length < 2) return;
    ulong padded = 2;
    while (padded < length) padded <<= 1;
    __global uint *t = targets + start;
    __global int *w = weights + start;
    __global uchar *d = delays + start;
    for (ulong merged = 2; merged <= padded; merged <<= 1) {
        // Merge the sorted halves of each block of `merged`: first compare mirror images
        // (i with the block's last - i), then clean halves of halving width.
        // Widths are powers of two: masks instead of 64-bit divisions.
        ulong halved = merged >> 1;
        for (ulong p = get_local_id(0); p < padded / 2; p += get_local_size(0)) {
            ulong offset = p & (halved - 1), block = (p - offset) << 1;
            ulong j = block + merged - 1 - offset;
            if (j < length) order_pair(t, w, d, block + offset, j);
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
        for (ulong width = halved >> 1; width >= 1; width >>= 1) {
            for (ulong p = get_local_id(0); p < padded / 2; p += get_local_size(0)) {
                ulong offset = p & (width - 1), i = ((p - offset) << 1) + offset;
                if (i + width < length) order_pair(t, w, d, i, i + width);
            }
            barrier(CLK_GLOBAL_MEM_FENCE);
        }
    }
}
