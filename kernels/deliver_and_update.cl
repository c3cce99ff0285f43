// First index in [low, high) whose target is at least `bound` (rows are sorted by target).
inline ulong lower_bound(__global const uint *targets, ulong low, ulong high, uint bound) {
    while (low < high) {
        ulong mid = (low + high) / 2;
        if (targets[mid] < bound) low = mid + 1; else high = mid;
    }
    return low;
}

// Step n in one launch, as the CPU backend does it per thread: each work-group owns a block
// of neurons (four per work-item, the four that share a Philox block of background draws).
// It first adds the weights of step n-1's spikes to its own neurons' ring-buffer slots (the
// part of each spike's row that targets them, found by binary search; 64-bit integer sums,
// so order does not matter), then updates its neurons in NEST's order (NeuronState.step):
// membrane (unless refractory), current decay, this step's input, threshold. Spiking
// neurons go to this step's spike list and to the recording buffer. Spike lists rotate over
// three buffers: read n-1, write n, and empty n+1 (which nothing reads now).
__kernel void deliver_and_update(
    uint step, uint neuron_count, uint slot, int draws_background, int transient_on, uint seed,
    __global double *v, __global double *i_ex, __global double *i_in, __global int *refractory,
    __global long *ring_ex, __global long *ring_in, __global const uchar *population_of,
    __constant double *dc_amplitude, __constant double *transient_amplitude,
    __constant double *background_cdf, long external_weight,
    double p22, double p11, double p21, double p20, double threshold, double reset, int refractory_steps,
    double picoampere_per_unit,
    __global uint *spike_rows, __global uint *spike_counts, __global uint *spike_total,
    __global uint *record_steps, __global uint *record_neurons, __global uint *record_total, uint record_capacity,
    __global uint *overflow, int record,
    int delivers, uint origin_slot, uint slots,
    __global const ulong *row_start, __global const uint *targets, __global const int *weights,
    __global const uchar *delays, __global const uint *previous_rows, __global const uint *previous_counts,
    __global const uint *previous_total, __global uint *following_total)
{
    __local ulong bounds[2];
    uint owned = 4u * (uint)get_local_size(0);
    uint first = (uint)get_group_id(0) * owned;
    uint end = min(first + owned, neuron_count);
    if (get_global_id(0) == 0) *following_total = 0u;
    if (delivers) {
        uint spikes = *previous_total;
        for (uint s = 0; s < spikes; s++) {
            if (get_local_id(0) == 0) {
                uint row = previous_rows[s];
                bounds[0] = lower_bound(targets, row_start[row], row_start[row + 1], first);
                bounds[1] = lower_bound(targets, bounds[0], row_start[row + 1], end);
            }
            barrier(CLK_LOCAL_MEM_FENCE);
            long multiplicity = previous_counts[s];
            for (ulong k = bounds[0] + get_local_id(0); k < bounds[1]; k += get_local_size(0)) {
                uint arrival = origin_slot + delays[k];
                if (arrival >= slots) arrival -= slots;
                size_t target = (size_t)arrival * neuron_count + targets[k];
                long weight = (long)weights[k] * multiplicity;
                if (weight >= 0) atom_add(&ring_ex[target], weight);
                else atom_add(&ring_in[target], weight);
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
    }

    uint group = get_global_id(0);
    uint4 block = draws_background
        ? philox4x32_10((uint4)(group, step, 0u, 0u), (uint2)(seed, STREAM_BACKGROUND_POISSON)) : (uint4)(0u);
    for (uint lane = 0; lane < 4u; lane++) {
        uint i = 4u * group + lane;
        if (i >= neuron_count) return;
        uint p = population_of[i];
        size_t index = (size_t)slot * neuron_count + i;
        long input_ex = ring_ex[index];
        long input_in = ring_in[index];
        ring_ex[index] = 0;
        ring_in[index] = 0;
        if (draws_background) {
            uint count = poisson_draw(lane_word(block, lane), background_cdf + p * POISSON_TABLE);
            input_ex += (long)count * external_weight;
    }
    double current = transient_on ? dc_amplitude[p] + transient_amplitude[p] : dc_amplitude[p];

    double vm = v[i], ex = i_ex[i], in = i_in[i];
    int r = refractory[i];
    if (r == 0) {
        vm = vm * p22 + ex * p21 + in * p21 + current * p20;
    } else {
        r -= 1;
    }
    ex *= p11;
    in *= p11;
    ex += (double)input_ex * picoampere_per_unit;
    in += (double)input_in * picoampere_per_unit;
    if (vm >= threshold) {
        vm = reset;
        r = refractory_steps;
        uint k = atomic_inc(spike_total);
        spike_rows[k] = i;
        spike_counts[k] = 1u;
        uint slot_in_record = atomic_inc(record_total);
        if (record) {
            if (slot_in_record < record_capacity) {
                record_steps[slot_in_record] = step;
                record_neurons[slot_in_record] = i;
            } else {
                atomic_inc(overflow);
            }
        }
    }
    v[i] = vm;
    i_ex[i] = ex;
    i_in[i] = in;
    refractory[i] = r;
    }
}
