//! Saved aggregates: what a shard hands to `stratex merge` and what an interrupted run keeps for
//! `--resume`.
//!
//! The format is binary and little-endian: a 16-byte magic (`stratex-state\0v1`), the payload,
//! then the SHA-256 of everything before it. Every length is checked against the bytes that
//! remain before anything is allocated, and every part is checked for consistency when it is
//! rebuilt, so a truncated, corrupted or foreign file gives an error, never a panic or a wrong
//! result.

use super::aggregate::AggregateRepr;
use super::compare::ComparisonRepr;
use crate::stats::exact::ExactSum;
use crate::stats::sketch::SketchRepr;
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 16] = b"stratex-state\0v1";
/// Kind tags, so an aggregate is never read as a comparison or the other way round.
const AGGREGATE: u32 = 1;
const COMPARISON: u32 = 2;

/// Appends values to a byte buffer.
#[derive(Default)]
struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    fn opt(&mut self, v: Option<f64>) {
        match v {
            Some(x) => {
                self.buf.push(1);
                self.f64(x);
            }
            None => self.buf.push(0),
        }
    }
    fn sum(&mut self, s: &ExactSum) {
        let w = s.words();
        self.u64(w.len() as u64);
        w.into_iter().for_each(|x| self.i64(x));
    }
    fn sketch(&mut self, k: &SketchRepr) {
        self.u64(k.count);
        self.u64(k.zero);
        self.opt(k.zero_low);
        self.opt(k.min);
        self.opt(k.max);
        for side in [&k.pos, &k.neg] {
            self.u64(side.len() as u64);
            for &(e, s, c, low) in side {
                self.i64(e as i64);
                self.u32(s as u32);
                self.u32(c);
                self.f64(low);
            }
        }
    }
    /// The sealed file: magic, payload, checksum.
    fn seal(self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&self.buf);
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }
}

/// Reads values back, failing on anything out of bounds.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

type Res<T> = Result<T, String>;

impl<'a> Reader<'a> {
    /// Checks magic and checksum and returns a reader over the payload.
    fn open(bytes: &'a [u8]) -> Res<Reader<'a>> {
        if bytes.len() < MAGIC.len() + 32 || &bytes[..MAGIC.len()] != MAGIC {
            return Err("not a stratex state file (wrong header)".into());
        }
        let (body, sum) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != sum {
            return Err("the file is damaged (checksum mismatch)".into());
        }
        Ok(Reader {
            data: &body[MAGIC.len()..],
            pos: 0,
        })
    }
    fn take(&mut self, n: usize) -> Res<&'a [u8]> {
        if self.data.len() - self.pos < n {
            return Err("the file is truncated".into());
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u64(&mut self) -> Res<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn u32(&mut self) -> Res<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn i64(&mut self) -> Res<i64> {
        Ok(self.u64()? as i64)
    }
    fn f64(&mut self) -> Res<f64> {
        Ok(f64::from_bits(self.u64()?))
    }
    fn opt(&mut self) -> Res<Option<f64>> {
        match self.take(1)?[0] {
            0 => Ok(None),
            1 => Ok(Some(self.f64()?)),
            _ => Err("the file is damaged (bad flag)".into()),
        }
    }
    /// A count of items of at least `size` bytes each, checked against what is left.
    fn len(&mut self, size: usize) -> Res<usize> {
        let n = self.u64()?;
        let left = (self.data.len() - self.pos) as u64;
        if n.saturating_mul(size as u64) > left {
            return Err("the file is damaged (a length runs past its end)".into());
        }
        Ok(n as usize)
    }
    fn sum(&mut self) -> Res<ExactSum> {
        let n = self.len(8)?;
        let words = (0..n).map(|_| self.i64()).collect::<Res<Vec<_>>>()?;
        ExactSum::from_words(words).ok_or_else(|| "the file is damaged (a sum is invalid)".into())
    }
    fn sketch(&mut self) -> Res<SketchRepr> {
        let count = self.u64()?;
        let zero = self.u64()?;
        let zero_low = self.opt()?;
        let min = self.opt()?;
        let max = self.opt()?;
        let mut sides = [Vec::new(), Vec::new()];
        for side in sides.iter_mut() {
            let n = self.len(24)?;
            side.reserve(n);
            for _ in 0..n {
                let e = self.i64()?;
                let s = self.u32()?;
                let c = self.u32()?;
                let low = self.f64()?;
                let (Ok(e), Ok(s)) = (i32::try_from(e), u16::try_from(s)) else {
                    return Err("the file is damaged (a bin is out of range)".into());
                };
                side.push((e, s, c, low));
            }
        }
        let [pos, neg] = sides;
        Ok(SketchRepr {
            count,
            zero,
            zero_low,
            min,
            max,
            pos,
            neg,
        })
    }
    fn usize(&mut self) -> Res<usize> {
        usize::try_from(self.u64()?).map_err(|_| "the file is damaged (a size is too large)".into())
    }
    fn end(&self) -> Res<()> {
        if self.pos == self.data.len() {
            Ok(())
        } else {
            Err("the file is damaged (bytes after the end)".into())
        }
    }
}

/// Saves an aggregate.
pub fn encode_aggregate(a: &AggregateRepr) -> Vec<u8> {
    let mut w = Writer::default();
    w.u32(AGGREGATE);
    w.u64(a.outcomes as u64);
    w.u64(a.width as u64);
    w.u64(a.runs);
    w.u64(a.sketches.len() as u64);
    a.sketches.iter().for_each(|k| w.sketch(k));
    w.u64(a.sums.len() as u64);
    a.sums.iter().for_each(|s| w.sum(s));
    w.u64(a.squares.len() as u64);
    a.squares.iter().for_each(|s| w.sum(s));
    w.u64(a.extras.len() as u64);
    for (k, s, q) in &a.extras {
        w.sketch(k);
        w.sum(s);
        w.sum(q);
    }
    w.seal()
}

/// Reads an aggregate saved with [`encode_aggregate`].
pub fn decode_aggregate(bytes: &[u8]) -> Res<AggregateRepr> {
    let mut r = Reader::open(bytes)?;
    if r.u32()? != AGGREGATE {
        return Err("the file holds another kind of state (not a run's aggregate)".into());
    }
    let outcomes = r.usize()?;
    let width = r.usize()?;
    let runs = r.u64()?;
    let n = r.len(8)?;
    let sketches = (0..n).map(|_| r.sketch()).collect::<Res<Vec<_>>>()?;
    let n = r.len(8)?;
    let sums = (0..n).map(|_| r.sum()).collect::<Res<Vec<_>>>()?;
    let n = r.len(8)?;
    let squares = (0..n).map(|_| r.sum()).collect::<Res<Vec<_>>>()?;
    let n = r.len(8)?;
    let extras = (0..n)
        .map(|_| Ok((r.sketch()?, r.sum()?, r.sum()?)))
        .collect::<Res<Vec<_>>>()?;
    r.end()?;
    Ok(AggregateRepr {
        outcomes,
        width,
        runs,
        sketches,
        sums,
        squares,
        extras,
    })
}

/// Saves a paired comparison.
pub fn encode_comparison(c: &ComparisonRepr) -> Vec<u8> {
    let mut w = Writer::default();
    w.u32(COMPARISON);
    w.u64(c.settings as u64);
    w.u64(c.outcomes as u64);
    w.u64(c.runs);
    w.u64(c.values.len() as u64);
    for (k, s, q) in &c.values {
        w.sketch(k);
        w.sum(s);
        w.sum(q);
    }
    w.u64(c.diffs.len() as u64);
    for (s, q) in &c.diffs {
        w.sum(s);
        w.sum(q);
    }
    w.u64(c.better.len() as u64);
    for [b, t] in &c.better {
        w.u64(*b);
        w.u64(*t);
    }
    w.seal()
}

/// Reads a comparison saved with [`encode_comparison`].
pub fn decode_comparison(bytes: &[u8]) -> Res<ComparisonRepr> {
    let mut r = Reader::open(bytes)?;
    if r.u32()? != COMPARISON {
        return Err("the file holds another kind of state (not a comparison)".into());
    }
    let settings = r.usize()?;
    let outcomes = r.usize()?;
    let runs = r.u64()?;
    let n = r.len(8)?;
    let values = (0..n)
        .map(|_| Ok((r.sketch()?, r.sum()?, r.sum()?)))
        .collect::<Res<Vec<_>>>()?;
    let n = r.len(8)?;
    let diffs = (0..n)
        .map(|_| Ok((r.sum()?, r.sum()?)))
        .collect::<Res<Vec<_>>>()?;
    let n = r.len(16)?;
    let better = (0..n)
        .map(|_| Ok([r.u64()?, r.u64()?]))
        .collect::<Res<Vec<_>>>()?;
    r.end()?;
    Ok(ComparisonRepr {
        settings,
        outcomes,
        runs,
        values,
        diffs,
        better,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::Aggregate;

    fn sample() -> Aggregate {
        let mut a = Aggregate::new(2, 3, 1);
        for i in 0..50 {
            let x = i as f64;
            a.add(&[x, -x, x * 0.1, 1.0, 2.0, 3e-12 * x], &[x * x]);
        }
        a
    }

    #[test]
    fn aggregates_round_trip_exactly() {
        let a = sample();
        let bytes = encode_aggregate(&a.to_repr());
        let back = Aggregate::from_repr(&decode_aggregate(&bytes).unwrap()).unwrap();
        assert_eq!(encode_aggregate(&back.to_repr()), bytes);
        assert_eq!(back.stats(0), a.stats(0));
        assert_eq!(back.band(1, 2), a.band(1, 2));
    }

    #[test]
    fn damaged_truncated_or_foreign_files_are_refused() {
        let bytes = encode_aggregate(&sample().to_repr());
        let mut flipped = bytes.clone();
        flipped[40] ^= 1;
        assert!(decode_aggregate(&flipped).unwrap_err().contains("checksum"));
        assert!(decode_aggregate(&bytes[..bytes.len() - 1]).is_err());
        assert!(
            decode_aggregate(b"hello")
                .unwrap_err()
                .contains("not a stratex")
        );
        assert!(
            decode_comparison(&bytes)
                .unwrap_err()
                .contains("another kind")
        );
    }
}
