//! The controller's [`Dialer`] on the simulated network.

use std::io;
use std::net::SocketAddr;

use mash_controller::{Dialed, Dialer, OperationalCredentials};
use mash_core::ids::DeviceId;
use mash_transport::{ConnectionConfig, KeepAliveConfig, Target};
use tokio::io::DuplexStream;

use crate::net::{SimError, SimNet};

/// Dials devices on a [`SimNet`].
#[derive(Debug, Clone)]
pub struct SimDialer {
    net: SimNet,
    /// The controller's name on the network (for [`SimNet::isolate`]).
    name: Option<String>,
    /// The device side's connection settings (keep-alive as the device
    /// service would configure it).
    device_side: ConnectionConfig,
}

impl SimDialer {
    /// A dialer on `net`.
    pub fn new(net: SimNet) -> Self {
        let keep_alive = KeepAliveConfig {
            lenient_until_first_pong: true,
            ..KeepAliveConfig::SPEC
        };
        Self {
            net,
            name: None,
            device_side: ConnectionConfig {
                keep_alive,
                answer_close_after_app: true,
                ..ConnectionConfig::default()
            },
        }
    }

    /// The same dialer, known on the network as `name`.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

fn addr(target: &Target) -> Result<SocketAddr, mash_transport::Error> {
    match target {
        Target::Addr(a) => Ok(*a),
        Target::Name(..) => Err(refused(&SimError::Unreachable(SocketAddr::from((
            [0, 0, 0, 0],
            0,
        ))))),
    }
}

fn refused(e: &SimError) -> mash_transport::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, e.to_string()).into()
}

impl Dialer for SimDialer {
    type Io = DuplexStream;

    async fn dial_commissioning(
        &self,
        target: &Target,
    ) -> Result<Dialed<DuplexStream>, mash_transport::Error> {
        let remote = addr(target)?;
        let stream = self
            .net
            .dial_commissioning(remote, self.name.as_deref())
            .map_err(|e| refused(&e))?;
        Ok(Dialed {
            stream,
            remote: Some(remote),
            peer_certificate: None,
        })
    }

    async fn dial_operational(
        &self,
        target: &Target,
        _device_id: DeviceId,
        credentials: &OperationalCredentials,
    ) -> Result<Dialed<DuplexStream>, mash_transport::Error> {
        let remote = addr(target)?;
        let stream = self
            .net
            .dial_operational(
                remote,
                credentials.zone_ca.as_ref(),
                self.device_side.clone(),
                self.name.as_deref(),
            )
            .map_err(|e| refused(&e))?;
        Ok(Dialed {
            stream,
            remote: Some(remote),
            peer_certificate: None,
        })
    }
}
