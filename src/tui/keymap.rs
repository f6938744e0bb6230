//! The one central keymap: which key does what in which context. The footer hints and the `?`
//! help overlay are generated from [`BINDINGS`], so they cannot drift from the behaviour.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;

/// Where the keys go: the focused pane, or the modal on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The failed jobs table.
    Jobs,
    /// The decoded context tree.
    Tree,
    /// Typing a jobs filter.
    Filter,
    /// The fix preview modal.
    Preview,
    /// A confirmation modal.
    Confirm,
    /// A message or error modal.
    Message,
    /// The message after a fix was applied (it offers the re-run).
    Applied,
    /// The help overlay.
    Help,
    /// Typing a help search.
    HelpFilter,
    /// The re-run progress modal.
    Progress,
    /// The export viewer.
    Export,
    /// Typing the path an export is saved to.
    ExportSave,
    /// The file to save to exists: only `y` overwrites it.
    ExportOverwrite,
    /// The describe view of one job.
    Describe,
    /// The `:` command palette.
    Palette,
    /// The terminal is too small to draw the layout.
    TooSmall,
    /// A confirmation is open but not fully on screen: it cannot be answered, only cancelled.
    HiddenConfirm,
}

impl Context {
    /// The name shown in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Jobs => "Jobs",
            Context::Tree => "Context tree",
            Context::Filter => "Filter",
            Context::Preview => "Preview",
            Context::Confirm => "Confirmation",
            Context::Message => "Message",
            Context::Applied => "Fix applied",
            Context::Help => "Help",
            Context::HelpFilter => "Help search",
            Context::Progress => "Re-run",
            Context::Export => "Export",
            Context::ExportSave => "Export: save to",
            Context::ExportOverwrite => "Export: the file exists",
            Context::Describe => "Describe job",
            Context::Palette => "Command palette",
            Context::TooSmall => "Terminal too small",
            Context::HiddenConfirm => "Confirmation not fully visible",
        }
    }
}

/// A key: its code and whether Ctrl is held (Shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl held.
    pub ctrl: bool,
}

const fn k(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}
const fn c(ch: char) -> Key {
    Key {
        code: KeyCode::Char(ch),
        ctrl: false,
    }
}
const fn ctrl(ch: char) -> Key {
    Key {
        code: KeyCode::Char(ch),
        ctrl: true,
    }
}

/// One binding: keys, the contexts it applies in, its action, and how help describes it.
#[derive(Debug, Clone)]
pub struct Binding {
    /// The contexts it applies in.
    pub contexts: &'static [Context],
    /// The keys.
    pub keys: Vec<Key>,
    /// The keys as shown (`j/↓`).
    pub label: &'static str,
    /// What it does.
    pub description: &'static str,
    /// The footer's short text, when the footer shows it.
    pub hint: Option<&'static str>,
    /// The action.
    pub action: Action,
}

use Context::*;

const MOVABLE: &[Context] = &[Jobs, Tree, Preview, Help, Describe, Export];
const PANES: &[Context] = &[Jobs, Tree];
// Not on a confirmation: there only y, n, Enter, Esc (and Ctrl-c) mean anything.
const ANYWHERE_BUT_TYPING: &[Context] = &[
    Jobs, Tree, Preview, Message, Applied, Help, Progress, Export, Describe,
];

fn b(
    contexts: &'static [Context],
    keys: &[Key],
    label: &'static str,
    description: &'static str,
    hint: Option<&'static str>,
    action: Action,
) -> Binding {
    Binding {
        contexts,
        keys: keys.to_vec(),
        label,
        description,
        hint,
        action,
    }
}

/// Every binding, in the order help lists them.
#[rustfmt::skip]
pub static BINDINGS: std::sync::LazyLock<Vec<Binding>> = std::sync::LazyLock::new(|| {
    vec![
        b(&[Confirm], &[c('y'), c('Y')], "y", "confirm: do it", Some("confirm"), Action::Confirm),
        b(&[Confirm], &[c('n'), k(KeyCode::Enter), k(KeyCode::Esc)], "n/Enter/Esc", "cancel (the default)", Some("cancel"), Action::Cancel),
        // A second choice, never an answer: it opens its own confirmation.
        b(&[Confirm], &[c('i')], "i", "re-run WITHOUT the instance profile instead (asks again; changes what is restored)", Some("without instance profile"), Action::AskRerunWithoutInstanceProfile),
        // A confirmation that is not fully visible is never answered: y and Enter do nothing.
        b(&[HiddenConfirm], &[c('q'), c('n'), k(KeyCode::Esc)], "q/n/Esc", "cancel the hidden confirmation (y does nothing until it is visible)", Some("cancel"), Action::Cancel),
        b(&[TooSmall], &[c('q')], "q", "quit", Some("quit"), Action::Quit),
        b(MOVABLE, &[c('k'), k(KeyCode::Up)], "k/↑", "move up", None, Action::MoveUp),
        b(MOVABLE, &[c('j'), k(KeyCode::Down)], "j/↓", "move down", Some("move"), Action::MoveDown),
        b(MOVABLE, &[k(KeyCode::PageUp), ctrl('u')], "PgUp/C-u", "page up", None, Action::PageUp),
        b(MOVABLE, &[k(KeyCode::PageDown), ctrl('d')], "PgDn/C-d", "page down", None, Action::PageDown),
        b(MOVABLE, &[c('g'), k(KeyCode::Home)], "g", "go to the first line", None, Action::First),
        b(MOVABLE, &[c('G'), k(KeyCode::End)], "G", "go to the last line", None, Action::Last),
        b(PANES, &[k(KeyCode::Tab)], "Tab", "next pane", Some("pane"), Action::FocusNext),
        b(PANES, &[k(KeyCode::BackTab)], "S-Tab", "previous pane", None, Action::FocusPrev),
        b(&[Tree], &[k(KeyCode::Enter)], "Enter", "open/close node", Some("open/close"), Action::ToggleNode),
        b(&[Tree], &[k(KeyCode::Right), c('l')], "→", "open node", None, Action::OpenNode),
        b(&[Tree], &[k(KeyCode::Left), c('h')], "←", "close node", None, Action::CloseNode),
        b(&[Jobs], &[k(KeyCode::Enter)], "Enter", "describe the job (every field, diagnosis, journal)", Some("describe"), Action::Describe),
        b(&[Jobs], &[k(KeyCode::Right)], "→", "inspect the context tree", None, Action::FocusNext),
        b(&[Jobs, Tree], &[c('/')], "/", "filter the focused pane (jobs, or the tree's nodes)", Some("filter"), Action::StartFilter),
        b(&[Jobs, Tree], &[c(':')], ":", "command palette: jobs, status STATUS, region NAME, profile NAME, filter TEXT, sort COLUMN, export FORMAT, help, quit", None, Action::OpenPalette),
        b(&[Palette], &[k(KeyCode::Tab)], "Tab", "complete the command", Some("complete"), Action::Complete),
        b(&[Palette], &[k(KeyCode::Up)], "↑", "previous completion", None, Action::MoveUp),
        b(&[Palette], &[k(KeyCode::Down)], "↓", "next completion", None, Action::MoveDown),
        b(&[Palette], &[k(KeyCode::Enter)], "Enter", "run the command", Some("run"), Action::InputSubmit),
        b(&[Palette], &[k(KeyCode::Esc)], "Esc", "close the palette", Some("close"), Action::CloseModal),
        b(&[Jobs, Tree], &[c('o')], "o", "sort the jobs by the next column (created, type, role, status, badge)", None, Action::CycleSort),
        b(&[Jobs, Tree], &[ctrl('r')], "C-r", "refresh the job list", None, Action::Refresh),
        b(&[Jobs, Tree], &[c('w')], "w", "auto-refresh on/off (every --watch interval, 30s by default); new failures are marked", None, Action::ToggleWatch),
        b(&[Jobs, Tree], &[c('p')], "p", "preview the fix", Some("preview"), Action::Preview),
        b(&[Preview], &[c('s')], "s", "cycle scope (exact/account)", Some("scope"), Action::CycleScope),
        b(&[Preview], &[c('a')], "a", "apply (asks first)", Some("apply"), Action::AskApply),
        b(&[Jobs, Tree, Applied], &[c('r')], "r", "re-run the restore (asks first)", Some("re-run"), Action::AskRerun),
        b(&[Jobs, Tree], &[c('u')], "u", "undo the last applied fix (asks first)", None, Action::AskUndo),
        b(&[Jobs, Tree, Preview], &[c('e')], "e", "export the fix", Some("export"), Action::Export),
        b(&[Export], &[k(KeyCode::Tab), k(KeyCode::Right)], "Tab/→", "next format (terraform, cloudformation, cli, json)", Some("format"), Action::NextFormat),
        b(&[Export], &[k(KeyCode::BackTab), k(KeyCode::Left)], "←", "previous format", None, Action::PrevFormat),
        b(&[Jobs, Tree, Preview, Export], &[c('c')], "c", "copy value/policy/decoded JSON/export", Some("copy"), Action::Copy),
        b(&[Export], &[c('s')], "s", "save to a file (asks for the path; never overwrites without y)", Some("save"), Action::StartSave),
        b(&[ExportOverwrite], &[c('y'), c('Y')], "y", "overwrite the existing file", Some("overwrite"), Action::Confirm),
        b(&[ExportOverwrite], &[c('n'), k(KeyCode::Enter), k(KeyCode::Esc)], "n/Enter/Esc", "keep the existing file (the default)", Some("keep it"), Action::Cancel),
        b(&[Help], &[c('/')], "/", "search the help", Some("search"), Action::StartFilter),
        b(&[Filter, HelpFilter], &[k(KeyCode::Enter)], "Enter", "keep the filter", Some("keep"), Action::InputSubmit),
        b(&[Filter, HelpFilter], &[k(KeyCode::Esc)], "Esc", "clear the filter", Some("clear"), Action::InputCancel),
        b(&[ExportSave], &[k(KeyCode::Enter)], "Enter", "save to this path", Some("save"), Action::InputSubmit),
        b(&[ExportSave], &[k(KeyCode::Esc)], "Esc", "do not save", Some("cancel"), Action::InputCancel),
        b(&[Filter, HelpFilter, ExportSave, Palette], &[k(KeyCode::Backspace)], "Bksp", "delete a character", None, Action::InputBackspace),
        b(&[Preview, Message, Applied, Help, Progress, Export, Describe], &[k(KeyCode::Esc)], "Esc", "close", Some("close"), Action::CloseModal),
        b(&[Message, Applied], &[k(KeyCode::Enter)], "Enter", "close", None, Action::CloseModal),
        b(&[Jobs, Tree], &[c('?')], "?", "help", Some("help"), Action::Help),
        // Esc goes back one level: modal, then tree pane, then filter.
        b(&[Tree], &[k(KeyCode::Esc)], "Esc", "back to the jobs table", None, Action::FocusPrev),
        b(&[Jobs], &[k(KeyCode::Esc)], "Esc", "clear the filter", None, Action::InputCancel),
        b(ANYWHERE_BUT_TYPING, &[c('q')], "q", "quit", Some("quit"), Action::Quit),
        b(&[Jobs, Tree, Filter, Preview, Confirm, Message, Applied, Help, HelpFilter, Progress, Export, ExportSave, ExportOverwrite, Describe, Palette, TooSmall, HiddenConfirm], &[ctrl('c')], "C-c", "quit", None, Action::Quit),
    ]
});

/// The action a key press means in `context`, if any.
pub fn action_for(context: Context, event: KeyEvent) -> Option<Action> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    let key = Key {
        code: event.code,
        ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
    };
    if let Some(binding) = BINDINGS
        .iter()
        .find(|b| b.contexts.contains(&context) && b.keys.contains(&key))
    {
        return Some(binding.action.clone());
    }
    match (context, key) {
        (
            Filter | HelpFilter | ExportSave | Palette,
            Key {
                code: KeyCode::Char(ch),
                ctrl: false,
            },
        ) => Some(Action::InputChar(ch)),
        _ => None,
    }
}

/// The footer hints for `context`: `(label, description)` pairs.
pub fn hints(context: Context) -> Vec<(&'static str, &'static str)> {
    hints_where(context, |_| true)
}

/// The footer hints for `context` whose action `offered` says can do something now.
pub fn hints_where(
    context: Context,
    offered: impl Fn(&Action) -> bool,
) -> Vec<(&'static str, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| b.contexts.contains(&context) && offered(&b.action))
        .filter_map(|b| b.hint.map(|hint| (b.label, hint)))
        .collect()
}

/// Help lines `(section, label, description)` matching `search` (case-insensitive); each
/// binding once, under the first context it applies in.
pub fn help_lines(search: &str) -> Vec<(&'static str, &'static str, &'static str)> {
    let search = search.to_lowercase();
    let mut lines = Vec::new();
    for context in [
        Jobs,
        Tree,
        Filter,
        Describe,
        Palette,
        Preview,
        Confirm,
        Export,
        ExportSave,
        ExportOverwrite,
        Message,
        Applied,
        Progress,
        Help,
        HiddenConfirm,
        TooSmall,
    ] {
        for binding in BINDINGS
            .iter()
            .filter(|b| b.contexts.first() == Some(&context))
        {
            let text = format!(
                "{} {} {}",
                context.title(),
                binding.label,
                binding.description
            );
            if search.is_empty() || text.to_lowercase().contains(&search) {
                lines.push((context.title(), binding.label, binding.description));
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(context: Context, code: KeyCode) -> Option<Action> {
        action_for(context, KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn confirmation_only_confirms_on_y() {
        assert!(matches!(
            press(Confirm, KeyCode::Char('y')),
            Some(Action::Confirm)
        ));
        for code in [KeyCode::Enter, KeyCode::Esc, KeyCode::Char('n')] {
            assert!(
                matches!(press(Confirm, code), Some(Action::Cancel)),
                "{code:?}"
            );
        }
        assert!(press(Confirm, KeyCode::Char('a')).is_none());
        assert!(press(Confirm, KeyCode::Char('j')).is_none());
    }

    #[test]
    fn typing_in_the_filter_does_not_trigger_commands() {
        assert!(matches!(
            press(Filter, KeyCode::Char('q')),
            Some(Action::InputChar('q'))
        ));
        assert!(matches!(
            press(Filter, KeyCode::Char('p')),
            Some(Action::InputChar('p'))
        ));
    }

    #[test]
    fn ctrl_r_refreshes_and_shift_g_goes_last() {
        let event = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert!(matches!(action_for(Jobs, event), Some(Action::Refresh)));
        let event = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert!(matches!(action_for(Jobs, event), Some(Action::Last)));
    }

    #[test]
    fn only_the_applied_message_offers_the_rerun() {
        assert!(matches!(
            press(Applied, KeyCode::Char('r')),
            Some(Action::AskRerun)
        ));
        assert!(press(Message, KeyCode::Char('r')).is_none());
    }

    #[test]
    fn help_search_filters() {
        let all = help_lines("");
        let scoped = help_lines("scope");
        assert!(scoped.len() < all.len());
        assert!(scoped.iter().any(|(_, label, _)| *label == "s"));
    }
}
