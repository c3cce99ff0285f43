// Adds the weights of the spikes emitted in step `origin` into the ring-buffer slots of
// their arrival steps. One work-group per spike (strided over the spike list), its
// work-items strided over the row. 64-bit integer atomics make the sums independent of
// the order of arrival. Also empties the next step's spike list, which nothing reads now.
__kernel void deliver_spikes(
    uint origin_slot, uint slots, uint neuron_count,
    __global const ulong *row_start, __global const uint *targets, __global const int *weights,
    __global const uchar *delays, __global long *ring_ex, __global long *ring_in,
    __global const uint *spike_rows, __global const uint *spike_counts, __global const uint *spike_total,
    __global uint *next_spike_total)
{
    uint spikes = *spike_total;
    if (get_global_id(0) == 0) *next_spike_total = 0;
    for (uint s = get_group_id(0); s < spikes; s += get_num_groups(0)) {
        uint row = spike_rows[s];
        long multiplicity = spike_counts[s];
        ulong end = row_start[row + 1];
        for (ulong k = row_start[row] + get_local_id(0); k < end; k += get_local_size(0)) {
            uint slot = origin_slot + delays[k];
            if (slot >= slots) slot -= slots;
            size_t index = (size_t)slot * neuron_count + targets[k];
            long weight = (long)weights[k] * multiplicity;
            if (weight >= 0) atom_add(&ring_ex[index], weight);
            else atom_add(&ring_in[index], weight);
        }
    }
}
