//! The reads a case makes, cached per session (a session is one site: one account, one
//! region): jobs that share a principal, an action or a resource share each read (the role,
//! its policies, its boundary, the organization's policies, a key or vault policy, a
//! simulation), and concurrent cases asking for the same one wait for a single call. Only
//! answers are kept, never errors. Our own writes and a refresh forget everything
//! ([`Session::forget_reads`]); the write path itself never reads through the cache.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::sync::OnceCell;

use super::{AwsError, Session};

type Slot = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

/// The cached answers of one session, by what was asked.
#[derive(Debug, Default)]
pub(crate) struct ReadCache {
    slots: Mutex<HashMap<String, Slot>>,
}

impl ReadCache {
    fn slot(&self, key: &str) -> Slot {
        // A poisoned lock means a panic while inserting a slot: the map is still whole.
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(key.to_string()).or_default().clone()
    }

    fn clear(&self) {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl Session {
    /// `read`'s answer, asked once per session for `key` (what is read, with every argument
    /// that changes the answer); an error is returned and not kept.
    ///
    /// The read and its wait are boxed: a case makes a dozen of these, and kept inline in the
    /// case's future they made it too large for a test thread's stack.
    pub fn cached<'a, T, F>(&'a self, key: String, read: F) -> BoxFuture<'a, Result<T, AwsError>>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = Result<T, AwsError>> + Send + 'a,
    {
        let slot = self.reads.slot(&key);
        async move {
            let value = slot
                .get_or_try_init(|| async {
                    read.await
                        .map(|answer| Arc::new(answer) as Arc<dyn Any + Send + Sync>)
                })
                .await?;
            value.downcast_ref::<T>().cloned().ok_or_else(|| {
                AwsError::new(
                    super::AwsErrorKind::Other,
                    format!("read cache: {key} was asked with two answer types"),
                )
            })
        }
        .boxed()
    }

    /// Forgets every cached read (after a write of ours, on a refresh).
    pub fn forget_reads(&self) {
        self.reads.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn one_call_per_key_errors_are_not_kept_and_forgetting_asks_again() {
        let session = Session::for_tests("us-east-1", None);
        let calls = AtomicUsize::new(0);
        let read = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok::<_, AwsError>(vec!["a".to_string()])
        };
        let (first, second) = tokio::join!(
            session.cached("k".into(), read()),
            session.cached("k".into(), read())
        );
        assert_eq!(first.unwrap(), second.unwrap());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "concurrent askers share one call"
        );
        let failing = session
            .cached::<Vec<String>, _>("e".into(), async {
                Err(AwsError::new(super::super::AwsErrorKind::Other, "no"))
            })
            .await;
        assert!(failing.is_err());
        assert!(
            session.cached("e".into(), read()).await.is_ok(),
            "errors are not kept"
        );
        session.forget_reads();
        session.cached("k".into(), read()).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
