//! [`JobRunner`]: fetch a job, commission its device, report, repeat.

use std::collections::VecDeque;
use std::time::Duration;

use tracing::{debug, info, warn};

use super::{Ack, Job, JobEvent, JobOutcome, JobSource, Locate};
use crate::backoff::{Backoff, ReconnectPolicy};
use crate::controller::{CommissionedDevice, Controller};
use crate::dialer::Dialer;
use crate::error::{CommissionError, Error};

/// How long one long-poll waits for a job (the backend caps it at 30 s).
pub const POLL_WAIT: Duration = Duration::from_secs(25);
/// Shortest time between two polls that brought nothing, should a source
/// answer at once instead of waiting.
const MIN_EMPTY_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How many finished jobs the runner remembers, to answer a job that is
/// handed out again after its report got lost.
const REMEMBERED: usize = 256;

/// The SMGW's delegated-commissioning loop (see the [module
/// docs](super)): long-polls a [`JobSource`], commissions each job's
/// device with this controller, and reports the outcome.
///
/// Jobs are fetched and commissioned one at a time, in the order the
/// source gives them; the runner asks for one job per poll, so it never
/// holds a lease it is not working on. A commissioning attempt ends
/// before the job's lease does (at nine tenths of it; a discovery search
/// at three quarters), so its outcome arrives in time. Outcomes that
/// cannot be reported are kept and sent again before the next poll; a
/// job handed out again after its outcome was reported gets the same
/// outcome, without commissioning twice. Source failures are retried
/// with exponential back-off (1 s to 60 s); polls that bring nothing are
/// at least a second apart, should a source answer them at once.
///
/// ```no_run
/// # async fn demo<S: mash_controller::JobSource>(source: S) -> Result<(), mash_controller::Error> {
/// use std::time::Duration;
/// use mash_controller::*;
/// use mash_core::zone::ZoneType;
///
/// let config = ControllerConfig::new("/var/lib/mash/smgw", ZoneType::Grid, "SMGW")
///     .with_discovery(DiscoveryConfig::on_interfaces(["eth0"]));
/// let smgw = Controller::open(config, TlsDialer::new()?).await?;
/// let locate = Locate::Discovery { deadline: Duration::from_secs(600) };
/// JobRunner::new(smgw, source, locate)
///     .run(|event| println!("{event:?}"))
///     .await;
/// # Ok(()) }
/// ```
pub struct JobRunner<D: Dialer, S: JobSource> {
    controller: Controller<D>,
    source: S,
    locate: Locate,
    poll_wait: Duration,
    backoff: Backoff,
    /// Outcomes not yet reported, oldest first.
    unreported: VecDeque<(u64, JobOutcome)>,
    /// Outcomes reported lately, oldest first.
    reported: VecDeque<(u64, JobOutcome)>,
}

impl<D: Dialer, S: JobSource> std::fmt::Debug for JobRunner<D, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRunner")
            .field("controller", &self.controller)
            .field("locate", &self.locate)
            .field("poll_wait", &self.poll_wait)
            .field("unreported", &self.unreported.len())
            .finish_non_exhaustive()
    }
}

impl<D: Dialer, S: JobSource> JobRunner<D, S> {
    /// A runner commissioning into `controller`'s zone the jobs from
    /// `source`, finding devices as `locate` says.
    pub fn new(controller: Controller<D>, source: S, locate: Locate) -> Self {
        Self {
            controller,
            source,
            locate,
            poll_wait: POLL_WAIT,
            backoff: Backoff::new(ReconnectPolicy::default(), 0),
            unreported: VecDeque::new(),
            reported: VecDeque::new(),
        }
    }

    /// Another long-poll wait (default [`POLL_WAIT`]).
    pub fn with_poll_wait(mut self, wait: Duration) -> Self {
        self.poll_wait = wait;
        self
    }

    /// Another back-off after source failures (default 1 s doubling to
    /// 60 s).
    pub fn with_retry(mut self, policy: ReconnectPolicy) -> Self {
        self.backoff = Backoff::new(policy, 0);
        self
    }

    /// The job source.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// Runs until the controller shuts down
    /// ([`Controller::shutdown`]), telling `on_event` what happens.
    pub async fn run(&mut self, mut on_event: impl FnMut(JobEvent) + Send) {
        let mut shutdown = self.controller.inner.shutdown.subscribe();
        loop {
            if *shutdown.borrow() {
                return;
            }
            let started = tokio::time::Instant::now();
            let step = tokio::select! {
                step = self.poll_once(&mut on_event) => step,
                _ = shutdown.wait_for(|down| *down) => return,
            };
            match step {
                Ok(jobs) => {
                    self.backoff.reset();
                    if jobs == 0 {
                        tokio::select! {
                            () = tokio::time::sleep_until(started + MIN_EMPTY_POLL_INTERVAL) => {}
                            _ = shutdown.wait_for(|down| *down) => return,
                        }
                    }
                }
                Err(e) => {
                    let retry_in = self.backoff.next_delay();
                    warn!(error = %e, ?retry_in, "job source failed");
                    on_event(JobEvent::SourceError {
                        error: e.to_string(),
                        retry_in,
                    });
                    tokio::select! {
                        () = tokio::time::sleep(retry_in) => {}
                        _ = shutdown.wait_for(|down| *down) => return,
                    }
                }
            }
        }
    }

    /// One round: sends outcomes still owed, waits up to the poll wait
    /// for a job, handles it and reports. Returns how many jobs came.
    pub async fn poll_once(
        &mut self,
        on_event: &mut (impl FnMut(JobEvent) + Send),
    ) -> Result<usize, S::Error> {
        self.flush(on_event).await?;
        let jobs = self.source.next_jobs(self.poll_wait, 1).await?;
        let count = jobs.len();
        for job in jobs {
            self.handle(job, on_event).await;
        }
        self.flush(on_event).await?;
        Ok(count)
    }

    async fn handle(&mut self, job: Job, on_event: &mut (impl FnMut(JobEvent) + Send)) {
        if self.unreported.iter().any(|(id, _)| *id == job.id) {
            // Its outcome goes out with the next flush.
            return;
        }
        if let Some((_, outcome)) = self.reported.iter().find(|(id, _)| *id == job.id) {
            debug!(
                job = job.id,
                "job handed out again; reporting its outcome again"
            );
            self.unreported.push_back((job.id, outcome.clone()));
            on_event(JobEvent::Repeated { job: job.id });
            return;
        }
        on_event(JobEvent::Received { job: job.id });
        let outcome = match self.commission(&job).await {
            Ok(device) => {
                info!(job = job.id, device_id = %device.device_id(), "job commissioned");
                let outcome = JobOutcome::Commissioned {
                    device_id: device.device_id(),
                    zone_id: device.zone_id(),
                };
                on_event(JobEvent::Commissioned {
                    job: job.id,
                    device,
                });
                outcome
            }
            Err(reason) => {
                info!(job = job.id, %reason, "job failed");
                on_event(JobEvent::Failed {
                    job: job.id,
                    reason: reason.clone(),
                });
                JobOutcome::Failed { reason }
            }
        };
        self.unreported.push_back((job.id, outcome));
    }

    /// Commissions the job's device, within its lease. The error is the
    /// reason to report.
    async fn commission(&self, job: &Job) -> Result<CommissionedDevice, String> {
        let budget = job.lease.saturating_sub(job.lease / 10);
        let attempt = async {
            match &self.locate {
                Locate::Discovery { deadline } => {
                    let deadline = (*deadline).min(job.lease.saturating_mul(3) / 4);
                    self.controller
                        .commission_qr_discovered(&job.qr, deadline)
                        .await
                }
                Locate::Address(target) => self.controller.commission_qr(target, &job.qr).await,
            }
        };
        match tokio::time::timeout(budget, attempt).await {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(Error::Commission(CommissionError::NotReachable { device_id, source }))) => {
                // In the zone; the session keeps trying to connect.
                warn!(%device_id, error = %source, "commissioned, not connected yet");
                let record = self
                    .controller
                    .device(&device_id)
                    .ok_or_else(|| format!("device {device_id} vanished from the registry"))?;
                let handle = self
                    .controller
                    .connect(device_id)
                    .map_err(|e| e.to_string())?;
                Ok(CommissionedDevice { record, handle })
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!(
                "no result within the job's lease ({} s)",
                budget.as_secs()
            )),
        }
    }

    /// Reports every outcome still owed, oldest first; stops at the
    /// first failure (the rest stay queued).
    async fn flush(
        &mut self,
        on_event: &mut (impl FnMut(JobEvent) + Send),
    ) -> Result<(), S::Error> {
        while let Some((job, outcome)) = self.unreported.front() {
            let job = *job;
            match self.source.report(job, outcome).await? {
                Ack::Accepted => on_event(JobEvent::Reported { job }),
                Ack::Refused { why } => {
                    warn!(job, %why, "job source refused the outcome");
                    on_event(JobEvent::ReportRefused { job, why });
                }
            }
            if let Some(done) = self.unreported.pop_front() {
                if self.reported.len() == REMEMBERED {
                    self.reported.pop_front();
                }
                self.reported.push_back(done);
            }
        }
        Ok(())
    }
}
