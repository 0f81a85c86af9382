//! A whole installation on one simulated network: devices, a grid
//! operator's SMGW (GRID) and a home EMS (LOCAL).

use std::net::SocketAddr;
use std::path::PathBuf;

use mash_controller::{Controller, ControllerConfig, TokioClock};
use mash_core::commissioning::{Discriminator, SetupCode};
use mash_core::zone::ZoneType;
use mash_device::models::DeviceKind;
use mash_device::{DeviceConfig, DeviceHandle};
use mash_pki::UnixTime;

use crate::dialer::SimDialer;
use crate::net::SimNet;

/// A controller in the house.
pub type SimController = Controller<SimDialer>;

/// A simulated device: its handle, address and configuration (kept so it
/// can be restarted with the same state directory).
#[derive(Debug, Clone)]
pub struct SimDevice {
    /// The running device.
    pub handle: DeviceHandle,
    /// Where it is on the network.
    pub addr: SocketAddr,
    /// How it was configured.
    pub config: DeviceConfig,
}

impl SimDevice {
    /// Where controllers dial it.
    pub fn target(&self) -> mash_transport::Target {
        mash_transport::Target::Addr(self.addr)
    }
}

/// Devices and controllers on one [`SimNet`], with their state in a
/// temporary directory that lives as long as the house.
#[derive(Debug)]
pub struct House {
    /// The network.
    pub net: SimNet,
    dir: tempfile::TempDir,
    next_host: u8,
}

/// Why the house could not be set up.
pub type HouseError = Box<dyn std::error::Error + Send + Sync>;

impl House {
    /// An empty house. Call from a tokio runtime with a paused clock for
    /// deterministic time.
    pub fn new() -> Result<Self, HouseError> {
        Ok(Self {
            net: SimNet::new(),
            dir: tempfile::tempdir()?,
            next_host: 10,
        })
    }

    fn state_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The configuration a device called `name` would get.
    pub fn device_config(
        &self,
        name: &str,
        kind: DeviceKind,
        code: u32,
        discriminator: u16,
    ) -> Result<DeviceConfig, HouseError> {
        let code = SetupCode::new(code)?;
        let d = Discriminator::new(discriminator).ok_or("discriminator out of range")?;
        Ok(DeviceConfig::new(kind, code, d, self.state_dir(name)))
    }

    /// Starts a device from `config` at a new address.
    pub fn add_device(&mut self, config: DeviceConfig) -> Result<SimDevice, HouseError> {
        let addr = SocketAddr::from(([192, 168, 1, self.next_host], 8443));
        self.next_host = self.next_host.wrapping_add(1);
        let handle = mash_device::start_detached(config.clone())?;
        self.net.add_device(addr, handle.clone());
        Ok(SimDevice {
            handle,
            addr,
            config,
        })
    }

    /// Stops a device (its state stays) and starts it again at the same
    /// address, as after a power cycle.
    pub async fn restart_device(&mut self, device: &SimDevice) -> Result<SimDevice, HouseError> {
        self.net.remove_device(device.addr);
        device.handle.shutdown().await;
        let handle = mash_device::start_detached(device.config.clone())?;
        self.net.add_device(device.addr, handle.clone());
        Ok(SimDevice {
            handle,
            addr: device.addr,
            config: device.config.clone(),
        })
    }

    /// The configuration a controller called `name` would get.
    pub fn controller_config(&self, name: &str, zone_type: ZoneType) -> ControllerConfig {
        ControllerConfig::new(self.state_dir(name), zone_type, name)
            .with_clock(TokioClock::new(UnixTime::system_now()))
    }

    /// Starts a controller from `config`, known on the network by its
    /// zone name (see [`SimNet::isolate`](crate::SimNet::isolate)).
    pub async fn add_controller(
        &self,
        config: ControllerConfig,
    ) -> Result<SimController, HouseError> {
        let dialer = SimDialer::new(self.net.clone()).named(config.zone_name.clone());
        Ok(Controller::open(config, dialer).await?)
    }
}
