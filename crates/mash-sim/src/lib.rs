//! mash-sim (not built yet).
