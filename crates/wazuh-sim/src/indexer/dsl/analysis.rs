//! Text analysis: the `standard` analyzer (Unicode word segmentation, lower-cased), close enough
//! to Lucene's `StandardTokenizer` for log lines: `10.0.0.1`, `www.example.com` and `cmd.exe`
//! stay whole; `sshd[1234]:` gives `sshd` and `1234`.

/// The maximum token length of the standard tokenizer; longer runs are split.
const MAX_TOKEN_LEN: usize = 255;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
    /// `_` joins anything (ExtendNumLet).
    Connector,
    /// `.` and `'` join letter-letter and digit-digit (MidNumLet).
    MidNumLet,
    /// `:` joins letter-letter (MidLetter).
    MidLetter,
    /// `,` and `;` join digit-digit (MidNum).
    MidNum,
    Other,
}

fn class(c: char) -> Class {
    if c.is_alphabetic() {
        Class::Letter
    } else if c.is_numeric() {
        Class::Digit
    } else {
        match c {
            '_' => Class::Connector,
            '.' | '\'' | '\u{2019}' => Class::MidNumLet,
            ':' => Class::MidLetter,
            ',' | ';' => Class::MidNum,
            _ => Class::Other,
        }
    }
}

fn is_word(c: Class) -> bool {
    matches!(c, Class::Letter | Class::Digit | Class::Connector)
}

/// Calls `f` with each lower-cased token of `text`, until it returns `true`.
pub fn any_token(text: &str, f: &mut dyn FnMut(&str) -> bool) -> bool {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    let mut lower = String::new();
    while i < chars.len() {
        if !is_word(class(chars[i].1)) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        while end < chars.len() {
            let c = class(chars[end].1);
            if is_word(c) {
                end += 1;
                continue;
            }
            let (Some(prev), Some(next)) = (chars.get(end - 1), chars.get(end + 1)) else {
                break;
            };
            let (p, n) = (class(prev.1), class(next.1));
            let joins = match c {
                Class::MidNumLet => {
                    (p == Class::Letter && n == Class::Letter)
                        || (p == Class::Digit && n == Class::Digit)
                }
                Class::MidLetter => p == Class::Letter && n == Class::Letter,
                Class::MidNum => p == Class::Digit && n == Class::Digit,
                _ => false,
            };
            if joins {
                end += 2;
            } else {
                break;
            }
        }
        let mut s = start;
        while s < end {
            let e = (s + MAX_TOKEN_LEN).min(end);
            let from = chars[s].0;
            let to = chars.get(e).map_or(text.len(), |c| c.0);
            lower.clear();
            lower.extend(text[from..to].chars().flat_map(char::to_lowercase));
            if f(&lower) {
                return true;
            }
            s = e;
        }
        i = end;
    }
    false
}

/// The lower-cased tokens of `text`.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    any_token(text, &mut |t| {
        out.push(t.to_string());
        false
    });
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn standard_tokenizer_cases() {
        let cases: &[(&str, &[&str])] = &[
            (
                "Failed password for invalid user admin from 10.0.0.1 port 22 ssh2",
                &[
                    "failed", "password", "for", "invalid", "user", "admin", "from", "10.0.0.1",
                    "port", "22", "ssh2",
                ],
            ),
            ("sshd[1234]: Accepted", &["sshd", "1234", "accepted"]),
            (
                r"C:\Windows\System32\cmd.exe /c whoami",
                &["c", "windows", "system32", "cmd.exe", "c", "whoami"],
            ),
            ("www.Example.com:443", &["www.example.com", "443"]),
            ("user_name=Bob's", &["user_name", "bob's"]),
            ("1,000.5 a.1", &["1,000.5", "a", "1"]),
            ("", &[]),
            ("--- ...", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(tokens(text), *want, "{text}");
        }
    }
}
