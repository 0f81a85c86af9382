//! Durable state for mash-rs services: a directory of JSON documents,
//! each written atomically (write to a temporary file, fsync, rename,
//! fsync the directory) and sealed with a SHA-256 checksum.
//!
//! A document that is corrupt, truncated or edited by hand is reported as
//! [`StoreError::Corrupt`], never silently accepted or replaced. Missing
//! documents read as `None`.
//!
//! On disk a document is one line of header and the body:
//!
//! ```text
//! mash-state v1 sha256=<hex of body>
//! <body: pretty JSON>
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

const MAGIC: &str = "mash-state v1 sha256=";

/// Why a document could not be read or written.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The file system refused.
    Io {
        /// The document.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The document exists but is not what this store wrote.
    Corrupt {
        /// The document.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Corrupt { path, reason } => {
                write!(f, "{}: corrupt state file: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Corrupt { .. } => None,
        }
    }
}

/// A state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// Opens (and creates, with parents) the directory at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|source| StoreError::Io {
            path: root.clone(),
            source,
        })?;
        Ok(Self { root })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    fn file(&self, name: &str) -> PathBuf {
        self.root.join(format!("{name}.json"))
    }

    /// Writes document `name` atomically.
    pub fn write<T: Serialize>(&self, name: &str, value: &T) -> Result<(), StoreError> {
        let path = self.file(name);
        let body = serde_json::to_vec_pretty(value).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            reason: format!("cannot serialize: {e}"),
        })?;
        let mut doc = format!("{MAGIC}{}\n", hex::encode(Sha256::digest(&body))).into_bytes();
        doc.extend_from_slice(&body);
        write_atomic(&path, &doc).map_err(|source| StoreError::Io { path, source })
    }

    /// Reads document `name`; `Ok(None)` if it does not exist.
    pub fn read<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
        let path = self.file(name);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        let corrupt = |reason: &str| StoreError::Corrupt {
            path: path.clone(),
            reason: reason.into(),
        };
        let newline = bytes
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| corrupt("no header"))?;
        let (header, rest) = bytes.split_at(newline);
        let body = rest.get(1..).unwrap_or_default();
        let header = std::str::from_utf8(header).map_err(|_| corrupt("header is not text"))?;
        let expected = header
            .strip_prefix(MAGIC)
            .ok_or_else(|| corrupt("unknown header"))?;
        if hex::encode(Sha256::digest(body)) != expected {
            return Err(corrupt("checksum mismatch (truncated or modified)"));
        }
        serde_json::from_slice(body)
            .map(Some)
            .map_err(|e| corrupt(&format!("unreadable body: {e}")))
    }

    /// Removes document `name` (no error if absent).
    pub fn remove(&self, name: &str) -> Result<(), StoreError> {
        let path = self.file(name);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    /// Names of the documents starting with `prefix`, sorted.
    pub fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let entries = fs::read_dir(&self.root).map_err(|source| StoreError::Io {
            path: self.root.clone(),
            source,
        })?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
            .filter(|n| n.starts_with(prefix))
            .collect();
        names.sort();
        Ok(names)
    }
}

/// Write to a sibling temporary file, fsync, rename over the target, and
/// fsync the directory so the rename itself is durable.
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // State holds private keys.
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        if let Ok(dir) = fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Zone {
        id: String,
        kind: u8,
    }

    #[test]
    fn round_trips_and_lists() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateDir::open(dir.path().join("state")).unwrap();
        assert_eq!(store.read::<Zone>("zone-a").unwrap(), None);
        let z = Zone {
            id: "2859a7266ff2c1f0".into(),
            kind: 2,
        };
        store.write("zone-a", &z).unwrap();
        store.write("other", &1).unwrap();
        assert_eq!(store.read::<Zone>("zone-a").unwrap(), Some(z));
        assert_eq!(store.list("zone-").unwrap(), ["zone-a"]);
        store.remove("zone-a").unwrap();
        assert_eq!(store.list("zone-").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn truncated_or_edited_documents_are_reported_not_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateDir::open(dir.path()).unwrap();
        store
            .write(
                "zone",
                &Zone {
                    id: "a".into(),
                    kind: 1,
                },
            )
            .unwrap();
        let path = dir.path().join("zone.json");
        let full = fs::read(&path).unwrap();
        fs::write(&path, &full[..full.len() - 3]).unwrap();
        assert!(matches!(
            store.read::<Zone>("zone"),
            Err(StoreError::Corrupt { .. })
        ));
        let edited = String::from_utf8(full)
            .unwrap()
            .replace("\"kind\": 1", "\"kind\": 2");
        fs::write(&path, edited).unwrap();
        let err = store.read::<Zone>("zone").unwrap_err();
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
        fs::write(&path, b"").unwrap();
        assert!(matches!(
            store.read::<Zone>("zone"),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
