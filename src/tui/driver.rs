//! A headless driver for tests: the same App, keymap and runtime over a ratatui `TestBackend`,
//! fed with key events, settling until the screen shows what a test waits for.

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::action::Action;
use super::app::App;
use super::event_loop::event_action;
use super::runtime::{Clipboard, Runtime};
use super::{TuiOptions, header_for, ui};
use crate::aws::Session;

/// The app running headless.
pub struct Driver {
    epoch: std::time::Instant,
    app: App,
    runtime: Runtime,
    actions: UnboundedReceiver<Action>,
    terminal: Option<Terminal<TestBackend>>,
}

/// Starts the app against `session` on a `width` x `height` test terminal. Must be called
/// inside a tokio runtime (the runtime spawns its tasks on it).
pub fn driver(session: Session, options: &TuiOptions, width: u16, height: u16) -> Driver {
    let (sender, actions) = mpsc::unbounded_channel();
    let mut runtime = Runtime::new(session.clone(), options, sender, Clipboard::Record);
    let mut app = App::new(header_for(&session, options), (width, height));
    app.wall_start = Some(time::OffsetDateTime::now_utc());
    app.export_dir = options.export_dir.clone();
    app.watch = super::watch_for(options);
    for effect in app.start() {
        runtime.execute(effect);
    }
    Driver {
        epoch: std::time::Instant::now(),
        app,
        runtime,
        actions,
        terminal: Terminal::new(TestBackend::new(width, height)).ok(),
    }
}

impl Driver {
    /// The app's state.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Text copied to the clipboard so far.
    pub fn copied(&self) -> &[String] {
        &self.runtime.copied
    }

    /// Applies an action as the event loop would.
    pub fn dispatch(&mut self, action: Action) {
        self.runtime
            .apply(&mut self.app, action, self.epoch.elapsed());
    }

    /// Runs an effect as if `update` had asked for it, past the app's own guards (for tests
    /// that prove a lower layer refuses on its own, e.g. a read-only session's writes).
    pub fn execute(&mut self, effect: super::action::Effect) {
        self.runtime.execute(effect);
    }

    /// Presses a key with modifiers.
    pub fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        if let Some(action) = event_action(&self.app, Event::Key(KeyEvent::new(code, modifiers))) {
            self.dispatch(action);
        }
    }

    /// Presses a key.
    pub fn press(&mut self, code: KeyCode) {
        self.key(code, KeyModifiers::NONE);
    }

    /// Types one character.
    pub fn type_char(&mut self, ch: char) {
        self.press(KeyCode::Char(ch));
    }

    /// Types each character of `text`.
    pub fn type_str(&mut self, text: &str) {
        for ch in text.chars() {
            self.type_char(ch);
        }
    }

    /// Applies every action the runtime has sent so far.
    pub fn drain(&mut self) {
        while let Ok(action) = self.actions.try_recv() {
            self.dispatch(action);
        }
    }

    /// The screen as text, one line per row (after applying pending results).
    pub fn screen(&mut self) -> String {
        self.drain();
        let Some(terminal) = self.terminal.as_mut() else {
            return String::new();
        };
        let app = &self.app;
        if terminal.draw(|frame| ui::render(app, frame)).is_err() {
            return String::new();
        }
        let buffer = terminal.backend().buffer();
        let area = buffer.area;
        let mut text = String::new();
        for y in 0..area.height {
            for x in 0..area.width {
                text.push_str(buffer[(x, y)].symbol());
            }
            text.push('\n');
        }
        text
    }

    /// How many results the runtime has sent that are not applied yet.
    pub fn queued(&self) -> usize {
        self.actions.len()
    }

    /// Applies results one at a time as they arrive until `done(app)` holds, leaving the rest
    /// queued; false after `timeout`.
    pub async fn step_until(&mut self, done: impl Fn(&App) -> bool, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while !done(&self.app) {
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return false;
            }
            match tokio::time::timeout(deadline - now, self.actions.recv()).await {
                Ok(Some(action)) => self.dispatch(action),
                _ => return false,
            }
        }
        true
    }

    /// Applies results as they arrive until `done(app)` holds; false after `timeout`.
    pub async fn settle_app(&mut self, done: impl Fn(&App) -> bool, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            self.drain();
            if done(&self.app) {
                return true;
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return false;
            }
            if let Ok(Some(action)) =
                tokio::time::timeout(deadline - now, self.actions.recv()).await
            {
                self.dispatch(action);
            }
        }
    }

    /// Applies results as they arrive until `done(screen)` holds; returns the screen, or the
    /// last screen as the error after `timeout`.
    pub async fn settle_until(
        &mut self,
        done: impl Fn(&str) -> bool,
        timeout: Duration,
    ) -> Result<String, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if done(&screen) {
                return Ok(screen);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(screen);
            }
            if let Ok(Some(action)) =
                tokio::time::timeout(deadline - now, self.actions.recv()).await
            {
                self.dispatch(action);
            }
        }
    }
}
