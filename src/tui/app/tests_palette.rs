//! Navigation: `/` filters the focused pane (the tree's nodes too), and the `:` palette
//! completes and runs jobs, filter, sort, export, help and quit.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fixtures::app;
use super::*;
use crate::tui::action::Effect;
use crate::tui::keymap::{self, Context};
use crate::workflow::ExportFormat;

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let event = KeyEvent::new(code, KeyModifiers::NONE);
    keymap::action_for(app.context(), event)
        .map(|a| app.update(a))
        .unwrap_or_default()
}

fn type_str(app: &mut App, text: &str) {
    for ch in text.chars() {
        press(app, KeyCode::Char(ch));
    }
}

fn run(app: &mut App, command: &str) -> Vec<Effect> {
    press(app, KeyCode::Char(':'));
    assert_eq!(app.context(), Context::Palette);
    type_str(app, command);
    press(app, KeyCode::Enter)
}

#[test]
fn slash_in_the_tree_filters_its_nodes_not_the_jobs() {
    let mut app = app(false, (160, 45));
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Tree);
    press(&mut app, KeyCode::Char('/'));
    type_str(&mut app, "quicksetup");
    assert!(app.filter.is_empty(), "the jobs filter is untouched");
    assert_eq!(app.visible.len(), 4);
    let nodes = app.tree_nodes().expect("decoded");
    let ids: Vec<_> = nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids[0], "resource", "{ids:?}");
    assert!(
        !ids.contains(&"principal") && !ids.contains(&"verdict"),
        "only the matching nodes (and their ancestors): {ids:?}"
    );
    assert_eq!(
        app.tree_selected,
        vec!["resource".to_string()],
        "selection follows"
    );
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(screen.contains("filter tree: quicksetup▏"), "{screen}");
    assert!(screen.contains("Decoded context /quicksetup"), "{screen}");
    assert!(!screen.contains("Principal: AWSBackup"), "{screen}");
    // A nested match opens its ancestors.
    press(&mut app, KeyCode::Esc);
    assert!(app.tree_filter.is_empty(), "Esc clears the tree filter");
    press(&mut app, KeyCode::Char('/'));
    type_str(&mut app, "type:");
    let open = app.tree_open();
    assert!(open.contains(&vec!["principal".to_string()]));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('/'));
    type_str(&mut app, "zzz");
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(screen.contains("No node matches /type:zzz"), "{screen}");
}

#[test]
fn the_palette_completes_and_sorts() {
    let mut app = app(false, (160, 45));
    press(&mut app, KeyCode::Char(':'));
    type_str(&mut app, "so");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Tab);
    match app.modals.last() {
        Some(Modal::Palette(p)) => assert_eq!(p.input, "sort role"),
        other => panic!("{other:?}"),
    }
    press(&mut app, KeyCode::Enter);
    assert!(app.modals.is_empty());
    assert_eq!(app.sort, SortColumn::Role);
}

#[test]
fn the_palette_filters_exports_helps_and_quits() {
    let mut app = app(false, (160, 45));
    run(&mut app, "filter ebs");
    assert_eq!(app.filter, "ebs");
    assert_eq!(app.visible.len(), 1);
    run(&mut app, "filter");
    assert_eq!(app.visible.len(), 4, "an empty filter clears it");

    app.update(crate::tui::action::Action::First);
    run(&mut app, "export cli");
    match app.modals.last() {
        Some(Modal::Export(e)) => assert_eq!(e.format, ExportFormat::Cli),
        other => panic!("expected the export viewer, got {other:?}"),
    }
    press(&mut app, KeyCode::Esc);

    run(&mut app, "nope");
    match app.modals.last() {
        Some(Modal::Palette(p)) => {
            assert!(
                p.error
                    .as_deref()
                    .is_some_and(|e| e.contains("unknown command"))
            )
        }
        other => panic!("the palette stays with the error, got {other:?}"),
    }
    let screen = crate::tui::ui::tests::draw(&app);
    assert!(screen.contains("unknown command \"nope\""), "{screen}");
    press(&mut app, KeyCode::Esc);

    run(&mut app, "sort sideways");
    assert!(matches!(app.modals.last(), Some(Modal::Palette(p)) if p.error.is_some()));
    press(&mut app, KeyCode::Esc);

    run(&mut app, "help");
    assert!(matches!(app.modals.last(), Some(Modal::Help { .. })));
    run_from_help_then_jobs(&mut app);

    // q typed in the palette is text; :q runs quit.
    press(&mut app, KeyCode::Char(':'));
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.should_quit);
    press(&mut app, KeyCode::Enter);
    assert!(app.should_quit);
}

/// `:jobs` from anywhere closes every window.
fn run_from_help_then_jobs(app: &mut App) {
    press(app, KeyCode::Esc);
    app.update(crate::tui::action::Action::Describe);
    app.update(crate::tui::action::Action::FocusNext);
    assert!(!app.modals.is_empty());
    app.modals.push(Modal::Palette(PaletteModal::default()));
    type_str(app, "jobs");
    press(app, KeyCode::Enter);
    assert!(app.modals.is_empty());
    assert_eq!(app.focus, Pane::Jobs);
}
