//! Enumerations shared by several features (`features/_shared`).

use crate::macros::wire_enum;

wire_enum! {
    /// Device phase (internal).
    pub enum Phase: u8 {
        /// `A`.
        A = 0x00 => "A",
        /// `B`.
        B = 0x01 => "B",
        /// `C`.
        C = 0x02 => "C",
    }
}

wire_enum! {
    /// Grid phase.
    pub enum GridPhase: u8 {
        /// `L1`.
        L1 = 0x00 => "L1",
        /// `L2`.
        L2 = 0x01 => "L2",
        /// `L3`.
        L3 = 0x02 => "L3",
    }
}

wire_enum! {
    /// Phase pair for phase-to-phase voltage.
    pub enum PhasePair: u8 {
        /// `AB`.
        Ab = 0x00 => "AB",
        /// `BC`.
        Bc = 0x01 => "BC",
        /// `CA`.
        Ca = 0x02 => "CA",
    }
}

wire_enum! {
    /// Power flow direction capability.
    pub enum Direction: u8 {
        /// `CONSUMPTION`.
        Consumption = 0x00 => "CONSUMPTION",
        /// `PRODUCTION`.
        Production = 0x01 => "PRODUCTION",
        /// `BIDIRECTIONAL`.
        Bidirectional = 0x02 => "BIDIRECTIONAL",
    }
}

wire_enum! {
    /// Per-phase asymmetric control capability.
    pub enum AsymmetricSupport: u8 {
        /// `NONE`.
        None = 0x00 => "NONE",
        /// `CONSUMPTION`.
        Consumption = 0x01 => "CONSUMPTION",
        /// `PRODUCTION`.
        Production = 0x02 => "PRODUCTION",
        /// `BIDIRECTIONAL`.
        Bidirectional = 0x03 => "BIDIRECTIONAL",
    }
}
