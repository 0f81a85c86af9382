//! State-machine tests: an in-memory pair with a simulated clock, the
//! reference's captured PASE sessions, renewal, and property tests.

mod admission;
mod handshake;
mod pair;
mod props;
mod renewal;
mod replay;
mod timeouts;
