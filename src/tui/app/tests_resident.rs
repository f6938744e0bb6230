//! The first `RESIDENT_DECODES` full decode results are kept, later ones keep only their badge
//! (the rows read the same), the selected job's is always kept, selecting a job whose result
//! was dropped decodes its message again, once, and at most `RECENT_DECODES` of those stay.

use super::fixtures::{self, PASSROLE};
use super::*;
use crate::tui::action::Action;

fn decoded_everything(jobs: usize) -> App {
    let mut app = App::new(fixtures::header(false), (160, 45));
    let _ = app.start();
    let generation = app.generation;
    let listed = (0..jobs)
        .map(|i| {
            let token = format!("t{i}");
            fixtures::job(
                &format!("{i:05}-job"),
                "2026-11-28T00:00:00Z",
                "EC2",
                Some(&token),
            )
        })
        .collect();
    app.update(Action::JobsLoaded {
        generation,
        result: Ok(listed),
    });
    for i in 0..jobs {
        app.update(Action::TokenDecoded {
            generation,
            token: format!("t{i}").into(),
            result: Ok(fixtures::decoded(PASSROLE)),
        });
    }
    app
}

fn done(app: &App) -> usize {
    app.decodes
        .values()
        .filter(|state| matches!(state, DecodeState::Done(_)))
        .count()
}

fn decode_again(app: &mut App, token: &str) {
    app.update(Action::TokenDecoded {
        generation: app.generation,
        token: token.into(),
        result: Ok(fixtures::decoded(PASSROLE)),
    });
}

#[test]
fn later_results_keep_only_their_badge_and_a_selected_one_is_decoded_again() {
    let jobs = RESIDENT_DECODES + 50;
    let mut app = decoded_everything(jobs);
    // The selected first job's, and the next `RESIDENT_DECODES`.
    assert_eq!(done(&app), RESIDENT_DECODES + 1);
    assert_eq!(app.decodes.len(), jobs);
    assert!(app.selected_decoded().is_some());
    for row in &app.jobs {
        assert_eq!(app.badge(row).label(), "iam:PassRole");
    }
    assert!(app.update(Action::MoveDown).is_empty(), "kept in full");
    // The last job's was not kept: selecting it asks for its message once, and shows it when back.
    let last = format!("t{}", jobs - 1);
    let effects = app.update(Action::Last);
    assert_eq!(
        effects,
        vec![Effect::Decode {
            generation: app.generation,
            tokens: vec![last.as_str().into()],
        }]
    );
    assert!(app.selected_decoded().is_none());
    assert!(crate::tui::ui::tests::draw(&app).contains("decoding… (STS"));
    assert!(
        app.update(Action::MoveUp).len() == 1,
        "the one above was not kept either"
    );
    assert!(app.update(Action::MoveDown).is_empty(), "asked once");
    decode_again(&mut app, &last);
    assert!(app.selected_decoded().is_some());
    assert!(crate::tui::ui::tests::draw(&app).contains("Verdict: missing allow"));
}

#[test]
fn results_decoded_again_are_bounded_too() {
    let jobs = RESIDENT_DECODES + RECENT_DECODES + 20;
    let mut app = decoded_everything(jobs);
    app.update(Action::Last);
    // Up from the last job, through jobs whose results were not kept.
    for _ in 0..RECENT_DECODES + 10 {
        let token = app
            .selected_row()
            .and_then(|r| r.job.encoded_message.clone());
        decode_again(&mut app, &token.expect("a token"));
        assert!(app.selected_decoded().is_some());
        app.update(Action::MoveUp);
    }
    assert_eq!(done(&app), RESIDENT_DECODES + RECENT_DECODES);
}

#[test]
fn a_filter_still_finds_rows_whose_results_were_dropped() {
    let mut app = decoded_everything(RESIDENT_DECODES + 10);
    app.filter = "passrole".into();
    app.refilter();
    assert_eq!(app.visible.len(), RESIDENT_DECODES + 10);
}

/// Cases are asked for the first `CASE_BUDGET` decoded jobs without a key, and for each job
/// the user selects; of the latter only the newest `RECENT_CASES` are kept, so moving through
/// 100,000 jobs keeps memory bounded.
#[test]
fn cases_are_bounded_to_the_budget_and_the_recently_selected() {
    let jobs = CASE_BUDGET + RECENT_CASES + 40;
    let mut app = decoded_everything(jobs);
    let asked = |app: &App| {
        app.jobs
            .iter()
            .filter(|r| app.case_of(&r.job).is_some())
            .count()
    };
    assert_eq!(asked(&app), CASE_BUDGET, "the budget, without a key");
    // Moving down past the budget asks for each selected job's case.
    let mut effects = Vec::new();
    for _ in 0..(CASE_BUDGET + RECENT_CASES + 20) {
        effects.extend(app.update(Action::MoveDown));
    }
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, crate::tui::action::Effect::BuildCases { .. })),
        "selected jobs ask for their cases"
    );
    assert!(
        asked(&app) <= CASE_BUDGET + RECENT_CASES + 1,
        "{} cases kept",
        asked(&app)
    );
    let selected = app.selected_row().expect("a row").job.clone();
    assert!(
        app.case_of(&selected).is_some(),
        "the selected job's case stays"
    );
}
