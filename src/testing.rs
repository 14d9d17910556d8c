//! Helpers shared by unit tests.

/// A tiny deterministic random generator (xorshift64) for tests that throw
/// many random inputs at a parser: reproducible, no dependency.
pub struct Rng(u64);

impl Rng {
    /// A generator with a fixed, non-zero seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Up to `max` pieces, picked at random, concatenated.
    pub fn concat<T: AsRef<[u8]> + ?Sized>(&mut self, pieces: &[&T], max: usize) -> Vec<u8> {
        let count = self.below(max + 1);
        let mut out = Vec::new();
        for _ in 0..count {
            out.extend_from_slice(pieces[self.below(pieces.len())].as_ref());
        }
        out
    }
}
