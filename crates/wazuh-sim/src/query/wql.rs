//! WQL, the `q` parameter: a hand-written parser (no backtracking, bounded length and nesting) and
//! the evaluation of a parsed query against JSON items.
//!
//! Grammar, as the framework's `WazuhDBQuery.query_regex` accepts it
//! (wazuh/wazuh `framework/wazuh/core/utils.py`):
//!
//! ```text
//! expr   := term  (',' term)*          ',' is OR
//! term   := factor (';' factor)*       ';' is AND (binds tighter, as in the SQL the framework builds)
//! factor := '(' expr ')' | field op value
//! field  := [\w.]+
//! op     := '=' | '!=' | '<' | '>' | '~'
//! value  := one or more of [\w _-.:?\/'"=@%<>{}[]], balanced '(...)' groups and '[...]' groups
//!           (a ',' is allowed inside '[...]'); plus the escapes '\,' '\;' '\(' '\)' '\\'
//! ```

use super::QueryError;

/// Longest `q` accepted, in bytes.
pub(crate) const MAX_QUERY_LEN: usize = 8192;
/// Deepest parenthesis nesting accepted.
pub(crate) const MAX_DEPTH: usize = 32;

/// A comparison operator of WQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `~` (SQL `LIKE '%value%'` in the database dialect, substring in the array dialect)
    Like,
}

impl Op {
    /// The operator as written in a query.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Like => "~",
        }
    }
}

/// One `field op value` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    /// Dotted field name, e.g. `os.platform`.
    pub field: String,
    /// The operator.
    pub op: Op,
    /// The value, with escapes removed.
    pub value: String,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A single clause.
    Cond(Cond),
    /// All must hold (`;`).
    And(Vec<Expr>),
    /// One must hold (`,`).
    Or(Vec<Expr>),
}

impl Expr {
    /// Every clause of the query, left to right.
    pub fn conds(&self) -> Vec<&Cond> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Cond>) {
        match self {
            Expr::Cond(c) => out.push(c),
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.collect(out)),
        }
    }
}

/// Why a query did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseFail {
    /// Does not match the grammar (1407).
    Format,
    /// Matches, but with an operator outside the five (1409); carries the operator.
    Operator(String),
}

/// Escapes `value` so that it can be used as a WQL value: a backslash before each `,` `;` `(` `)`
/// and `\`. Characters outside the value charset of the framework (e.g. `&`, `|`, `#`, `!`, `~`,
/// `+`, `*`) cannot be expressed in a WQL value at all and are left as they are (the query will be
/// refused with 1407).
pub fn wql_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    for c in value.chars() {
        if matches!(c, ',' | ';' | '(' | ')' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Characters allowed in a value outside any group (the framework's value class).
fn is_value_char(c: char) -> bool {
    is_word(c)
        || matches!(
            c,
            ' ' | '_'
                | '-'
                | '.'
                | ':'
                | '?'
                | '\\'
                | '/'
                | '\''
                | '"'
                | '='
                | '@'
                | '%'
                | '<'
                | '>'
                | '{'
                | '}'
                | '['
                | ']'
        )
}

fn is_op_char(c: char) -> bool {
    matches!(c, '=' | '!' | '<' | '>' | '~')
}

/// Parses a whole query.
pub(crate) fn parse(q: &str) -> Result<Expr, ParseFail> {
    if q.len() > MAX_QUERY_LEN {
        return Err(ParseFail::Format);
    }
    let chars: Vec<char> = q.chars().collect();
    let mut p = Parser { s: &chars, i: 0 };
    let e = p.expr(0)?;
    if p.i != chars.len() {
        return Err(ParseFail::Format);
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ParseFail> {
        let mut terms = vec![self.term(depth)?];
        while self.peek() == Some(',') {
            self.i += 1;
            terms.push(self.term(depth)?);
        }
        Ok(if terms.len() == 1 {
            terms.swap_remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn term(&mut self, depth: usize) -> Result<Expr, ParseFail> {
        let mut factors = vec![self.factor(depth)?];
        while self.peek() == Some(';') {
            self.i += 1;
            factors.push(self.factor(depth)?);
        }
        Ok(if factors.len() == 1 {
            factors.swap_remove(0)
        } else {
            Expr::And(factors)
        })
    }

    fn factor(&mut self, depth: usize) -> Result<Expr, ParseFail> {
        if self.peek() == Some('(') {
            if depth >= MAX_DEPTH {
                return Err(ParseFail::Format);
            }
            self.i += 1;
            let e = self.expr(depth + 1)?;
            if self.peek() != Some(')') {
                return Err(ParseFail::Format);
            }
            self.i += 1;
            return Ok(e);
        }
        self.cond().map(Expr::Cond)
    }

    fn cond(&mut self) -> Result<Cond, ParseFail> {
        let start = self.i;
        while self.peek().is_some_and(|c| is_word(c) || c == '.') {
            self.i += 1;
        }
        if self.i == start {
            return Err(ParseFail::Format);
        }
        let field: String = self.s[start..self.i].iter().collect();
        let op_start = self.i;
        while self.i - op_start < 2 && self.peek().is_some_and(is_op_char) {
            self.i += 1;
        }
        let op_str: String = self.s[op_start..self.i].iter().collect();
        let op = match op_str.as_str() {
            "" => return Err(ParseFail::Format),
            "=" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            ">" => Op::Gt,
            "~" => Op::Like,
            other => {
                // The framework matches the query first and then refuses the operator (1409);
                // make sure the rest would have matched, or it is a format error (1407).
                let op = other.to_string();
                self.value()?;
                return Err(ParseFail::Operator(op));
            }
        };
        let value = self.value()?;
        Ok(Cond { field, op, value })
    }

    /// A value: stops at an unescaped `,` `;` or an unbalanced `)`, or the end.
    fn value(&mut self) -> Result<String, ParseFail> {
        let mut out = String::new();
        let mut raw_len = 0usize;
        while let Some(c) = self.peek() {
            match c {
                '\\' if matches!(self.s.get(self.i + 1), Some(',' | ';' | '(' | ')' | '\\')) => {
                    out.push(self.s[self.i + 1]);
                    self.i += 2;
                }
                '(' => {
                    // A balanced group inside the value, e.g. `Intel(R)`; no `,` `;` or nested `(`.
                    let mut j = self.i + 1;
                    let mut bracket = false;
                    loop {
                        match self.s.get(j).copied() {
                            Some(')') if !bracket => break,
                            Some('[') => bracket = true,
                            Some(']') => bracket = false,
                            Some(',') if bracket => {}
                            Some(c) if c != '(' && is_value_char(c) => {}
                            _ => return Err(ParseFail::Format),
                        }
                        j += 1;
                    }
                    out.extend(&self.s[self.i..=j]);
                    self.i = j + 1;
                }
                '[' => {
                    // A bracket group may hold commas: `[a,b]`.
                    let mut j = self.i + 1;
                    while let Some(c) = self.s.get(j).copied() {
                        if c == ']' || !(c == ',' || (is_value_char(c) && c != '[')) {
                            break;
                        }
                        j += 1;
                    }
                    if self.s.get(j) == Some(&']') {
                        out.extend(&self.s[self.i..=j]);
                        self.i = j + 1;
                    } else {
                        out.push('[');
                        self.i += 1;
                    }
                }
                ',' | ';' | ')' => break,
                c if is_value_char(c) => {
                    out.push(c);
                    self.i += 1;
                }
                _ => return Err(ParseFail::Format),
            }
            raw_len += 1;
        }
        if raw_len == 0 {
            return Err(ParseFail::Format);
        }
        Ok(out)
    }
}

/// 1407 with the framework's message (`WazuhError(1407, q)` in `WazuhDBQuery._parse_query`).
pub(crate) fn format_error(extra: &str) -> QueryError {
    QueryError::new(
        1407,
        "Query does not match expected format",
        Some(extra),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(field: &str, op: Op, value: &str) -> Expr {
        Expr::Cond(Cond {
            field: field.into(),
            op,
            value: value.into(),
        })
    }

    #[test]
    fn parses_the_shapes_of_the_upstream_tests() {
        use Op::*;
        let cases: Vec<(&str, Expr)> = vec![
            ("status=active", c("status", Eq, "active")),
            (
                "os.platform=ubuntu;status=active",
                Expr::And(vec![
                    c("os.platform", Eq, "ubuntu"),
                    c("status", Eq, "active"),
                ]),
            ),
            (
                "(status=active,status=never_connected);os.name~ubuntu",
                Expr::And(vec![
                    Expr::Or(vec![
                        c("status", Eq, "active"),
                        c("status", Eq, "never_connected"),
                    ]),
                    c("os.name", Like, "ubuntu"),
                ]),
            ),
            (
                "dateAdd>2021-07-03 00:00:00;lastKeepAlive>2021-07-02",
                Expr::And(vec![
                    c("dateAdd", Gt, "2021-07-03 00:00:00"),
                    c("lastKeepAlive", Gt, "2021-07-02"),
                ]),
            ),
            (
                "cis=5.2 Debian Linux,pci_dss=2",
                Expr::Or(vec![
                    c("cis", Eq, "5.2 Debian Linux"),
                    c("pci_dss", Eq, "2"),
                ]),
            ),
            ("name=Intel(R) Core(TM)", c("name", Eq, "Intel(R) Core(TM)")),
            ("(name=Intel(R))", c("name", Eq, "Intel(R)")),
            ("x=[a,b]", c("x", Eq, "[a,b]")),
            ("name=admin@338", c("name", Eq, "admin@338")),
            (r"name=a\,b\;c\(d\)e\\f", c("name", Eq, r"a,b;c(d)e\f")),
            (r"name=C:\Windows", c("name", Eq, r"C:\Windows")),
        ];
        for (q, want) in cases {
            assert_eq!(parse(q), Ok(want), "{q}");
        }
    }

    #[test]
    fn refuses_malformed_queries() {
        for q in [
            "status",
            "",
            "status=",
            "filename%=invalid",
            "name%=invalid",
            "group=default;lastKeep%<1d",
            "(status=active",
            "status=active)",
            "a=b;",
            ",a=b",
            "a=b&c",
            "a=(b,c)",
            "=b",
        ] {
            assert_eq!(parse(q), Err(ParseFail::Format), "{q:?}");
        }
    }

    #[test]
    fn refuses_unknown_operators_after_matching() {
        assert_eq!(parse("id<=5"), Err(ParseFail::Operator("<=".into())));
        assert_eq!(parse("id~~5"), Err(ParseFail::Operator("~~".into())));
        // The operator class is greedy, as the framework's `[=!<>~]{1,2}`.
        assert_eq!(parse("a==b"), Err(ParseFail::Operator("==".into())));
        assert_eq!(parse("id<=5&"), Err(ParseFail::Format));
    }

    #[test]
    fn caps_length_and_nesting() {
        let deep = format!(
            "{}a=b{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(parse(&deep), Err(ParseFail::Format));
        let ok = format!("{}a=b{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let long = format!("a={}", "x".repeat(MAX_QUERY_LEN));
        assert_eq!(parse(&long), Err(ParseFail::Format));
        // Many unbalanced parens must not blow up either.
        let many = "(".repeat(100_000);
        assert_eq!(parse(&many), Err(ParseFail::Format));
    }

    #[test]
    fn escape_round_trips() {
        for v in [
            "plain",
            "a,b",
            "a;b",
            "f(x)",
            r"C:\Windows\System32",
            r"\,;(",
            "Intel(R) Core(TM) i7",
            "with space",
            ")(",
            r"trailing\",
        ] {
            let q = format!("name={}", wql_escape(v));
            assert_eq!(parse(&q), Ok(c("name", Op::Eq, v)), "{q}");
            let q = format!("(name~{},id=1)", wql_escape(v));
            assert_eq!(
                parse(&q),
                Ok(Expr::Or(vec![c("name", Op::Like, v), c("id", Op::Eq, "1")])),
                "{q}"
            );
        }
        assert_eq!(wql_escape("a,b"), r"a\,b");
    }
}
