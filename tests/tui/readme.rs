//! README's "In the UI: …" key list matches the keymap that drives the footer and `?` help:
//! every key it names is bound, and every key the footer can show is named; the command
//! palette's commands it names are exactly the palette's.

use std::collections::HashSet;

use restore_doctor::tui::app::COMMANDS;
use restore_doctor::tui::keymap::{BINDINGS, Context};

/// The backticked texts of README's "In the UI:" paragraph.
fn readme_codes() -> Vec<&'static str> {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("In the UI:")
        .expect("README has an \"In the UI:\" paragraph");
    let paragraph = readme[start..].split("\n\n").next().unwrap_or_default();
    paragraph.split('`').skip(1).step_by(2).collect()
}

/// A backticked text naming a palette command (`sort COLUMN`), not a key.
fn is_command(code: &str) -> bool {
    let word = code.split(' ').next().unwrap_or_default();
    COMMANDS.iter().any(|(name, ..)| *name == word) && code != "q"
}

/// The backticked keys of README's "In the UI:" paragraph, split on `/` and spaces.
fn readme_keys() -> HashSet<String> {
    readme_codes()
        .into_iter()
        .filter(|code| !is_command(code))
        .flat_map(|code| {
            if code == "/" {
                return vec![code.to_string()];
            }
            code.split([' ', '/'])
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        // Flags such as `--mouse` are not keys.
        .filter(|key| !key.is_empty() && !key.starts_with("--"))
        .collect()
}

fn label_parts(label: &str) -> Vec<String> {
    if label == "/" {
        return vec![label.to_string()];
    }
    label.split('/').map(str::to_string).collect()
}

#[test]
fn every_key_readme_names_is_bound() {
    let bound: HashSet<String> = BINDINGS.iter().flat_map(|b| label_parts(b.label)).collect();
    let named = readme_keys();
    assert!(named.len() > 15, "{named:?}");
    let unbound: Vec<_> = named.iter().filter(|k| !bound.contains(*k)).collect();
    assert!(unbound.is_empty(), "README names unbound keys {unbound:?}");
}

#[test]
fn every_key_the_footer_shows_is_named_in_readme() {
    let named = readme_keys();
    let missing: Vec<_> = BINDINGS
        .iter()
        .filter(|b| b.hint.is_some())
        .filter(|b| {
            b.contexts.iter().any(|c| {
                matches!(
                    c,
                    Context::Jobs | Context::Tree | Context::Preview | Context::Confirm
                )
            })
        })
        .filter(|b| !label_parts(b.label).iter().any(|part| named.contains(part)))
        .map(|b| b.label)
        .collect();
    assert!(missing.is_empty(), "README does not name {missing:?}");
}

#[test]
fn the_palette_commands_readme_names_are_the_palettes() {
    let named: HashSet<String> = readme_codes()
        .into_iter()
        .filter(|code| is_command(code))
        .map(str::to_string)
        .collect();
    let commands: HashSet<String> = COMMANDS
        .iter()
        .map(|(name, argument, _)| format!("{name} {argument}").trim_end().to_string())
        .collect();
    assert_eq!(named, commands);
}
