//! mash-device (not built yet).
