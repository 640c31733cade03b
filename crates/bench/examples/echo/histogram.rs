//! Latencies in fixed buckets, so memory stays bounded however many
//! messages a run sees: exact below 64 ns, then 32 buckets per power of two
//! (each about 3% wide) up to 2^40 ns, about 18 minutes.

use std::time::Duration;

/// Sub-buckets per power of two, as a power of two.
const SUB_BITS: u32 = 5;
/// Values below this have a bucket each.
const LINEAR: u64 = 2 << SUB_BITS;
/// Powers of two covered above the linear range.
const OCTAVES: usize = 40 - SUB_BITS as usize;
const BUCKETS: usize = LINEAR as usize + OCTAVES * (1 << SUB_BITS);

/// A latency histogram in nanoseconds.
pub(crate) struct Histogram {
    counts: Box<[u64; BUCKETS]>,
    total: u64,
}

impl Histogram {
    /// An empty histogram.
    pub(crate) fn new() -> Histogram {
        Histogram { counts: Box::new([0; BUCKETS]), total: 0 }
    }

    /// Counts one latency.
    #[inline]
    pub(crate) fn record(&mut self, latency: Duration) {
        let ns = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.counts[bucket(ns).min(BUCKETS - 1)] += 1;
        self.total += 1;
    }

    /// Adds `other`'s counts to these.
    pub(crate) fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
        self.total += other.total;
    }

    /// The latency at quantile `q` (0 to 1) in microseconds, the middle of
    /// its bucket; 0 when nothing was recorded.
    pub(crate) fn quantile_us(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        // The rank of the value wanted, counting from 1.
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let (low, high) = bounds(index);
                return (low + high) as f64 / 2.0 / 1e3;
            }
        }
        unreachable!("the ranks stop at the total")
    }
}

/// The bucket of `ns`.
fn bucket(ns: u64) -> usize {
    if ns < LINEAR {
        return ns as usize;
    }
    // ns has `top + 1` significant bits, top >= SUB_BITS + 1; its highest
    // SUB_BITS + 1 bits pick the bucket within its octave.
    let top = 63 - ns.leading_zeros();
    let shift = top - SUB_BITS;
    let octave = (shift - 1) as usize;
    LINEAR as usize + (octave << SUB_BITS) + ((ns >> shift) as usize - (1 << SUB_BITS))
}

/// The lowest value of bucket `index` and the lowest of the next.
fn bounds(index: usize) -> (u64, u64) {
    if index < LINEAR as usize {
        return (index as u64, index as u64 + 1);
    }
    let rest = index - LINEAR as usize;
    let shift = (rest >> SUB_BITS) as u32 + 1;
    let mantissa = (rest & ((1 << SUB_BITS) - 1)) as u64 + (1 << SUB_BITS);
    (mantissa << shift, (mantissa + 1) << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_their_values_and_tile() {
        for ns in (0..100_000).chain([1 << 30, (1 << 39) + 12345]) {
            let (low, high) = bounds(bucket(ns));
            assert!(low <= ns && ns < high, "{ns} in [{low}, {high})");
        }
        for index in 0..BUCKETS - 1 {
            assert_eq!(bounds(index).1, bounds(index + 1).0, "bucket {index}");
        }
    }

    #[test]
    fn quantiles_come_within_a_bucket() {
        let mut h = Histogram::new();
        for us in 1..=1000 {
            h.record(Duration::from_micros(us));
        }
        let p50 = h.quantile_us(0.5);
        let p99 = h.quantile_us(0.99);
        assert!((p50 - 500.0).abs() < 500.0 * 0.04, "{p50}");
        assert!((p99 - 990.0).abs() < 990.0 * 0.04, "{p99}");
    }
}
