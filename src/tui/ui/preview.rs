//! The fix preview: target, policy name, the full document with a coloured diff against the
//! current one, size against the quota, scope and the local verification.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use similar::{ChangeTag, TextDiff};

use crate::tui::app::{App, OperationKind, PreviewModal, PreviewState};
use crate::workflow::FixPlan;

fn field(name: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::from(format!("{name:<20}")).bold(),
        Span::from(value),
    ])
}

/// The scope, and what the fix allows; a WIDER scope in red with the resource it opens.
fn scope_line(plan: &FixPlan) -> Line<'static> {
    let (text, wider) = crate::tui::app::scope_text(plan);
    let text = format!("{text} (s cycles exact/account)");
    Line::from(vec![
        Span::from(format!("{:<20}", "Scope")).bold(),
        if wider {
            Span::from(text).red().bold()
        } else {
            Span::from(text)
        },
    ])
}

/// The plan's facts and its whole document, each line coloured by the diff.
fn plan_lines(plan: &FixPlan) -> Vec<Line<'static>> {
    let mut lines = vec![
        field("Target", plan.target_arn.clone()),
        field(
            "Account / region",
            format!("{} / {}", plan.site.account, plan.site.region),
        ),
        field("Inline policy", plan.policy_name.clone()),
        field(
            "Allows",
            crate::tui::app::plan_grant(plan)
                .map(|(grant, _)| grant)
                .unwrap_or_else(|| "-".into()),
        ),
        scope_line(plan),
        field(
            "Size",
            format!(
                "{} of {} characters (IAM inline policy quota)",
                plan.size, plan.quota
            ),
        ),
        Line::from(vec![
            Span::from(format!("{:<20}", "Local verification")).bold(),
            match plan.verified_locally {
                Some(true) => Span::from("the decoded request would be allowed ✔").green(),
                Some(false) => Span::from("the decoded request would still be denied ✘").red(),
                None => Span::from("not done (the request cannot be evaluated locally)").yellow(),
            },
        ]),
    ];
    // One round per restore: what the same restore also needs, added where IAM denies it.
    for also in &plan.diagnosis.also_needed {
        lines.push(field(
            "Also",
            format!("{} on {} ({})", also.action, also.resource, also.label),
        ));
    }
    for wider in &plan.diagnosis.wider_alternatives {
        lines.push(Line::from(vec![
            Span::from(format!("{:<20}", "Alternative")).bold(),
            // The sentence starts with its WIDER label; that word is shown in red.
            Span::from("WIDER").red().bold(),
            Span::from(
                wider
                    .sentence
                    .strip_prefix("WIDER")
                    .map_or_else(|| format!(" {}", wider.sentence), str::to_string),
            ),
        ]));
    }
    for unread in &plan.layers_unreadable {
        lines.push(field("NOT read", format!("{unread} (not checked)")));
    }
    // A plan's blocker is the identity layer's missing allow (what the fix adds); any other
    // layer refuses the preview, so only an unexpected one is worth a line here.
    for blocker in plan.blocking_layers.iter().filter(|b| !b.is_identity()) {
        lines.push(field("Blocking layer", blocker.label()));
    }
    if plan.already_in_place {
        lines.push(Line::from("The fix is already in place: nothing would be written.").yellow());
    }
    lines.push(Line::from(""));
    lines.push(
        Line::from(if plan.current_document.is_some() {
            "Document to write (diff against the current policy):"
        } else {
            "Document to write (the policy does not exist yet):"
        })
        .bold(),
    );
    let current = plan
        .current_document
        .as_ref()
        .map(|d| serde_json::to_string_pretty(d).unwrap_or_default())
        .unwrap_or_default();
    let diff = TextDiff::from_lines(&current, &plan.proposed_text);
    for change in diff.iter_all_changes() {
        let text = change.value().trim_end_matches('\n').to_string();
        let (sign, style) = match change.tag() {
            ChangeTag::Insert => ("+ ", Style::new().fg(Color::Green)),
            ChangeTag::Delete => ("- ", Style::new().fg(Color::Red)),
            ChangeTag::Equal => ("  ", Style::new()),
        };
        lines.push(Line::styled(format!("{sign}{text}"), style));
    }
    // Access Analyzer's checks of that document, after it.
    let checks = plan.policy_checks.lines(&plan.diagnosis.action);
    if !checks.is_empty() {
        lines.push(Line::from(""));
    }
    for check in checks {
        lines.push(field("Check", check));
    }
    lines
}

/// Draws the preview modal.
pub fn render(app: &App, preview: &PreviewModal, frame: &mut Frame, area: Rect) {
    let modal = super::centered(
        area,
        area.width.saturating_sub(8),
        area.height.saturating_sub(4),
    );
    let title = format!(" Fix preview: job {} ", preview.job_id);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(title)
        // Only a plan can be applied: a failed or blocked preview offers no `a`.
        .title_bottom(match &preview.state {
            PreviewState::Ready(_) => {
                " s scope  a apply (asks first)  e export  c copy policy  j/k scroll  Esc close "
            }
            _ => " s scope  j/k scroll  Esc close ",
        });
    let lines = match &preview.state {
        PreviewState::Loading => vec![Line::from(format!(
            "Reading the target's policies from IAM ({} scope)… {}",
            preview.scope.as_str(),
            app.running(OperationKind::Preview, None)
                .unwrap_or_default()
        ))],
        PreviewState::Failed(reason) => {
            std::iter::once(Line::from("No fix can be previewed.").red().bold())
                // One line per line of the reason (a blocked preview's sentence, then the owner's
                // change): a Line does not break at '\n' itself.
                .chain(reason.lines().map(|l| Line::from(l.to_string())))
                .collect()
        }
        PreviewState::Ready(plan) => plan_lines(plan),
        PreviewState::Applying(plan) => {
            let spin = app.running(OperationKind::Apply, None).unwrap_or_default();
            let mut lines = vec![
                Line::from(format!("Applying and verifying… {spin}"))
                    .yellow()
                    .bold(),
            ];
            lines.extend(plan_lines(plan));
            lines
        }
    };
    let scroll = u16::try_from(preview.scroll).unwrap_or(u16::MAX);
    frame.render_widget(Clear, modal);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(block),
        modal,
    );
}
