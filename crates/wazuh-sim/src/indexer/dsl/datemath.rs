//! Dates as OpenSearch parses and prints them: `strict_date_optional_time||epoch_millis`, Java
//! patterns such as `yyyy-MM-dd HH:mm`, date math (`now-7d/d`, `2024-01-01||+1M`), rounding, and
//! fixed-offset time zones.

use chrono::format::{Parsed, StrftimeItems};
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, Timelike};

/// The format of a `date` field that has none in its mapping.
pub const DEFAULT_FORMAT: &str = "strict_date_optional_time||epoch_millis";

/// How much of a date a string gave (what rounding up fills in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    Year,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Milli,
}

impl Unit {
    fn from_char(c: char) -> Option<Unit> {
        Some(match c {
            'y' => Unit::Year,
            'M' => Unit::Month,
            'w' => Unit::Week,
            'd' => Unit::Day,
            'h' | 'H' => Unit::Hour,
            'm' => Unit::Minute,
            's' => Unit::Second,
            _ => return None,
        })
    }
}

/// A fixed offset from UTC, in seconds (the `time_zone` parameter).
pub type Tz = i32;

/// Parses a `time_zone` parameter: `UTC`, `Z`, `GMT`, `+01:00`, `-0530`, `+2`.
pub fn parse_tz(s: &str) -> Result<Tz, String> {
    let t = s.trim();
    if matches!(t, "UTC" | "Z" | "GMT" | "Etc/UTC" | "Etc/GMT" | "UT") {
        return Ok(0);
    }
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("GMT"))
        .unwrap_or(t);
    parse_offset(t).ok_or_else(|| format!("Unknown time-zone ID: {s}"))
}

fn parse_offset(t: &str) -> Option<Tz> {
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = if digits.len() <= 2 {
        (digits.parse::<i32>().ok()?, 0)
    } else {
        let split = digits.len() - 2;
        (
            digits[..split].parse::<i32>().ok()?,
            digits[split..].parse::<i32>().ok()?,
        )
    };
    if h > 18 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn to_local(ms: i64, tz: Tz) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_millis(ms.checked_add(i64::from(tz) * 1000)?).map(|d| d.naive_utc())
}

fn from_local(local: NaiveDateTime, tz: Tz) -> i64 {
    local.and_utc().timestamp_millis() - i64::from(tz) * 1000
}

/// Parses `strict_date_optional_time` (`2024-01-31`, `2024-01-31T10:00:00.123+0000`, ...).
/// Returns the millis and the smallest unit the string gave.
fn parse_optional_time(s: &str, tz: Tz) -> Option<(i64, Unit)> {
    let b = s.as_bytes();
    let mut i = 0;
    let num = |i: &mut usize, n: usize| -> Option<u32> {
        let end = i.checked_add(n)?;
        let part = b.get(*i..end)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        *i = end;
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(&mut i, 4)? as i32;
    let (mut month, mut day, mut hour, mut minute, mut second, mut milli) = (1, 1, 0, 0, 0, 0);
    let mut unit = Unit::Year;
    let mut offset = tz;
    if b.get(i) == Some(&b'-') {
        i += 1;
        month = num(&mut i, 2)?;
        unit = Unit::Month;
        if b.get(i) == Some(&b'-') {
            i += 1;
            day = num(&mut i, 2)?;
            unit = Unit::Day;
            if b.get(i) == Some(&b'T') {
                i += 1;
                hour = num(&mut i, 2)?;
                unit = Unit::Hour;
                if b.get(i) == Some(&b':') {
                    i += 1;
                    minute = num(&mut i, 2)?;
                    unit = Unit::Minute;
                    if b.get(i) == Some(&b':') {
                        i += 1;
                        second = num(&mut i, 2)?;
                        unit = Unit::Second;
                        if matches!(b.get(i), Some(b'.' | b',')) {
                            i += 1;
                            let start = i;
                            while i < b.len() && b[i].is_ascii_digit() && i - start < 9 {
                                i += 1;
                            }
                            if i == start {
                                return None;
                            }
                            let frac = &s[start..i];
                            let padded = format!("{frac:0<3}");
                            milli = padded.get(..3)?.parse().ok()?;
                            unit = Unit::Milli;
                        }
                    }
                }
                match b.get(i) {
                    None => {}
                    Some(b'Z') => {
                        i += 1;
                        offset = 0;
                    }
                    Some(b'+' | b'-') => {
                        offset = parse_offset(&s[i..])?;
                        i = b.len();
                    }
                    _ => return None,
                }
            }
        }
    }
    if i != b.len() {
        return None;
    }
    let local = NaiveDate::from_ymd_opt(year, month, day)?
        .and_hms_milli_opt(hour, minute, second, milli)?;
    Some((from_local(local, offset), unit))
}

fn parse_epoch(s: &str, scale: f64) -> Option<i64> {
    let t = s.trim();
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return None;
    }
    let v: f64 = t.parse().ok()?;
    let ms = v * scale;
    (ms.is_finite() && ms.abs() < 9.0e15).then_some(ms as i64)
}

/// Parses a stored date value with the default format.
pub fn parse_default(s: &str) -> Option<i64> {
    parse_optional_time(s, 0)
        .map(|(ms, _)| ms)
        .or_else(|| parse_epoch(s, 1.0))
}

fn named_pattern(name: &str) -> Option<&'static str> {
    let name = name.strip_prefix("strict_").unwrap_or(name);
    Some(match name {
        "date" => "yyyy-MM-dd",
        "basic_date" => "yyyyMMdd",
        "basic_date_time" => "yyyyMMdd'T'HHmmss.SSSZ",
        "basic_date_time_no_millis" => "yyyyMMdd'T'HHmmssZ",
        "date_hour" => "yyyy-MM-dd'T'HH",
        "date_hour_minute" => "yyyy-MM-dd'T'HH:mm",
        "date_hour_minute_second" => "yyyy-MM-dd'T'HH:mm:ss",
        "date_hour_minute_second_millis" | "date_hour_minute_second_fraction" => {
            "yyyy-MM-dd'T'HH:mm:ss.SSS"
        }
        "date_time_no_millis" => "yyyy-MM-dd'T'HH:mm:ssZZ",
        "hour_minute" => "HH:mm",
        "hour_minute_second" => "HH:mm:ss",
        "year" => "yyyy",
        "year_month" => "yyyy-MM",
        "year_month_day" => "yyyy-MM-dd",
        _ => return None,
    })
}

fn is_optional_time(name: &str) -> bool {
    matches!(
        name,
        "date_optional_time"
            | "strict_date_optional_time"
            | "strict_date_optional_time_nanos"
            | "date_time"
            | "strict_date_time"
            | "iso8601"
    )
}

/// Translates a Java `DateTimeFormatter` pattern into a chrono format string.
fn java_to_strftime(pattern: &str, zero_offset_as_z: bool) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '%' {
                    out.push('%');
                }
                out.push(chars[i]);
                i += 1;
            }
            i += 1;
            continue;
        }
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        i += n;
        let item = match c {
            'y' | 'u' | 'Y' => {
                if n == 2 {
                    "%y"
                } else {
                    "%Y"
                }
            }
            'M' | 'L' => match n {
                1 | 2 => "%m",
                3 => "%b",
                _ => "%B",
            },
            'd' => "%d",
            'D' => "%j",
            'H' => "%H",
            'h' => "%I",
            'm' => "%M",
            's' => "%S",
            'S' => match n {
                1..=3 => "%3f",
                4..=6 => "%6f",
                _ => "%9f",
            },
            'a' => "%p",
            'E' => {
                if n <= 3 {
                    "%a"
                } else {
                    "%A"
                }
            }
            'e' => "%u",
            'w' => "%V",
            'Z' => {
                if n >= 2 {
                    "%:z"
                } else {
                    "%z"
                }
            }
            'X' | 'x' => {
                if c == 'X' && zero_offset_as_z {
                    "Z"
                } else if n >= 3 {
                    "%:z"
                } else {
                    "%z"
                }
            }
            '%' => {
                out.push_str(&"%%".repeat(n));
                continue;
            }
            c if c.is_ascii_alphabetic() => return None,
            _ => {
                for _ in 0..n {
                    out.push(c);
                }
                continue;
            }
        };
        out.push_str(item);
    }
    Some(out)
}

fn parse_pattern(s: &str, pattern: &str, tz: Tz) -> Option<(i64, Unit)> {
    let fmt = java_to_strftime(pattern, false)?;
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, s, StrftimeItems::new(&fmt)).ok()?;
    let unit = if parsed.nanosecond().is_some() {
        Unit::Milli
    } else if parsed.second().is_some() {
        Unit::Second
    } else if parsed.minute().is_some() {
        Unit::Minute
    } else if parsed.hour_div_12().is_some() || parsed.hour_mod_12().is_some() {
        Unit::Hour
    } else if parsed.day().is_some() {
        Unit::Day
    } else if parsed.month().is_some() {
        Unit::Month
    } else {
        Unit::Year
    };
    if parsed.year().is_none() && parsed.year_mod_100().is_none() {
        parsed.set_year(1970).ok()?;
    }
    if parsed.month().is_none() && parsed.ordinal().is_none() {
        parsed.set_month(1).ok()?;
    }
    if parsed.day().is_none() && parsed.ordinal().is_none() {
        parsed.set_day(1).ok()?;
    }
    if parsed.hour_div_12().is_none() {
        let hour12 = parsed.hour_mod_12().unwrap_or(0);
        parsed.set_hour(i64::from(hour12)).ok()?;
    }
    if parsed.minute().is_none() {
        parsed.set_minute(0).ok()?;
    }
    if parsed.second().is_none() {
        parsed.set_second(0).ok()?;
    }
    let offset = parsed.offset().unwrap_or(tz);
    let local = parsed.to_naive_datetime_with_offset(offset).ok()?;
    Some((from_local(local, offset), unit))
}

/// Parses `s` with `format` (alternatives separated by `||`). With `round_up`, the parts the
/// string does not give are filled with their maximum (`2024-01-31` → `2024-01-31T23:59:59.999`),
/// as OpenSearch does for `gt` and `lte`.
pub fn parse_with_format(s: &str, format: &str, round_up: bool, tz: Tz) -> Option<i64> {
    for alt in format.split("||") {
        let alt = alt.trim();
        let parsed = if is_optional_time(alt) {
            parse_optional_time(s, tz)
        } else if alt == "epoch_millis" {
            parse_epoch(s, 1.0).map(|ms| (ms, Unit::Milli))
        } else if alt == "epoch_second" {
            parse_epoch(s, 1000.0).map(|ms| (ms, Unit::Milli))
        } else {
            let pattern = named_pattern(alt).unwrap_or(alt);
            parse_pattern(s, pattern, tz)
        };
        if let Some((ms, unit)) = parsed {
            return Some(if round_up { ceil(ms, unit, tz)? } else { ms });
        }
    }
    None
}

/// The first instant of the `unit` that contains `ms`.
pub fn floor(ms: i64, unit: Unit, tz: Tz) -> Option<i64> {
    let d = to_local(ms, tz)?;
    let date = d.date();
    let local = match unit {
        Unit::Year => NaiveDate::from_ymd_opt(date.year(), 1, 1)?.and_hms_opt(0, 0, 0)?,
        Unit::Month => {
            NaiveDate::from_ymd_opt(date.year(), date.month(), 1)?.and_hms_opt(0, 0, 0)?
        }
        Unit::Week => {
            let back = i64::from(date.weekday().num_days_from_monday());
            (date - Duration::days(back)).and_hms_opt(0, 0, 0)?
        }
        Unit::Day => date.and_hms_opt(0, 0, 0)?,
        Unit::Hour => date.and_hms_opt(d.hour(), 0, 0)?,
        Unit::Minute => date.and_hms_opt(d.hour(), d.minute(), 0)?,
        Unit::Second => date.and_hms_opt(d.hour(), d.minute(), d.second())?,
        Unit::Milli => return Some(ms),
    };
    Some(from_local(local, tz))
}

/// The last millisecond of the `unit` that contains `ms`.
pub fn ceil(ms: i64, unit: Unit, tz: Tz) -> Option<i64> {
    if unit == Unit::Milli {
        return Some(ms);
    }
    let start = floor(ms, unit, tz)?;
    Some(add(start, 1, unit, tz)? - 1)
}

/// `ms` plus `n` units (calendar arithmetic for months and years).
pub fn add(ms: i64, n: i64, unit: Unit, tz: Tz) -> Option<i64> {
    let fixed = |unit_ms: i64| ms.checked_add(n.checked_mul(unit_ms)?);
    match unit {
        Unit::Year | Unit::Month => {
            let months = if unit == Unit::Year {
                n.checked_mul(12)?
            } else {
                n
            };
            let local = to_local(ms, tz)?;
            let m = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
            let moved = if months >= 0 {
                local.checked_add_months(m)?
            } else {
                local.checked_sub_months(m)?
            };
            Some(from_local(moved, tz))
        }
        Unit::Week => fixed(7 * 86_400_000),
        Unit::Day => fixed(86_400_000),
        Unit::Hour => fixed(3_600_000),
        Unit::Minute => fixed(60_000),
        Unit::Second => fixed(1000),
        Unit::Milli => fixed(1),
    }
}

/// Evaluates a date-math expression: `now`, `now-24h`, `now-7d/d`, `2024-01-01`,
/// `2024-01-01||+1M/d`, or a date in `format`. `round_up` selects the rounding of `gt`/`lte`.
pub fn eval(expr: &str, now_ms: i64, format: &str, round_up: bool, tz: Tz) -> Result<i64, String> {
    let failed = || {
        format!(
            "failed to parse date field [{expr}] with format [{format}]: [failed to parse date field [{expr}] with format [{format}]]"
        )
    };
    let (base, math) = if let Some(rest) = expr.strip_prefix("now") {
        (now_ms, rest)
    } else if let Some((date, math)) = expr.split_once("||") {
        (
            parse_with_format(date, format, false, tz).ok_or_else(failed)?,
            math,
        )
    } else {
        return parse_with_format(expr, format, round_up, tz).ok_or_else(failed);
    };
    apply_math(base, math, round_up, tz)
        .ok_or_else(|| format!("operator not supported for date math [{math}]"))
}

fn apply_math(mut ms: i64, math: &str, round_up: bool, tz: Tz) -> Option<i64> {
    let chars: Vec<char> = math.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let op = chars[i];
        i += 1;
        if op == '/' {
            let unit = Unit::from_char(*chars.get(i)?)?;
            i += 1;
            ms = if round_up {
                ceil(ms, unit, tz)?
            } else {
                floor(ms, unit, tz)?
            };
            continue;
        }
        let sign = match op {
            '+' => 1,
            '-' => -1,
            _ => return None,
        };
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let n: i64 = if i == start {
            1
        } else {
            chars[start..i].iter().collect::<String>().parse().ok()?
        };
        let unit = Unit::from_char(*chars.get(i)?)?;
        i += 1;
        ms = add(ms, sign * n, unit, tz)?;
    }
    Some(ms)
}

/// Prints `ms` with the first alternative of `format` (OpenSearch's `key_as_string`,
/// `value_as_string`).
pub fn format_millis(ms: i64, format: &str, tz: Tz) -> String {
    let first = format.split("||").next().unwrap_or("").trim();
    if first == "epoch_millis" {
        return ms.to_string();
    }
    if first == "epoch_second" {
        return ms.div_euclid(1000).to_string();
    }
    let (Some(utc), Some(offset)) = (
        DateTime::from_timestamp_millis(ms),
        chrono::FixedOffset::east_opt(tz),
    ) else {
        return ms.to_string();
    };
    let zoned = utc.with_timezone(&offset);
    if is_optional_time(first) || first.is_empty() {
        let zone = if tz == 0 {
            "Z".to_string()
        } else {
            zoned.format("%:z").to_string()
        };
        return format!("{}{zone}", zoned.format("%Y-%m-%dT%H:%M:%S%.3f"));
    }
    let pattern = named_pattern(first).unwrap_or(first);
    match java_to_strftime(pattern, tz == 0) {
        Some(fmt) => {
            let mut out = String::new();
            use std::fmt::Write;
            if write!(out, "{}", zoned.format_with_items(StrftimeItems::new(&fmt))).is_err() {
                return ms.to_string();
            }
            out
        }
        None => ms.to_string(),
    }
}

/// Whether `format` can be used (for early request validation).
pub fn valid_format(format: &str) -> bool {
    format.split("||").all(|alt| {
        let alt = alt.trim();
        is_optional_time(alt)
            || alt == "epoch_millis"
            || alt == "epoch_second"
            || java_to_strftime(named_pattern(alt).unwrap_or(alt), false).is_some_and(|f| {
                StrftimeItems::new(&f).all(|i| !matches!(i, chrono::format::Item::Error))
            })
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn parses_stored_dates() {
        let cases = [
            (
                "2024-03-05T10:11:12.345+0000",
                Some(ms("2024-03-05T10:11:12.345Z")),
            ),
            (
                "2024-03-05T10:11:12.345Z",
                Some(ms("2024-03-05T10:11:12.345Z")),
            ),
            (
                "2024-03-05T10:11:12+02:00",
                Some(ms("2024-03-05T08:11:12Z")),
            ),
            ("2024-03-05", Some(ms("2024-03-05T00:00:00Z"))),
            ("2024-03", Some(ms("2024-03-01T00:00:00Z"))),
            ("1709633472345", Some(1_709_633_472_345)),
            ("2024-13-05", None),
            ("yesterday", None),
            ("2024-03-05 10:11", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_default(input), want, "{input}");
        }
    }

    #[test]
    fn date_math_and_rounding() {
        let now = ms("2024-03-05T10:11:12.345Z");
        let f = DEFAULT_FORMAT;
        let cases = [
            ("now", false, ms("2024-03-05T10:11:12.345Z")),
            ("now-24h", false, ms("2024-03-04T10:11:12.345Z")),
            ("now-7d/d", false, ms("2024-02-27T00:00:00Z")),
            ("now-7d/d", true, ms("2024-02-27T23:59:59.999Z")),
            ("now/d", false, ms("2024-03-05T00:00:00Z")),
            ("now/M", false, ms("2024-03-01T00:00:00Z")),
            ("now/w", false, ms("2024-03-04T00:00:00Z")),
            ("now+1M", false, ms("2024-04-05T10:11:12.345Z")),
            ("now-1y/y", false, ms("2023-01-01T00:00:00Z")),
            ("2024-01-31||+1M", false, ms("2024-02-29T00:00:00Z")),
            ("2024-01-31||/M", true, ms("2024-01-31T23:59:59.999Z")),
            ("2024-01-31", true, ms("2024-01-31T23:59:59.999Z")),
            ("2024-01-31", false, ms("2024-01-31T00:00:00Z")),
        ];
        for (expr, up, want) in cases {
            assert_eq!(eval(expr, now, f, up, 0), Ok(want), "{expr} {up}");
        }
        assert!(eval("now-3x", now, f, false, 0).is_err());
        assert!(eval("garbage", now, f, false, 0).is_err());
    }

    #[test]
    fn custom_formats_and_time_zones() {
        assert_eq!(
            parse_with_format("05/03/2024", "dd/MM/yyyy", false, 0),
            Some(ms("2024-03-05T00:00:00Z"))
        );
        assert_eq!(
            parse_with_format("2024-03-05 10:00", "yyyy-MM-dd HH:mm", false, 3600),
            Some(ms("2024-03-05T09:00:00Z"))
        );
        assert_eq!(
            parse_with_format("1709633472", "epoch_second", false, 0),
            Some(1_709_633_472_000)
        );
        assert_eq!(parse_tz("+01:00"), Ok(3600));
        assert_eq!(parse_tz("-0530"), Ok(-19800));
        assert!(parse_tz("Mars/Base").is_err());
        let t = ms("2024-03-05T10:11:12.345Z");
        assert_eq!(
            format_millis(t, DEFAULT_FORMAT, 0),
            "2024-03-05T10:11:12.345Z"
        );
        assert_eq!(format_millis(t, "yyyy-MM-dd", 0), "2024-03-05");
        assert_eq!(
            format_millis(t, "yyyy-MM-dd HH:mm", 3600),
            "2024-03-05 11:11"
        );
        assert_eq!(format_millis(t, "epoch_millis", 0), t.to_string());
        assert_eq!(
            format_millis(t, DEFAULT_FORMAT, 3600),
            "2024-03-05T11:11:12.345+01:00"
        );
        assert!(valid_format("yyyy-MM-dd"));
        assert!(!valid_format("yyyy-MM-dd qq"));
    }
}
