//! The failed jobs table. Only the rows that fit are built, so 10,000 jobs draw as fast as ten.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::tui::app::{App, Badge, JobRow, ListState, Pane};

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
        Badge::NoEncodedMessage => Style::new().fg(Color::Gray),
        Badge::DecodeFailed(_) => Style::new().fg(Color::Red),
        Badge::Allowed | Badge::MissingAllow(_) => Style::new().fg(Color::Yellow),
    }
}

fn row<'a>(app: &App, job: &'a JobRow, compact: bool) -> Row<'a> {
    let badge = app.badge(job);
    let created = job.job.created.replace('T', " ");
    // Compact: month-day hour:minute, and no resource column.
    let created: String = if compact {
        created.chars().skip(5).take(11).collect()
    } else {
        created.chars().take(16).collect()
    };
    let mut cells = vec![
        Cell::from(created),
        Cell::from(job.job.resource_type.clone().unwrap_or_else(|| "-".into())),
    ];
    if !compact {
        cells.push(Cell::from(short_arn(job.job.recovery_point_arn.as_deref())));
    }
    cells.push(Cell::from(short_arn(job.job.iam_role_arn.as_deref())));
    cells.push(Cell::from(Span::styled(badge.label(), badge_style(&badge))));
    Row::new(cells)
}

/// Draws the jobs table.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let mut title = format!(" Failed restore jobs ({}", app.visible.len());
    if app.visible.len() != app.jobs.len() {
        title.push_str(&format!(" of {}", app.jobs.len()));
    }
    title.push(')');
    if !app.filter.is_empty() {
        title.push_str(&format!(" /{}", app.filter));
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
            ListState::Loading => "Listing failed restore jobs…".to_string(),
            ListState::Failed(reason) => format!("Could not list jobs: {reason}"),
            ListState::Loaded if app.jobs.is_empty() => {
                "No failed restore jobs in this period (--since widens it).".to_string()
            }
            ListState::Loaded => "No job matches the filter (Esc clears it).".to_string(),
        };
        frame.render_widget(Paragraph::new(Line::from(text)).block(block), area);
        return;
    }
    let rows_fit = usize::from(area.height.saturating_sub(3)).max(1);
    let offset = app.jobs_offset(rows_fit);
    let end = (offset + rows_fit).min(app.visible.len());
    let compact = area.width < 80;
    let rows: Vec<Row> = app.visible[offset..end]
        .iter()
        .filter_map(|&index| app.jobs.get(index))
        .map(|job| row(app, job, compact))
        .collect();
    let (widths, titles) = if compact {
        (
            vec![
                Constraint::Length(11),
                Constraint::Length(4),
                Constraint::Fill(1),
                Constraint::Length(18),
            ],
            vec!["Created", "Type", "Role", "Diagnosis"],
        )
    } else {
        (
            vec![
                Constraint::Length(16),
                Constraint::Length(5),
                Constraint::Fill(2),
                Constraint::Fill(3),
                Constraint::Length(20),
            ],
            vec!["Created", "Type", "Resource", "Role", "Diagnosis"],
        )
    };
    let header = Row::new(titles).style(Style::new().add_modifier(Modifier::BOLD));
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected(Some(app.selected - offset));
    frame.render_stateful_widget(table, area, &mut state);
}
