//! Where each value of a JSON policy document sits in its text: a path through the document
//! (keys and array indexes) and the byte span of the value, as Access Analyzer's finding
//! locations report them (`Span` of `Position`s: line from 1, column from 0, offset from 0).

use serde_json::{Value, json};

/// One step of a path: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// Every value's path and `[start, end)` byte span, in document order.
#[derive(Debug, Default)]
pub struct Spans(Vec<(Vec<Step>, usize, usize)>);

impl Spans {
    /// The spans of `text`, or None when it is not JSON (the caller reports the syntax error).
    pub fn of(text: &str) -> Option<Spans> {
        let mut scanner = Scanner {
            bytes: text.as_bytes(),
            at: 0,
            out: Vec::new(),
        };
        scanner.skip_ws();
        scanner.value(&mut Vec::new())?;
        Some(Spans(scanner.out))
    }

    /// The span of the value at `path` (the whole document for an empty path).
    pub fn span(&self, path: &[Step]) -> Option<(usize, usize)> {
        self.0
            .iter()
            .find(|(p, _, _)| p.as_slice() == path)
            .map(|(_, s, e)| (*s, *e))
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    out: Vec<(Vec<Step>, usize, usize)>,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.bytes.get(self.at) == Some(&byte)).then(|| self.at += 1)
    }

    fn string(&mut self) -> Option<String> {
        let start = self.at;
        if self.bytes.get(self.at) != Some(&b'"') {
            return None;
        }
        self.at += 1;
        while let Some(&b) = self.bytes.get(self.at) {
            self.at += 1;
            match b {
                b'\\' => self.at += 1,
                b'"' => {
                    let raw = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
                    return serde_json::from_str(raw).ok();
                }
                _ => {}
            }
        }
        None
    }

    fn value(&mut self, path: &mut Vec<Step>) -> Option<()> {
        self.skip_ws();
        let start = self.at;
        match self.bytes.get(self.at)? {
            b'{' => {
                self.at += 1;
                self.skip_ws();
                if self.eat(b'}').is_none() {
                    loop {
                        self.skip_ws();
                        let key = self.string()?;
                        self.eat(b':')?;
                        path.push(Step::Key(key));
                        self.value(path)?;
                        path.pop();
                        if self.eat(b',').is_none() {
                            self.eat(b'}')?;
                            break;
                        }
                    }
                }
            }
            b'[' => {
                self.at += 1;
                self.skip_ws();
                if self.eat(b']').is_none() {
                    let mut index = 0;
                    loop {
                        path.push(Step::Index(index));
                        self.value(path)?;
                        path.pop();
                        index += 1;
                        if self.eat(b',').is_none() {
                            self.eat(b']')?;
                            break;
                        }
                    }
                }
            }
            b'"' => {
                self.string()?;
            }
            _ => {
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| !b",]} \t\r\n".contains(b))
                {
                    self.at += 1;
                }
            }
        }
        self.out.push((path.clone(), start, self.at));
        Some(())
    }
}

/// An Access Analyzer `Position` for a byte offset of `text`.
pub fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
    json!({"line": line, "column": column, "offset": offset})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_follow_keys_and_indexes() {
        let text = "{\"Statement\": [\n  {\"Action\": [\"s3:GetObject\", \"iam:PassRole\"]}]}";
        let spans = Spans::of(text).unwrap();
        let path = [
            Step::Key("Statement".into()),
            Step::Index(0),
            Step::Key("Action".into()),
            Step::Index(1),
        ];
        let (start, end) = spans.span(&path).unwrap();
        assert_eq!(&text[start..end], "\"iam:PassRole\"");
        assert_eq!(position(text, start)["line"], 2);
        assert_eq!(spans.span(&[]).unwrap(), (0, text.len()));
        assert!(Spans::of("{\"a\": ").is_none());
    }
}
