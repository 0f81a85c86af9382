//! mash-discovery (not built yet).
