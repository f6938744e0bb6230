//! The rows kept incrementally: after any sequence of decode results, filter keys (a longer
//! filter searches only the rows the shorter one kept) and sort changes (rows sort by ranks),
//! `visible` is exactly what rebuilding every row from scratch gives, and the selected job
//! stays selected while it shows.

use proptest::prelude::*;

use super::fixtures::{self, EXPLICIT_DENY, PASSROLE};
use super::*;
use crate::tui::action::Action;

// "r1 iam:pass" spans a row's fields and its badge.
const FILTERS: [&str; 7] = [
    "",
    "passrole",
    "ec2",
    "deny",
    "decod",
    "failed: sts",
    "r1 iam:pass",
];

fn listed(jobs: usize, shared: usize) -> App {
    let mut app = App::new(fixtures::header(false), (160, 45));
    let _ = app.start();
    let generation = app.generation;
    let jobs = (0..jobs)
        .map(|i| {
            let token = (i % 5 != 4).then(|| format!("t{}", i % shared.max(1)));
            let kind = if i % 3 == 0 { "EBS" } else { "EC2" };
            let mut job = fixtures::job(
                &format!("{i:04}-job"),
                "2026-11-28T00:00:00Z",
                kind,
                token.as_deref(),
            );
            // Two ARNs end in R1: the role column shows (and sorts by) R1 for both.
            job.iam_role_arn = Some(if i % 7 == 3 {
                "arn:aws:iam::111122223333:role/service-role/R1".into()
            } else {
                format!("arn:aws:iam::111122223333:role/R{}", i % 7).into()
            });
            job
        })
        .collect();
    app.update(Action::JobsLoaded {
        generation,
        result: Ok(jobs),
    });
    app
}

proptest! {
    #[test]
    fn incremental_rows_equal_a_full_rebuild(
        jobs in 1usize..40,
        shared in 1usize..12,
        filter in 0usize..FILTERS.len(),
        sort in 0usize..SortColumn::ALL.len(),
        select in 0usize..40,
        decodes in proptest::collection::vec((0usize..12, 0u8..3, 0u8..12), 0..30),
    ) {
        let mut app = listed(jobs, shared);
        app.update(Action::StartFilter);
        for ch in FILTERS[filter].chars() {
            app.update(Action::InputChar(ch));
        }
        app.update(Action::InputSubmit);
        app.sort_by(SortColumn::ALL[sort]);
        app.selected = select.min(app.visible.len().saturating_sub(1));
        let mut selected_job = app.visible.get(app.selected);
        let generation = app.generation;
        for (token, outcome, edit) in decodes {
            let result = match outcome {
                0 => Ok(fixtures::decoded(PASSROLE)),
                1 => Ok(fixtures::decoded(EXPLICIT_DENY)),
                _ => Err(fixtures::failure("AccessDenied: sts:DecodeAuthorizationMessage")),
            };
            app.update(Action::TokenDecoded { generation, token: format!("t{token}").into(), result });
            // Then, sometimes, a key: a character typed at the filter's end (narrowing), a
            // backspace (widening) or another sort column.
            let before = app.visible.get(app.selected);
            match edit {
                0..=5 => {
                    app.filter.push(['a', 's', 'e', 'c', '2', ' '][usize::from(edit)]);
                    app.refilter();
                }
                6 | 7 => {
                    app.filter.pop();
                    app.refilter();
                }
                8 => app.sort_by(app.sort.next()),
                _ => {}
            }
            if edit <= 8 {
                if let Some(job) = before.filter(|&job| app.visible.contains(job)) {
                    prop_assert_eq!(app.visible.get(app.selected), Some(job));
                }
                selected_job = app.visible.get(app.selected);
            }
            let incremental = app.visible.clone();
            let mut rebuilt = App { visible: ShownRows::default(), ..clone_rows(&app) };
            rebuilt.reindex();
            prop_assert_eq!(incremental.to_vec(), rebuilt.visible.to_vec());
            // Each shown row holds its current key (a stale one would misplace a later row).
            let current: Vec<u64> = incremental.iter().map(|i| app.sort_key(i)).collect();
            prop_assert_eq!(incremental.keys(), current);
            // The simple definition of the order, without ranks: by the column's value as
            // text, then the listing order.
            let keys: Vec<(String, usize)> = incremental
                .iter()
                .map(|i| (sort_value(&app, &app.jobs[i]), i))
                .collect();
            prop_assert!(keys.is_sorted(), "not sorted by {:?}: {:?}", app.sort, keys);
            if let Some(job) = selected_job {
                if incremental.contains(job) {
                    prop_assert_eq!(app.visible.get(app.selected), Some(job));
                } else {
                    selected_job = app.visible.get(app.selected);
                }
            } else {
                selected_job = app.visible.get(app.selected);
            }
            prop_assert!(app.selected < app.visible.len().max(1));
        }
    }
}

/// What `row` sorts by, as the column shows it (the simple definition the ranks must keep).
fn sort_value(app: &App, row: &JobRow) -> String {
    let role = row.job.iam_role_arn.as_deref().unwrap_or("");
    match app.sort {
        SortColumn::Created => String::new(),
        SortColumn::Type => row.job.resource_type.as_deref().unwrap_or("").to_string(),
        SortColumn::Role => role.rsplit(['/', ':']).next().unwrap_or("").to_lowercase(),
        SortColumn::Status => row.job.status.to_string(),
        SortColumn::Badge => app.badge(row).label(),
    }
}

/// A copy of the row state (App is not Clone: it holds the modal stack and more).
fn clone_rows(app: &App) -> App {
    let mut copy = App::new(app.header.clone(), app.size);
    copy.jobs = app.jobs.clone();
    copy.decodes = app.decodes.clone();
    copy.filter = app.filter.clone();
    copy.sort = app.sort;
    copy
}

#[test]
fn o_cycles_the_sort_column_and_the_title_says_it() {
    let mut app = fixtures::app(false, (160, 45));
    let event = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('o'),
        crossterm::event::KeyModifiers::NONE,
    );
    let action = crate::tui::keymap::action_for(app.context(), event).expect("o is bound");
    app.update(action);
    assert_eq!(app.sort, SortColumn::Type);
    let types: Vec<_> = app
        .visible
        .iter()
        .map(|i| {
            app.jobs[i]
                .job
                .resource_type
                .as_deref()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(types, ["EBS", "EC2", "EC2", "EC2"]);
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(
        screen.contains("Failed restore jobs (4) sorted by type"),
        "{screen}"
    );
    app.sort_by(SortColumn::Badge);
    let badges: Vec<_> = app
        .visible
        .iter()
        .map(|i| app.badge(&app.jobs[i]).label())
        .collect();
    let mut sorted = badges.clone();
    sorted.sort();
    assert_eq!(badges, sorted);
}

#[test]
fn a_filter_spanning_a_rows_fields_and_its_badge_matches() {
    let mut app = listed(10, 10);
    let generation = app.generation;
    app.update(Action::TokenDecoded {
        generation,
        token: "t1".into(),
        result: Ok(fixtures::decoded(PASSROLE)),
    });
    app.filter = "r1 iam:pass".into();
    app.refilter();
    let shown: Vec<_> = app
        .visible
        .iter()
        .map(|i| app.jobs[i].job.restore_job_id.clone())
        .collect();
    assert_eq!(
        shown,
        ["0001-job"],
        "role …/R1, then the badge iam:PassRole"
    );
}

/// Decodes `token` in `app` to the example `text`.
fn decode(app: &mut App, token: &str, text: &str) {
    let generation = app.generation;
    app.update(Action::TokenDecoded {
        generation,
        token: token.into(),
        result: Ok(fixtures::decoded(text)),
    });
}

/// The jobs shown, by their position in the listing.
fn shown(app: &App) -> Vec<usize> {
    app.visible.to_vec()
}

#[test]
fn sorted_by_type_with_a_filter_a_decoded_row_joins_its_group_and_leaves_when_it_stops_matching() {
    let mut app = listed(12, 12);
    app.sort_by(SortColumn::Type);
    app.filter = "passrole".into();
    app.refilter();
    assert!(
        app.visible.is_empty(),
        "no badge says PassRole before a decode"
    );
    decode(&mut app, "t3", PASSROLE);
    decode(&mut app, "t1", PASSROLE);
    decode(&mut app, "t0", PASSROLE);
    // Rows 0 and 3 are EBS, row 1 EC2: EBS first, then the listing order.
    assert_eq!(shown(&app), [0, 3, 1]);
    app.selected = 2;
    decode(&mut app, "t6", PASSROLE);
    assert_eq!(shown(&app), [0, 3, 6, 1]);
    assert_eq!(app.selected, 3, "the selection stays on row 1");
    decode(&mut app, "t3", EXPLICIT_DENY);
    assert_eq!(shown(&app), [0, 6, 1], "an explicit deny no longer matches");
    assert_eq!(app.visible.get(app.selected).unwrap(), 1);
}

#[test]
fn sorted_by_badge_a_decoded_row_moves_to_its_badge_and_the_selection_stays() {
    let mut app = listed(6, 6);
    app.sort_by(SortColumn::Badge);
    // "decoding…" for the five rows with a token, "no encoded message" for row 4.
    assert_eq!(shown(&app), [0, 1, 2, 3, 5, 4]);
    app.selected = 3;
    decode(&mut app, "t2", PASSROLE);
    // "decoding…" < "iam:passrole" < "no encoded message".
    assert_eq!(shown(&app), [0, 1, 3, 5, 2, 4]);
    assert_eq!(
        app.visible.get(app.selected).unwrap(),
        3,
        "the selection stays on row 3"
    );
    decode(&mut app, "t0", EXPLICIT_DENY);
    assert_eq!(
        shown(&app),
        [1, 3, 5, 0, 2, 4],
        "\"explicit deny\" sorts before iam:"
    );
    assert_eq!(app.visible.get(app.selected).unwrap(), 3);
    decode(&mut app, "t3", PASSROLE);
    assert_eq!(shown(&app), [1, 5, 0, 2, 3, 4]);
    assert_eq!(
        app.visible.get(app.selected).unwrap(),
        3,
        "the selected row moved with its badge"
    );
}
