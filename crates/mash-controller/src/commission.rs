//! The commissioning shell: runs mash-core's [`ControllerHandshake`]
//! (PASE, then the certificate exchange, INTEROP.md §5.2) over a framed
//! stream, signing the device's CSR with the zone CA.

use std::future::pending;

use mash_core::commissioning::{ControllerEvent, ControllerHandshake, SetupCode};
use mash_core::ids::{DeviceId, ZoneId};
use mash_pki::{Certificate, IssuedDeviceCert, PkiError};
use mash_transport::FramedStream;
use tokio::io::{AsyncRead, AsyncWrite};
use tracing::{debug, info};

use crate::clock::Monotonic;
use crate::error::{CommissionError, Error};
use crate::rng::system_rng;

/// What a completed exchange yields.
#[derive(Debug)]
pub(crate) struct Exchanged {
    pub zone_id: ZoneId,
    pub device_id: DeviceId,
    pub certificate: Certificate,
}

/// Runs one commissioning exchange on `stream`.
///
/// `zone_ca_der` goes to the device in the CertRenewalRequest; `sign`
/// turns the device's CSR into its operational certificate. The device
/// closes the connection itself after its CertRenewalAck (DEC-066), so
/// this returns as soon as the acknowledgement arrives.
pub(crate) async fn exchange<Io>(
    stream: &mut FramedStream<Io>,
    code: &SetupCode,
    zone_ca_der: Vec<u8>,
    mono: Monotonic,
    mut sign: impl FnMut(&[u8]) -> Result<IssuedDeviceCert, PkiError>,
) -> Result<Exchanged, Error>
where
    Io: AsyncRead + AsyncWrite + Unpin,
{
    let mut rng = system_rng();
    let mut hs = ControllerHandshake::new(mono.now(), code, zone_ca_der, &mut rng);
    let mut issued: Option<Certificate> = None;
    loop {
        while let Some(payload) = hs.poll_transmit() {
            stream.write_frame(&payload).await?;
        }
        let mut progressed = false;
        while let Some(event) = hs.poll_event() {
            progressed = true;
            match event {
                ControllerEvent::PaseCompleted { zone_id } => {
                    debug!(%zone_id, "pase completed");
                }
                ControllerEvent::SignCsr { csr_der, .. } => match sign(&csr_der) {
                    Ok(cert) => {
                        hs.handle_signed_certificate(
                            mono.now(),
                            cert.cert.der().to_vec(),
                            cert.device_id,
                        )
                        .map_err(CommissionError::from)?;
                        issued = Some(cert.cert);
                    }
                    Err(e) => {
                        // Closes the handshake; the device's reaper ends
                        // its side.
                        let _ = hs.handle_signing_failed();
                        return Err(CommissionError::InvalidCsr(e).into());
                    }
                },
                ControllerEvent::Completed { zone_id, device_id } => {
                    let certificate = issued.ok_or_else(|| {
                        Error::State("handshake completed without a signed certificate".into())
                    })?;
                    info!(%zone_id, %device_id, "commissioning completed");
                    return Ok(Exchanged {
                        zone_id,
                        device_id,
                        certificate,
                    });
                }
                other => debug!(?other, "ignoring commissioning event"),
            }
        }
        if progressed {
            // Events may have queued frames; send them before waiting.
            continue;
        }
        if hs.is_closed() {
            return Err(CommissionError::ConnectionClosed.into());
        }
        let deadline = hs.poll_timeout().map(|t| mono.to_tokio(t));
        let timer = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => pending().await,
            }
        };
        tokio::select! {
            frame = stream.read_frame() => match frame? {
                Some(payload) => hs
                    .handle_message(mono.now(), &payload, &mut rng)
                    .map_err(CommissionError::from)?,
                None => {
                    hs.handle_close().map_err(CommissionError::from)?;
                    return Err(CommissionError::ConnectionClosed.into());
                }
            },
            () = timer => hs.handle_timeout(mono.now()).map_err(CommissionError::from)?,
        }
    }
}
