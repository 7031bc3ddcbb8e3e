//! The shutdown signal, shared by everything that must end before the process can: a long-lived
//! response (the live stream) ends itself when it is given, so that a graceful shutdown does not
//! wait for browsers to go away, and `/readyz` turns 503 so no new traffic is sent here.

use std::sync::Arc;

use tokio::sync::watch;

#[derive(Clone, Debug)]
pub struct Shutdown(Arc<watch::Sender<bool>>);

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown(Arc::new(watch::Sender::new(false)))
    }
}

impl Shutdown {
    /// Starts the shutdown; every [`Shutdown::begun`] returns.
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    pub fn is_begun(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until the shutdown has begun (at once if it has).
    pub async fn begun(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, so the wait cannot fail.
        let _ = rx.wait_for(|begun| *begun).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_waiter_wakes_when_it_begins_and_later_ones_at_once() {
        let shutdown = Shutdown::default();
        let waiter = tokio::spawn({
            let s = shutdown.clone();
            async move { s.begun().await }
        });
        assert!(!shutdown.is_begun());
        shutdown.begin();
        waiter.await.unwrap();
        shutdown.begun().await;
        assert!(shutdown.is_begun());
    }
}
