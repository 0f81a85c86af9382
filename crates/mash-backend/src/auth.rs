//! Bearer tokens from the configuration, and who they stand for.
//!
//! A presented token is hashed (SHA-256) and compared with the hash of
//! every configured token in constant time, without stopping at a match:
//! how long a check takes says nothing about how much of a token was
//! right, nor which one matched.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

use crate::config::Config;
use crate::error::Error;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// The utility's app, for these sites.
    App {
        /// The token's name (for logs).
        name: String,
        /// Sites it may use.
        sites: Vec<String>,
    },
    /// An SMGW.
    Smgw {
        /// The token's name (for logs).
        name: String,
        /// Its SMGW ID.
        smgw: String,
    },
}

impl Caller {
    /// The app, allowed on `site`; otherwise [`Error::Forbidden`].
    pub(crate) fn require_site(&self, site: &str) -> Result<(), Error> {
        match self {
            Self::App { sites, .. } if sites.iter().any(|s| s == site) => Ok(()),
            _ => Err(Error::Forbidden),
        }
    }

    /// The SMGW `smgw`; otherwise [`Error::Forbidden`].
    pub(crate) fn require_smgw(&self, smgw: &str) -> Result<(), Error> {
        match self {
            Self::Smgw { smgw: own, .. } if own == smgw => Ok(()),
            _ => Err(Error::Forbidden),
        }
    }

    /// The token's name.
    pub(crate) fn name(&self) -> &str {
        match self {
            Self::App { name, .. } | Self::Smgw { name, .. } => name,
        }
    }
}

/// The configured tokens, hashed.
#[derive(Debug)]
pub(crate) struct Tokens {
    entries: Vec<([u8; 32], Caller)>,
}

impl Tokens {
    pub(crate) fn new(config: &Config) -> Self {
        let apps = config.app_tokens.iter().map(|t| {
            let caller = Caller::App {
                name: t.name.clone(),
                sites: t.sites.clone(),
            };
            (hash(&t.token.0), caller)
        });
        let smgws = config.smgw_tokens.iter().map(|t| {
            let caller = Caller::Smgw {
                name: t.name.clone(),
                smgw: t.smgw.clone(),
            };
            (hash(&t.token.0), caller)
        });
        Self {
            entries: apps.chain(smgws).collect(),
        }
    }

    /// The caller of a request with these headers.
    pub(crate) fn authenticate(&self, headers: &HeaderMap) -> Result<&Caller, Error> {
        let presented = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Error::Unauthorized)?;
        let presented = hash(presented);
        // Constant time over all entries: remember the match's index.
        let mut found = 0u64;
        let mut index = 0u64;
        for (i, (expected, _)) in self.entries.iter().enumerate() {
            let hit = expected.ct_eq(&presented);
            let i = u64::try_from(i).unwrap_or(u64::MAX);
            index.conditional_assign(&i, hit);
            found.conditional_assign(&1, hit);
        }
        if found == 0 {
            return Err(Error::Unauthorized);
        }
        usize::try_from(index)
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, caller)| caller)
            .ok_or(Error::Unauthorized)
    }
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn tokens() -> Tokens {
        Tokens::new(&Config::from_json(include_str!("../examples/backend.json")).unwrap())
    }

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn tokens_map_to_their_callers() {
        let t = tokens();
        let app = t
            .authenticate(&with("Bearer app-6f1c2b9e4d7a8f3c"))
            .unwrap();
        assert!(app.require_site("site-42").is_ok());
        assert!(app.require_site("site-7").is_err());
        assert!(app.require_smgw("smgw-1").is_err());
        let smgw = t
            .authenticate(&with("Bearer smgw-0b5e8d2a7c4f9e1d"))
            .unwrap();
        assert!(smgw.require_smgw("smgw-1").is_ok());
        assert!(smgw.require_site("site-42").is_err());
        assert_eq!(smgw.name(), "smgw-1");
    }

    #[test]
    fn anything_else_is_unauthorized() {
        let t = tokens();
        for h in [
            HeaderMap::new(),
            with("Bearer "),
            with("Basic app-6f1c2b9e4d7a8f3c"),
            with("Bearer app-6f1c2b9e4d7a8f3"),
            with("app-6f1c2b9e4d7a8f3c"),
        ] {
            assert!(matches!(t.authenticate(&h), Err(Error::Unauthorized)));
        }
    }
}
