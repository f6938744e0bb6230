//! The terminal UI's tests: headless against the in-process sandbox, and the real binary in tmux.
//! One test crate (it links the AWS SDK once instead of once per file).

#[path = "../common/mod.rs"]
mod common;
#[path = "../tui_headless/mod.rs"]
mod tui_headless;
#[path = "../tui_support/mod.rs"]
mod tui_support;

mod agreement;
mod backpressure;
mod e2e;
mod layers;
mod readme;
mod rerun_alternative;
mod restore_round;
mod retries;
mod texts;
mod tmux;
mod tmux_launch;
mod tmux_nav;
mod tmux_writes;
