//! Argument types shared by the subcommands.

use std::time::Duration;

/// Parses `90s`, `15m`, `2h`, `1h30m` or plain seconds.
pub fn duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number
            .parse()
            .map_err(|_| format!("invalid duration `{s}`"))?;
        number.clear();
        total += match c {
            's' => n,
            'm' => n * 60,
            'h' => n * 3600,
            'd' => n * 86_400,
            _ => {
                return Err(format!(
                    "invalid duration unit `{c}` in `{s}` (use s, m, h, d)"
                ));
            }
        };
    }
    if !number.is_empty() {
        return Err(format!("missing unit after `{number}` in `{s}`"));
    }
    Ok(Duration::from_secs(total))
}

/// Parses a power: `3.7kW`, `11kW`, `3700W`, `3700000mW` or plain mW.
pub fn power_mw(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let (number, factor) = if let Some(n) = lower.strip_suffix("kw") {
        (n, 1_000_000.0)
    } else if let Some(n) = lower.strip_suffix("mw") {
        (n, 1.0)
    } else if let Some(n) = lower.strip_suffix('w') {
        (n, 1000.0)
    } else {
        (lower.as_str(), 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("invalid power `{t}` (e.g. 3.7kW, 3700W)"))?;
    if !value.is_finite() {
        return Err(format!("invalid power `{t}`"));
    }
    Ok((value * factor).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_powers_parse_as_people_write_them() {
        assert_eq!(duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(duration("45"), Ok(Duration::from_secs(45)));
        assert!(duration("5x").is_err());
        assert_eq!(power_mw("3.7kW"), Ok(3_700_000));
        assert_eq!(power_mw("3700W"), Ok(3_700_000));
        assert_eq!(power_mw("42"), Ok(42));
        assert!(power_mw("lots").is_err());
    }
}
