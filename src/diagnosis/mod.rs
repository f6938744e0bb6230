//! The diagnosis core: pure domain logic, no I/O. Token extraction, the decoded-message model,
//! the verdict, the least-privilege fix, policy merge and local policy evaluation.

pub mod blocking;
pub mod catalogue;
pub mod decoded;
pub mod denial;
pub mod evaluate;
pub mod evidence;
pub mod fix;
pub mod judge;
pub mod kinds;
pub mod layered;
pub mod layers;
pub mod merge;
pub mod plain;
pub mod principal;
pub mod protected;
pub mod report;
pub mod restore_round;
pub mod shared_token;
pub mod site;
pub mod status_text;
pub mod token;

pub use decoded::{DecodedMessage, ParseError};
pub use fix::{Fix, POLICY_NAME, Scope};
pub use kinds::{DenialSource, LocalVerification, RestoreJobStatus, TargetType};
pub use report::{Diagnosis, Verdict, diagnose};
pub use shared_token::Token;
pub use site::Site;
pub use status_text::{StatusMessage, TextInterner};
