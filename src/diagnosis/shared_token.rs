//! An encoded authorization message held once and shared: the listing's job, its status
//! message, the TUI's decode map, its token index and the decode pipeline all hold the same
//! bytes. With 100,000 failed jobs each token (about 500 bytes in the sandbox, 1 to 3 KB from
//! AWS) used to be copied six times.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// An encoded authorization message, shared: it compares, hashes and prints as its text, so
/// maps keyed by it are looked up with a `&str`.
#[derive(Clone)]
pub struct Token(Arc<str>);

impl Token {
    /// The token as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Arc<str>> for Token {
    fn from(text: Arc<str>) -> Token {
        Token(text)
    }
}

impl From<String> for Token {
    fn from(text: String) -> Token {
        Token(Arc::from(text))
    }
}

impl From<&str> for Token {
    fn from(text: &str) -> Token {
        Token(Arc::from(text))
    }
}

impl Deref for Token {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Token {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Token {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Token {
    fn eq(&self, other: &Token) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Token {}

impl PartialEq<str> for Token {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Token {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for Token {
    fn partial_cmp(&self, other: &Token) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Token {
    fn cmp(&self, other: &Token) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Token {
    /// As the `str` it borrows as, so `HashMap<Token, _>::get(&str)` finds it.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Token {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_token_is_shared_and_acts_as_its_text() {
        let token = Token::from("AQoDYXdz");
        let copy = token.clone();
        assert_eq!(copy.as_str().as_ptr(), token.as_str().as_ptr(), "no copy");
        let mut map = HashMap::new();
        map.insert(copy, 1);
        assert_eq!(map.get("AQoDYXdz"), Some(&1), "looked up by &str");
        assert_eq!(token, "AQoDYXdz");
        assert_eq!(serde_json::to_string(&token).unwrap(), "\"AQoDYXdz\"");
        assert_eq!(format!("{token:?}"), "\"AQoDYXdz\"");
    }
}
