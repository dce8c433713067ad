//! A tiny deterministic PRNG (SplitMix64), so the demo city needs no `rand` dependency and
//! is identical on every platform for the same seed.

/// SplitMix64 (Steele, Lea & Flood 2014): one 64-bit state, full period, good mixing.
#[derive(Clone, Debug)]
pub(super) struct Rng(u64);

/// Independent streams for separate concerns, so that (say) changing how names are drawn
/// does not move any boundary.
#[derive(Clone, Copy, Debug)]
pub(super) enum Stream {
    Counts = 1,
    Geometry = 2,
    Names = 3,
    Attributes = 4,
    People = 5,
    Warp = 6,
    CompoundNames = 7,
    Cases = 8,
    Councils = 9,
    Disclosure = 12,
}

pub(super) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    pub(super) fn new(seed: u64, stream: Stream) -> Rng {
        Rng(mix64(seed ^ mix64(stream as u64 + 0x9e37_79b9_7f4a_7c15)))
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.0)
    }

    /// Uniform in [0, 1), 53 bits.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub(super) fn range_f64(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in lo..=hi (Lemire-free modulo; the bias at these sizes is ~1e-17).
    pub(super) fn range_i64(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        let span = (hi - lo) as u64 + 1;
        lo + (self.next_u64() % span) as i64
    }

    pub(super) fn index(&mut self, len: usize) -> usize {
        debug_assert!(len > 0);
        (self.next_u64() % len as u64) as usize
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// Fisher–Yates.
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }
}

/// Splits `total` into `weights.len()` integers in `min..=max`, roughly proportional to the
/// weights, summing to exactly `total`. Panics if that is impossible.
pub(super) fn allocate(total: u32, weights: &[f64], min: u32, max: u32, rng: &mut Rng) -> Vec<u32> {
    let n = weights.len() as u32;
    assert!(
        n * min <= total && total <= n * max,
        "cannot split {total} into {n} parts of {min}..={max}"
    );
    let sum: f64 = weights.iter().sum();
    let mut counts: Vec<u32> = weights
        .iter()
        .map(|w| ((f64::from(total) * w / sum).round() as u32).clamp(min, max))
        .collect();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    rng.shuffle(&mut order);
    let mut have: u32 = counts.iter().sum();
    let mut k = 0;
    while have != total {
        let i = order[k % order.len()];
        if have < total && counts[i] < max {
            counts[i] += 1;
            have += 1;
        } else if have > total && counts[i] > min {
            counts[i] -= 1;
            have -= 1;
        }
        k += 1;
    }
    counts
}
