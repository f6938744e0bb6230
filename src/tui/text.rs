//! Text that does not fit: cut in the middle with an ellipsis, so IDs and ARNs keep their
//! distinguishing end (`ami-0a1b…5f600`), and column widths fitted to their content.

/// `text` cut to at most `width` characters with `…` in the middle; the end keeps about two
/// fifths of the room, since IDs and ARNs differ at the end.
pub fn middle(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    match width {
        0 => String::new(),
        1 => "…".into(),
        _ => {
            let room = width - 1;
            let tail = room * 2 / 5;
            let head = room - tail;
            let start: String = text.chars().take(head).collect();
            let end: String = text.chars().skip(count - tail).collect();
            format!("{start}…{end}")
        }
    }
}

/// Column widths for `available` characters (gaps already taken out): every column gets its
/// minimum (or its content, if narrower), then the rest goes to the columns in `order`, first
/// up to twice their minimum (so one long column cannot starve the others), then up to their
/// content width.
pub fn fit_columns(
    content: &[usize],
    minimum: &[usize],
    available: usize,
    order: &[usize],
) -> Vec<usize> {
    let mut widths: Vec<usize> = content
        .iter()
        .zip(minimum)
        .map(|(&c, &m)| c.min(m))
        .collect();
    let mut left = available.saturating_sub(widths.iter().sum());
    for pass in [2, usize::MAX] {
        for &column in order {
            let Some(width) = widths.get_mut(column) else {
                continue;
            };
            let cap = content[column].min(minimum[column].saturating_mul(pass));
            let give = cap.saturating_sub(*width).min(left);
            *width += give;
            left -= give;
        }
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_middle_goes_and_the_distinguishing_end_stays() {
        assert_eq!(middle("ami-0a1b2c3d4e5f600", 14), "ami-0a1b…5f600");
        assert_eq!(middle("short", 14), "short");
        assert_eq!(middle("abcdef", 1), "…");
        assert_eq!(middle("abcdef", 0), "");
        let a = middle("arn:aws:iam::111122223333:role/BackupRestoreRoleProd", 20);
        let b = middle("arn:aws:iam::111122223333:role/BackupRestoreRoleEbs", 20);
        assert_eq!(a.chars().count(), 20);
        assert_ne!(a, b, "{a} {b}");
    }

    #[test]
    fn columns_get_their_minimum_then_the_rest_in_order() {
        assert_eq!(
            fit_columns(&[10, 30, 30], &[5, 8, 8], 100, &[1, 2, 0]),
            [10, 30, 30]
        );
        assert_eq!(
            fit_columns(&[10, 30, 30], &[5, 8, 8], 40, &[1, 2, 0]),
            [8, 16, 16],
            "twice the minimum first, in order"
        );
        assert_eq!(
            fit_columns(&[10, 30, 30], &[5, 8, 8], 50, &[1, 2, 0]),
            [10, 24, 16],
            "then the content, in order"
        );
        assert_eq!(fit_columns(&[3, 30], &[5, 8], 20, &[1]), [3, 17]);
    }
}
