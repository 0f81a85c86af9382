//! One task per device: dial, run the connection, and on loss wait out
//! the back-off and dial again.
//!
//! - [`mod@self`]: the reconnect loop and the back-off wait (during which
//!   a failed dial looks the device up on mDNS, if configured);
//! - [`link`]: one live connection — request correlation, notifications,
//!   requests from the device, renewal, timers;
//! - [`subscriptions`]: what to subscribe again after a reconnect;
//! - [`renewal`]: the device-certificate renewal shell;
//! - [`command`]: what handles send to the task.

mod command;
mod link;
mod renewal;
mod subscriptions;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use mash_core::ids::DeviceId;
use mash_pki::{Certificate, verify_device_cert};
use mash_transport::Target;
use tokio::sync::{mpsc, watch};
use tracing::{debug, info, warn};

pub(crate) use command::Command;

use crate::backoff::Backoff;
use crate::controller::{Inner, lock};
use crate::dialer::{Dialed, Dialer};
use crate::error::Error;
use crate::handle::{DeviceHandle, LinkState};
use crate::registry::DeviceRecord;
use subscriptions::Desired;

/// Commands queued per session before handles wait.
const COMMAND_QUEUE: usize = 64;

/// Starts the session of `record`'s device.
pub(crate) fn spawn<D: Dialer>(inner: Arc<Inner<D>>, record: &DeviceRecord) -> DeviceHandle {
    let (commands_tx, commands) = mpsc::channel(COMMAND_QUEUE);
    let (state_tx, state) = watch::channel(LinkState::Connecting);
    let seed = u64::from_be_bytes(*record.device_id.as_bytes());
    let handle = DeviceHandle {
        device_id: record.device_id,
        zone_id: record.zone_id,
        zone_type: inner.config.zone_type,
        commands: commands_tx,
        state,
        request_timeout: inner.config.request_timeout,
    };
    let session = Session {
        backoff: Backoff::new(inner.config.reconnect, seed),
        shutdown: inner.shutdown.subscribe(),
        inner,
        device_id: record.device_id,
        commands,
        state: state_tx,
        desired: Desired::default(),
    };
    tokio::spawn(session.run());
    handle
}

/// How a connection (or an attempt) ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Lost or failed: retry after the back-off.
    Retry(String),
    /// The device speaks another major version.
    Incompatible(String),
    /// The device left the zone.
    Removed,
    /// Stop requested.
    Stopped,
}

pub(crate) struct Session<D> {
    pub(crate) inner: Arc<Inner<D>>,
    pub(crate) device_id: DeviceId,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) state: watch::Sender<LinkState>,
    pub(crate) desired: Desired,
    pub(crate) backoff: Backoff,
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl<D: Dialer> Session<D> {
    async fn run(mut self) {
        let end = loop {
            if *self.shutdown.borrow() {
                break LinkState::Stopped;
            }
            let Some(record) = self.inner.record(&self.device_id) else {
                break LinkState::Removed;
            };
            self.state.send_replace(LinkState::Connecting);
            let mut shutdown = self.shutdown.clone();
            let dialed = tokio::select! {
                dialed = self.dial(&record) => Some(dialed),
                _ = shutdown.wait_for(|down| *down) => None,
            };
            let dial_failed = matches!(dialed, Some(Err(_)));
            let outcome = match dialed {
                None => Outcome::Stopped,
                Some(Ok((dialed, cert))) => self.connected(dialed, cert, &record).await,
                Some(Err(e)) => Outcome::Retry(e.to_string()),
            };
            match outcome {
                Outcome::Retry(why) => {
                    let delay = self.backoff.next_delay();
                    debug!(device_id = %self.device_id, %why, ?delay, "reconnecting after back-off");
                    self.state.send_replace(LinkState::Disconnected {
                        last_error: why,
                        retry_in: delay,
                    });
                    // INTEROP.md §9: a device that moved (new address or
                    // port, e.g. after a restart) is found again by its
                    // operational record; look while waiting.
                    let rediscover =
                        self.inner
                            .discovery
                            .as_ref()
                            .filter(|_| dial_failed)
                            .map(|d| {
                                d.rediscover(
                                    record.zone_id,
                                    record.device_id,
                                    record.address.clone(),
                                )
                            });
                    if !self.idle(delay, rediscover).await {
                        break LinkState::Stopped;
                    }
                }
                Outcome::Incompatible(spec_version) => {
                    warn!(device_id = %self.device_id, %spec_version, "incompatible device, not reconnecting");
                    break LinkState::Incompatible { spec_version };
                }
                Outcome::Removed => break LinkState::Removed,
                Outcome::Stopped => break LinkState::Stopped,
            }
        };
        info!(device_id = %self.device_id, state = ?end, "session ended");
        self.state.send_replace(end);
        // Queued commands learn that nothing will answer them.
        self.commands.close();
        while let Some(cmd) = self.commands.recv().await {
            cmd.refuse(|| Error::Shutdown);
        }
    }

    /// Dials and checks the device certificate when the dialer shows it
    /// (INTEROP.md §3.3, controller side).
    async fn dial(
        &self,
        record: &DeviceRecord,
    ) -> Result<(Dialed<D::Io>, Option<Certificate>), Error> {
        let credentials = self.inner.credentials();
        let dialed = self
            .inner
            .dialer
            .dial_operational(&record.address, record.device_id, &credentials)
            .await?;
        let cert = match &dialed.peer_certificate {
            None => None,
            Some(der) => {
                let cert = Certificate::from_der(der.clone()).map_err(Error::DeviceCertificate)?;
                let ca = self.inner.zone_ca_certificate();
                let _proof = verify_device_cert(&cert, &ca, record.device_id, self.inner.now())
                    .map_err(Error::DeviceCertificate)?;
                Some(cert)
            }
        };
        Ok((dialed, cert))
    }

    /// Waits out the back-off; commands that need a connection are
    /// refused meanwhile. `false` when the session must stop.
    ///
    /// `rediscover`, when given, looks for the device's new address; if
    /// it finds one, the registry is updated and the wait ends at once.
    async fn idle(
        &mut self,
        delay: Duration,
        rediscover: Option<impl Future<Output = Option<Target>>>,
    ) -> bool {
        let wake = tokio::time::sleep(delay);
        tokio::pin!(wake);
        let found = async {
            match rediscover {
                Some(search) => search.await,
                None => None,
            }
        };
        tokio::pin!(found);
        let mut searching = true;
        let inner = self.inner.clone();
        loop {
            tokio::select! {
                () = &mut wake => return true,
                found = &mut found, if searching => {
                    searching = false;
                    if let Some(address) = found
                        && moved_to(&inner, self.device_id, address)
                    {
                        return true;
                    }
                }
                _ = self.shutdown.wait_for(|down| *down) => return false,
                cmd = self.commands.recv() => match cmd {
                    None | Some(Command::Stop) => return false,
                    Some(Command::Unsubscribe { local, reply }) => {
                        self.desired.remove(local);
                        if let Some(tx) = reply {
                            let _ = tx.send(Ok(()));
                        }
                    }
                    Some(other) => other.refuse(|| Error::NotConnected { last_error: None }),
                },
            }
        }
    }
}

/// Records where the device is now; `false` if that failed.
fn moved_to<D>(inner: &Inner<D>, device_id: DeviceId, address: Target) -> bool {
    match lock(&inner.registry).update(&device_id, |r| r.address = address) {
        Ok(updated) => updated.is_some(),
        Err(e) => {
            warn!(%device_id, error = %e, "could not record the new address");
            false
        }
    }
}
