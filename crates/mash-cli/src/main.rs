//! The `mash` command.
fn main() {}
