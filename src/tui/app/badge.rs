//! What a row of the jobs table says about its job: a type the table styles, not text it
//! matches.

/// A row's badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Badge {
    /// Fixed in this session.
    Fixed,
    /// The status message holds no encoded authorization message.
    NoEncodedMessage,
    /// The job did not fail (running, completed, pending): nothing to diagnose.
    NotFailed,
    /// The message is being decoded.
    Decoding,
    /// Decoding failed, with the one-line reason.
    DecodeFailed(String),
    /// A deny statement decided it.
    ExplicitDeny,
    /// The decoded request was allowed.
    Allowed,
    /// No policy allowed the named action (shared: 100,000 evicted results name a handful).
    MissingAllow(std::sync::Arc<str>),
}

impl Badge {
    /// The text shown in the table (and matched by the filter).
    pub fn label(&self) -> String {
        match self {
            Badge::Fixed => "fixed".into(),
            Badge::NoEncodedMessage => "no encoded message".into(),
            Badge::NotFailed => "did not fail".into(),
            Badge::Decoding => "decoding…".into(),
            Badge::DecodeFailed(reason) => format!("decode failed: {reason}"),
            Badge::ExplicitDeny => "explicit deny".into(),
            Badge::Allowed => "allowed".into(),
            Badge::MissingAllow(action) => action.to_string(),
        }
    }
}
