//! Kubernetes resource quantities ("3500m", "8Gi", "16G", "1.5") turned into plain numbers.

/// Splits "1500m" into (1500.0, "m").
fn split(q: &str) -> Option<(f64, &str)> {
    let q = q.trim();
    let at = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(q.len());
    let (number, suffix) = q.split_at(at);
    Some((number.parse().ok()?, suffix))
}

fn multiplier(suffix: &str) -> Option<f64> {
    Some(match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0f64.powi(4),
        "Pi" => 1024.0f64.powi(5),
        "Ei" => 1024.0f64.powi(6),
        _ => return None,
    })
}

fn value(q: &str) -> Option<f64> {
    let (number, suffix) = split(q)?;
    let v = number * multiplier(suffix)?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// CPU in millicores: "4" is 4000, "250m" is 250.
pub fn parse_cpu_millis(q: &str) -> Option<u64> {
    value(q).map(|v| (v * 1000.0).round() as u64)
}

/// Bytes: "8Gi", "8388608Ki", "16G".
pub fn parse_bytes(q: &str) -> Option<u64> {
    value(q).map(|v| v.round() as u64)
}

/// A whole count, as extended resources such as GPUs use.
pub fn parse_count(q: &str) -> Option<u64> {
    value(q).map(|v| v.floor() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_accepts_cores_and_millicores() {
        assert_eq!(parse_cpu_millis("4"), Some(4000));
        assert_eq!(parse_cpu_millis("250m"), Some(250));
        assert_eq!(parse_cpu_millis("1.5"), Some(1500));
    }

    #[test]
    fn memory_accepts_binary_and_decimal_suffixes() {
        assert_eq!(parse_bytes("8Gi"), Some(8 * 1024 * 1024 * 1024));
        assert_eq!(parse_bytes("8388608Ki"), Some(8 * 1024 * 1024 * 1024));
        assert_eq!(parse_bytes("16G"), Some(16_000_000_000));
    }

    #[test]
    fn nonsense_is_none_rather_than_zero() {
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(parse_bytes("5Xi"), None);
        assert_eq!(parse_count("-1"), None);
    }
}
