// Thalamic (parrot) neurons in step `step` of the volley: each emits a Poisson count,
// drawn from the same Philox word as on the host, appended with its multiplicity to the
// step's spike list (rows after the recurrent neurons).
__kernel void emit_thalamic_spikes(
    uint step, uint thalamic_count, uint first_row, __constant double *cdf, uint seed,
    __global uint *spike_rows, __global uint *spike_counts, __global uint *spike_totals, uint list_capacity)
{
    uint q = get_global_id(0);
    if (q >= thalamic_count) return;
    uint count = poisson_draw(poisson_word(q, step, (uint2)(seed, STREAM_THALAMIC_POISSON)), cdf);
    if (count > 0) {
        uint list = step % 3u;
        uint k = atomic_inc(&spike_totals[list]);
        spike_rows[list * list_capacity + k] = first_row + q;
        spike_counts[list * list_capacity + k] = count;
    }
}
