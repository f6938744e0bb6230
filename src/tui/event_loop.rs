//! The event loop: terminal events, the runtime's actions and a slow tick, merged with
//! `tokio::select!`; a redraw only when the state changed, so an idle app sleeps.
//!
//! Terminal events are read on a dedicated thread with `crossterm::event::poll` (blocking, a
//! 250 ms timeout to notice shutdown) rather than `EventStream`: the latter needs crossterm's
//! `event-stream` feature and a futures dependency the crate does not enable. Both sleep in the
//! kernel while idle.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{self, Event, MouseButton, MouseEventKind};
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::action::Action;
use super::app::App;
use super::keymap;
use super::runtime::Runtime;
use super::ui;

/// How often the app ticks (to expire the status line; idle ticks do not redraw).
const TICK: Duration = Duration::from_secs(1);
/// How often the spinner turns while an operation runs (idle, it does not tick at all).
const SPIN: Duration = Duration::from_millis(100);
/// How long the runtime's queued results (decode results arrive by the thousand) are taken
/// before the next frame is drawn: one frame per result made 100,000 decode results cost
/// minutes of drawing while the queue held every decoded message (about 2 GB); a key waits at
/// most this long behind them.
const DRAIN: Duration = Duration::from_millis(8);
/// The shortest time between two frames drawn for background work alone (decode results, the
/// runtime's other results, ticks): decoding 100,000 jobs drew a frame after every drain, up to
/// about 125 a second, and drawing was most of the TUI's CPU; with a filter active, rows
/// joining the table changed more of each frame, which cost about 11% more CPU in all
/// (BENCHMARKS.md (b)). A key, a click or a resize is drawn at once.
const BACKGROUND_FRAME: Duration = Duration::from_millis(50);

/// What a terminal event means to the app now.
pub fn event_action(app: &App, event: Event) -> Option<Action> {
    match event {
        Event::Key(key) => keymap::action_for(app.context(), key),
        Event::Resize(width, height) => Some(Action::Resize(width, height)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollDown => Some(Action::MoveDown),
            MouseEventKind::ScrollUp => Some(Action::MoveUp),
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(mouse.column, mouse.row)),
            _ => None,
        },
        _ => None,
    }
}

/// Reads terminal events on a thread until `stop` is set or the receiver is gone.
fn spawn_reader(stop: Arc<AtomicBool>) -> UnboundedReceiver<Event> {
    let (sender, receiver) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match event::poll(Duration::from_millis(250)) {
                Ok(true) => match event::read() {
                    Ok(event) => {
                        if sender.send(event).is_err() {
                            break;
                        }
                    }
                    Err(error) => {
                        tracing::warn!("reading terminal events failed: {error}");
                        break;
                    }
                },
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!("polling terminal events failed: {error}");
                    break;
                }
            }
        }
    });
    receiver
}

/// Debug builds only: `RESTORE_DOCTOR_TEST_PANIC=1` panics after the first frame, so a test can
/// prove the panic hook restores the terminal. Release builds ignore it.
fn panic_for_tests(requested: bool) {
    if cfg!(debug_assertions) && requested {
        panic!("RESTORE_DOCTOR_TEST_PANIC is set: panicking after the first frame");
    }
}

/// Runs until the app quits.
pub async fn run(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    runtime: &mut Runtime,
    actions: &mut UnboundedReceiver<Action>,
) -> io::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut events = spawn_reader(stop.clone());
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut spinner = tokio::time::interval(SPIN);
    spinner.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let epoch = std::time::Instant::now();
    // SIGTERM, SIGHUP (a closed SSH session, `kill`), SIGINT (raw mode turns Ctrl-c into a key,
    // so this is `kill -INT`), SIGQUIT and SIGUSR1/2 end the app at once, so the terminal is
    // restored; without a handler they would kill it in raw mode on the alternate screen. A
    // write in flight stays `pending` in the journal, and the next run reconciles it.
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    let mut user1 = signal(SignalKind::user_defined1())?;
    let mut user2 = signal(SignalKind::user_defined2())?;
    let panic_requested = std::env::var_os("RESTORE_DOCTOR_TEST_PANIC").is_some();
    let mut drawn = tokio::time::Instant::now();
    // The last action came from the terminal (a key, a click, a resize): draw it at once.
    let mut urgent = true;
    let result = loop {
        let due = drawn + BACKGROUND_FRAME;
        if app.dirty && (urgent || app.should_quit || tokio::time::Instant::now() >= due) {
            if let Err(error) = terminal.draw(|frame| ui::render(app, frame)) {
                break Err(error);
            }
            app.dirty = false;
            drawn = tokio::time::Instant::now();
            panic_for_tests(panic_requested);
        }
        if app.should_quit {
            break Ok(());
        }
        let waiting = app.dirty;
        urgent = false;
        let action = tokio::select! {
            event = events.recv() => match event {
                Some(event) => {
                    urgent = true;
                    event_action(app, event)
                }
                // Without input the user could never quit: stop rather than hang.
                None => break Err(io::Error::other("the terminal stopped sending input")),
            },
            // A frame held back for background work is drawn when it is due.
            _ = tokio::time::sleep_until(due), if waiting => None,
            Some(action) = actions.recv() => Some(action),
            _ = ticker.tick() => Some(Action::Tick),
            _ = spinner.tick(), if app.busy() => Some(Action::Spin),
            _ = terminate.recv() => Some(Action::ForceQuit),
            _ = hangup.recv() => Some(Action::ForceQuit),
            _ = interrupt.recv() => Some(Action::ForceQuit),
            _ = quit.recv() => Some(Action::ForceQuit),
            _ = user1.recv() => Some(Action::ForceQuit),
            _ = user2.recv() => Some(Action::ForceQuit),
        };
        if let Some(action) = action {
            runtime.apply(app, action, epoch.elapsed());
        }
        let draining = std::time::Instant::now();
        while draining.elapsed() < DRAIN
            && let Ok(action) = actions.try_recv()
        {
            runtime.apply(app, action, epoch.elapsed());
        }
    };
    stop.store(true, Ordering::Relaxed);
    result
}
