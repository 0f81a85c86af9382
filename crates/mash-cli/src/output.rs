//! Human-readable or JSON output.

use serde_json::json;

/// Where results go: lines for people, or one JSON object per line.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Print JSON lines instead of text.
    pub json: bool,
}

impl Output {
    /// A headline with key facts.
    pub fn banner(&self, text: &str, facts: &[(&str, String)]) {
        if self.json {
            let mut obj = serde_json::Map::new();
            obj.insert("message".into(), json!(text));
            for (k, v) in facts {
                obj.insert((*k).into(), json!(v));
            }
            println!("{}", serde_json::Value::Object(obj));
        } else {
            println!("{text}");
            for (k, v) in facts {
                println!("  {k}: {v}");
            }
        }
    }

    /// One event line.
    pub fn event(&self, text: &str) {
        if self.json {
            println!("{}", json!({ "event": text }));
        } else {
            println!("- {text}");
        }
    }

    /// A JSON value, or its pretty text.
    pub fn value(&self, v: &serde_json::Value) {
        if self.json {
            println!("{v}");
        } else {
            println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
        }
    }
}
