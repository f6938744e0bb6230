//! Sort ranks: each row's value in the sort column as its position among the column's distinct
//! values, so sorting 100,000 rows compares integers instead of formatting and comparing a
//! string per row. A listing numbers each row's type, role and status once (borrowing the
//! strings, one hash lookup each); ranking a column is then one array lookup per row. The
//! badge column ranks the few distinct badge labels the same way, again when a new one arrives.

use std::collections::HashMap;
use std::hash::Hash;

use super::shown::row_key;
use super::{App, SortColumn};

/// The fixed columns, numbered in each row: type, role, status.
const FIXED: [SortColumn; 3] = [SortColumn::Type, SortColumn::Role, SortColumn::Status];

/// The ranks' bookkeeping, kept beside the rows' cached texts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowOrder {
    /// The column the rows' `rank`s were computed for (None: not computed for this listing).
    pub ranked: Option<SortColumn>,
    /// `visible` holds exactly the rows matching `filter_needle`, in this column's order
    /// (None: it must be rebuilt from every row), so a longer filter need only look at them.
    pub visible_for: Option<SortColumn>,
    /// Per row: the number of its value in each of [`FIXED`].
    numbers: Vec<[u32; 3]>,
    /// Per fixed column: its distinct values' sort texts, by number.
    values: [Vec<String>; 3],
    /// Per badge label number: its rank, when the rows were last ranked by badge.
    badge_ranks: Vec<u32>,
}

/// The last `/`- or `:`-separated part of an ARN, lowercased.
fn last_part(arn: Option<&str>) -> String {
    arn.and_then(|a| a.rsplit(['/', ':']).next())
        .unwrap_or("")
        .to_lowercase()
}

/// Numbers `keys` by distinct key; returns each one's number and, by number, `text(key)`.
fn number<'a, K: Hash + Eq + 'a>(
    keys: impl Iterator<Item = K>,
    text: impl Fn(&K) -> String,
) -> (Vec<u32>, Vec<String>) {
    let mut seen: HashMap<K, u32> = HashMap::new();
    let mut texts = Vec::new();
    let numbers = keys
        .map(|key| {
            let next = u32::try_from(texts.len()).unwrap_or(u32::MAX);
            *seen.entry(key).or_insert_with_key(|key| {
                texts.push(text(key));
                next
            })
        })
        .collect();
    (numbers, texts)
}

/// Per number, the rank of `texts[number]` among the distinct texts (equal texts share one).
fn ranks(texts: &[String]) -> Vec<u32> {
    let mut by_text: Vec<usize> = (0..texts.len()).collect();
    by_text.sort_by(|&a, &b| texts[a].cmp(&texts[b]));
    let mut rank_of = vec![0; texts.len()];
    let mut rank = 0u32;
    for (position, &number) in by_text.iter().enumerate() {
        if position > 0 && texts[by_text[position - 1]] != texts[number] {
            rank += 1;
        }
        rank_of[number] = rank;
    }
    rank_of
}

impl App {
    /// Numbers every row's type, role and status (a new listing).
    pub(super) fn number_rows(&mut self) {
        let jobs = &self.jobs;
        let (types, type_texts) =
            number(jobs.iter().map(|r| r.job.resource_type.as_deref()), |t| {
                t.unwrap_or_default().to_string()
            });
        let (roles, role_texts) =
            number(jobs.iter().map(|r| r.job.iam_role_arn.as_deref()), |arn| {
                last_part(*arn)
            });
        let (statuses, status_texts) =
            number(jobs.iter().map(|r| &r.job.status), |s| s.to_string());
        self.order = RowOrder {
            numbers: (0..jobs.len())
                .map(|i| [types[i], roles[i], statuses[i]])
                .collect(),
            values: [type_texts, role_texts, status_texts],
            ..RowOrder::default()
        };
    }

    /// Gives every row its rank in the sort column, unless they have it already.
    pub(super) fn rank_rows(&mut self) {
        if self.order.ranked == Some(self.sort) {
            return;
        }
        let column = self.sort;
        if let Some(fixed) = FIXED.iter().position(|c| *c == column) {
            let rank_of = ranks(&self.order.values[fixed]);
            for (text, numbers) in self.row_texts.iter_mut().zip(&self.order.numbers) {
                text.rank = rank_of[numbers[fixed] as usize];
            }
        } else if column == SortColumn::Badge {
            self.order.badge_ranks = ranks(self.badge_labels.given());
            for text in &mut self.row_texts {
                text.rank = self.order.badge_ranks[text.badge as usize];
            }
        }
        self.order.ranked = Some(column);
    }

    /// Row `index`'s badge changed while the table is ranked by badge: gives it its label's
    /// rank, ranking every row again when the label is new (the others keep their order).
    pub(super) fn rerank_badge(&mut self, index: usize) {
        let Some(text) = self.row_texts.get_mut(index) else {
            return;
        };
        match self.order.badge_ranks.get(text.badge as usize) {
            Some(&rank) => text.rank = rank,
            None => {
                self.order.ranked = None;
                self.rank_rows();
                // The other labels keep their order, so the shown rows do too; their keys
                // carry the new ranks.
                let mut visible = std::mem::take(&mut self.visible);
                visible.rekey(|i| self.sort_key(i));
                self.visible = visible;
            }
        }
    }

    /// `rows`, given in listing order, in the sort column's order: a counting sort by rank
    /// (stable, so ties stay in listing order, as [`App::sort_key`] orders them). One pass
    /// over the rows: comparing sort keys looked each row's rank up far away in memory
    /// about 1.7 million times for 100,000 rows.
    pub(super) fn sort_by_rank(&self, rows: Vec<usize>) -> Vec<usize> {
        let rank = |i: usize| self.row_texts.get(i).map_or(0, |t| t.rank as usize);
        let ranks: Vec<usize> = rows.iter().map(|&i| rank(i)).collect();
        let mut starts = vec![0usize; ranks.iter().max().map_or(0, |m| m + 1) + 1];
        for &r in &ranks {
            starts[r + 1] += 1;
        }
        for r in 1..starts.len() {
            starts[r] += starts[r - 1];
        }
        let mut sorted = vec![0; rows.len()];
        for (&i, &r) in rows.iter().zip(&ranks) {
            sorted[starts[r]] = i;
            starts[r] += 1;
        }
        sorted
    }

    /// What row `index` sorts by: its rank in the sort column, then the listing order (so
    /// keys are unique and `visible`, which holds them, can be searched by key).
    pub(super) fn sort_key(&self, index: usize) -> u64 {
        if self.sort == SortColumn::Created {
            return row_key(0, index);
        }
        row_key(self.row_texts.get(index).map_or(0, |t| t.rank), index)
    }
}
