//! What the API does, between the HTTP handlers and the [`Store`]: who
//! may do what, long-polls and their wake-ups, leases and the sweeper.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mash_core::commissioning::QrPayload;
use mash_core::ids::{DeviceId, ZoneId};
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{info, warn};

use crate::api::{self, JobResult, Registration, State};
use crate::auth::{Caller, Tokens};
use crate::clock::Clock;
use crate::config::Config;
use crate::error::Error;
use crate::store::{Completion, Millis, Outcome, Policy, Record, Store};

/// Longest long-poll.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(30);
/// Most jobs per poll, and the default.
pub(crate) const MAX_LIMIT: u32 = 100;
pub(crate) const DEFAULT_LIMIT: u32 = 10;
/// Longest failure reason an SMGW may report (bytes; the client cuts
/// longer ones).
const MAX_REASON: usize = 1000;

/// The backend's shared state.
pub(crate) struct App<S> {
    pub(crate) store: S,
    config: Config,
    tokens: Tokens,
    pub(crate) policy: Policy,
    clock: Arc<dyn Clock>,
    /// Per SMGW: bumped when one of its sites gets a registration.
    uploads: Mutex<HashMap<String, watch::Sender<u64>>>,
    /// Bumped whenever a registration changes state.
    changes: watch::Sender<u64>,
    /// Set when the server shuts down: long-polls answer at once.
    pub(crate) stop: watch::Sender<bool>,
}

impl<S: Store> App<S> {
    pub(crate) fn new(config: Config, store: S, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            tokens: Tokens::new(&config),
            policy: config.jobs.policy(),
            config,
            clock,
            uploads: Mutex::new(HashMap::new()),
            changes: watch::Sender::new(0),
            stop: watch::Sender::new(false),
        }
    }

    pub(crate) fn authenticate(&self, headers: &axum::http::HeaderMap) -> Result<&Caller, Error> {
        self.tokens.authenticate(headers)
    }

    /// `POST /v1/sites/{site}/registrations`.
    pub(crate) async fn upload(
        &self,
        caller: &Caller,
        site: &str,
        qr: &str,
    ) -> Result<(Registration, bool), Error> {
        caller.require_site(site)?;
        let payload = QrPayload::parse(qr).map_err(Error::InvalidQr)?;
        let (record, created) = self.store.register(site, &payload, self.now()).await?;
        if created {
            info!(
                id = record.id,
                site,
                discriminator = record.discriminator,
                by = caller.name(),
                "registration uploaded"
            );
            self.changed();
            if let Some(smgw) = self.config.smgw_of(site) {
                self.uploads_of(smgw).send_modify(|n| *n += 1);
            }
        }
        Ok((view(&record), created))
    }

    /// `GET /v1/registrations/{id}?wait=`: at once, or when final, or
    /// when `wait` ends.
    pub(crate) async fn registration(
        &self,
        caller: &Caller,
        id: i64,
        wait: Duration,
    ) -> Result<Registration, Error> {
        let deadline = Instant::now() + wait.min(MAX_WAIT);
        let mut changes = self.changes.subscribe();
        let mut stop = self.stop.subscribe();
        loop {
            changes.borrow_and_update();
            let record = self.lookup(caller, id).await?;
            if record.state.is_final() || Instant::now() >= deadline || *stop.borrow() {
                return Ok(view(&record));
            }
            tokio::select! {
                _ = changes.changed() => {}
                () = tokio::time::sleep_until(deadline) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
    }

    /// The record `caller` may read, swept first if its last lease ran
    /// out.
    async fn lookup(&self, caller: &Caller, id: i64) -> Result<Record, Error> {
        let record = self.store.get(id).await?.ok_or(Error::NotFound)?;
        caller.require_site(&record.site)?;
        let ran_out = record.lease_until.is_some_and(|end| end <= self.now())
            && record.attempts >= self.policy.max_attempts;
        if ran_out {
            self.sweep().await?;
            return self.store.get(id).await?.ok_or(Error::NotFound);
        }
        Ok(record)
    }

    /// `GET /v1/smgw/{smgw}/jobs?wait=&limit=`: leases jobs, waiting for
    /// an upload (or a lease to run out) up to `wait`.
    pub(crate) async fn jobs(
        &self,
        caller: &Caller,
        smgw: &str,
        wait: Duration,
        limit: u32,
    ) -> Result<Vec<api::Job>, Error> {
        caller.require_smgw(smgw)?;
        let deadline = Instant::now() + wait.min(MAX_WAIT);
        let limit = limit.clamp(1, MAX_LIMIT);
        let mut uploads = self.uploads_of(smgw).subscribe();
        let mut stop = self.stop.subscribe();
        loop {
            uploads.borrow_and_update();
            self.sweep().await?;
            let now = self.now();
            let leased = self.store.claim(smgw, limit, now, &self.policy).await?;
            if !leased.is_empty() {
                let ids: Vec<i64> = leased.iter().map(|j| j.id).collect();
                info!(smgw, ?ids, by = caller.name(), "jobs leased");
                self.changed();
                return Ok(leased
                    .into_iter()
                    .map(|j| api::Job {
                        id: u64::try_from(j.id).unwrap_or_default(),
                        site: j.site,
                        qr: j.qr,
                        attempt: j.attempt,
                        lease_seconds: seconds(j.lease_until.saturating_sub(now)),
                    })
                    .collect());
            }
            if Instant::now() >= deadline || *stop.borrow() {
                return Ok(Vec::new());
            }
            // A lease running out makes its job available again.
            let wake = match self.store.next_lease_end(smgw).await? {
                Some(end) => {
                    let ms = u64::try_from(end.saturating_sub(self.now())).unwrap_or(0);
                    deadline.min(Instant::now() + Duration::from_millis(ms.max(50)))
                }
                None => deadline,
            };
            tokio::select! {
                _ = uploads.changed() => {}
                () = tokio::time::sleep_until(wake) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
    }

    /// `POST /v1/smgw/{smgw}/jobs/{id}/result`.
    pub(crate) async fn result(
        &self,
        caller: &Caller,
        smgw: &str,
        id: i64,
        result: JobResult,
    ) -> Result<Registration, Error> {
        caller.require_smgw(smgw)?;
        let outcome = outcome(result)?;
        match self.store.complete(smgw, id, &outcome, self.now()).await? {
            Completion::Done(record) => {
                info!(id, smgw, state = %record.state, device_id = ?record.device_id, "job finished");
                self.changed();
                Ok(view(&record))
            }
            Completion::NotFound => Err(Error::NotFound),
            Completion::NotLeased(record) => Err(Error::Conflict(format!(
                "job {id} is {}, not leased to {smgw}",
                record.state
            ))),
        }
    }

    /// Fails registrations out of attempts or time, erasing their secret.
    pub(crate) async fn sweep(&self) -> Result<(), Error> {
        let n = self.store.sweep(self.now(), &self.policy).await?;
        if n > 0 {
            info!(count = n, "registrations failed: out of attempts or time");
            self.changed();
        }
        Ok(())
    }

    /// Runs [`sweep`](Self::sweep) every `every` until shutdown.
    pub(crate) async fn sweep_periodically(&self, every: Duration) {
        let mut stop = self.stop.subscribe();
        let mut ticks = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            if let Err(e) = self.sweep().await {
                warn!(error = %e, "sweep failed");
            }
        }
    }

    fn now(&self) -> Millis {
        self.clock.now()
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n += 1);
    }

    fn uploads_of(&self, smgw: &str) -> watch::Sender<u64> {
        let mut map = self.uploads.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(smgw.to_owned())
            .or_insert_with(|| watch::Sender::new(0))
            .clone()
    }
}

/// Checks an SMGW's report.
fn outcome(result: JobResult) -> Result<Outcome, Error> {
    match result {
        JobResult::Commissioned { device_id, zone_id } => Ok(Outcome::Commissioned {
            device_id: device_id
                .parse::<DeviceId>()
                .map_err(|_| Error::InvalidRequest("device_id: not 16 hex characters".into()))?,
            zone_id: zone_id
                .parse::<ZoneId>()
                .map_err(|_| Error::InvalidRequest("zone_id: not 16 hex characters".into()))?,
        }),
        JobResult::Failed { reason } => {
            let reason = reason.trim();
            if reason.is_empty() || reason.len() > MAX_REASON {
                return Err(Error::InvalidRequest(format!(
                    "reason: 1 to {MAX_REASON} bytes"
                )));
            }
            Ok(Outcome::Failed {
                reason: reason.to_owned(),
            })
        }
    }
}

/// A record as the app sees it.
pub(crate) fn view(r: &Record) -> Registration {
    let secs = |ms: Millis| seconds(ms);
    Registration {
        id: u64::try_from(r.id).unwrap_or_default(),
        site: r.site.clone(),
        state: r.state,
        discriminator: r.discriminator,
        vendor_id: r.vendor_id,
        product_id: r.product_id,
        attempts: r.attempts,
        lease_until: r
            .lease_until
            .filter(|_| r.state == State::Delivered)
            .map(secs),
        device_id: r.device_id.clone(),
        zone_id: r.zone_id.clone(),
        reason: r.failure.clone(),
        created_at: secs(r.created_at),
        updated_at: secs(r.updated_at),
    }
}

/// Milliseconds to whole seconds (negative: 0).
fn seconds(ms: Millis) -> u64 {
    u64::try_from(ms / 1000).unwrap_or(0)
}
