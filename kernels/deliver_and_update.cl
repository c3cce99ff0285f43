// The largest work-group the step kernels run with, set by the host at build time (-D): the
// size of their local arrays.
#ifndef MAX_GROUP_SIZE
#define MAX_GROUP_SIZE 256u
#endif

// Neurons each work-item updates: 1, 2 or a multiple of 4, set by the host at build time
// (-D): 1 on GPUs, where one neuron per work-item keeps a step's chain of dependent memory
// accesses short; 4 or more on CPU devices, where a work-item is a loop iteration and four
// neurons share one Philox block (more when run_steps needs few, large work-groups). The
// spikes are the same either way.
#ifndef NEURONS_PER_ITEM
#define NEURONS_PER_ITEM 4u
#endif
// Neurons of a work-item that share one Philox block.
#define BLOCK_NEURONS (NEURONS_PER_ITEM < 4u ? NEURONS_PER_ITEM : 4u)

// 1 on CPU devices (set by the host): one work-item delivers its work-group's share of the
// previous step's spikes with plain adds. A CPU runs a work-group on one thread anyway, and
// an atomic add there waits for every memory access before it, so the loads of successive
// synapses (mostly cache misses at full scale) could not overlap. 0 on GPUs: all work-items
// deliver, with atomic adds.
#ifndef DELIVERY_BY_ONE_ITEM
#define DELIVERY_BY_ONE_ITEM 0
#endif

// Bits of a ring slot's word, set by the host (-D): 32 where no neuron's input of one step
// can reach 2^31 units (bound_step_input; OpenCLBackend.ringBits), else 64. A slot's adds
// wrap modulo 2^RING_BITS in any order, so the word holds the slot's sum modulo 2^RING_BITS
// exactly, and where the sum lies within the signed range, the sum itself: the CPU backend's
// 64-bit sum, bit for bit. Unsigned words, whose wrapping C defines.
#ifndef RING_BITS
#define RING_BITS 64
#endif
#if RING_BITS == 32
typedef uint ring_word;
#else
typedef ulong ring_word;
#endif

// The input a ring slot's word holds (fixed-point units).
static inline long ring_input(ring_word word)
{
#if RING_BITS == 32
    return (long)as_int(word);
#else
    return as_long(word);
#endif
}

// A request to bring p's cache line closer, for writing or for reading. OpenCL C's own
// `prefetch` does nothing on PoCL, where clang's builtin emits the CPU's prefetch
// instruction; the host sets PREFETCH_BY_BUILTIN there (Kernels.deviceOptions). Other
// implementations may not take the builtin (Oclgrind cannot run it). On NVIDIA's devices
// (which define cl_nv_pragma_unroll), PTX's prefetch into L2, which prefetch_rows was
// measured with.
#ifndef PREFETCH_BY_BUILTIN
#define PREFETCH_BY_BUILTIN 0
#endif
#if PREFETCH_BY_BUILTIN
#define PREFETCH_FOR_WRITE(p) __builtin_prefetch((p), 1, 3)
#define PREFETCH_FOR_READ(p) __builtin_prefetch((p), 0, 3)
#elif defined(cl_nv_pragma_unroll)
#define PREFETCH_FOR_WRITE(p) asm volatile("prefetch.global.L2 [%0];" :: "l"(p))
#define PREFETCH_FOR_READ(p) PREFETCH_FOR_WRITE(p)
#else
#define PREFETCH_FOR_WRITE(p) prefetch((p), 1)
#define PREFETCH_FOR_READ(p) prefetch((p), 1)
#endif

// First index in [low, high) whose target is at least `bound` (rows are sorted by target).
static inline ulong lower_bound(__global const uint *targets, ulong low, ulong high, uint bound) {
    while (low < high) {
        ulong mid = (low + high) / 2;
        if (targets[mid] < bound) low = mid + 1; else high = mid;
    }
    return low;
}

// For CPU devices' delivery, where each work-group delivers to its own neurons: for every
// row and work-group g of a step (which owns neurons from g * owned), where in the row that
// group's targets begin, relative to the row's start. Row r's entries are
// segments[r * (groups + 1) + g] for g = 0 ... groups; the last is the row's length. Built
// once, so that a step finds each spike's segment with one load instead of a binary search
// of ~12 dependent loads from memory.
__kernel void index_row_segments(uint rows, uint groups, uint owned, __global const ulong *row_start,
                                 __global const uint *targets, __global uint *segments)
{
    size_t id = get_global_id(0);
    if (id >= (size_t)rows * (groups + 1)) return;
    uint row = (uint)(id / (groups + 1)), g = (uint)(id % (groups + 1));
    ulong start = row_start[row], end = row_start[row + 1];
    segments[id] = (uint)((g == groups ? end : lower_bound(targets, start, end, g * owned)) - start);
}

// The largest input that one step can bring each neuron, excitatory (bound[i]) and
// inhibitory (bound[neuron_count + i]), in fixed-point units: its synapses' weights' sizes
// added up, each times the most spikes its source can emit in one step (one for a neuron,
// `thalamic_multiplicity` for a thalamic neuron's row), by the sign that ring_slot sorts them
// by. Each synapse adds to a slot once, so no slot's sum can be larger; the host sets
// RING_BITS from the largest (OpenCLBackend; Network.largestStepInput is the host's twin).
__kernel void bound_step_input(uint rows, uint neuron_count, uint thalamic_multiplicity, __global const ulong *row_start,
                               __global const uint *targets, __global const int *weights, __global ulong *bound)
{
    size_t row = get_global_id(0);
    if (row >= rows) return;
    ulong multiplicity = row < neuron_count ? 1u : thalamic_multiplicity;
    for (ulong k = row_start[row]; k < row_start[row + 1]; k++) {
        int weight = weights[k];
        atom_add(bound + (weight >= 0 ? 0u : neuron_count) + targets[k], multiplicity * abs(weight));
    }
}

// What every step needs; the same for deliver_and_update and run_steps. The spike lists
// (write_list_entry) are written by one work-group and read by others within a launch of
// run_steps: they are volatile, so that no work-group reads them through a cache that is not
// coherent with the others' writes. On GPUs the ring buffers are read so too (every
// work-group adds to every neuron's slots); their adds are atomics, performed where all
// work-groups see them.
#define STEP_PARAMETERS \
    uint neuron_count, uint slots_ex, uint slots_in, uint first_background_step, uint transient_begin, uint transient_end, \
    uint thalamic_begin, uint thalamic_end, uint thalamic_count, uint seed, \
    __global double *v, __global double *i_ex, __global double *i_in, __global int *refractory, \
    __global ring_word *ring_ex, __global ring_word *ring_in, __global const uchar *population_of, \
    __constant double *dc_amplitude, __constant double *transient_amplitude, \
    __constant double *background_cdf, __constant double *thalamic_cdf, long external_weight, \
    double p22, double p11, double p21, double p20, double threshold, double reset, int refractory_steps, \
    double picoampere_per_unit, \
    volatile __global uint *spike_rows, volatile __global uint *spike_counts, volatile __global uint *spike_totals, \
    uint list_capacity, \
    __global uint *record_steps, __global uint *record_neurons, __global uint *record_total, uint record_capacity, \
    int record, __global double *voltage_samples, uint voltage_interval, uint voltage_first_sample, \
    __global const ulong *row_start, __global const uint *targets, __global const int *weights, \
    __global const uchar *delays, __global const uint *segments

#define STEP_ARGUMENTS \
    neuron_count, slots_ex, slots_in, first_background_step, transient_begin, transient_end, \
    thalamic_begin, thalamic_end, thalamic_count, seed, \
    v, i_ex, i_in, refractory, ring_ex, ring_in, population_of, \
    dc_amplitude, transient_amplitude, background_cdf, thalamic_cdf, external_weight, \
    p22, p11, p21, p20, threshold, reset, refractory_steps, picoampere_per_unit, \
    spike_rows, spike_counts, spike_totals, list_capacity, \
    record_steps, record_neurons, record_total, record_capacity, record, \
    voltage_samples, voltage_interval, voltage_first_sample, \
    row_start, targets, weights, delays, segments

// Synapse k's ring slot: its target's, for the synapse's delay after the spike's step (whose
// slot is origin_ex in the excitatory ring of slots_ex slots, origin_in in the inhibitory
// one), in the ring of its weight's sign (RingSlots).
static inline __global ring_word *ring_slot(ulong k, uint origin_ex, uint origin_in, uint slots_ex, uint slots_in,
                                            uint neuron_count, __global ring_word *ring_ex, __global ring_word *ring_in,
                                            __global const uint *targets, __global const int *weights,
                                            __global const uchar *delays)
{
    int excitatory = weights[k] >= 0;
    uint slots = excitatory ? slots_ex : slots_in;
    uint arrival = (excitatory ? origin_ex : origin_in) + delays[k];
    if (arrival >= slots) arrival -= slots;
    size_t target = (size_t)arrival * neuron_count + targets[k];
    return (excitatory ? ring_ex : ring_in) + target;
}

// An atomic add to a ring slot. On NVIDIA's devices with L2's eviction priority evict_last
// for half of the ring's lines (by address), so that they stay in L2 between the adds of
// the ~60 steps a slot collects its input over, rather than going back and forth to memory
// behind the table's stream: the eighteenth session's 64-bit ring (60 + 60 slots x 77,169
// neurons x 8 bytes, ~75 MB at full scale; now 60 + 30 slots, and 32-bit words where the
// network allows) is larger than L2 (50 MB on an H100), and a step's adds cost what their
// lines cost (a second add of zero to each synapse's place, 6.05 -> 6.73 us per step on an
// H200; to the same place in the other ring, 7.61). With the policy, 6.05 -> 5.74 on an
// H200 (for all the lines 5.72) and 6.68 -> 6.17 on an H100 (eighteenth session).
#if !DELIVERY_BY_ONE_ITEM
static inline void add_to_ring(__global ring_word *slot, long input)
{
#ifdef cl_nv_pragma_unroll
    ulong policy;
    asm("createpolicy.fractional.L2::evict_last.b64 %0, 0.5;" : "=l"(policy));
#if RING_BITS == 32
    asm volatile("red.relaxed.gpu.global.add.L2::cache_hint.u32 [%0], %1, %2;" :: "l"(slot), "r"((uint)input), "l"(policy) : "memory");
#else
    asm volatile("red.relaxed.gpu.global.add.L2::cache_hint.u64 [%0], %1, %2;" :: "l"(slot), "l"(input), "l"(policy) : "memory");
#endif
#elif RING_BITS == 32
    atomic_add(slot, (uint)input);
#else
    atom_add(slot, (ulong)input);
#endif
}
#endif

// Synapse k's weight times the spike's multiplicity (at least 1): what it adds to its slot.
static inline long synaptic_input(ulong k, long multiplicity, __global const int *weights)
{
    return (long)weights[k] * multiplicity;
}

// Synapses a GPU work-item looks up before it adds any, so that their loads from the table
// are in flight together: one wait for up to this many, where a work-group's share of a
// step's synapses is more than one per work-item. On an H200 at full scale, with the rows
// prefetched (prefetch_rows), 2 -> 6.18 us per step, 4 -> 6.29, 8 -> 6.38 (fifteenth session).
#define SYNAPSES_IN_FLIGHT 2u

// Synapses a CPU device's delivery prefetches and adds at a time (DELIVERY_BY_ONE_ITEM).
#define DELIVERY_BLOCK 512u

// Rows of a chunk that a GPU work-group's scan adds up directly, in two work-group barriers,
// rather than in Hillis-Steele's rounds of two (a full-scale step has ~25 spikes).
#define SMALL_SCAN (MAX_GROUP_SIZE < 32u ? MAX_GROUP_SIZE : 32u)

// On a GPU the first neuron's loads go out with the spike list's, so that the two waits
// overlap; on a CPU device they stay in the loop over its neurons, which PoCL then vectorizes
// across work-items (with the barrier before the delivery: 90 -> 68 us per step at scale 0.1
// on one PoCL thread, docs/performance.md, thirteenth session).
#define FIRST_NEURON_READ_EARLY (!DELIVERY_BY_ONE_ITEM)

// What the update reads of neuron i before it computes anything: the state the device keeps
// between steps (currents decayed but without step n-1's input), the population, and, when
// there is a step n-1 to finish, the input of ring slot n-1 (which starts at previous_ex
// in the excitatory ring and at previous_in in the inhibitory one).
typedef struct {
    double v, ex, in;
    int refractory;
    uint population;
    long input_ex, input_in;
} neuron_reads;

static inline neuron_reads read_neuron(uint i, size_t previous_ex, size_t previous_in, int finishes_previous,
                                       __global const double *v, __global const double *i_ex, __global const double *i_in,
                                       __global const int *refractory, __global const uchar *population_of,
                                       volatile __global const ring_word *ring_ex, volatile __global const ring_word *ring_in)
{
    neuron_reads r;
    r.population = population_of[i];
    r.v = v[i];
    r.ex = i_ex[i];
    r.in = i_in[i];
    r.refractory = refractory[i];
    r.input_ex = finishes_previous ? ring_input(ring_ex[previous_ex + i]) : 0;
    r.input_in = finishes_previous ? ring_input(ring_in[previous_in + i]) : 0;
    return r;
}

// An entry of a spike list: row `row` (a neuron, or neuron_count + q for thalamic neuron q)
// spiking `count` times (at most 255: POISSON_TABLE), at place `index`. As each delivery
// needs it: on a CPU device, which looks up the segment of the row that targets a
// work-group, the row and the count; on a GPU, which takes whole rows, where the row lies:
// its first synapse (the host checks that the table has fewer than 2^32) and its length
// (below 2^24, checked too) above the count's 8 bits. Two words an entry, not four: a step's
// chain reads them first, and a third and fourth cost an H200 0.45 us of a 7 us step.
typedef struct {
    uint index, row, count;
    ulong begin, end;
} list_entry;

// Claims the next place in a spike list for `row`, and on a GPU loads where the row lies,
// independently of the atomic, so that the two loads overlap it.
static inline list_entry claim_list_entry(uint row, uint count, volatile __global uint *total, __global const ulong *row_start)
{
    list_entry e;
    e.index = atomic_inc(total);
    e.row = row;
    e.count = count;
#if DELIVERY_BY_ONE_ITEM
    (void)row_start;
    e.begin = e.end = 0;
#else
    e.begin = row_start[row];
    e.end = row_start[row + 1u];
#endif
    return e;
}

static inline void write_list_entry(list_entry e, volatile __global uint *rows, volatile __global uint *counts)
{
#if DELIVERY_BY_ONE_ITEM
    rows[e.index] = e.row;
    counts[e.index] = e.count;
#else
    rows[e.index] = (uint)e.begin;
    counts[e.index] = (uint)(e.end - e.begin) << 8 | e.count;
#endif
}

// A spiking neuron's places in step n's spike list and in the recording buffer. Both are
// claimed at once (one wait for the two atomics, not two) and written at the end of the
// step, so that the wait for the atomics overlaps the delivery.
typedef struct {
    list_entry entry;
    uint record_index;
} spike_claim;

static inline spike_claim claim_spike(uint i, volatile __global uint *list_total, __global uint *record_total,
                                      __global const ulong *row_start)
{
    spike_claim c;
    c.entry = claim_list_entry(i, 1u, list_total, row_start);
    c.record_index = atomic_inc(record_total);
    return c;
}

static inline void write_spike(spike_claim c, uint step, int record, uint record_capacity,
                               volatile __global uint *rows, volatile __global uint *counts,
                               __global uint *record_steps, __global uint *record_neurons)
{
    write_list_entry(c.entry, rows, counts);
    // Beyond the capacity (which refractoriness makes impossible) nothing is written, and
    // the host sees record_total above it.
    if (record && c.record_index < record_capacity) {
        record_steps[c.record_index] = step;
        record_neurons[c.record_index] = c.entry.row;
    }
}

// Whether step n-1 drew background input (Poisson background, from its first step on).
static inline int background_drawn(uint step, uint first_background_step)
{
    return step >= 1u && step - 1u >= first_background_step;
}

// Step n-1's background draws for the four neurons from `quad` (a multiple of 4): Philox
// block quad / 4 of that step, as on the host; zeros where there are none.
static inline uint4 background_block(uint quad, uint step, uint seed, int draws_background)
{
    return draws_background
        ? philox4x32_10((uint4)(quad >> 2, step - 1u, 0u, 0u), (uint2)(seed, STREAM_BACKGROUND_POISSON)) : (uint4)(0u);
}

// Neuron i's background input of step n-1 (fixed-point units): a Poisson count from word
// i % 4 of its Philox block, as on the host, times the external weight.
static inline long background_input(uint4 block, uint i, uint population, __constant double *background_cdf,
                                    long external_weight)
{
    return (long)poisson_draw(lane_word(block, i & 3u), background_cdf + population * POISSON_TABLE) * external_weight;
}

// Whether the DC transient flows in step n.
static inline int transient_flows(uint step, uint transient_begin, uint transient_end)
{
    return step >= transient_begin && step < transient_end;
}

// The DC current of a neuron of `population` in step n: its generator's, and the transient's
// while it flows.
static inline double dc_current(uint population, int transient_on, __constant double *dc_amplitude,
                                __constant double *transient_amplitude)
{
    return transient_on ? dc_amplitude[population] + transient_amplitude[population] : dc_amplitude[population];
}

// What a step's update reads before the barrier that ends the previous step: the first
// neuron's own state (written only by this work-item, in the previous step), its Philox
// block, its Poisson input drawn from it and its DC current. On GPUs, in run_steps, these
// loads and that arithmetic overlap the barrier's wait; the ring slot and the spike list,
// which other work-groups write, are read after it. On an H200 at full scale: 6.45 ->
// 6.24-6.29 us per step with the barrier's single count, no change with the tree of the
// fourteenth session (fifteenth session); the draw and the current too, 6.30 -> 6.17
// (seventeenth session).
typedef struct {
    neuron_reads reads;
    uint4 block;
    long background;
    double current;
} step_prelude;

#define BEGIN_STEP_ARGUMENTS neuron_count, first_background_step, transient_begin, transient_end, seed, v, i_ex, i_in, \
    refractory, population_of, ring_ex, ring_in, dc_amplitude, transient_amplitude, background_cdf, external_weight

static inline step_prelude begin_step(uint step, uint neuron_count, uint first_background_step, uint transient_begin,
                                      uint transient_end, uint seed,
                                      __global const double *v, __global const double *i_ex, __global const double *i_in,
                                      __global const int *refractory, __global const uchar *population_of,
                                      __global const ring_word *ring_ex, __global const ring_word *ring_in,
                                      __constant double *dc_amplitude, __constant double *transient_amplitude,
                                      __constant double *background_cdf, long external_weight)
{
    step_prelude p;
    uint first = NEURONS_PER_ITEM * (uint)get_global_id(0);
    int draws_background = background_drawn(step, first_background_step);
    p.block = background_block(first, step, seed, draws_background);
    if (FIRST_NEURON_READ_EARLY && first < neuron_count) {
        p.reads = read_neuron(first, 0u, 0u, 0, v, i_ex, i_in, refractory, population_of, ring_ex, ring_in);
        uint population = p.reads.population;
        p.background = draws_background ? background_input(p.block, first, population, background_cdf, external_weight) : 0;
        p.current = dc_current(population, transient_flows(step, transient_begin, transient_end), dc_amplitude, transient_amplitude);
    }
    return p;
}

// Step n for the calling work-group, which owns a block of neurons (NEURONS_PER_ITEM per
// work-item). The same arithmetic as the CPU backend's step (NeuronState.step, in NEST's
// order: membrane unless refractory, current decay, the step's input, threshold), but cut
// where the step's dependencies allow: a spike of step n-1 reaches a ring slot no earlier
// than n, whose input enters the currents at the end of step n and the membrane in step n+1.
// So a launch for step n does two things that share no data:
//  - update: finishes step n-1 for its neurons (adds the input of ring slot n-1, and step
//    n-1's background draws, to the currents, which the device keeps decayed but without
//    that input between launches), then takes step n's membrane step and threshold. Spiking
//    neurons go to step n's spike list and to the recording buffer; during the thalamic
//    volley the thalamic neurons' spikes of step n join the list too.
//  - delivery: adds the weights of step n-1's spikes to ring slots n and later (integer
//    sums, exact in any order; RING_BITS). On a GPU every work-group takes an equal share
//    of all the spikes' synapses, whatever their targets; on a CPU device each work-group
//    delivers to its own neurons (DELIVERY_BY_ONE_ITEM).
// Slot n-1 was filled by earlier launches, or earlier steps of run_steps, which a barrier
// across work-groups separates. Spike lists rotate over three parts of one buffer: read n-1,
// write n, and empty n+1 (which nothing reads now). Everything that changes from step to
// step follows from `step`.
//
// On a GPU a step is a chain of dependent trips to memory, and the two halves' trips are
// interleaved so that they overlap: the previous step's spike list (whose entries say where
// each spike's row lies) is read together with the first neuron's state; the update computes
// and claims its places in the lists (written at the end of the step, so that nothing waits
// for the atomics) while a scan in local memory lays the rows of up to one work-group's
// worth of spikes end to end; then every work-item takes every local_size-th synapse of its
// work-group's share, up to SYNAPSES_IN_FLIGHT of them before it adds any, so that all
// synapse loads of a chunk are in flight together. Measured on an H200 at full scale
// (docs/performance.md, twelfth and thirteenth sessions): 15.7 us per step with delivery to
// a work-group's own neurons, then the update; 12.8 with the update first and the spike list
// read alongside it; 7.9 with the first chunk's segments looked up while the update
// computes; 6.7 with the shares of all rows; 6.57 with the lists written last and four
// synapses in flight per work-item; 6.5 with the short scan; 6.35 with a tree of arrivals at
// the barrier; 7.4 with the barrier's fences at device scope (fourteenth session); 6.2 with
// one count, released and acquired, the rows of a step's spikes prefetched while the barrier
// waits, and two synapses in flight (fifteenth session).
//
// Returns the row of the work-item's last spike of this step, as (first synapse, end), or
// (0, 0) without one.
static inline __attribute__((always_inline)) uint2 simulate_step(uint step, STEP_PARAMETERS,
                                 __local ulong *segment_start, __local uint *segment_end, __local uint *multiplicity,
                                 step_prelude prelude)
{
    uint lid = (uint)get_local_id(0);
    uint list = step % 3u, previous_list = (step + 2u) % 3u;
    volatile __global uint *list_rows = spike_rows + list * list_capacity;
    volatile __global uint *list_counts = spike_counts + list * list_capacity;
    volatile __global uint *list_total = spike_totals + list;
    volatile __global const uint *previous_rows = spike_rows + previous_list * list_capacity;
    volatile __global const uint *previous_counts = spike_counts + previous_list * list_capacity;
    uint spikes = step >= 1u ? spike_totals[previous_list] : 0u;
#if !DELIVERY_BY_ONE_ITEM
    // The first chunk's entries are read whether or not they are spikes, alongside the total
    // rather than after it. Those beyond the total are stale and go unused.
    uint first_row = 0u, first_count = 0u;
    if (lid < list_capacity) {
        first_row = previous_rows[lid];
        first_count = previous_counts[lid];
    }
#endif
    if (get_global_id(0) == 0) spike_totals[(step + 1u) % 3u] = 0u;

    // Update. Neuron i takes word i % 4 of Philox block i / 4 of step n-1's background draws,
    // as on the host. A work-item owns NEURONS_PER_ITEM consecutive neurons (1, 2, or a
    // multiple of 4) from a multiple of that number, so it draws each block it needs once.
    // All of a neuron's loads come before any of its stores, so that on a GPU they are in
    // flight together: one wait, not two; and the first neuron's, with the spike list's.
    uint previous_slot_ex = (step + slots_ex - 1u) % slots_ex, previous_slot_in = (step + slots_in - 1u) % slots_in;
    size_t previous_ex = (size_t)previous_slot_ex * neuron_count, previous_in = (size_t)previous_slot_in * neuron_count;
    int finishes_previous = step >= 1u;
    int draws_background = background_drawn(step, first_background_step);
    int transient_on = transient_flows(step, transient_begin, transient_end);
    uint first = NEURONS_PER_ITEM * (uint)get_global_id(0);
    spike_claim pending;
    int has_pending = 0;
    neuron_reads first_reads = prelude.reads;
    if (FIRST_NEURON_READ_EARLY && first < neuron_count && finishes_previous) {
        first_reads.input_ex = ring_input(((volatile __global const ring_word *)ring_ex)[previous_ex + first]);
        first_reads.input_in = ring_input(((volatile __global const ring_word *)ring_in)[previous_in + first]);
    }
    for (uint b = 0u; b < (NEURONS_PER_ITEM + 3u) / 4u; b++) {
        uint quad = first + 4u * b;
        uint4 block = b == 0u ? prelude.block : background_block(quad, step, seed, draws_background);
        for (uint lane = 0; lane < BLOCK_NEURONS && quad + lane < neuron_count; lane++) {
            uint i = quad + lane;
            neuron_reads s = FIRST_NEURON_READ_EARLY && i == first ? first_reads
                : read_neuron(i, previous_ex, previous_in, finishes_previous, v, i_ex, i_in, refractory, population_of, ring_ex, ring_in);
            uint p = s.population;
            double vm = s.v, ex = s.ex, in = s.in;
            int r = s.refractory;
            if (finishes_previous) {
                long input_ex = s.input_ex;
                if (FIRST_NEURON_READ_EARLY && i == first) {
                    input_ex += prelude.background;
                } else if (draws_background) {
                    input_ex += background_input(block, i, p, background_cdf, external_weight);
                }
                ring_ex[previous_ex + i] = 0;
                ring_in[previous_in + i] = 0;
                ex += (double)input_ex * picoampere_per_unit;
                in += (double)s.input_in * picoampere_per_unit;
            }
            double current = FIRST_NEURON_READ_EARLY && i == first
                ? prelude.current : dc_current(p, transient_on, dc_amplitude, transient_amplitude);
            if (r == 0) {
                vm = vm * p22 + ex * p21 + in * p21 + current * p20;
            } else {
                r -= 1;
            }
            ex *= p11;
            in *= p11;
            if (vm >= threshold) {
                vm = reset;
                r = refractory_steps;
                // A work-item's earlier spike of this step (it has several neurons) is
                // written now; the last, after the delivery.
                if (has_pending)
                    write_spike(pending, step, record, record_capacity, list_rows, list_counts, record_steps, record_neurons);
                pending = claim_spike(i, list_total, record_total, row_start);
                has_pending = 1;
            }
            // The voltmeter: after each step that ends an interval, the batch's next sample.
            if (voltage_interval != 0u && (step + 1u) % voltage_interval == 0u) {
                voltage_samples[(size_t)((step + 1u) / voltage_interval - voltage_first_sample) * neuron_count + i] = vm;
            }
            v[i] = vm;
            i_ex[i] = ex;
            i_in[i] = in;
            refractory[i] = r;
        }
    }

    // Thalamic (parrot) neurons during the volley: each emits a Poisson count, drawn from the
    // same Philox word as on the host, appended with its multiplicity (rows after the neurons).
    if (step >= thalamic_begin && step < thalamic_end) {
        for (uint q = (uint)get_global_id(0); q < thalamic_count; q += (uint)get_global_size(0)) {
            uint count = poisson_draw(poisson_word(q, step, (uint2)(seed, STREAM_THALAMIC_POISSON)), thalamic_cdf);
            if (count > 0u) write_list_entry(claim_list_entry(neuron_count + q, count, list_total, row_start), list_rows, list_counts);
        }
    }

    // Delivery of step n-1's spikes, into slots n and later.
    uint origin_ex = previous_slot_ex, origin_in = previous_slot_in;
#if DELIVERY_BY_ONE_ITEM
    // PoCL runs each stretch of a kernel between barriers as a loop over the work-items, and
    // vectorizes that loop only where no loop of the delivery's sits inside: so a barrier
    // between the halves.
    barrier(CLK_LOCAL_MEM_FENCE);
    // Each add would wait for memory: the table is far larger than the caches, and a
    // step's ring slots are scattered over all of the ring. So three passes over the
    // segments of the rows that target the work-group's neurons: request their table
    // entries, then the ring slots they add to (each pass a run of independent loads, in
    // flight together), then add. The passes take blocks of DELIVERY_BLOCK synapses, so
    // that what the first two bring into the cache is still there for the third, however
    // many synapses the work-group has (with many steps per launch, a work-group per core
    // has half of every row on two cores).
    (void)segment_start, (void)segment_end, (void)multiplicity;
    size_t stride = get_num_groups(0) + 1;
    if (lid == 0u) {
        // Where the block begins: a spike, and how far into its segment.
        uint block_spike = 0u;
        ulong block_offset = 0u;
        while (block_spike < spikes) {
            uint s = block_spike;
            ulong offset = block_offset;
            for (uint pass = 0u; pass < 3u; pass++) {
                uint room = DELIVERY_BLOCK;
                s = block_spike;
                offset = block_offset;
                while (s < spikes && room > 0u) {
                    uint row = previous_rows[s];
                    __global const uint *bounds = segments + row * stride + get_group_id(0);
                    ulong begin = row_start[row] + bounds[0] + offset, end = row_start[row] + bounds[1];
                    ulong stop = min(end, begin + room);
                    if (pass == 0u) {
                        for (ulong k = begin; k < stop; k += 16u) {
                            PREFETCH_FOR_READ(targets + k);
                            PREFETCH_FOR_READ(weights + k);
                            PREFETCH_FOR_READ(delays + k);
                        }
                    } else if (pass == 1u) {
                        for (ulong k = begin; k < stop; k++)
                            PREFETCH_FOR_WRITE(ring_slot(k, origin_ex, origin_in, slots_ex, slots_in, neuron_count, ring_ex, ring_in, targets, weights, delays));
                    } else {
                        long count = previous_counts[s];
                        for (ulong k = begin; k < stop; k++)
                            *ring_slot(k, origin_ex, origin_in, slots_ex, slots_in, neuron_count, ring_ex, ring_in, targets, weights, delays) += (ring_word)synaptic_input(k, count, weights);
                    }
                    room -= (uint)(stop - begin);
                    if (stop == end) {
                        s++;
                        offset = 0u;
                    } else {
                        offset += stop - begin;
                    }
                }
            }
            block_spike = s;
            block_offset = offset;
        }
    }
#else
    (void)segments;
    uint size = (uint)get_local_size(0);
    uint groups = (uint)get_num_groups(0), group = (uint)get_group_id(0);
    for (uint chunk = 0; chunk < spikes; chunk += size) {
        uint n = min(size, spikes - chunk);
        uint length = 0u;
        if (lid < n) {
            uint count = chunk == 0u ? first_count : previous_counts[chunk + lid];
            segment_start[lid] = chunk == 0u ? first_row : previous_rows[chunk + lid];
            length = count >> 8;
            multiplicity[lid] = count & 0xffu;
        }
        // Inclusive prefix sum of the n rows' lengths: for up to SMALL_SCAN rows (a step's
        // usual count) each work-item adds up the lengths before its own, in two barriers;
        // beyond, Hillis-Steele's ceil(log2 n) rounds of two.
        segment_end[lid] = length;
        barrier(CLK_LOCAL_MEM_FENCE);
        if (n <= SMALL_SCAN) {
            uint sum = 0u;
            if (lid < n) {
#pragma unroll
                for (uint j = 0u; j < SMALL_SCAN; j++) sum += j <= lid ? segment_end[j] : 0u;
            }
            barrier(CLK_LOCAL_MEM_FENCE);
            if (lid < n) segment_end[lid] = sum;
            barrier(CLK_LOCAL_MEM_FENCE);
        } else {
            for (uint offset = 1u; offset < n; offset <<= 1) {
                uint before = lid >= offset ? segment_end[lid - offset] : 0u;
                barrier(CLK_LOCAL_MEM_FENCE);
                segment_end[lid] += before;
                barrier(CLK_LOCAL_MEM_FENCE);
            }
        }
        // This work-group's share: synapses [group * share, (group + 1) * share) of the chunk.
        uint synapses = segment_end[n - 1u];
        uint share = (synapses + groups - 1u) / groups;
        uint end = min(synapses, (group + 1u) * share);
        for (uint first_item = group * share + lid; first_item < end; first_item += SYNAPSES_IN_FLIGHT * size) {
            __global ring_word *slot[SYNAPSES_IN_FLIGHT];
            long input[SYNAPSES_IN_FLIGHT];
#pragma unroll
            for (uint u = 0u; u < SYNAPSES_IN_FLIGHT; u++) {
                uint item = first_item + u * size;
                slot[u] = 0;
                input[u] = 0;
                if (item < end) {
                    // The row holding this item: the first whose end lies beyond it.
                    uint low = 0u, high = n - 1u;
                    while (low < high) {
                        uint mid = (low + high) / 2u;
                        if (segment_end[mid] > item) high = mid; else low = mid + 1u;
                    }
                    ulong k = segment_start[low] + (item - (low == 0u ? 0u : segment_end[low - 1u]));
                    slot[u] = ring_slot(k, origin_ex, origin_in, slots_ex, slots_in, neuron_count, ring_ex, ring_in, targets, weights, delays);
                    input[u] = synaptic_input(k, multiplicity[low], weights);
                }
            }
#pragma unroll
            for (uint u = 0u; u < SYNAPSES_IN_FLIGHT; u++)
                if (slot[u] != 0) add_to_ring(slot[u], input[u]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
#endif
    if (has_pending) write_spike(pending, step, record, record_capacity, list_rows, list_counts, record_steps, record_neurons);
    return has_pending ? (uint2)((uint)pending.entry.begin, (uint)pending.entry.end) : (uint2)(0u);
}

// One step per launch.
__kernel void deliver_and_update(uint step, STEP_PARAMETERS)
{
    __local ulong segment_start[MAX_GROUP_SIZE];
    __local uint segment_end[MAX_GROUP_SIZE];
    __local uint multiplicity[MAX_GROUP_SIZE];
    (void)simulate_step(step, STEP_ARGUMENTS, segment_start, segment_end, multiplicity, begin_step(step, BEGIN_STEP_ARGUMENTS));
}

// The barrier across work-groups: counts of arrivals, which each work-group's first
// work-item raises (its own count) with a release, and which the work-groups poll until they
// reach all of this barrier's, their last readings acquires. The release makes the
// work-group's writes of the step (its deliveries' atomic adds, its spikes; the work-group
// barrier before it orders the other work-items' before this one's) visible to every
// work-group that acquires the count after it. OpenCL 1.2 has no such operations at device
// scope, and NVIDIA's compiler makes its mem_fence(CLK_GLOBAL_MEM_FENCE) a fence within the
// work-group only (membar.cta, seen in the PTX that MICROCIRCUIT_PROGRAM_BINARY writes); so
// on NVIDIA's devices (which define cl_nv_pragma_unroll) PTX's red.release.gpu and
// ld.acquire.gpu. Other devices get mem_fence and plain atomics: PoCL's fence is a CPU's; on
// other GPUs it is what their compiler makes of it, and `verify` is the check.
//
// Measured on an H200 at full scale (docs/performance.md, fifteenth session), us per step:
// 7.4 with a tree of 16 subset counts (the fourteenth session's) and fence.acq_rel.gpu
// around each arrival; 6.95 with one count and those fences (the tree's second level was one
// more fence and round trip on the way); with the work run_steps does between arrival and
// wait, 6.43 with the fences and 6.24-6.29 with the release and the acquire. A barrier alone
// costs 1.3 us (1.85 with the tree). The arrivals spread over 16 counts: on an H200 5.95 ->
// 5.71, and 5.72 -> 5.52 with the ring's adds kept in L2 (add_to_ring); on an H100 6.68 ->
// 6.38, and 6.17 -> 5.92 with them; though a barrier alone then costs 1.7 us on an H200 and
// 1.9 on an H100 (1.3 and 1.6 with one count; eighteenth session).
#ifdef cl_nv_pragma_unroll
static inline void arrive_releasing(volatile __global uint *count)
{
    asm volatile("red.release.gpu.global.add.u32 [%0], 1;" :: "l"(count) : "memory");
}

static inline uint load_acquiring(volatile __global uint *word)
{
    uint value;
    asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(value) : "l"(word) : "memory");
    return value;
}
#else
static inline void arrive_releasing(volatile __global uint *count)
{
    mem_fence(CLK_GLOBAL_MEM_FENCE);
    atomic_inc(count);
}

static inline uint load_acquiring(volatile __global uint *word)
{
    uint value = *word;
    mem_fence(CLK_GLOBAL_MEM_FENCE);
    return value;
}
#endif

// The barrier's arrivals spread over ARRIVAL_COUNTS counts, each on a 128-byte line of its
// own (from grid[32]; the host zeroes them before each launch): work-group g arrives at
// count g % ARRIVAL_COUNTS, so that ~20 arrivals, not ~300, queue at each line for their
// turn at L2's atomic unit (~3.3 ns each on an H200: one count's barrier alone took 1.27 us
// at 302 work-groups and 2.25 at 604, fourteenth session). The wait polls every count at
// once, one per work-item of the first warp (in a smaller work-group each takes several),
// each acquiring its own. Nothing is reset within the launch, so the last to arrive has no
// further write to make before the others can go on (a fast work-group's arrival at the
// next barrier only raises its count further). The host sets ARRIVAL_COUNTS (-D,
// OpenCLBackend.arrivalCounts) and gives the buffer its lines.
#ifndef ARRIVAL_COUNTS
#define ARRIVAL_COUNTS 16u
#endif

static inline volatile __global uint *arrival_count(volatile __global uint *grid, uint index)
{
    return grid + 32u * (1u + index);
}

static inline void grid_arrive(volatile __global uint *grid)
{
    barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);
    if (get_local_id(0) == 0) arrive_releasing(arrival_count(grid, (uint)get_group_id(0) % ARRIVAL_COUNTS));
    barrier(CLK_LOCAL_MEM_FENCE);
}

// The wait at barrier `ordinal` (1, 2, ...) of the launch, until each count reaches ordinal x
// its work-groups. OpenCL promises no progress to a work-group that is not resident, so a
// wait gives up after `spin_limit` polls, sets grid[0] (read every 256th poll, so that the
// polls load one word, not two), and every work-group stops: the host then reports that the
// launch could not keep all its work-groups resident. `complete` says for each count whether
// it was complete (every wait writes all of them: a flag kept from wait to wait, zeroed at
// the kernel's start, was lost on PoCL 3.1). Returns whether all arrived.
static inline bool grid_wait(volatile __global uint *grid, uint ordinal, uint spin_limit, __local int (*complete)[ARRIVAL_COUNTS])
{
    uint groups = (uint)get_num_groups(0);
    for (uint c = (uint)get_local_id(0); c < ARRIVAL_COUNTS; c += (uint)get_local_size(0)) {
        volatile __global uint *count = arrival_count(grid, c);
        uint target = ordinal * ((groups + ARRIVAL_COUNTS - 1u - c) / ARRIVAL_COUNTS);
        // A wait that finds its count complete at once ends with one load, the acquire: on an
        // H200 at full scale 6.30 -> 6.25 us per step with one count, and 6.17 -> 6.12 with
        // the first neuron's draw before the wait (seventeenth session).
        uint arrivals = load_acquiring(count);
        if (arrivals < target) {
            uint polls = 0u;
            while (*count < target && polls < spin_limit && ((polls & 255u) != 255u || grid[0] == 0u)) polls++;
            arrivals = load_acquiring(count);
        }
        (*complete)[c] = arrivals >= target;
        if (arrivals < target) grid[0] = 1u;
    }
    barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);
    int all = 1;
    for (uint c = 0u; c < ARRIVAL_COUNTS; c++) all &= (*complete)[c];
    return all != 0;
}

// Between its arrival and its wait, a work-group brings the table entries of its own spikes
// of the step just taken (`count` rows, as simulate_step returns them) from memory to the
// device's cache, for every work-group's delivery of the next step: a line of 32 targets and
// of 32 weights per work-item, and of 128 delays per fourth. Measured on an H200 at full
// scale, 0.4 us less per step with either of two barriers (fifteenth session).
static inline void prefetch_rows(__local const uint2 *rows, uint count, __global const uint *targets,
                                 __global const int *weights, __global const uchar *delays)
{
    uint lid = (uint)get_local_id(0), size = (uint)get_local_size(0);
    for (uint j = 0u; j < count; j++) {
        uint2 row = rows[j];
        uint first = row.x & ~31u;
        for (uint k = first + 32u * lid; k < row.y; k += 32u * size) {
            PREFETCH_FOR_READ(targets + k);
            PREFETCH_FOR_READ(weights + k);
            if ((k & 127u) == 0u || k == first) PREFETCH_FOR_READ(delays + k);
        }
    }
}

// Steps first_step ... first_step + step_count - 1 in one launch, a barrier across
// work-groups between steps (the only dependency between them: step n's delivery reads
// every work-group's spikes of step n-1). Between a work-group's arrival and its wait, what
// needs no other work-group's writes: the prefetch of its spikes' rows and the next step's
// begin_step. With step_count 0 it only passes first_step barriers: the host's check that
// all work-groups of this kernel can be resident at once (two), or the measure of what one
// barrier costs (many).
__kernel void run_steps(uint first_step, uint step_count, volatile __global uint *grid, uint spin_limit,
                        STEP_PARAMETERS)
{
    __local ulong segment_start[MAX_GROUP_SIZE];
    __local uint segment_end[MAX_GROUP_SIZE];
    __local uint multiplicity[MAX_GROUP_SIZE];
    __local int counts_complete[ARRIVAL_COUNTS];
    // The rows of the work-group's spikes of step s (from own_rows[0]) and their count
    // own_count[s % 3]: written in step s, read between the arrival and the wait after it,
    // zeroed between the arrival and the wait after step s - 2, so that a work-group barrier
    // separates each from the next.
    __local uint2 own_rows[MAX_GROUP_SIZE];
    __local uint own_count[3];
    if (step_count == 0u) {
        for (uint b = 1u; b <= first_step; b++) {
            grid_arrive(grid);
            if (!grid_wait(grid, b, spin_limit, &counts_complete)) break;
        }
        return;
    }
    if (get_local_id(0) < 3u) own_count[get_local_id(0)] = 0u;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint s = 0u; s < step_count; s++) {
        uint step = first_step + s;
        if (s > 0u) {
            grid_arrive(grid);
            if (get_local_id(0) == 0) own_count[(s + 1u) % 3u] = 0u;
            prefetch_rows(own_rows, own_count[(s - 1u) % 3u], targets, weights, delays);
        }
        // On CPU devices, whose work-items run one after another, there is nothing to
        // overlap; and there PoCL 3.1 computed wrong potentials with begin_step before the
        // wait in work-groups of 8 work-items or fewer.
        step_prelude prelude;
        if (!DELIVERY_BY_ONE_ITEM) prelude = begin_step(step, BEGIN_STEP_ARGUMENTS);
        if (s > 0u && !grid_wait(grid, s, spin_limit, &counts_complete)) return;
        if (DELIVERY_BY_ONE_ITEM) prelude = begin_step(step, BEGIN_STEP_ARGUMENTS);
        uint2 row = simulate_step(step, STEP_ARGUMENTS, segment_start, segment_end, multiplicity, prelude);
        if (row.y != 0u) own_rows[atomic_inc(&own_count[s % 3u])] = row;
    }
}
