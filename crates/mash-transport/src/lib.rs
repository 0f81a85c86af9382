//! mash-transport (not built yet).
