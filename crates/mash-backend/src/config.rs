//! The configuration file: sites and their SMGWs, who may call the API,
//! and how jobs are leased. JSON, e.g. (`examples/backend.json`):
//!
//! ```json
//! {
//!   "sites": [ { "id": "site-42", "smgw": "smgw-1" } ],
//!   "app_tokens": [
//!     { "name": "utility-app", "token": "app-6f1c2b9e4d7a8f3c", "sites": ["site-42"] }
//!   ],
//!   "smgw_tokens": [
//!     { "name": "smgw-1", "token": "smgw-0b5e8d2a7c4f9e1d", "smgw": "smgw-1" }
//!   ],
//!   "jobs": { "lease_seconds": 900, "max_attempts": 3, "expire_after_seconds": 604800 }
//! }
//! ```
//!
//! - `sites`: every site is served by one SMGW (`smgw` is its ID, the
//!   `{smgw}` of the job URLs). IDs are 1-64 characters of `A-Z a-z 0-9 .
//!   _ -`.
//! - `app_tokens`: bearer tokens of the utility's app (or of its backend),
//!   each allowed to upload to and read the registrations of the listed
//!   sites.
//! - `smgw_tokens`: bearer tokens of SMGWs, each allowed to fetch and
//!   answer the jobs of one SMGW ID.
//! - `jobs` (optional): how long an SMGW holds a job before it is handed
//!   out again (15 min), how many deliveries without a result before it
//!   fails (3), how long a registration may stay open at all (7 days).
//!
//! Tokens are at least 16 characters; generate them randomly (e.g.
//! `openssl rand -hex 32`). The file holds secrets: keep it readable by
//! the backend only.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::error::Error;
use crate::store::Policy;

/// Shortest token accepted.
pub const MIN_TOKEN_LEN: usize = 16;

/// The backend's configuration (see the [module docs](self)).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The sites and their SMGWs.
    pub sites: Vec<Site>,
    /// Tokens of the app, scoped to sites.
    #[serde(default)]
    pub app_tokens: Vec<AppToken>,
    /// Tokens of SMGWs, scoped to one SMGW ID each.
    #[serde(default)]
    pub smgw_tokens: Vec<SmgwToken>,
    /// Job leasing.
    #[serde(default)]
    pub jobs: JobSettings,
}

/// One site (an installation: a house, a building).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Its ID, the `{site}` in upload URLs.
    pub id: String,
    /// The ID of the SMGW that serves it.
    pub smgw: String,
}

/// A bearer token of the app.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppToken {
    /// For logs.
    pub name: String,
    /// The token.
    pub token: Secret,
    /// The sites it may upload to and read.
    pub sites: Vec<String>,
}

/// A bearer token of an SMGW.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmgwToken {
    /// For logs.
    pub name: String,
    /// The token.
    pub token: Secret,
    /// The SMGW ID whose jobs it may fetch and answer.
    pub smgw: String,
}

/// A token: `Debug` does not print it.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Job leasing, in the file's units.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobSettings {
    /// How long an SMGW holds a job.
    pub lease_seconds: u64,
    /// Deliveries without a result before a job fails.
    pub max_attempts: u32,
    /// How long a registration may stay open.
    pub expire_after_seconds: u64,
}

impl Default for JobSettings {
    fn default() -> Self {
        let p = Policy::default();
        Self {
            lease_seconds: p.lease.as_secs(),
            max_attempts: p.max_attempts,
            expire_after_seconds: p.expire_after.as_secs(),
        }
    }
}

impl JobSettings {
    /// As the store takes it.
    pub fn policy(&self) -> Policy {
        Policy {
            lease: Duration::from_secs(self.lease_seconds),
            max_attempts: self.max_attempts,
            expire_after: Duration::from_secs(self.expire_after_seconds),
        }
    }
}

impl Config {
    /// Parses and checks a configuration.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let config: Self = serde_json::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// Reads, parses and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        Self::from_json(&text).map_err(|e| match e {
            Error::Config(what) => Error::Config(format!("{}: {what}", path.display())),
            other => other,
        })
    }

    /// The SMGW that serves `site`.
    pub fn smgw_of(&self, site: &str) -> Option<&str> {
        self.sites
            .iter()
            .find(|s| s.id == site)
            .map(|s| s.smgw.as_str())
    }

    fn check(&self) -> Result<(), Error> {
        let bad = |what: String| Err(Error::Config(what));
        let mut sites = HashSet::new();
        for site in &self.sites {
            check_id("site", &site.id)?;
            check_id("smgw", &site.smgw)?;
            if !sites.insert(site.id.as_str()) {
                return bad(format!("site `{}` is listed twice", site.id));
            }
        }
        let mut tokens = HashSet::new();
        let mut check_token = |name: &str, token: &Secret| {
            if token.0.len() < MIN_TOKEN_LEN {
                return bad(format!(
                    "token `{name}` is shorter than {MIN_TOKEN_LEN} characters"
                ));
            }
            if !tokens.insert(token.0.clone()) {
                return bad(format!("token `{name}` is used twice"));
            }
            Ok(())
        };
        for t in &self.app_tokens {
            check_token(&t.name, &t.token)?;
            for site in &t.sites {
                if !sites.contains(site.as_str()) {
                    return bad(format!("token `{}`: unknown site `{site}`", t.name));
                }
            }
        }
        for t in &self.smgw_tokens {
            check_token(&t.name, &t.token)?;
            check_id("smgw", &t.smgw)?;
        }
        if self.jobs.lease_seconds == 0 || self.jobs.max_attempts == 0 {
            return bad("jobs: lease_seconds and max_attempts must be at least 1".into());
        }
        Ok(())
    }
}

fn check_id(kind: &str, id: &str) -> Result<(), Error> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "{kind} ID `{id}`: use 1-64 characters of A-Z a-z 0-9 . _ -"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_is_valid() {
        let c = Config::from_json(include_str!("../examples/backend.json")).unwrap();
        assert_eq!(c.smgw_of("site-42"), Some("smgw-1"));
        assert_eq!(c.jobs.policy(), Policy::default());
        // Tokens do not show up in logs.
        assert!(!format!("{c:?}").contains(&c.app_tokens[0].token.0));
    }

    #[test]
    fn mistakes_are_named() {
        let err = |text: &str| Config::from_json(text).unwrap_err().to_string();
        assert!(err(r#"{"sites":[{"id":"a b","smgw":"s"}]}"#).contains("site ID `a b`"));
        assert!(
            err(r#"{"sites":[],"app_tokens":[{"name":"x","token":"short","sites":[]}]}"#)
                .contains("shorter than 16")
        );
        assert!(
            err(r#"{"sites":[],"app_tokens":[{"name":"x","token":"0123456789abcdef","sites":["nope"]}]}"#)
                .contains("unknown site `nope`")
        );
        assert!(err(r#"{"sites":[],"extra":1}"#).contains("unknown field"));
    }
}
