//! DNS-SD TXT records as MASH uses them (INTEROP.md §9, RFC 6763 §6).
//!
//! A TXT record is a list of strings. Each string is `key=value` (split at
//! the first `=`, so values may contain `=`) or a bare `key`, which MASH
//! reads as an empty value. Keys are matched case-insensitively and only the
//! first occurrence of a key counts (RFC 6763 §6.4). The reference builds
//! the list from a Go map, so its order is random: compare records as sets.

use crate::error::DecodeError;

/// One `key[=value]` string of a TXT record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxtEntry {
    key: String,
    value: Option<Vec<u8>>,
}

impl TxtEntry {
    /// The key, as received (case preserved).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The raw value; `None` for a bare key.
    pub fn value(&self) -> Option<&[u8]> {
        self.value.as_deref()
    }

    /// `key=value`, or `key` for a bare key. Non-UTF-8 bytes are replaced.
    pub fn to_text(&self) -> String {
        match &self.value {
            None => self.key.clone(),
            Some(v) => format!("{}={}", self.key, String::from_utf8_lossy(v)),
        }
    }
}

/// An ordered TXT record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxtRecord {
    entries: Vec<TxtEntry>,
}

impl TxtRecord {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `key=value`.
    pub fn push(&mut self, key: &str, value: &str) {
        self.entries.push(TxtEntry {
            key: key.to_owned(),
            value: Some(value.as_bytes().to_vec()),
        });
    }

    /// Appends a raw entry (`None` = bare key). Entries with an empty key
    /// are ignored, as RFC 6763 §6.4 requires of strings starting with `=`.
    pub fn push_raw(&mut self, key: &str, value: Option<&[u8]>) {
        if key.is_empty() {
            return;
        }
        self.entries.push(TxtEntry {
            key: key.to_owned(),
            value: value.map(<[u8]>::to_vec),
        });
    }

    /// Parses `key=value` strings, as the reference's `StringsToTXTRecords`.
    pub fn from_strings<S: AsRef<str>>(strings: &[S]) -> Self {
        let mut txt = Self::new();
        for s in strings {
            match s.as_ref().split_once('=') {
                Some((k, v)) => txt.push_raw(k, Some(v.as_bytes())),
                None => txt.push_raw(s.as_ref(), None),
            }
        }
        txt
    }

    /// The entries as `key=value` strings, in record order.
    pub fn to_strings(&self) -> Vec<String> {
        self.entries.iter().map(TxtEntry::to_text).collect()
    }

    /// The entries, in record order.
    pub fn entries(&self) -> &[TxtEntry] {
        &self.entries
    }

    /// The first entry whose key equals `key` ignoring ASCII case.
    pub fn entry(&self, key: &str) -> Option<&TxtEntry> {
        self.entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }

    /// The value of `key` as text: `Ok(None)` if absent, `Ok(Some(""))` for
    /// a bare key, an error if the value is not UTF-8.
    pub fn get(&self, key: &'static str) -> Result<Option<&str>, DecodeError> {
        match self.entry(key) {
            None => Ok(None),
            Some(TxtEntry { value: None, .. }) => Ok(Some("")),
            Some(TxtEntry { value: Some(v), .. }) => std::str::from_utf8(v)
                .map(Some)
                .map_err(|_| DecodeError::InvalidUtf8(key)),
        }
    }

    /// The value of a key that must be present (it may be empty).
    pub fn required(&self, key: &'static str) -> Result<&str, DecodeError> {
        self.get(key)?.ok_or(DecodeError::MissingField(key))
    }

    /// The value of an optional key, with an empty value read as absent
    /// (the reference only writes optional keys when they are non-empty).
    pub fn optional(&self, key: &'static str) -> Result<Option<&str>, DecodeError> {
        Ok(self.get(key)?.filter(|v| !v.is_empty()))
    }

    /// Converts to the properties mdns-sd puts on the wire.
    pub(crate) fn to_properties(&self) -> Vec<mdns_sd::TxtProperty> {
        self.entries
            .iter()
            .map(|e| match &e.value {
                Some(v) => mdns_sd::TxtProperty::from((e.key.as_str(), v.as_slice())),
                None => mdns_sd::TxtProperty::from(e.key.as_str()),
            })
            .collect()
    }

    /// Converts from the properties mdns-sd received.
    pub(crate) fn from_properties(props: &mdns_sd::TxtProperties) -> Self {
        let mut txt = Self::new();
        for p in props.iter() {
            txt.push_raw(p.key(), p.val());
        }
        txt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_first_equals_and_reads_bare_keys_as_empty() {
        let txt = TxtRecord::from_strings(&["serial=a=b", "cat", "=ignored", "D=1"]);
        assert_eq!(txt.entries().len(), 3);
        assert_eq!(txt.get("serial").unwrap(), Some("a=b"));
        assert_eq!(txt.get("cat").unwrap(), Some(""));
        assert_eq!(txt.get("model").unwrap(), None);
        assert_eq!(txt.to_strings(), ["serial=a=b", "cat", "D=1"]);
    }

    #[test]
    fn keys_are_case_insensitive_and_first_occurrence_wins() {
        let txt = TxtRecord::from_strings(&["zi=first", "ZI=second"]);
        assert_eq!(txt.get("ZI").unwrap(), Some("first"));
    }

    #[test]
    fn non_utf8_values_are_errors_only_when_read() {
        let mut txt = TxtRecord::new();
        txt.push_raw("DN", Some(&[0xff, 0xfe]));
        txt.push("D", "1");
        assert_eq!(txt.get("DN"), Err(DecodeError::InvalidUtf8("DN")));
        assert_eq!(txt.get("D").unwrap(), Some("1"));
    }

    #[test]
    fn optional_reads_empty_as_absent() {
        let txt = TxtRecord::from_strings(&["DN=", "FW=1.2"]);
        assert_eq!(txt.optional("DN").unwrap(), None);
        assert_eq!(txt.optional("FW").unwrap(), Some("1.2"));
        assert_eq!(txt.required("ZN"), Err(DecodeError::MissingField("ZN")));
    }

    #[test]
    fn round_trips_through_mdns_properties() {
        let txt = TxtRecord::from_strings(&["D=42", "brand=", "flag"]);
        let props: mdns_sd::TxtProperties = {
            use mdns_sd::IntoTxtProperties;
            txt.to_properties().into_txt_properties()
        };
        assert_eq!(TxtRecord::from_properties(&props), txt);
    }
}
