//! What every request shares: the world behind one lock, the token sealer, the fault dice,
//! the latency and the request counters.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::faults::{FaultDice, HoldReply};
use super::state::State;
use super::tokens::TokenSealer;

/// State shared by every connection.
#[derive(Debug)]
pub struct Shared {
    state: Mutex<State>,
    /// Seals and opens encoded messages.
    pub sealer: TokenSealer,
    /// The fault injection.
    pub dice: FaultDice,
    /// Delay before every response.
    pub latency: Duration,
    /// Replies held back after their operation was carried out (`--hold-reply`).
    pub hold_reply: Option<HoldReply>,
    stats: Mutex<Stats>,
}

/// Request counters, served at `GET /_sandbox/stats`.
#[derive(Debug, Default, serde::Serialize)]
pub struct Stats {
    /// Successful responses per operation.
    pub served: std::collections::BTreeMap<String, u64>,
    /// Requests answered with an injected fault.
    pub faults_injected: u64,
}

impl Shared {
    /// Everything a request needs.
    pub fn new(state: State, sealer: TokenSealer, dice: FaultDice, latency: Duration) -> Self {
        Self {
            state: Mutex::new(state),
            sealer,
            dice,
            latency,
            hold_reply: None,
            stats: Mutex::new(Stats::default()),
        }
    }

    /// The world, locked. A poisoned lock means a handler panicked mid-request; the data is
    /// still consistent because faults and validation happen before any mutation.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The counters, locked (a poisoned lock only means a counter may be one short).
    pub fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }
}
