//! Randomness for PASE and renewal nonces.

use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;

/// The operating system's RNG as the `CryptoRng` mash-core takes.
///
/// `UnwrapErr` panics if the OS cannot produce random bytes. That is not
/// reachable from device input, and a controller without randomness must
/// not run PASE or issue nonces anyway.
pub(crate) fn system_rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}
