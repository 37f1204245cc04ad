//! Asking a running JupyterLab how it is, with the token the proxy uses: `api/status` says
//! whether it answers and when it was last active (API requests, kernels, terminals);
//! `api/kernels?no_track_activity=1` whether a kernel is busy, without counting as activity.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

/// What one look at a notebook found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    pub last_activity_ms: Option<i64>,
    pub busy: bool,
}

#[derive(Clone)]
pub struct Probe {
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct Status {
    last_activity: Option<String>,
}

#[derive(Deserialize)]
struct Kernel {
    execution_state: Option<String>,
    last_activity: Option<String>,
}

impl Default for Probe {
    fn default() -> Self {
        Probe::new()
    }
}

impl Probe {
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .no_proxy()
            .build()
            .unwrap_or_default();
        Probe { client }
    }

    /// Whether Jupyter answers `api/status` (it does once it serves).
    pub async fn answers(&self, addr: SocketAddr, base_url: &str, token: &str) -> bool {
        self.status(addr, base_url, token).await.is_ok()
    }

    /// Last activity and whether any kernel is busy; `Err` when Jupyter does not answer.
    pub async fn activity(
        &self,
        addr: SocketAddr,
        base_url: &str,
        token: &str,
    ) -> Result<Activity, reqwest::Error> {
        let status = self.status(addr, base_url, token).await?;
        let kernels: Vec<Kernel> = self
            .client
            .get(format!(
                "http://{addr}{base_url}api/kernels?no_track_activity=1"
            ))
            .header("Authorization", format!("token {token}"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let busy = kernels
            .iter()
            .any(|k| k.execution_state.as_deref() == Some("busy"));
        let last_activity_ms = std::iter::once(status.last_activity)
            .chain(kernels.into_iter().map(|k| k.last_activity))
            .flatten()
            .filter_map(|t| parse_utc_ms(&t))
            .max();
        Ok(Activity {
            last_activity_ms,
            busy,
        })
    }

    async fn status(
        &self,
        addr: SocketAddr,
        base_url: &str,
        token: &str,
    ) -> Result<Status, reqwest::Error> {
        self.client
            .get(format!("http://{addr}{base_url}api/status"))
            .header("Authorization", format!("token {token}"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}

/// Reads Jupyter's timestamps (`2026-11-29T03:47:12.398838Z`, UTC) as milliseconds since the
/// epoch.
pub fn parse_utc_ms(text: &str) -> Option<i64> {
    let text = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix("+00:00"))?;
    let (date, time) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (h, min, s) = (t.next()??, t.next()??, t.next()??);
    let millis: i64 = format!("{fraction:0<3}")[..3].parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y, m, day);
    Some(((days * 24 + h) * 60 + min) * 60_000 + s * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_jupyters_timestamps() {
        assert_eq!(parse_utc_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_utc_ms("2026-11-29T03:47:12.398838Z"),
            Some(1_795_924_032_398)
        );
        assert_eq!(
            parse_utc_ms("2000-02-29T12:00:00.5+00:00"),
            Some(951_825_600_500)
        );
        assert_eq!(parse_utc_ms("yesterday"), None);
        assert_eq!(parse_utc_ms("2026-13-01T00:00:00Z"), None);
    }
}
