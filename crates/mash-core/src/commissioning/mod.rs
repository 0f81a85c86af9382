//! Commissioning security (INTEROP.md §5, security.md §4, §11).

pub mod decode;
pub mod messages;
pub mod qr;
pub mod setup_code;
pub mod spake2plus;

#[cfg(test)]
mod testutil;
