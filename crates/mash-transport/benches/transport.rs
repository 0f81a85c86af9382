//! Placeholder until the transport bench lands.
fn main() {}
