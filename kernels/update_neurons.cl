// Step n of every neuron, in NEST's order (the same as NeuronState.step in Swift):
// membrane (unless refractory), current decay, this step's input, threshold. Spiking
// neurons are appended to this step's spike list and to the recording buffer. A work-item
// updates the four neurons that share one Philox block of background draws.
__kernel void update_neurons(
    uint step, uint neuron_count, uint slot, int draws_background, int transient_on, uint seed,
    __global double *v, __global double *i_ex, __global double *i_in, __global int *refractory,
    __global long *ring_ex, __global long *ring_in, __global const uchar *population_of,
    __constant double *dc_amplitude, __constant double *transient_amplitude,
    __constant double *background_cdf, long external_weight,
    double p22, double p11, double p21, double p20, double threshold, double reset, int refractory_steps,
    double picoampere_per_unit,
    __global uint *spike_rows, __global uint *spike_counts, __global uint *spike_total,
    __global uint *record_steps, __global uint *record_neurons, __global uint *record_total, uint record_capacity,
    __global uint *overflow, int record)
{
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
