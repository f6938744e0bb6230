//! What a row of the jobs table says about its job: a type the table styles, not text it
//! matches.

/// A row's badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Badge {
    /// Its case says the fix is in IAM (written in this session or before).
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
    /// Its case found another layer blocking the named action (`boundary: iam:PassRole`): no
    /// identity statement fixes it.
    Blocked {
        /// The layer's short name (`boundary`, `SCP`, `key policy`, `vault policy`).
        layer: &'static str,
        /// The denied action.
        action: std::sync::Arc<str>,
    },
    /// The fix goes into an IAM Identity Center permission set.
    PermissionSet(std::sync::Arc<str>),
    /// Nothing restore-doctor can write fixes it (another account, a service-linked role, …).
    NoFix(std::sync::Arc<str>),
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
            Badge::Blocked { layer, action } => format!("{layer}: {action}"),
            Badge::PermissionSet(action) => format!("permission set: {action}"),
            Badge::NoFix(action) => format!("no fix: {action}"),
        }
    }
}
