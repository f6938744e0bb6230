//! Which rows hold a token: with 100,000 failed jobs nearly every token is on one row, so one
//! row is kept inline and only a token several jobs share gets a list (a `Vec` per token took
//! a heap allocation each, about 3 MB).

/// The rows (indices into the jobs) holding one token.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenRows {
    /// One row.
    One(u32),
    /// Several, in listing order.
    Many(Box<[u32]>),
}

impl TokenRows {
    /// Row `index` alone.
    pub fn new(index: usize) -> TokenRows {
        TokenRows::One(row_number(index))
    }

    /// Adds row `index` (after the others).
    pub fn push(&mut self, index: usize) {
        let row = row_number(index);
        *self = match self {
            TokenRows::One(first) => TokenRows::Many(Box::new([*first, row])),
            TokenRows::Many(rows) => {
                let mut rows = std::mem::take(rows).into_vec();
                rows.push(row);
                TokenRows::Many(rows.into_boxed_slice())
            }
        };
    }

    /// The rows, as indices.
    pub fn indices(&self) -> Vec<usize> {
        match self {
            TokenRows::One(row) => vec![*row as usize],
            TokenRows::Many(rows) => rows.iter().map(|&row| row as usize).collect(),
        }
    }
}

/// A listing holds at most a million jobs (`--limit`, the sandbox's `--jobs`), far below
/// `u32::MAX`; an index past it saturates rather than wraps.
fn row_number(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_is_inline_and_more_keep_their_order() {
        let mut rows = TokenRows::new(7);
        assert_eq!(rows, TokenRows::One(7));
        assert_eq!(rows.indices(), [7]);
        rows.push(9);
        rows.push(12);
        assert_eq!(rows.indices(), [7, 9, 12]);
        assert!(
            std::mem::size_of::<TokenRows>() <= 16,
            "no bigger than the Vec it replaces"
        );
    }
}
