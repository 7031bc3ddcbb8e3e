//! Waiting for what a cluster does by itself (controllers, the scheduler, kwok): poll with a
//! deadline, and on failure say what was seen last.

use std::future::Future;
use std::time::Duration;

/// How often [`until`] looks again.
pub const INTERVAL: Duration = Duration::from_millis(200);

/// Calls `check` every [`INTERVAL`] until it returns `Ok(value)`. After `timeout` it fails,
/// naming `what` and the last `Err` of `check` (what it saw instead); an error of `check`
/// itself fails at once.
pub async fn until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Result<T, String>>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match check().await? {
            Ok(value) => return Ok(value),
            Err(last) if tokio::time::Instant::now() > deadline => {
                anyhow::bail!("{what}: not within {timeout:?}; last seen: {last}")
            }
            Err(_) => tokio::time::sleep(INTERVAL).await,
        }
    }
}
