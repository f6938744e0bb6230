//! Sort ranks: each row's value in the sort column as its position among the column's distinct
//! values, so sorting 100,000 rows compares integers instead of formatting and comparing a
//! string per row, and a row's key costs nothing to look up. The ranks are computed once per
//! listing and column (the badge column's are kept current as decode results arrive).

use std::collections::HashMap;

use super::{App, JobRow, SortColumn};

/// The ranks' bookkeeping, kept beside the rows' cached texts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowOrder {
    /// The column the rows' `rank`s were computed for (None: not computed for this listing).
    pub ranked: Option<SortColumn>,
    /// That column's distinct values, sorted: a rank is an index into it.
    pub values: Vec<String>,
    /// `visible` holds exactly the rows matching `filter_needle`, in this column's order
    /// (None: it must be rebuilt from every row), so a longer filter need only look at them.
    pub visible_for: Option<SortColumn>,
}

/// The last `/`- or `:`-separated part of an ARN, lowercased.
fn last_part(arn: Option<&str>) -> String {
    arn.and_then(|a| a.rsplit(['/', ':']).next())
        .unwrap_or("")
        .to_lowercase()
}

impl App {
    /// What `row` sorts by in `column` (the listing order for [`SortColumn::Created`]).
    pub(super) fn sort_value(&self, row: &JobRow, column: SortColumn) -> String {
        match column {
            SortColumn::Created => String::new(),
            SortColumn::Type => row.job.resource_type.clone().unwrap_or_default(),
            SortColumn::Role => last_part(row.job.iam_role_arn.as_deref()),
            SortColumn::Status => row.job.status.to_string(),
            SortColumn::Badge => self.badge(row).label(),
        }
    }

    /// Gives every row its rank in the sort column, unless they have it already.
    pub(super) fn rank_rows(&mut self) {
        if self.order.ranked == Some(self.sort) {
            return;
        }
        let column = self.sort;
        let mut distinct: HashMap<String, u32> = HashMap::new();
        let mut of_row = Vec::with_capacity(self.jobs.len());
        for row in &self.jobs {
            let value = self.sort_value(row, column);
            let next = u32::try_from(distinct.len()).unwrap_or(u32::MAX);
            of_row.push(*distinct.entry(value).or_insert(next));
        }
        let mut values: Vec<(String, u32)> = distinct.into_iter().collect();
        values.sort();
        let mut rank_of = vec![0; values.len()];
        for (rank, (_, first_seen)) in values.iter().enumerate() {
            rank_of[*first_seen as usize] = u32::try_from(rank).unwrap_or(u32::MAX);
        }
        for (text, seen) in self.row_texts.iter_mut().zip(of_row) {
            text.rank = rank_of[seen as usize];
        }
        self.order.values = values.into_iter().map(|(value, _)| value).collect();
        self.order.ranked = Some(column);
    }

    /// Row `index`'s badge changed while the table is sorted by badge: gives it the rank of its
    /// new label, making room for a label not seen before (the other rows keep their order).
    pub(super) fn rerank_badge(&mut self, index: usize) {
        let Some(row) = self.jobs.get(index) else {
            return;
        };
        let label = self.badge(row).label();
        let rank = match self.order.values.binary_search(&label) {
            Ok(rank) => rank,
            Err(rank) => {
                self.order.values.insert(rank, label);
                let shifted = u32::try_from(rank).unwrap_or(u32::MAX);
                for text in &mut self.row_texts {
                    if text.rank >= shifted {
                        text.rank += 1;
                    }
                }
                rank
            }
        };
        if let Some(text) = self.row_texts.get_mut(index) {
            text.rank = u32::try_from(rank).unwrap_or(u32::MAX);
        }
    }

    /// What row `index` sorts by: its rank in the sort column, then the listing order (so
    /// keys are unique and a sorted `visible` can be binary-searched).
    pub(super) fn sort_key(&self, index: usize) -> (u32, usize) {
        if self.sort == SortColumn::Created {
            return (0, index);
        }
        (self.row_texts.get(index).map_or(0, |t| t.rank), index)
    }
}
