//! Saved aggregates: what a shard hands to `stratex merge` and what an interrupted run keeps for
//! `--resume`.
//!
//! A state file is a 16-byte magic naming the format and its version (`stratex-state\0v3`), a
//! payload in postcard's wire format (a kind tag, then the saved form, field by field, as serde
//! derives it), then the SHA-256 of everything before it.
//!
//! Guarantees: decoding gives back exactly what was encoded (every `f64` bit for bit, every
//! [`ExactSum`] limb for limb); a file that is truncated, damaged, of another format version, of
//! another kind or not a state file at all gives an error saying which, never a panic or a wrong
//! result. Lengths in the payload never make the decoder allocate more than a bounded amount
//! ahead of the bytes actually present (serde's cautious size hints), and the saved forms are
//! checked for consistency again when they are rebuilt (`from_repr`).
//!
//! [`ExactSum`]: crate::stats::exact::ExactSum

use super::aggregate::AggregateRepr;
use super::compare::ComparisonRepr;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// Names the format and its version; the version changes whenever the payload's layout or
/// meaning does (v3: an aggregate's extra quantities are totals per lane, no longer per route).
const MAGIC: &[u8; 16] = b"stratex-state\0v3";
/// What every version's magic starts with, to tell an old state file from a foreign one.
const FAMILY: &[u8] = b"stratex-state\0";
/// Bytes of the trailing SHA-256.
const DIGEST: usize = 32;
/// Kind tags, so an aggregate is never read as a comparison or the other way round.
const AGGREGATE: u32 = 1;
const COMPARISON: u32 = 2;
const SEARCH: u32 = 3;

/// Why a state file cannot be read. Resuming or merging stops; the file is left as it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// Not a state file at all.
    #[error("not a stratex state file (wrong header)")]
    Foreign,
    /// A state file of another format version: only the stratex that wrote it reads it.
    #[error(
        "the state file is in format {found}, and this version of stratex reads {reads}; resume or merge it with the stratex that wrote it, or run it afresh"
    )]
    Version { found: String, reads: String },
    /// Its bytes were changed or cut short since it was written.
    #[error("the file is damaged ({0})")]
    Damaged(String),
    /// It holds another kind of state (a comparison where an aggregate was expected, or the
    /// other way round).
    #[error("the file holds another kind of state (not {0})")]
    OtherKind(&'static str),
}

type Res<T> = Result<T, StateError>;

/// The sealed file: magic, payload (kind tag, then `value`), checksum.
fn seal(kind: u32, value: &impl Serialize) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    let out_of_memory = "serialising to a Vec<u8> fails only when out of memory";
    out = postcard::to_extend(&kind, out).expect(out_of_memory);
    out = postcard::to_extend(value, out).expect(out_of_memory);
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    out
}

/// Checks magic and checksum and returns the payload.
fn unseal(bytes: &[u8]) -> Res<&[u8]> {
    if bytes.len() < MAGIC.len() + DIGEST || !bytes.starts_with(FAMILY) {
        return Err(StateError::Foreign);
    }
    if !bytes.starts_with(MAGIC) {
        return Err(StateError::Version {
            found: String::from_utf8_lossy(&bytes[FAMILY.len()..MAGIC.len()]).into_owned(),
            reads: String::from_utf8_lossy(&MAGIC[FAMILY.len()..]).into_owned(),
        });
    }
    let (body, sum) = bytes.split_at(bytes.len() - DIGEST);
    if Sha256::digest(body).as_slice() != sum {
        return Err(StateError::Damaged("checksum mismatch".into()));
    }
    Ok(&body[MAGIC.len()..])
}

/// Reads a sealed value of the given kind; `what` names the kind in errors.
fn open<T: DeserializeOwned>(bytes: &[u8], kind: u32, what: &'static str) -> Res<T> {
    let damaged =
        |e: postcard::Error| StateError::Damaged(format!("its payload does not decode: {e}"));
    let (found, rest) = postcard::take_from_bytes::<u32>(unseal(bytes)?).map_err(damaged)?;
    if found != kind {
        return Err(StateError::OtherKind(what));
    }
    let (value, rest) = postcard::take_from_bytes::<T>(rest).map_err(damaged)?;
    if !rest.is_empty() {
        return Err(StateError::Damaged("bytes after the end".into()));
    }
    Ok(value)
}

/// Saves an aggregate.
pub fn encode_aggregate(a: &AggregateRepr) -> Vec<u8> {
    seal(AGGREGATE, a)
}

/// Reads an aggregate saved with [`encode_aggregate`].
pub fn decode_aggregate(bytes: &[u8]) -> Res<AggregateRepr> {
    open(bytes, AGGREGATE, "a run's aggregate")
}

/// Saves a paired comparison.
pub fn encode_comparison(c: &ComparisonRepr) -> Vec<u8> {
    seal(COMPARISON, c)
}

/// Reads a comparison saved with [`encode_comparison`].
pub fn decode_comparison(bytes: &[u8]) -> Res<ComparisonRepr> {
    open(bytes, COMPARISON, "a comparison")
}

/// Saves a search's state (its islands, for `--resume` and `stratex merge`).
pub fn encode_search(s: &impl Serialize) -> Vec<u8> {
    seal(SEARCH, s)
}

/// Reads a search's state saved with [`encode_search`].
pub fn decode_search<T: DeserializeOwned>(bytes: &[u8]) -> Res<T> {
    open(bytes, SEARCH, "a search")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::Aggregate;
    use crate::stats::exact::ExactSum;
    use crate::stats::sketch::Sketch;

    fn sample() -> Aggregate {
        let mut a = Aggregate::new(2, 3, 1);
        for i in 0..50 {
            let x = i as f64;
            a.add(&[x, -x, x * 0.1, 1.0, 2.0, 3e-12 * x], &[x * x]);
        }
        a
    }

    /// Values whose bits are easy to lose: signed zeros, subnormals, extremes, long fractions.
    const AWKWARD: [f64; 8] = [
        -0.0,
        0.0,
        5e-324,
        -2.2250738585072014e-308,
        f64::MAX,
        0.1,
        -1e300,
        0.7269363403320312,
    ];

    fn awkward_sum() -> ExactSum {
        let mut s = ExactSum::new();
        AWKWARD.iter().for_each(|&x| s.add_square(x));
        s
    }

    fn awkward_sketch() -> Sketch {
        let mut k = Sketch::new();
        AWKWARD.iter().for_each(|&x| k.add(x));
        k
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
    fn sums_and_sketches_round_trip_bit_for_bit() {
        let k = awkward_sketch().to_repr();
        let s = awkward_sum();
        let repr = ComparisonRepr {
            settings: 1,
            outcomes: 1,
            runs: AWKWARD.len() as u64,
            values: vec![(k.clone(), s.clone(), s.normalised())],
            diffs: vec![(s.clone(), ExactSum::new())],
            better: vec![[3, u64::MAX]],
        };
        let bytes = encode_comparison(&repr);
        let back = decode_comparison(&bytes).unwrap();
        assert_eq!(encode_comparison(&back), bytes);
        let (k2, s2, _) = &back.values[0];
        assert_eq!(s2.words(), s.words());
        assert_eq!(s2.value().to_bits(), s.value().to_bits());
        let bits = |v: &[(i32, u16, u32, f64)]| -> Vec<(i32, u16, u32, u64)> {
            v.iter()
                .map(|&(e, b, c, l)| (e, b, c, l.to_bits()))
                .collect()
        };
        assert_eq!(bits(&k2.pos), bits(&k.pos));
        assert_eq!(bits(&k2.neg), bits(&k.neg));
        let opt = |v: Option<f64>| v.map(f64::to_bits);
        for (a, b) in [(k2.min, k.min), (k2.max, k.max), (k2.zero_low, k.zero_low)] {
            assert_eq!(opt(a), opt(b));
        }
        assert_eq!(back.better, repr.better);
    }

    #[test]
    fn damaged_truncated_or_foreign_files_are_refused() {
        let bytes = encode_aggregate(&sample().to_repr());
        let mut flipped = bytes.clone();
        flipped[40] ^= 1;
        assert!(
            decode_aggregate(&flipped)
                .unwrap_err()
                .to_string()
                .contains("checksum")
        );
        assert!(decode_aggregate(&bytes[..bytes.len() - 1]).is_err());
        assert!(
            decode_aggregate(b"hello")
                .unwrap_err()
                .to_string()
                .contains("not a stratex")
        );
        assert!(
            decode_comparison(&bytes)
                .unwrap_err()
                .to_string()
                .contains("another kind")
        );
    }

    #[test]
    fn files_of_another_format_version_are_refused_by_name() {
        let mut old = encode_aggregate(&sample().to_repr());
        old[..MAGIC.len()].copy_from_slice(b"stratex-state\0v2");
        let e = decode_aggregate(&old).unwrap_err().to_string();
        assert!(e.contains("format v2") && e.contains("reads v3"), "{e}");
    }

    #[test]
    fn well_sealed_but_inconsistent_payloads_are_refused() {
        // The layout of an aggregate, with a sum of 3 words instead of the canonical 70.
        type Shape = (usize, usize, u64, Vec<()>, Vec<Vec<i64>>, Vec<()>, Vec<()>);
        let bad: Shape = (1, 1, 1, vec![], vec![vec![1, 2, 3]], vec![], vec![]);
        let e = decode_aggregate(&seal(AGGREGATE, &bad))
            .unwrap_err()
            .to_string();
        assert!(e.contains("damaged"), "{e}");
        // Trailing bytes after a whole aggregate.
        let empty: Shape = (0, 0, 0, vec![], vec![], vec![], vec![]);
        let with_tail = (empty, 7u8);
        let e = decode_aggregate(&seal(AGGREGATE, &with_tail))
            .unwrap_err()
            .to_string();
        assert!(e.contains("bytes after the end"), "{e}");
    }
}
