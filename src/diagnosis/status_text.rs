//! A restore job's status message held compactly: its encoded token on its own (shared with
//! the job's [`Token`]) and the words around it in a text every job with the same words shares.
//! AWS Backup's denials all say the same ~220 characters around a token of 1 to 3 KB, so with
//! 100,000 failed jobs keeping each message whole kept those words 100,000 times.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use super::shared_token::Token;
use super::token::marked_token;

/// One copy of each distinct text seen in a listing.
#[derive(Debug, Default)]
pub struct TextInterner(HashSet<Arc<str>>);

impl TextInterner {
    /// The shared copy of `text`.
    pub fn intern(&mut self, text: &str) -> Arc<str> {
        if let Some(known) = self.0.get(text) {
            return Arc::clone(known);
        }
        let text: Arc<str> = Arc::from(text);
        self.0.insert(Arc::clone(&text));
        text
    }
}

/// A status message: the text around its token (shared) and the token (its own).
#[derive(Clone, PartialEq)]
pub struct StatusMessage {
    /// The message without its token, or the whole message when the token is not one unbroken
    /// run of it (none, or joined from wrapped lines).
    around: Arc<str>,
    /// Where the token goes back into `around`.
    at: Option<u32>,
    /// The encoded message AWS's marker introduces, if any.
    token: Option<Token>,
}

impl StatusMessage {
    /// `text` split around the token its marker introduces; the words are shared through
    /// `interner`.
    pub fn new(text: &str, interner: &mut TextInterner) -> StatusMessage {
        let whole = |interner: &mut TextInterner, token| StatusMessage {
            around: interner.intern(text),
            at: None,
            token,
        };
        let Some((start, token)) = marked_token(text) else {
            return whole(interner, None);
        };
        match text[start..].find(token.as_str()).map(|i| start + i) {
            Some(at) if u32::try_from(at).is_ok() => {
                let around = format!("{}{}", &text[..at], &text[at + token.len()..]);
                StatusMessage {
                    around: interner.intern(&around),
                    at: u32::try_from(at).ok(),
                    token: Some(Token::from(token)),
                }
            }
            _ => whole(interner, Some(Token::from(token))),
        }
    }

    /// The whole message.
    pub fn text(&self) -> Cow<'_, str> {
        match (self.at, &self.token) {
            (Some(at), Some(token)) => {
                let (before, after) = self.around.split_at(at as usize);
                Cow::Owned(format!("{before}{token}{after}"))
            }
            _ => Cow::Borrowed(&self.around),
        }
    }

    /// The message's words without its token (shared by the jobs whose messages differ only
    /// in their tokens): looked at without rebuilding the whole message.
    pub fn words(&self) -> &str {
        &self.around
    }

    /// The encoded message in it (after AWS's "Encoded authorization failure message:").
    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref()
    }

    /// The whole message as a shared text, when it holds no token (a plain-text denial is
    /// looked up by it).
    pub fn shared_text(&self) -> Option<&Arc<str>> {
        self.at.is_none().then_some(&self.around)
    }
}

impl From<&str> for StatusMessage {
    /// A message on its own (tests, single jobs): nothing is shared with other jobs.
    fn from(text: &str) -> StatusMessage {
        StatusMessage::new(text, &mut TextInterner::default())
    }
}

impl From<String> for StatusMessage {
    fn from(text: String) -> StatusMessage {
        StatusMessage::from(text.as_str())
    }
}

impl fmt::Debug for StatusMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text(), f)
    }
}

impl fmt::Display for StatusMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl Serialize for StatusMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str =
        "AQoDYXdzEJr1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    fn denial(token: &str) -> String {
        format!(
            "You are not authorized to perform this operation. Encoded authorization failure message: {token}"
        )
    }

    #[test]
    fn jobs_with_the_same_words_share_them_and_each_keeps_its_token() {
        let mut interner = TextInterner::default();
        let first = StatusMessage::new(&denial(TOKEN), &mut interner);
        let other = format!("{}x", &TOKEN[..TOKEN.len() - 1]);
        let second = StatusMessage::new(&denial(&other), &mut interner);
        assert_eq!(first.text(), denial(TOKEN));
        assert_eq!(second.text(), denial(&other));
        assert_eq!(first.token().unwrap(), TOKEN);
        assert_eq!(second.token().unwrap(), other.as_str());
        assert!(
            Arc::ptr_eq(&first.around, &second.around),
            "the words are shared"
        );
        assert!(first.shared_text().is_none());
        assert_eq!(
            serde_json::to_string(&first).unwrap(),
            serde_json::to_string(&denial(TOKEN)).unwrap()
        );
    }

    #[test]
    fn a_message_without_a_token_or_with_a_wrapped_one_is_kept_whole() {
        let plain = StatusMessage::from("User is not authorized to perform: iam:PassRole");
        assert_eq!(
            plain.text(),
            "User is not authorized to perform: iam:PassRole"
        );
        assert!(plain.token().is_none());
        assert_eq!(
            plain.shared_text().map(|t| &**t),
            Some("User is not authorized to perform: iam:PassRole")
        );
        let (head, tail) = TOKEN.split_at(40);
        let wrapped = format!("Encoded authorization failure message: {head}\n  {tail}");
        let message = StatusMessage::from(wrapped.as_str());
        assert_eq!(message.text(), wrapped, "the text as AWS sent it");
        assert_eq!(message.token().unwrap(), TOKEN, "the token joined");
        let trailing = format!("{}. (Service: Ec2)", denial(TOKEN));
        assert_eq!(StatusMessage::from(trailing.as_str()).text(), trailing);
    }
}
