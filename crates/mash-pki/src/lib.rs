//! mash-pki (not built yet).
