//! Bounded memory for decode results: with 100,000 failed jobs, each with its own encoded
//! message, keeping every decoded message and its diagnosis took about 2 GB. The first
//! [`RESIDENT_DECODES`] results kept in full are the first decoded (the newest jobs, at the top
//! of the table where a session starts); a later one keeps only its badge, which is all its row
//! shows, unless its job is selected. Selecting a job whose result was not kept decodes its
//! message again (one read-only STS call); the last [`RECENT_DECODES`] of those stay.

use super::{App, Badge, DecodeState};
use crate::diagnosis::Token;
use crate::tui::action::{Decoded, Effect};

/// Full decode results kept from the first decodes.
pub const RESIDENT_DECODES: usize = 300;

/// Full decode results kept from the jobs selected since (decoded again, or when they arrived).
pub const RECENT_DECODES: usize = 100;

/// The badge a decoded message gives its rows.
pub(super) fn decoded_badge(decoded: &Decoded) -> Badge {
    match decoded.1.verdict {
        crate::diagnosis::Verdict::ExplicitDeny => Badge::ExplicitDeny,
        crate::diagnosis::Verdict::Allowed => Badge::Allowed,
        crate::diagnosis::Verdict::MissingAllow => Badge::MissingAllow(decoded.1.action.clone()),
    }
}

impl App {
    /// `token` was decoded: it is kept in full while fewer than [`RESIDENT_DECODES`] are, or
    /// when its job is selected (then among the [`RECENT_DECODES`] last selected); otherwise
    /// only its badge is kept.
    pub(super) fn keep_resident(&mut self, token: &Token) {
        let selected =
            self.refetching.remove(token.as_str()) || self.selected_token() == Some(token);
        if !selected {
            if self.resident < RESIDENT_DECODES {
                self.resident += 1;
            } else {
                self.evict(token);
            }
            return;
        }
        self.recent.push_back(token.clone());
        while self.recent.len() > RECENT_DECODES {
            let Some(oldest) = self.recent.pop_front() else {
                break;
            };
            if self.selected_token() == Some(&oldest) {
                self.recent.push_back(oldest);
            } else {
                self.evict(&oldest);
            }
        }
    }

    /// Keeps only the badge of `token`'s result.
    fn evict(&mut self, token: &Token) {
        if let Some(state) = self.decodes.get_mut(token)
            && let DecodeState::Done(decoded) = state
        {
            *state = DecodeState::Evicted(decoded_badge(decoded));
        }
    }

    fn selected_token(&self) -> Option<&Token> {
        self.selected_row()?.job.encoded_message.as_ref()
    }

    /// The selected job's result was evicted: the effect that decodes it again, once.
    pub(super) fn refetch_selected(&mut self) -> Option<Effect> {
        let token = self.selected_token()?;
        if !matches!(self.decodes.get(token), Some(DecodeState::Evicted(_)))
            || self.refetching.contains(token)
        {
            return None;
        }
        let token = token.clone();
        self.refetching.insert(token.clone());
        Some(Effect::Decode {
            generation: self.generation,
            tokens: vec![token],
        })
    }
}
