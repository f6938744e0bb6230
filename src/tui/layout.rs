//! Where each pane goes. The table takes the rows its jobs need and gives the rest to the
//! diagnosis, which grows to show the whole fix; under [`SIDE_BY_SIDE_WIDTH`] columns the panes
//! stack (table, tree, diagnosis) instead of shrinking below usefulness. Pure geometry, shared
//! by the render and by `App` (page size, mouse clicks).

use ratatui::layout::Rect;

/// From this width on, the tree sits beside the table and the diagnosis.
pub const SIDE_BY_SIDE_WIDTH: u16 = 140;

/// The rectangles of the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    /// The header line.
    pub header: Rect,
    /// The jobs table, borders included.
    pub table: Rect,
    /// The decoded context tree.
    pub tree: Rect,
    /// The diagnosis and fix.
    pub diagnosis: Rect,
    /// The footer line.
    pub footer: Rect,
}

fn rect(x: u16, y: u16, width: u16, height: u16) -> Rect {
    Rect {
        x,
        y,
        width,
        height,
    }
}

fn rows(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// The areas for a screen `area`, a table of `jobs` rows and a diagnosis that needs
/// `diagnosis_rows(inner_width)` text rows at a given inner width.
pub fn areas(area: Rect, jobs: usize, diagnosis_rows: impl Fn(u16) -> usize) -> Areas {
    let header = rect(area.x, area.y, area.width, 1.min(area.height));
    let footer = rect(
        area.x,
        area.y + area.height.saturating_sub(1),
        area.width,
        1.min(area.height),
    );
    let body_y = area.y + 1;
    let body = area.height.saturating_sub(2);
    // Borders and the column titles: 3 rows around the jobs; at least 2 jobs show.
    let table_want = rows(jobs.max(1)).saturating_add(3);
    if area.width >= SIDE_BY_SIDE_WIDTH {
        // The table's columns want more room than the tree's values (which are cut in the
        // middle when they do not fit).
        let left = area.width * 2 / 3;
        let diagnosis_want = rows(diagnosis_rows(left.saturating_sub(2))).saturating_add(2);
        let table = if table_want.saturating_add(diagnosis_want) <= body {
            table_want
        } else {
            // Both want more than there is: the diagnosis keeps up to half, the table the rest.
            body.saturating_sub(diagnosis_want.min(body / 2))
                .max(5.min(body))
        };
        Areas {
            header,
            table: rect(area.x, body_y, left, table),
            diagnosis: rect(area.x, body_y + table, left, body.saturating_sub(table)),
            tree: rect(area.x + left, body_y, area.width - left, body),
            footer,
        }
    } else {
        let table = table_want.min((body / 3).max(5)).min(body);
        let rest = body.saturating_sub(table);
        let diagnosis_want = rows(diagnosis_rows(area.width.saturating_sub(2))).saturating_add(2);
        let diagnosis = diagnosis_want.min(rest / 2);
        let tree = rest - diagnosis;
        Areas {
            header,
            table: rect(area.x, body_y, area.width, table),
            tree: rect(area.x, body_y + table, area.width, tree),
            diagnosis: rect(area.x, body_y + table + tree, area.width, diagnosis),
            footer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_table_gives_its_rows_to_the_diagnosis() {
        let a = areas(rect(0, 0, 160, 45), 4, |_| 12);
        assert_eq!(a.table.height, 7);
        assert_eq!(a.diagnosis.height, 43 - 7);
        assert_eq!(a.tree.height, 43);
        assert_eq!(a.tree.x, 106);
    }

    #[test]
    fn a_long_table_leaves_the_diagnosis_what_it_needs() {
        let a = areas(rect(0, 0, 160, 45), 1000, |_| 12);
        assert_eq!(a.diagnosis.height, 14);
        assert_eq!(a.table.height, 43 - 14);
    }

    #[test]
    fn narrow_screens_stack_the_panes_full_width() {
        let a = areas(rect(0, 0, 80, 24), 4, |_| 20);
        assert_eq!(
            (a.table.width, a.tree.width, a.diagnosis.width),
            (80, 80, 80)
        );
        assert_eq!(a.table.height, 7);
        assert_eq!(a.table.height + a.tree.height + a.diagnosis.height, 22);
        assert!(a.tree.y > a.table.y && a.diagnosis.y > a.tree.y);
    }
}
