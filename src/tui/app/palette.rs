//! The `:` command palette: a typed command with completion (Tab takes the highlighted
//! candidate, ↑/↓ move through them) and what each command does when Enter runs it.

use super::{App, FORMATS, Modal, Pane, SortColumn, format_name};
use crate::aws::profiles::{COMMERCIAL_REGIONS, is_region_name};
use crate::tui::action::Effect;
use crate::workflow::StatusFilter;

/// The commands: name, argument (shown in help and the palette), what it does.
pub const COMMANDS: [(&str, &str, &str); 9] = [
    ("jobs", "", "close every window and go to the jobs table"),
    (
        "status",
        "STATUS",
        "list the jobs in this status (all: every one)",
    ),
    ("region", "NAME", "switch to this region; list its jobs"),
    (
        "profile",
        "NAME",
        "switch to this AWS profile; list its jobs",
    ),
    (
        "filter",
        "TEXT",
        "filter the jobs (empty: clear the filter)",
    ),
    (
        "sort",
        "COLUMN",
        "sort the jobs: created, type, role, status, badge",
    ),
    (
        "export",
        "FORMAT",
        "export the fix: terraform, cloudformation, cli, json",
    ),
    ("help", "", "show every key"),
    ("quit", "", "quit (asks first while a write is in flight)"),
];

/// The palette's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PaletteModal {
    /// What is typed (without the `:`).
    pub input: String,
    /// The highlighted candidate.
    pub selected: usize,
    /// Why the last command could not run.
    pub error: Option<String>,
    /// The profiles `profile` completes to (from the AWS config files).
    pub profiles: Vec<String>,
}

/// The values a command's argument can take, when they are a known set.
fn arguments<'a>(command: &str, profiles: &'a [String]) -> Vec<&'a str> {
    match command {
        "sort" => SortColumn::ALL.iter().map(|c| c.name()).collect(),
        "export" => FORMATS.iter().map(|f| format_name(*f)).collect(),
        "status" => StatusFilter::NAMES.to_vec(),
        "region" => COMMERCIAL_REGIONS.to_vec(),
        "profile" => profiles.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The command `word` names: exactly, or as the prefix of one command only.
fn resolve(word: &str) -> Option<&'static str> {
    if let Some((name, ..)) = COMMANDS.iter().find(|(name, ..)| *name == word) {
        return Some(name);
    }
    let mut matching = COMMANDS.iter().filter(|(name, ..)| name.starts_with(word));
    match (matching.next(), matching.next()) {
        (Some((name, ..)), None) if !word.is_empty() => Some(name),
        _ => None,
    }
}

/// The completions of `input`: whole command lines it can become (`profiles` are the names
/// `profile` completes to).
pub fn candidates(input: &str, profiles: &[String]) -> Vec<String> {
    match input.split_once(' ') {
        None => COMMANDS
            .iter()
            .filter(|(name, ..)| name.starts_with(input))
            .map(|(name, argument, _)| {
                if argument.is_empty() {
                    name.to_string()
                } else {
                    format!("{name} ")
                }
            })
            .collect(),
        Some((word, rest)) => match resolve(word) {
            Some(command) => arguments(command, profiles)
                .into_iter()
                .filter(|value| value.starts_with(rest.trim_start()))
                .map(|value| format!("{command} {value}"))
                .collect(),
            None => Vec::new(),
        },
    }
}

impl App {
    fn palette_mut(&mut self) -> Option<&mut PaletteModal> {
        match self.modals.last_mut() {
            Some(Modal::Palette(palette)) => Some(palette),
            _ => None,
        }
    }

    /// `:` opens the palette.
    pub(super) fn open_palette(&mut self) -> Vec<Effect> {
        self.modals.push(Modal::Palette(PaletteModal {
            profiles: self.profiles.clone(),
            ..PaletteModal::default()
        }));
        Vec::new()
    }

    /// Typing in the palette.
    pub(super) fn edit_palette(&mut self, edit: impl FnOnce(&mut String)) {
        if let Some(palette) = self.palette_mut() {
            edit(&mut palette.input);
            palette.selected = 0;
            palette.error = None;
        }
    }

    /// ↑/↓ in the palette: the highlighted candidate.
    pub(super) fn move_palette(&mut self, delta: isize) {
        if let Some(palette) = self.palette_mut() {
            let last = candidates(&palette.input, &palette.profiles)
                .len()
                .saturating_sub(1);
            palette.selected = palette.selected.saturating_add_signed(delta).min(last);
        }
    }

    /// Tab: the highlighted candidate becomes the input.
    pub(super) fn complete(&mut self) -> Vec<Effect> {
        if let Some(palette) = self.palette_mut()
            && let Some(choice) =
                candidates(&palette.input, &palette.profiles).get(palette.selected)
        {
            palette.input = choice.clone();
            palette.selected = 0;
            palette.error = None;
        }
        Vec::new()
    }

    /// Enter: runs the typed command (or says why it cannot).
    pub(super) fn run_palette(&mut self) -> Vec<Effect> {
        let Some(input) = self.palette_mut().map(|p| p.input.trim().to_string()) else {
            return Vec::new();
        };
        let (word, rest) = input.split_once(' ').unwrap_or((&input, ""));
        let rest = rest.trim();
        let fail = |app: &mut App, reason: String| {
            if let Some(palette) = app.palette_mut() {
                palette.error = Some(reason);
            }
            Vec::new()
        };
        let Some(command) = resolve(word) else {
            return fail(
                self,
                format!(
                    "unknown command {word:?}: jobs, status STATUS, region NAME, profile NAME, filter TEXT, sort COLUMN, export FORMAT, help, quit (Tab completes)"
                ),
            );
        };
        match command {
            "status" => match StatusFilter::parse(rest) {
                Some(status) => {
                    self.modals.pop();
                    self.show_status(status)
                }
                None => fail(
                    self,
                    format!("list which jobs? {}", StatusFilter::NAMES.join(", ")),
                ),
            },
            "region" if is_region_name(rest) => {
                self.modals.pop();
                self.switch_session(Some(rest.to_string()), None)
            }
            "region" => fail(
                self,
                format!("{rest:?} is not an AWS region name such as us-east-1 (Tab completes)"),
            ),
            "profile" if !rest.is_empty() => {
                if !self.profiles.iter().any(|p| p == rest) {
                    return fail(
                        self,
                        format!(
                            "no profile {rest:?} in the AWS config or credentials file (Tab completes the ones there)"
                        ),
                    );
                }
                self.modals.pop();
                self.switch_session(None, Some(rest.to_string()))
            }
            "profile" => fail(self, "which profile? (Tab completes)".into()),
            "sort" => match SortColumn::parse(rest) {
                Some(column) => {
                    self.modals.pop();
                    self.sort_by(column);
                    Vec::new()
                }
                None => fail(
                    self,
                    "sort by what? created, type, role, status or badge".into(),
                ),
            },
            "export" => match FORMATS.iter().find(|f| format_name(**f) == rest) {
                Some(format) => {
                    self.modals.pop();
                    self.open_export(*format)
                }
                None => fail(
                    self,
                    "export as what? terraform, cloudformation, cli or json".into(),
                ),
            },
            "filter" => {
                self.modals.pop();
                self.filter = rest.to_string();
                self.refilter();
                Vec::new()
            }
            "jobs" => {
                self.modals.clear();
                self.focus = Pane::Jobs;
                self.filter_editing = false;
                Vec::new()
            }
            "help" => {
                self.modals.pop();
                self.update(crate::tui::action::Action::Help)
            }
            _ => {
                self.modals.pop();
                self.quit();
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_offers_commands_then_their_arguments() {
        let none: &[String] = &[];
        assert_eq!(candidates("so", none), ["sort "]);
        assert_eq!(candidates("s", none), ["status ", "sort "]);
        assert_eq!(candidates("", none).len(), COMMANDS.len());
        assert_eq!(
            candidates("sort ", none),
            SortColumn::ALL.map(|c| format!("sort {}", c.name()))
        );
        assert_eq!(candidates("so r", none), ["sort role"]);
        assert_eq!(
            candidates("export c", none),
            ["export cloudformation", "export cli"]
        );
        assert!(
            candidates("filter ab", none).is_empty(),
            "free text has no completion"
        );
        assert!(candidates("nope", none).is_empty());
        assert_eq!(candidates("st a", none), ["status aborted", "status all"]);
        assert_eq!(
            candidates("region us-west-", none),
            ["region us-west-1", "region us-west-2"]
        );
        let profiles = ["dev".to_string(), "prod".to_string()];
        assert_eq!(candidates("profile p", &profiles), ["profile prod"]);
        assert!(candidates("profile p", none).is_empty());
        assert_eq!(resolve("q"), Some("quit"));
        assert_eq!(resolve(""), None);
    }
}
