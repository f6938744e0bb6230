//! The jobs table's rows: a new listing, the filter, the sort order, and the decode results
//! that change one row's badge. Each row's filter text is cached (its fields, and its badge
//! apart); a decode result updates the badge of the rows holding its token and moves only
//! them, so decoding 100,000 jobs with a filter costs about what it costs without one, in
//! listing order and sorted (`decode_once` under callgrind, BENCHMARKS.md (b)): a joining row
//! goes into `visible` by its key (`shown.rs`), moving only its chunk, and the selection
//! follows by comparing keys. A longer filter looks only at the rows the
//! shorter one kept, and rows sort by integer ranks (`ranks.rs`), so a key press stays cheap
//! with 100,000 rows (`render -- keys`).

use super::labels::BadgeLabels;
use super::row_search::{fields_contain, joined_lowercase};
use super::token_rows::TokenRows;
use super::{App, DecodeState, JobRow, ListState, MessageModal, Modal, ShownRows};
use crate::diagnosis::denial::{Denial, parse_denial};
use crate::diagnosis::{Scope, Token, diagnose};
use crate::tui::action::Effect;
use crate::workflow::JobSummary;

/// A column the jobs table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    /// Newest first, as listed.
    Created,
    /// The resource type.
    Type,
    /// The restore role's name.
    Role,
    /// The job status.
    Status,
    /// The diagnosis badge.
    Badge,
}

impl SortColumn {
    /// Every column, in the order `o` cycles them.
    pub const ALL: [SortColumn; 5] = [
        SortColumn::Created,
        SortColumn::Type,
        SortColumn::Role,
        SortColumn::Status,
        SortColumn::Badge,
    ];

    /// Its name in the palette and the table title.
    pub fn name(self) -> &'static str {
        match self {
            SortColumn::Created => "created",
            SortColumn::Type => "type",
            SortColumn::Role => "role",
            SortColumn::Status => "status",
            SortColumn::Badge => "badge",
        }
    }

    /// The column named `name`.
    pub fn parse(name: &str) -> Option<SortColumn> {
        SortColumn::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The next column (`o`).
    pub fn next(self) -> SortColumn {
        let here = SortColumn::ALL.iter().position(|c| *c == self).unwrap_or(0);
        SortColumn::ALL[(here + 1) % SortColumn::ALL.len()]
    }
}

/// What the filter matches in one row besides the job's fields (searched in the job itself,
/// `row_search.rs`): its badge (which a decode changes), after a space.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowText {
    /// The badge's label, as its number in [`BadgeLabels`].
    pub badge: u32,
    /// Whether `fields` contains the current filter, once searched (None: not searched since
    /// the filter changed, because the badge matched).
    pub fields_match: Option<bool>,
    /// Its value's rank in the sort column (set by `App::rank_rows`).
    pub rank: u32,
}

impl RowText {
    /// Whether the row's text (`fields badge`, the fields those of `job`) contains `needle`,
    /// the filter `labels` were matched against. A needle without a space cannot span the two
    /// parts, so a matching badge settles it without searching the fields.
    fn contains(&self, job: &JobSummary, needle: &str, labels: &BadgeLabels) -> bool {
        needle.is_empty()
            || labels.matches(self.badge)
            || self
                .fields_match
                .unwrap_or_else(|| fields_contain(job, needle))
            || (labels.needle_spaced() && self.spans(job, needle, labels))
    }

    /// [`RowText::contains`] for a new `needle`, remembering what the fields search found.
    fn refresh(&mut self, job: &JobSummary, needle: &str, labels: &BadgeLabels) -> bool {
        self.fields_match = None;
        if needle.is_empty() || labels.matches(self.badge) {
            return true;
        }
        let found = fields_contain(job, needle);
        self.fields_match = Some(found);
        found || (labels.needle_spaced() && self.spans(job, needle, labels))
    }

    /// `needle` (which holds a space: the callers check, so no call is made for the usual
    /// filter without one) spans the fields and the badge.
    fn spans(&self, job: &JobSummary, needle: &str, labels: &BadgeLabels) -> bool {
        format!("{} {}", joined_lowercase(job), labels.text(self.badge)).contains(needle)
    }
}

impl App {
    /// What the filter matches for `row` besides its job's fields.
    fn row_text(&self, row: &JobRow, labels: &mut BadgeLabels) -> RowText {
        RowText {
            badge: labels.id_of(self.badge(row).label()),
            fields_match: None,
            rank: 0,
        }
    }

    fn matches(&self, index: usize, needle: &str) -> bool {
        needle.is_empty()
            || self
                .row_texts
                .get(index)
                .zip(self.jobs.get(index))
                .is_some_and(|(text, row)| text.contains(&row.job, needle, &self.badge_labels))
    }

    /// Rebuilds every row's cached text and the token index (a new listing, a fixed mark
    /// changed), then `visible`.
    pub(crate) fn reindex(&mut self) {
        let mut labels = std::mem::take(&mut self.badge_labels);
        self.row_texts = self
            .jobs
            .iter()
            .map(|row| self.row_text(row, &mut labels))
            .collect();
        self.badge_labels = labels;
        self.rows_by_token.clear();
        for (index, row) in self.jobs.iter().enumerate() {
            if let Some(token) = &row.job.encoded_message {
                self.rows_by_token
                    .entry(token.clone())
                    .and_modify(|rows| rows.push(index))
                    .or_insert_with(|| TokenRows::new(index));
            }
        }
        self.number_rows();
        self.refilter();
    }

    /// Recomputes `visible` from the cached texts, the filter and the sort, keeping the
    /// selected job when it still shows. A filter that contains the previous one (a key typed
    /// at its end) can only keep rows the previous one kept: only those are searched.
    pub(crate) fn refilter(&mut self) {
        let keep = self.visible.get(self.selected);
        let needle = self.filter.to_lowercase();
        let narrowing =
            self.order.visible_for == Some(self.sort) && needle.contains(&self.filter_needle);
        self.filter_needle = needle;
        self.rank_rows();
        self.badge_labels.set_needle(&self.filter_needle);
        let (needle, labels) = (self.filter_needle.as_str(), &self.badge_labels);
        let visible = if narrowing {
            // A row the previous filter hid has fields without it, so without this one:
            // its `fields_match` is already `Some(false)`.
            let mut kept = std::mem::take(&mut self.visible);
            let (texts, jobs) = (&mut self.row_texts, &self.jobs);
            kept.retain(|i| {
                texts
                    .get_mut(i)
                    .zip(jobs.get(i))
                    .is_some_and(|(t, row)| t.refresh(&row.job, needle, labels))
            });
            kept
        } else {
            let mut visible: Vec<usize> = Vec::new();
            for (i, (text, row)) in self.row_texts.iter_mut().zip(&self.jobs).enumerate() {
                if text.refresh(&row.job, needle, labels) {
                    visible.push(i);
                }
            }
            if self.sort != SortColumn::Created {
                visible = self.sort_by_rank(visible);
            }
            let keys: Vec<u64> = visible.iter().map(|&i| self.sort_key(i)).collect();
            ShownRows::from_keys(&keys)
        };
        self.visible = visible;
        self.visible.reserve_for(self.jobs.len());
        self.order.visible_for = Some(self.sort);
        self.selected = keep
            .and_then(|job| self.visible.iter().position(|i| i == job))
            .unwrap_or(0);
    }

    /// Sorts the table by `column`.
    pub(super) fn sort_by(&mut self, column: SortColumn) {
        self.sort = column;
        self.refilter();
        self.status = Some(format!("sorted by {}", column.name()));
    }

    /// Where row `index` is in `visible`, if it shows. `visible` holds the rows' current sort
    /// keys (every `refilter` ranks the rows for the sort column before building it, a new
    /// badge label re-keys it, and a row whose key changes is taken out first), so a search
    /// by key finds it.
    fn position_of(&self, index: usize) -> Option<usize> {
        debug_assert_eq!(
            self.order.ranked,
            Some(self.sort),
            "visible is keyed by its sort"
        );
        match self.sort {
            // Listing order: results mostly arrive in it, past the last shown row.
            SortColumn::Created if self.visible.last().is_none_or(|last| last < index) => None,
            _ => self.visible.find(self.sort_key(index)),
        }
    }

    /// `token` was decoded: only the rows holding it get a new badge and filter text, and
    /// join, leave or move in `visible`.
    pub(super) fn token_changed(&mut self, token: &str) {
        let Some(rows) = self.rows_by_token.get(token).map(TokenRows::indices) else {
            return;
        };
        self.rows_changed(&rows);
    }

    /// Row `index` has a new badge (its case arrived): it joins, leaves or moves in `visible`.
    pub(super) fn row_changed(&mut self, index: usize) {
        self.rows_changed(&[index]);
    }

    /// `rows` have new badges: only they get a new filter text, and join, leave or move in
    /// `visible`.
    fn rows_changed(&mut self, rows: &[usize]) {
        let needle = std::mem::take(&mut self.filter_needle);
        if self.sort == SortColumn::Badge {
            self.move_rebadged_rows(rows, &needle);
        } else if needle.is_empty() {
            // Without a filter every row shows and keeps its place.
            for &index in rows {
                self.rebadge(index);
            }
        } else {
            for &index in rows {
                // `visible` holds exactly the rows matching the filter, so whether the row
                // shows is whether it matched before its new badge; in listing order looking
                // is cheaper than matching (mostly one comparison with the last shown row).
                let shown = if self.sort == SortColumn::Created {
                    self.position_of(index).is_some()
                } else {
                    self.matches(index, &needle)
                };
                self.rebadge(index);
                self.move_changed_row(index, shown, &needle);
            }
            self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        }
        self.filter_needle = needle;
    }

    /// Gives row `index` the badge (and, sorted by badge, the rank) of its decode state.
    fn rebadge(&mut self, index: usize) {
        if let Some(row) = self.jobs.get(index) {
            let badge = self.badge_labels.id_of(self.badge(row).label());
            if let Some(text) = self.row_texts.get_mut(index) {
                text.badge = badge;
            }
        }
        if self.sort == SortColumn::Badge {
            self.rerank_badge(index);
        }
    }

    /// Sorted by badge, the decoded `rows` change their sort keys: each is taken out by its
    /// old key (before its new badge and rank: a search, so the rest stays sorted; a full scan
    /// of `visible` per decode made decoding 100,000 jobs take seconds), given its new badge,
    /// and put back where its new key puts it if it matches `needle`. A new label ranks every
    /// row again, which keeps the others' order (`rerank_badge`).
    fn move_rebadged_rows(&mut self, rows: &[usize], needle: &str) {
        let kept = self.visible.get(self.selected);
        for &index in rows {
            // By its old key, before the new badge changes it.
            self.visible.remove_key(self.sort_key(index));
            self.rebadge(index);
            if self.matches(index, needle) {
                self.visible.insert(self.sort_key(index));
            }
        }
        if let Some(position) = kept.and_then(|job| self.position_of(job)) {
            self.selected = position;
        }
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    /// Moves row `index`, whose badge changed but not its sort key, into or out of `visible`
    /// for the filter `needle` (`shown`: it is there); the others keep their order and the
    /// selection shifts by what moved before it, found by comparing keys (no position is read,
    /// so none has to be put right).
    fn move_changed_row(&mut self, index: usize, shown: bool, needle: &str) {
        let matches = self.matches(index, needle);
        if shown == matches {
            return;
        }
        let key = self.sort_key(index);
        // A row past the last shown one (in listing order, most) cannot be before the
        // selected one.
        let before_selected = self.visible.last_key().is_some_and(|last| key < last)
            && self
                .visible
                .key_at(self.selected)
                .is_some_and(|selected| key < selected);
        if shown {
            self.visible.remove_key(key);
            if before_selected {
                self.selected -= 1;
            }
        } else {
            self.visible.insert(key);
            if before_selected {
                self.selected += 1;
            }
        }
    }

    pub(super) fn jobs_loaded(
        &mut self,
        result: Result<Vec<crate::workflow::JobSummary>, crate::workflow::SharedError>,
    ) -> Vec<Effect> {
        let jobs = match result {
            Ok(jobs) => jobs,
            Err(reason) => {
                let reason = reason.to_string();
                self.list_state = ListState::Failed(reason.clone());
                // The old rows stay, marked with when they stopped being current.
                if !self.jobs.is_empty() && self.stale_since.is_none() {
                    self.stale_since = Some(
                        self.wall_time()
                            .unwrap_or_else(|| "the last refresh".into()),
                    );
                }
                self.modals.push(Modal::Message(MessageModal::error(
                    "Cannot list restore jobs",
                    &reason,
                )));
                return Vec::new();
            }
        };
        let keep = self.selected_row().map(|r| r.job.restore_job_id.clone());
        // The same size as a job, so the listing's memory becomes the rows' (no copy).
        self.jobs = jobs.into_iter().map(|job| JobRow { job }).collect();
        self.list_state = ListState::Loaded;
        self.stale_since = None;
        // A plain-text denial is read as it is (no STS call): its diagnosis is ready at once,
        // keyed by the status message, so the row shows its action and can be fixed.
        for row in &self.jobs {
            if row.job.encoded_message.is_some() {
                continue;
            }
            let Some(text) = row
                .job
                .status_message
                .as_ref()
                .and_then(|m| m.shared_text())
            else {
                continue;
            };
            if self.decodes.contains_key(&**text) {
                continue;
            }
            if let Ok(Denial::PlainText(message)) = parse_denial(text) {
                let diagnosis = diagnose(&message, Scope::Exact);
                self.decodes.insert(
                    Token::from(text.clone()),
                    DecodeState::Done(std::sync::Arc::new((message, diagnosis))),
                );
            }
        }
        // Row indices changed with the new listing: keep the selected job by its ID.
        self.visible.clear();
        self.reindex();
        if let Some(id) = keep {
            self.selected = self
                .visible
                .iter()
                .position(|i| self.jobs[i].job.restore_job_id == id)
                .unwrap_or(0);
        }
        let mut tokens = Vec::new();
        for token in self
            .jobs
            .iter()
            .filter_map(|r| r.job.encoded_message.clone())
        {
            if !self.decodes.contains_key(&token) {
                self.decodes.insert(token.clone(), DecodeState::Pending);
                tokens.push(token);
            }
        }
        // The cases of the jobs whose messages are read already (plain text, or decoded by an
        // earlier listing): their layers are read now.
        let rows: Vec<usize> = (0..self.jobs.len()).collect();
        let mut effects = self.want_cases(&rows, false);
        if !tokens.is_empty() {
            effects.push(Effect::Decode {
                generation: self.generation,
                tokens,
            });
        }
        effects
    }
}
