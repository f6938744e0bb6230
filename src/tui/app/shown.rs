//! The jobs table's shown rows: the rows the filter keeps, in the sort's order, each held as
//! its sort key ([`row_key`]: its rank in the sort column, then its listing position), in
//! chunks of at most [`CHUNK_MAX`]. A row joining the middle of a sorted table (a decode
//! result whose new badge matches the filter) is found by comparing keys held right there (no
//! lookup of each compared row's rank elsewhere in memory) and moves the rest of its chunk
//! only, instead of every shown row after it as one `Vec` of positions did: sorted by role,
//! that made decoding with a filter cost 2.2x the instructions of decoding without one
//! (BENCHMARKS.md (b)). The chunks' starts are put right when a position is read.
//!
//! Written here rather than taken from a crate: the table needs positions, sorted insertion
//! and removal by key, nothing else; a persistent vector such as `imbl::Vector` offers
//! positions with reference-counted nodes and copy-on-write that a decode does not need, and
//! no search by key. The proptest below checks every operation against a plain `Vec`.

use std::cell::{Cell, RefCell};
use std::ops::Range;

/// A chunk splits in two when it grows past this many keys, so an insertion moves at most
/// this many. Its room (one more key) is 1,000 bytes, under glibc's small-bin limit of 1,008:
/// a larger allocation first consolidates the allocator's freed small blocks (callgrind showed
/// `malloc_consolidate` whenever a kilobyte-sized list grew, see `reserve_for`).
/// Tests use small chunks, so their few rows split and empty chunks too.
#[cfg(not(test))]
const CHUNK_MAX: usize = 124;
#[cfg(test)]
const CHUNK_MAX: usize = 8;
/// Rows per chunk when a whole list is chunked (a new filter or sort): half the maximum, so
/// rows joining later rarely split a chunk.
const CHUNK_FILL: usize = CHUNK_MAX / 2;

/// Row `row`'s sort key when its value ranks `rank` in the sort column: by rank, then by
/// listing position, so keys are unique. A listing is held in memory, so its positions fit
/// in 32 bits (four billion rows would be hundreds of gigabytes).
pub fn row_key(rank: u32, row: usize) -> u64 {
    (u64::from(rank) << 32) | (row as u64 & 0xffff_ffff)
}

/// The listing position in `key`.
fn row_of(key: u64) -> usize {
    (key & 0xffff_ffff) as usize
}

/// A chunk with room to grow to [`CHUNK_MAX`] + 1 keys before it splits, so it is never
/// reallocated.
fn chunk_of(keys: &[u64]) -> Vec<u64> {
    let mut chunk = Vec::with_capacity(CHUNK_MAX + 1);
    chunk.extend_from_slice(keys);
    chunk
}

/// The shown rows' sort keys, in order.
#[derive(Debug, Clone, Default)]
pub struct ShownRows {
    /// The keys, chunk by chunk; no chunk is empty.
    chunks: Vec<Vec<u64>>,
    /// Per chunk: its last key (searched first, in one place in memory).
    lasts: Vec<u64>,
    /// Per chunk: how many rows come before it, right for the first `valid` chunks (at least
    /// the first, which starts at 0, whenever there is one). A row
    /// joining or leaving makes the later ones wrong; reading a position puts right as many
    /// as it needs, so decodes that join rows in a row pay nothing for positions nobody reads
    /// (the selection is mostly in the first chunk, which needs none).
    starts: RefCell<Vec<usize>>,
    /// How many of `starts` are right.
    valid: Cell<usize>,
    /// How many rows there are.
    len: usize,
}

impl ShownRows {
    /// Rows with these `keys`, which are in order.
    pub fn from_keys(keys: &[u64]) -> ShownRows {
        debug_assert!(keys.is_sorted(), "shown rows are in key order");
        let chunks: Vec<Vec<u64>> = keys.chunks(CHUNK_FILL).map(chunk_of).collect();
        let lasts = chunks.iter().filter_map(|c| c.last().copied()).collect();
        let starts: Vec<usize> = (0..chunks.len()).map(|c| c * CHUNK_FILL).collect();
        ShownRows {
            valid: Cell::new(chunks.len()),
            starts: RefCell::new(starts),
            chunks,
            lasts,
            len: keys.len(),
        }
    }

    /// Makes room for the chunks of up to `rows` rows (the listing's size), so rows joining
    /// one by one do not grow the chunk lists again and again (each growth of a list of a
    /// kilobyte or more made glibc consolidate its freed small blocks).
    pub fn reserve_for(&mut self, rows: usize) {
        let chunks = rows.div_ceil(CHUNK_FILL).saturating_sub(self.chunks.len());
        self.chunks.reserve(chunks);
        self.lasts.reserve(chunks);
        self.starts.get_mut().reserve(chunks);
    }

    /// The rows' listing positions, in order.
    #[cfg(test)]
    pub fn to_vec(&self) -> Vec<usize> {
        self.iter().collect()
    }

    /// How many rows show.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no row shows.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every row.
    pub fn clear(&mut self) {
        *self = ShownRows::default();
    }

    /// Marks the starts of the chunks after `chunk` wrong (the first chunk's stays right).
    fn moved_after(&self, chunk: usize) {
        self.valid.set(self.valid.get().min(chunk + 1).max(1));
    }

    /// How many rows come before chunk `chunk`, putting the starts right up to it.
    fn start_of(&self, chunk: usize) -> usize {
        let mut starts = self.starts.borrow_mut();
        let mut valid = self.valid.get();
        while valid <= chunk {
            starts[valid] = starts[valid - 1] + self.chunks[valid - 1].len();
            valid += 1;
        }
        self.valid.set(valid);
        starts[chunk]
    }

    /// The chunk holding position `position` and the position within it.
    #[inline]
    fn locate(&self, position: usize) -> Option<(usize, usize)> {
        if position >= self.len {
            return None;
        }
        // The selection is mostly near the top: no search for the first chunk.
        if self
            .chunks
            .first()
            .is_some_and(|first| position < first.len())
        {
            return Some((0, position));
        }
        Some(self.locate_later(position))
    }

    /// [`ShownRows::locate`] past the first chunk: puts the starts right until they pass
    /// `position` (or all are right), then searches them.
    fn locate_later(&self, position: usize) -> (usize, usize) {
        let last = self.chunks.len() - 1;
        while self.valid.get() <= last && self.start_of(self.valid.get()) <= position {}
        let starts = self.starts.borrow();
        let known = &starts[..self.valid.get()];
        // The last chunk starting at or before `position`; chunk 0 starts at 0.
        let chunk = known.partition_point(|&start| start <= position) - 1;
        (chunk, position - known[chunk])
    }

    /// The row at `position`.
    #[inline]
    pub fn get(&self, position: usize) -> Option<usize> {
        self.locate(position)
            .map(|(chunk, within)| row_of(self.chunks[chunk][within]))
    }

    /// The last row.
    #[inline]
    pub fn last(&self) -> Option<usize> {
        self.lasts.last().map(|&k| row_of(k))
    }

    /// The last row's key.
    #[inline]
    pub fn last_key(&self) -> Option<u64> {
        self.lasts.last().copied()
    }

    /// The key of the row at `position`.
    #[inline]
    pub fn key_at(&self, position: usize) -> Option<u64> {
        self.locate(position)
            .map(|(chunk, within)| self.chunks[chunk][within])
    }

    /// Every row, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.chunks.iter().flatten().map(|&k| row_of(k))
    }

    /// The rows at `range`'s positions (cut to the rows there are).
    pub fn range(&self, range: Range<usize>) -> impl Iterator<Item = usize> + '_ {
        let take = range.end.min(self.len).saturating_sub(range.start);
        let (chunk, within) = self.locate(range.start).unwrap_or((self.chunks.len(), 0));
        let first = self.chunks.get(chunk).map_or(&[][..], |c| &c[within..]);
        let rest = self.chunks.get(chunk + 1..).unwrap_or(&[]);
        first
            .iter()
            .chain(rest.iter().flatten())
            .take(take)
            .map(|&k| row_of(k))
    }

    /// The rows' keys, in order.
    #[cfg(test)]
    pub fn keys(&self) -> Vec<u64> {
        self.chunks.iter().flatten().copied().collect()
    }

    /// Whether `row` shows (a scan).
    #[cfg(test)]
    pub fn contains(&self, row: usize) -> bool {
        self.iter().any(|r| r == row)
    }

    /// The chunk where `key` belongs and its place in it (the chunk past the last when it
    /// belongs at the end).
    fn search(&self, key: u64) -> (usize, usize) {
        let chunk = self.lasts.partition_point(|&last| last < key);
        match self.chunks.get(chunk) {
            Some(keys) => (chunk, keys.partition_point(|&k| k < key)),
            None => (chunk, 0),
        }
    }

    /// The chunk and place of the row with `key`, if it shows.
    fn search_exact(&self, key: u64) -> Option<(usize, usize)> {
        let (chunk, within) = self.search(key);
        (self.chunks.get(chunk).and_then(|c| c.get(within)) == Some(&key))
            .then_some((chunk, within))
    }

    /// Where the row with `key` is, if it shows.
    pub fn find(&self, key: u64) -> Option<usize> {
        self.search_exact(key)
            .map(|(chunk, within)| self.start_of(chunk) + within)
    }

    /// Adds the row with `key` where its key puts it.
    pub fn insert(&mut self, key: u64) {
        // Rows decoded in listing order mostly join at the end.
        if self.lasts.last().is_none_or(|&last| last < key) {
            self.push(key);
            return;
        }
        let (chunk, within) = self.search(key);
        self.chunks[chunk].insert(within, key);
        self.len += 1;
        self.moved_after(chunk);
        if self.chunks[chunk].len() > CHUNK_MAX {
            let half = self.chunks[chunk].len() / 2;
            let second = chunk_of(&self.chunks[chunk][half..]);
            self.chunks[chunk].truncate(half);
            self.lasts.insert(chunk, self.chunks[chunk][half - 1]);
            self.chunks.insert(chunk + 1, second);
            self.starts.get_mut().push(0);
        }
    }

    /// Adds the row with `key`, greater than every key there, at the end.
    fn push(&mut self, key: u64) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK_MAX => {
                last.push(key);
                if let Some(k) = self.lasts.last_mut() {
                    *k = key;
                }
            }
            _ => {
                let start = self.len;
                self.chunks.push(chunk_of(&[key]));
                self.lasts.push(key);
                let starts = self.starts.get_mut();
                starts.push(start);
                // Its start is right when every earlier one is.
                if self.valid.get() >= starts.len() - 1 {
                    self.valid.set(starts.len());
                }
            }
        }
        self.len += 1;
    }

    /// Takes out the row with `key`; returns whether it was there.
    pub fn remove_key(&mut self, key: u64) -> bool {
        let Some((chunk, within)) = self.search_exact(key) else {
            return false;
        };
        self.chunks[chunk].remove(within);
        self.len -= 1;
        self.moved_after(chunk);
        match self.chunks[chunk].last() {
            Some(&last) => self.lasts[chunk] = last,
            None => {
                // The next chunk now starts where this one did: the start at `chunk` (if
                // right) stays right, the last entry goes.
                self.chunks.remove(chunk);
                self.lasts.remove(chunk);
                self.starts.get_mut().pop();
                self.valid
                    .set(self.valid.get().min(self.chunks.len()).max(1));
            }
        }
        true
    }

    /// Keeps only the rows for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let keys: Vec<u64> = self
            .chunks
            .iter()
            .flatten()
            .copied()
            .filter(|&k| keep(row_of(k)))
            .collect();
        *self = ShownRows::from_keys(&keys);
    }

    /// Gives every row the key `key` gives it now, when its ranks changed without changing
    /// the rows' order (a new badge label ranked among the others).
    pub fn rekey(&mut self, key: impl Fn(usize) -> u64) {
        for k in self.chunks.iter_mut().flatten() {
            *k = key(row_of(*k));
        }
        for (last, chunk) in self.lasts.iter_mut().zip(&self.chunks) {
            if let Some(&k) = chunk.last() {
                *last = k;
            }
        }
        debug_assert!(
            self.chunks.iter().flatten().is_sorted(),
            "a rekey keeps the rows' order"
        );
    }
}

/// Equal when the same rows show with the same keys, however they are chunked.
impl PartialEq for ShownRows {
    fn eq(&self, other: &ShownRows) -> bool {
        self.len == other.len
            && self
                .chunks
                .iter()
                .flatten()
                .eq(other.chunks.iter().flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One edit of the rows, and of the sorted `Vec` of keys they are checked against.
    #[derive(Debug, Clone)]
    enum Op {
        Insert(u32, u16),
        RemoveKey(usize),
        Retain(usize),
        Rekey,
        Rebuild,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (0u32..6, any::<u16>()).prop_map(|(rank, row)| Op::Insert(rank, row)),
            3 => any::<usize>().prop_map(Op::RemoveKey),
            1 => (2usize..5).prop_map(Op::Retain),
            1 => Just(Op::Rekey),
            1 => Just(Op::Rebuild),
        ]
    }

    /// Every reading of `shown` agrees with `model`, the sorted keys.
    fn agree(shown: &ShownRows, model: &[u64]) -> Result<(), TestCaseError> {
        let rows: Vec<usize> = model.iter().map(|&k| row_of(k)).collect();
        prop_assert_eq!(shown.len(), model.len());
        prop_assert_eq!(shown.is_empty(), model.is_empty());
        prop_assert_eq!(shown.to_vec(), rows.clone());
        prop_assert_eq!(shown.last(), rows.last().copied());
        for position in 0..=model.len() {
            prop_assert_eq!(shown.get(position), rows.get(position).copied());
            prop_assert_eq!(shown.key_at(position), model.get(position).copied());
        }
        for (position, &key) in model.iter().enumerate() {
            prop_assert_eq!(shown.find(key), Some(position));
            prop_assert!(shown.contains(row_of(key)));
        }
        prop_assert_eq!(shown, &ShownRows::from_keys(model));
        prop_assert!(
            shown
                .chunks
                .iter()
                .all(|c| !c.is_empty() && c.len() <= CHUNK_MAX)
        );
        let lasts: Vec<u64> = shown
            .chunks
            .iter()
            .filter_map(|c| c.last().copied())
            .collect();
        prop_assert_eq!(&shown.lasts, &lasts);
        prop_assert_eq!(shown.starts.borrow().len(), shown.chunks.len());
        Ok(())
    }

    proptest! {
        /// Any sequence of edits leaves the rows a sorted `Vec` of keys holds after the same
        /// edits: positions, lookups by key, ranges and removals agree.
        #[test]
        fn edits_agree_with_a_sorted_vec(
            start in proptest::collection::btree_map(any::<u16>(), 0u32..6, 0..300),
            ops in proptest::collection::vec(op(), 0..200),
            missing in (0u32..6, any::<u16>()),
            from in 0usize..400,
            length in 0usize..120,
        ) {
            let mut model: Vec<u64> =
                start.iter().map(|(&row, &rank)| row_key(rank, usize::from(row))).collect();
            model.sort_unstable();
            let mut shown = ShownRows::from_keys(&model);
            for op in ops {
                match op {
                    Op::Insert(rank, row) => {
                        let key = row_key(rank, usize::from(row));
                        // Keys are unique: a row shows once.
                        if !model.iter().any(|&k| row_of(k) == usize::from(row)) {
                            let expected = model.partition_point(|&k| k < key);
                            model.insert(expected, key);
                            shown.insert(key);
                            prop_assert_eq!(shown.find(key), Some(expected));
                        }
                    }
                    Op::RemoveKey(position) if !model.is_empty() => {
                        let key = model.remove(position % model.len());
                        prop_assert!(shown.remove_key(key));
                        prop_assert!(!shown.remove_key(key), "gone already");
                    }
                    Op::RemoveKey(_) => {}
                    Op::Retain(modulus) => {
                        model.retain(|&k| !row_of(k).is_multiple_of(modulus));
                        shown.retain(|r| !r.is_multiple_of(modulus));
                    }
                    Op::Rekey => {
                        // Every rank doubled: the order stays.
                        let double = |k: u64| row_key(((k >> 32) as u32) * 2, row_of(k));
                        let ranks: std::collections::HashMap<usize, u64> =
                            model.iter().map(|&k| (row_of(k), double(k))).collect();
                        model.iter_mut().for_each(|k| *k = double(*k));
                        shown.rekey(|row| ranks[&row]);
                    }
                    Op::Rebuild => {
                        let keys: Vec<u64> = shown.chunks.iter().flatten().copied().collect();
                        shown = ShownRows::from_keys(&keys);
                    }
                }
                prop_assert_eq!(shown.len(), model.len());
                prop_assert_eq!(shown.last(), model.last().map(|&k| row_of(k)));
                // A position read between edits (as the selection's is) is right.
                if !model.is_empty() {
                    let probe = (shown.len() * 7 / 11).min(model.len() - 1);
                    prop_assert_eq!(shown.key_at(probe), Some(model[probe]));
                }
            }
            agree(&shown, &model)?;
            let missing = row_key(missing.0, usize::from(missing.1));
            if model.binary_search(&missing).is_err() {
                prop_assert_eq!(shown.find(missing), None);
            }
            let range: Vec<usize> = shown.range(from..from + length).collect();
            let end = (from + length).min(model.len());
            let expected: Vec<usize> = model
                .get(from.min(end)..end)
                .unwrap_or(&[])
                .iter()
                .map(|&k| row_of(k))
                .collect();
            prop_assert_eq!(range, expected);
        }
    }

    #[test]
    fn a_full_chunk_splits_and_an_empty_one_goes() {
        let keys: Vec<u64> = (0..CHUNK_FILL * 2).map(|row| row_key(1, row)).collect();
        let mut shown = ShownRows::from_keys(&keys);
        assert_eq!(shown.chunks.len(), 2);
        for row in 0..=CHUNK_FILL {
            shown.insert(row_key(0, 1000 + row));
            assert_eq!(shown.find(row_key(0, 1000 + row)), Some(row));
        }
        assert_eq!(shown.chunks.len(), 3, "the first chunk split");
        assert_eq!(shown.get(0), Some(1000));
        assert_eq!(shown.get(CHUNK_FILL + 1), Some(0));
        while shown.len() > CHUNK_FILL {
            let first = shown.key_at(0).expect("rows left");
            assert!(shown.remove_key(first));
        }
        assert_eq!(shown.chunks.len(), 1, "emptied chunks are gone");
        assert_eq!(
            shown.to_vec(),
            (CHUNK_FILL..CHUNK_FILL * 2).collect::<Vec<_>>()
        );
    }
}
