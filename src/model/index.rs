//! Typed indices into the model's tables, and vectors that only their own kind of index indexes.
//!
//! Every table of a [`super::Model`] (actors, goods, lanes, ...) and every per-run array of the
//! engine that runs parallel to one is an [`IdVec`] of its index type: a [`LaneId`] indexes
//! per-lane arrays and nothing else, so a lane can no longer index an actor array by mistake.
//! Each index is a `u32`, as cheap to store and to index with as the raw integers it replaces.
//!
//! An `IdVec` dereferences to a slice, so iteration, `len`, `fill` and the like work as on a
//! `Vec`; only its own index type indexes it (`v[i]`). Loops over every entry in order may still
//! cut it to a slice ([`IdVec::as_slice`]) and index that by position, which lets the compiler
//! drop bounds checks in the hottest loops.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut, Index, IndexMut};

/// An index into one kind of table.
pub trait Id: Copy + Eq + fmt::Debug {
    /// The index at position `i` (which must fit in a `u32`; model limits keep it so).
    fn new(i: usize) -> Self;
    /// The position this index stands for.
    fn index(self) -> usize;
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// The index at position `i` (which must fit in a `u32`; model limits keep it so).
            #[inline(always)]
            pub const fn new(i: usize) -> Self {
                debug_assert!(i <= u32::MAX as usize, "index does not fit in 32 bits");
                $name(i as u32)
            }

            /// The position this index stands for.
            #[inline(always)]
            pub const fn index(self) -> usize {
                self.0 as usize
            }

            /// Every index below `n`, in order.
            pub fn all(n: usize) -> impl DoubleEndedIterator<Item = $name> + Clone {
                (0..n).map($name::new)
            }
        }

        impl Id for $name {
            #[inline(always)]
            fn new(i: usize) -> Self {
                $name::new(i)
            }
            #[inline(always)]
            fn index(self) -> usize {
                $name::index(self)
            }
        }

        /// The bare number, as in messages that name an entry by position.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }
    )*};
}

ids! {
    /// An actor: its place in [`super::Model::actors`].
    ActorId;
    /// A good: its place in [`super::Model::goods`].
    GoodId;
    /// An actor and a good together, `actor * goods + good`: the place of the pair in every
    /// per-cell array (stocks, production, receipts, accounts).
    Cell;
    /// A need of one actor for one good: its place in [`super::Model::needs`].
    NeedId;
    /// An offer of one good by one actor: its place in [`super::Model::offers`].
    OfferId;
    /// A channel: its place in [`super::Model::channels`].
    ChannelId;
    /// A channel together with one good it carries: its place in [`super::Model::lanes`].
    LaneId;
    /// A pair of actors that bargain: its place in [`super::Model::links`].
    LinkId;
    /// A flow, numbered across the model: each link's flows (from `a` to `b`, then from `b` to
    /// `a`) link by link, then the aid flows (see [`super::Model::flows`]).
    FlowId;
    /// One actor's trust in another: its place in [`super::Model::relations`].
    RelationId;
    /// An event, a decision or one of its choices, a rule or a cap's enforcement: its place in
    /// [`super::Model::events`].
    EventId;
    /// An adjustment (an effect that sets, adds to or scales one parameter for a while): its
    /// place in [`super::Model::adjusts`].
    AdjustId;
    /// A cap on what an actor may receive of a good per period: its place in
    /// [`super::Model::caps`].
    CapId;
    /// The recent values of one measure, kept for the lags that read it: its place in
    /// [`super::Model::histories`].
    HistoryId;
    /// A node of an outcome's measure: its place in [`super::Model::measures`].
    MeasureId;
    /// A per-run tally kept by a measure that counts over time (steps with a shipment seen):
    /// into [`super::Model::exposures`].
    TallyId;
}

/// A vector indexed by one kind of index `I` (see the module documentation).
pub struct IdVec<I, T> {
    items: Vec<T>,
    id: PhantomData<fn(I) -> I>,
}

impl<I: Id, T> IdVec<I, T> {
    /// An empty vector.
    pub const fn new() -> Self {
        IdVec {
            items: Vec::new(),
            id: PhantomData,
        }
    }

    /// `n` copies of `value`.
    pub fn filled(value: T, n: usize) -> Self
    where
        T: Clone,
    {
        vec![value; n].into()
    }

    /// Appends `item` and returns its index.
    pub fn push(&mut self, item: T) -> I {
        let id = I::new(self.items.len());
        self.items.push(item);
        id
    }

    /// The entries as a slice, to cut by position (`&v.as_slice()[..n]`).
    #[inline(always)]
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// The entries as a mutable slice, to cut by position.
    #[inline(always)]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.items
    }

    /// The entries, as a plain vector.
    pub fn into_vec(self) -> Vec<T> {
        self.items
    }

    /// The index the next entry pushed will have.
    pub fn next_id(&self) -> I {
        I::new(self.items.len())
    }

    /// Every index of the vector, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = I> + Clone + use<I, T> {
        (0..self.items.len()).map(I::new)
    }

    /// Every entry with its index, in order.
    pub fn iter_ids(&self) -> impl DoubleEndedIterator<Item = (I, &T)> {
        self.items.iter().enumerate().map(|(i, t)| (I::new(i), t))
    }

    /// The index of the first entry that satisfies `pred`.
    pub fn position(&self, pred: impl FnMut(&T) -> bool) -> Option<I> {
        self.items.iter().position(pred).map(I::new)
    }
}

impl<I, T> Deref for IdVec<I, T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<I, T> DerefMut for IdVec<I, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.items
    }
}

impl<I: Id, T> Index<I> for IdVec<I, T> {
    type Output = T;
    #[inline(always)]
    fn index(&self, i: I) -> &T {
        &self.items[i.index()]
    }
}

impl<I: Id, T> IndexMut<I> for IdVec<I, T> {
    #[inline(always)]
    fn index_mut(&mut self, i: I) -> &mut T {
        &mut self.items[i.index()]
    }
}

impl<I, T> From<Vec<T>> for IdVec<I, T> {
    fn from(items: Vec<T>) -> Self {
        IdVec {
            items,
            id: PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for IdVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        Vec::from_iter(iter).into()
    }
}

impl<'a, I, T> IntoIterator for &'a IdVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<'a, I, T> IntoIterator for &'a mut IdVec<I, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter_mut()
    }
}

impl<I, T: Clone> Clone for IdVec<I, T> {
    fn clone(&self) -> Self {
        self.items.clone().into()
    }
}

impl<I, T: PartialEq> PartialEq for IdVec<I, T> {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl<I: Id, T> Default for IdVec<I, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<I, T: fmt::Debug> fmt::Debug for IdVec<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_vec_is_indexed_by_its_own_ids() {
        let mut lanes: IdVec<LaneId, &str> = IdVec::new();
        let a = lanes.push("a");
        let b = lanes.push("b");
        assert_eq!((a.index(), b.index()), (0, 1));
        assert_eq!(lanes[b], "b");
        assert_eq!(lanes.next_id().index(), 2);
        lanes[a] = "c";
        assert_eq!(lanes.ids().collect::<Vec<_>>(), [a, b]);
        assert_eq!(lanes.iter_ids().last(), Some((b, &"b")));
        assert_eq!(lanes.position(|&l| l == "c"), Some(a));
        assert_eq!(lanes.len(), 2, "a slice underneath");
        assert_eq!(format!("{b} {b:?}"), "1 LaneId(1)");
        assert_eq!(LaneId::all(3).last(), Some(LaneId::new(2)));
    }
}
