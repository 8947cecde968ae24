//! Upstream ruleset tests (`ruleset/testing/*.ini`) into [`LogtestCase`]s.
//!
//! The upstream runner (`ruleset/testing/runtests.py`) reads each file with Python 2's
//! `ConfigParser.RawConfigParser` over a dict that accumulates repeated keys, then for every
//! section takes `rule`, `alert` and `decoder` and runs each option whose name starts with
//! `log ` through `wazuh-logtest -U rule:alert:decoder`; names ending in `fail` must *not*
//! match. What that parser does, and so what was really tested, is reproduced here:
//!
//! - lines starting with `#` or `;` are comments, as are `rem ...` lines;
//! - `name = value` or `name: value` (the first `=` or `:` splits), names lower-cased;
//! - in a value, a `;` preceded by whitespace starts a comment, but only the *first* `;` is
//!   looked at (this cuts sudo log lines such as `... TTY=pts/4 ; PWD=...` at ` ;`);
//! - an indented line continues the previous value on a new line;
//! - a repeated key (`log 1 pass` twice) or a repeated section accumulates its values, which the
//!   runner sends as several lines: each line is one case here.
//!
//! Only passing lines become cases. A section whose `rule`/`alert`/`decoder` are missing,
//! ambiguous (a repeated section with different values) or not numbers is skipped.

use super::LogtestCase;

/// The log format `wazuh-logtest` uses for lines read from its standard input.
const DEFAULT_LOG_FORMAT: &str = "syslog";

/// Python 2's `str.strip()` set.
const PY_WHITESPACE: [char; 6] = [' ', '\t', '\n', '\r', '\x0b', '\x0c'];

#[derive(Debug, Default)]
struct Section {
    name: String,
    /// Options in first-seen order, each with all its accumulated lines.
    options: Vec<(String, Vec<String>)>,
}

impl Section {
    fn values(&self, key: &str) -> Option<&[String]> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }

    /// A single-valued option: all its lines must agree.
    fn single(&self, key: &str) -> Option<&str> {
        let values = self.values(key)?;
        let first = values.first()?;
        values.iter().all(|v| v == first).then_some(first.as_str())
    }
}

/// Parses one `.ini` file into its passing cases. Never fails: what the upstream runner could
/// not use is skipped.
pub(crate) fn parse_ini(text: &str) -> Vec<LogtestCase> {
    let mut cases = Vec::new();
    for section in read_sections(text) {
        let (Some(rule), Some(alert), Some(decoder)) = (
            section.single("rule"),
            section.single("alert"),
            section.single("decoder"),
        ) else {
            continue;
        };
        let (Ok(level), true) = (alert.parse::<u32>(), is_rule_id(rule)) else {
            continue;
        };
        let log_format = section
            .single("log_format")
            .or_else(|| section.single("logformat"))
            .unwrap_or(DEFAULT_LOG_FORMAT);
        for (key, lines) in &section.options {
            if !key.starts_with("log ") || key.ends_with("fail") {
                continue;
            }
            for log in lines.iter().flat_map(|v| v.split('\n')) {
                if log.is_empty() {
                    continue;
                }
                cases.push(LogtestCase {
                    name: section.name.clone(),
                    log: log.to_owned(),
                    rule_id: rule.to_owned(),
                    level,
                    decoder: decoder.to_owned(),
                    log_format: log_format.to_owned(),
                });
            }
        }
    }
    cases
}

fn is_rule_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Python 2 `RawConfigParser._read`, with repeated keys and sections accumulated.
fn read_sections(text: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut current: Option<usize> = None;
    let mut option: Option<String> = None;
    for line in text.split('\n') {
        if line.trim_matches(PY_WHITESPACE).is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        let first_word = line.split_whitespace().next().unwrap_or_default();
        if first_word.eq_ignore_ascii_case("rem") && line.starts_with(['r', 'R']) {
            continue;
        }
        let starts_with_space = line.starts_with(PY_WHITESPACE);
        if starts_with_space && let (Some(at), Some(key)) = (current, option.as_ref()) {
            let value = line.trim_matches(PY_WHITESPACE);
            if let Some(section) = sections.get_mut(at)
                && let Some((_, values)) = section.options.iter_mut().find(|(k, _)| k == key)
                && let Some(last) = values.last_mut()
            {
                last.push('\n');
                last.push_str(value);
            }
            continue;
        }
        if let Some(name) = section_header(line) {
            current = Some(match sections.iter().position(|s| s.name == name) {
                Some(at) => at,
                None => {
                    sections.push(Section {
                        name: name.to_owned(),
                        options: Vec::new(),
                    });
                    sections.len() - 1
                }
            });
            option = None;
            continue;
        }
        let Some(section) = current.and_then(|at| sections.get_mut(at)) else {
            // Upstream raises MissingSectionHeaderError: nothing in this file is usable.
            return Vec::new();
        };
        // Lines that are not options are a ParsingError upstream, raised after the whole file
        // is read; the runner would stop there. Be lenient: skip the line.
        let Some((key, value)) = option_line(line) else {
            continue;
        };
        match section.options.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => section.options.push((key.clone(), vec![value])),
        }
        option = Some(key);
    }
    sections
}

/// `\[(?P<header>[^]]+)\]` matched at the start of the line.
fn section_header(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?;
    let end = rest.find(']')?;
    (end > 0).then(|| &rest[..end])
}

/// `(?P<option>[^:=\s][^:=]*)\s*(?P<vi>[:=])\s*(?P<value>.*)$` plus the inline-comment rule.
fn option_line(line: &str) -> Option<(String, String)> {
    let split = line.find([':', '='])?;
    let name = line[..split].trim_end_matches(PY_WHITESPACE);
    if name.is_empty() || name.starts_with(PY_WHITESPACE) {
        return None;
    }
    let mut value = line[split + 1..].trim_start_matches(PY_WHITESPACE);
    if let Some(pos) = value.find(';') {
        // `optval[pos-1].isspace()`; at position 0 Python looks at the last character.
        let before = if pos == 0 {
            value.chars().last()
        } else {
            value[..pos].chars().last()
        };
        if before.is_some_and(|c| PY_WHITESPACE.contains(&c)) {
            value = &value[..pos];
        }
    }
    let mut value = value.trim_matches(PY_WHITESPACE).to_owned();
    if value == "\"\"" {
        value.clear();
    }
    Some((name.to_lowercase(), value))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_upstream_variants() {
        let text = "\
; comment
[sshd: bad]
log 1 pass = Feb  4 23:05:57 host sshd[1]: one
log 1 pass = Feb  4 23:05:57 host sshd[1]: two
log 2 fail = not this
rule = 5747
alert = 6
decoder = sshd

[sudo]
log 1 pass = Apr 27 15:22:23 h sudo:  dcid : TTY=pts/4 ; PWD=/home ; USER=root
rule: 5402
alert: 3
decoder: sudo

[dup]
log 1 pass = a
rule = 1
alert = 1
decoder =

[dup]
log 1 pass = b
rule = 2
alert = 1
decoder =

[no decoder]
log 1 pass = x
rule = 3
alert = 1

[fail only]
log 1 fail = x
rule =
alert =
decoder = y
";
        let cases = parse_ini(text);
        let summary: Vec<(&str, &str, &str, u32, &str)> = cases
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.log.as_str(),
                    c.rule_id.as_str(),
                    c.level,
                    c.decoder.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "sshd: bad",
                    "Feb  4 23:05:57 host sshd[1]: one",
                    "5747",
                    6,
                    "sshd"
                ),
                (
                    "sshd: bad",
                    "Feb  4 23:05:57 host sshd[1]: two",
                    "5747",
                    6,
                    "sshd"
                ),
                (
                    "sudo",
                    "Apr 27 15:22:23 h sudo:  dcid : TTY=pts/4",
                    "5402",
                    3,
                    "sudo"
                ),
            ]
        );
        assert!(cases.iter().all(|c| c.log_format == "syslog"));
    }

    #[test]
    fn continuation_lines_are_separate_logs() {
        let text = "[s]\nlog 1 pass = a\n  b\nrule = 1\nalert = 2\ndecoder = d\n";
        let logs: Vec<String> = parse_ini(text).into_iter().map(|c| c.log).collect();
        assert_eq!(logs, ["a", "b"]);
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in [
            "",
            "no section = 1",
            "[",
            "[]\n=",
            "[s]\n  x\n:\n=1",
            "[s]\nlog 1 pass=é;x ;y",
        ] {
            let _ = parse_ini(text);
        }
    }
}
