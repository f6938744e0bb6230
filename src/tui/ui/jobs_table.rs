//! The jobs table: restore job ID, created, status, type, resource, role and diagnosis, each
//! column as wide as its content allows and cut in the middle when it does not fit. Only the
//! rows that fit are built, so 100,000 jobs draw as fast as ten.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::tui::app::{App, Badge, JobRow, ListState, OperationKind, Pane, SortColumn};
use crate::tui::text::{fit_columns, middle};

/// The last `/`-separated (or `:`-separated) part of an ARN.
pub(crate) fn short_arn(arn: Option<&str>) -> String {
    arn.map(|a| a.rsplit(['/', ':']).next().unwrap_or(a).to_string())
        .unwrap_or_else(|| "-".into())
}

fn badge_style(badge: &Badge) -> Style {
    match badge {
        Badge::Fixed => Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        Badge::Decoding => Style::new().fg(Color::DarkGray),
        Badge::ExplicitDeny => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Badge::NoEncodedMessage | Badge::NotFailed => Style::new().fg(Color::Gray),
        Badge::DecodeFailed(_) => Style::new().fg(Color::Red),
        Badge::Allowed | Badge::MissingAllow(_) => Style::new().fg(Color::Yellow),
        Badge::Blocked { .. } => Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        Badge::PermissionSet(_) => Style::new().fg(Color::Cyan),
        Badge::NoFix(_) => Style::new().fg(Color::Gray),
    }
}

const TITLES: [&str; 7] = [
    "Job",
    "Created",
    "Status",
    "Type",
    "Resource",
    "Role",
    "Diagnosis",
];
/// Below these, a column is cut (its content may be narrower).
// The status keeps `COMPLETED` whole (AWS's statuses are at most nine characters).
const MINIMUM: [usize; 7] = [10, 11, 9, 4, 12, 13, 14];
/// Who gets the room left after the minimums, first served first.
const ORDER: [usize; 7] = [6, 4, 0, 5, 1, 2, 3];
const DATE_ONLY: usize = 11;

/// The texts of one row's cells (before fitting), and its badge.
fn cells(app: &App, job: &JobRow) -> ([String; 7], Badge) {
    let badge = app.badge(job);
    let created: String = job.job.created.replace('T', " ").chars().take(16).collect();
    (
        [
            job.job.restore_job_id.clone(),
            created,
            job.job.status.to_string(),
            job.job.resource_type.as_deref().unwrap_or("-").to_string(),
            short_arn(job.job.recovery_point_arn.as_deref()),
            short_arn(job.job.iam_role_arn.as_deref()),
            // A failure that was not in the previous list (auto-refresh) says so first.
            if app.new_failures.contains(&job.job.restore_job_id) {
                format!("● new {}", badge.label())
            } else {
                badge.label()
            },
        ],
        badge,
    )
}

/// Draws the jobs table.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let mut title = format!(
        " {} restore jobs ({}",
        app.job_status.title(),
        app.visible.len()
    );
    if app.visible.len() != app.jobs.len() {
        title.push_str(&format!(" of {}", app.jobs.len()));
    }
    title.push(')');
    if !app.filter.is_empty() {
        title.push_str(&format!(" /{}", app.filter));
    }
    if app.sort != SortColumn::Created {
        title.push_str(&format!(" sorted by {}", app.sort.name()));
    }
    if let Some(since) = &app.stale_since {
        title.push_str(&format!(" stale since {since}"));
    }
    if let Some(spin) = app.running(OperationKind::Listing, None) {
        title.push_str(&format!(" listing {spin}"));
    }
    title.push(' ');
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(super::border(
            app.focus == Pane::Jobs && app.modals.is_empty(),
        ))
        .title(title);
    if app.visible.is_empty() {
        let text = match &app.list_state {
            ListState::Loading => format!(
                "Listing {} restore jobs…",
                app.job_status.title().to_lowercase()
            ),
            ListState::Failed(reason) => format!("Could not list jobs: {reason}"),
            ListState::Loaded if app.jobs.is_empty() => {
                format!(
                    "No {} restore jobs in this period (--since widens it).",
                    app.job_status.title().to_lowercase()
                )
            }
            ListState::Loaded => "No job matches the filter (Esc clears it).".to_string(),
        };
        frame.render_widget(Paragraph::new(Line::from(text)).block(block), area);
        return;
    }
    let rows_fit = usize::from(area.height.saturating_sub(3)).max(1);
    let offset = app.jobs_offset(rows_fit);
    let end = (offset + rows_fit).min(app.visible.len());
    let shown: Vec<([String; 7], Badge)> = app
        .visible
        .range(offset..end)
        .filter_map(|index| app.jobs.get(index))
        .map(|job| cells(app, job))
        .collect();
    let mut content: Vec<usize> = TITLES.iter().map(|t| t.chars().count()).collect();
    for (texts, _) in &shown {
        for (width, text) in content.iter_mut().zip(texts) {
            *width = (*width).max(text.chars().count());
        }
    }
    // Borders, the highlight symbol and one space between columns.
    let available = usize::from(area.width)
        .saturating_sub(2 + 2)
        .saturating_sub(TITLES.len() - 1);
    let widths = fit_columns(&content, &MINIMUM, available, &ORDER);
    let rows: Vec<Row> = shown
        .into_iter()
        .map(|(texts, badge)| {
            let cells = texts.into_iter().enumerate().map(|(i, text)| {
                let text = if i == 1 && widths[1] <= DATE_ONLY {
                    // No room for the year: month-day hour:minute.
                    text.chars().skip(5).collect()
                } else {
                    middle(&text, widths[i])
                };
                if i == 6 && text.starts_with("● new") {
                    Cell::from(Span::styled(
                        text,
                        badge_style(&badge)
                            .fg(Color::Red)
                            .add_modifier(Modifier::BOLD),
                    ))
                } else if i == 6 {
                    Cell::from(Span::styled(text, badge_style(&badge)))
                } else {
                    Cell::from(text)
                }
            });
            Row::new(cells.collect::<Vec<_>>())
        })
        .collect();
    let header = Row::new(TITLES).style(Style::new().add_modifier(Modifier::BOLD));
    let constraints: Vec<Constraint> = widths
        .iter()
        .map(|&w| Constraint::Length(u16::try_from(w).unwrap_or(u16::MAX)))
        .collect();
    let table = Table::new(rows, constraints)
        .header(header)
        .block(block)
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected(Some(app.selected - offset));
    frame.render_stateful_widget(table, area, &mut state);
}
