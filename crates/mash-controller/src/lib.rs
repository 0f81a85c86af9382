//! mash-controller (not built yet).
