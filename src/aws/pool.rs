//! Sessions by site: every read or write for a job, a case or a journal entry asks the pool for
//! the session of its site (partition, account, region) rather than assuming "the current
//! account". Today a site is reached with the caller's own credentials, in its own account and
//! any region (one session per region, opened once and shared); a site in another account is
//! refused in one line naming both accounts (reaching it through a role assumed there is the
//! organization view's).

use std::collections::HashMap;
use std::sync::Arc;

use super::{AwsError, AwsErrorKind, Session};
use crate::diagnosis::Site;

/// The sessions of one set of credentials, by region.
#[derive(Clone, Debug)]
pub struct SessionPool {
    home: Session,
    regional: Arc<std::sync::Mutex<HashMap<String, Session>>>,
}

impl SessionPool {
    /// A pool whose credentials are `home`'s (its region's session is `home` itself).
    pub fn new(home: Session) -> SessionPool {
        SessionPool {
            home,
            regional: Arc::default(),
        }
    }

    /// The session the pool was opened with.
    pub fn home(&self) -> &Session {
        &self.home
    }

    /// The site of the credentials in their own region (STS asked once).
    pub async fn home_site(&self) -> Result<Site, AwsError> {
        self.home.site().await
    }

    /// Forgets the cached reads of every session of the pool (a write of ours, a refresh).
    pub fn forget_reads(&self) {
        self.home.forget_reads();
        for session in self.regional().values() {
            session.forget_reads();
        }
    }

    /// The regional sessions (a poisoned lock still holds whole sessions).
    fn regional(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.regional.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session for `site`: the credentials' own account, in the site's region.
    pub async fn session_for(&self, site: &Site) -> Result<Session, AwsError> {
        let (account, _) = self.home.caller_identity().await?;
        if site.account != account {
            return Err(AwsError::new(
                AwsErrorKind::Other,
                format!(
                    "no credentials for account {}: these are for account {account}; run restore-doctor with credentials for account {}",
                    site.account, site.account
                ),
            ));
        }
        if site.region == self.home.region() {
            return Ok(self.home.clone());
        }
        if let Some(session) = self.regional().get(&site.region) {
            return Ok(session.clone());
        }
        // Opened without the lock held; two at once both open one, and the first kept wins.
        let session = self.home.reconnect(Some(&site.region), None).await?;
        Ok(self
            .regional()
            .entry(site.region.clone())
            .or_insert(session)
            .clone())
    }
}
