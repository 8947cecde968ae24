//! `query_string` (Lucene's classic syntax, with its clause rules) and `simple_query_string`.

use serde_json::Value;

use super::DslError;
use super::MAX_DEPTH;
use super::mapping;
use super::query::{
    self, BoolQuery, Ctx, FieldQuery, Fields, Pred, Query, RangeBound, TermVal, Wildcard, parsing,
};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Colon,
    Plus,
    Minus,
    Not,
    And,
    Or,
    /// `^2`
    Boost(f64),
    /// `~` or `~2`
    Tilde(Option<f64>),
    Quoted(String),
    /// Unescaped text, the raw text with escapes (for wildcards), and whether it has an
    /// unescaped `*` or `?`.
    Term(String, String, bool),
    /// `[` or `{`, the lower bound, the upper bound, `]` or `}`.
    Range(bool, String, String, bool),
    /// `>`, `>=`, `<`, `<=` followed by a value.
    Cmp(String, String),
    Regex(String),
}

fn is_special(c: char) -> bool {
    matches!(
        c,
        '(' | ')' | ':' | '"' | '[' | ']' | '{' | '}' | '^' | '~' | '\\' | '/'
    ) || c.is_whitespace()
}

fn lex(input: &str) -> Result<Vec<Tok>, DslError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let fail = |msg: &str| {
        parsing(format!(
            "Failed to parse query [{input}]: Cannot parse '{input}': {msg}"
        ))
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => out.push(Tok::LParen),
            ')' => out.push(Tok::RParen),
            ':' => out.push(Tok::Colon),
            '+' => out.push(Tok::Plus),
            '-' => out.push(Tok::Minus),
            '!' if chars.get(i + 1) != Some(&'=') => out.push(Tok::Not),
            '&' if chars.get(i + 1) == Some(&'&') => {
                out.push(Tok::And);
                i += 1;
            }
            '|' if chars.get(i + 1) == Some(&'|') => {
                out.push(Tok::Or);
                i += 1;
            }
            '^' | '~' => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && (chars[end].is_ascii_digit() || chars[end] == '.') {
                    end += 1;
                }
                let num: Option<f64> = chars[start..end].iter().collect::<String>().parse().ok();
                if c == '^' {
                    out.push(Tok::Boost(num.ok_or_else(|| fail("boost needs a number"))?));
                } else {
                    out.push(Tok::Tilde(num));
                }
                i = end;
                continue;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(fail("Lexical error: unterminated quoted string")),
                        Some('"') => break,
                        Some('\\') => {
                            if let Some(n) = chars.get(i + 1) {
                                s.push(*n);
                            }
                            i += 2;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Quoted(s));
            }
            '/' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(fail("Lexical error: unterminated regular expression")),
                        Some('/') => break,
                        Some('\\') if chars.get(i + 1) == Some(&'/') => {
                            s.push('/');
                            i += 2;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Regex(s));
            }
            '[' | '{' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|ch| *ch == ']' || *ch == '}')
                    .ok_or_else(|| fail("Encountered \"<EOF>\": unterminated range"))?
                    + i
                    + 1;
                let inner: String = chars[i + 1..close].iter().collect();
                let parts: Vec<&str> = inner.split_whitespace().collect();
                let [lo, to, hi] = parts.as_slice() else {
                    return Err(fail("range must be [lower TO upper]"));
                };
                if *to != "TO" {
                    return Err(fail("range must be [lower TO upper]"));
                }
                let unquote = |s: &str| s.trim_matches('"').to_string();
                out.push(Tok::Range(
                    c == '[',
                    unquote(lo),
                    unquote(hi),
                    chars[close] == ']',
                ));
                i = close;
            }
            '>' | '<' => {
                let mut op = c.to_string();
                i += 1;
                if chars.get(i) == Some(&'=') {
                    op.push('=');
                    i += 1;
                }
                let start = i;
                while i < chars.len() && !is_special(chars[i]) && chars[i] != ')' {
                    i += 1;
                }
                let value: String = chars[start..i].iter().collect();
                let value = if value.is_empty() {
                    // `>"2024-01-01"`
                    if chars.get(i) == Some(&'"') {
                        let end = chars[i + 1..]
                            .iter()
                            .position(|ch| *ch == '"')
                            .ok_or_else(|| fail("unterminated quoted string"))?
                            + i
                            + 1;
                        let v: String = chars[i + 1..end].iter().collect();
                        i = end + 1;
                        v
                    } else {
                        return Err(fail("comparison needs a value"));
                    }
                } else {
                    value
                };
                out.push(Tok::Cmp(op, value));
                continue;
            }
            _ => {
                let (mut text, mut raw, mut wild) = (String::new(), String::new(), false);
                while i < chars.len() {
                    let ch = chars[i];
                    if ch == '\\' {
                        let Some(n) = chars.get(i + 1) else {
                            return Err(fail("Lexical error: escape at end of query"));
                        };
                        text.push(*n);
                        raw.push('\\');
                        raw.push(*n);
                        i += 2;
                        continue;
                    }
                    if is_special(ch) {
                        break;
                    }
                    if ch == '*' || ch == '?' {
                        wild = true;
                    }
                    text.push(ch);
                    raw.push(ch);
                    i += 1;
                }
                match text.as_str() {
                    "AND" if !wild => out.push(Tok::And),
                    "OR" if !wild => out.push(Tok::Or),
                    "NOT" if !wild => out.push(Tok::Not),
                    _ => out.push(Tok::Term(text, raw, wild)),
                }
                continue;
            }
        }
        i += 1;
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq)]
enum Occur {
    Must,
    Should,
    MustNot,
}

#[derive(Clone, Copy, PartialEq)]
enum Conj {
    None,
    And,
    Or,
}

#[derive(Clone, Copy, PartialEq)]
enum Mods {
    None,
    Req,
    Not,
}

/// Where unqualified terms go.
struct Defaults {
    fields: Vec<(String, f64)>,
    and: bool,
    lenient: bool,
    ctx: Ctx,
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    defaults: &'a Defaults,
    input: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn fail(&self, msg: &str) -> DslError {
        parsing(format!(
            "Failed to parse query [{0}]: Cannot parse '{0}': {msg}",
            self.input
        ))
    }

    /// `Query ::= ( Conjunction Modifiers Clause )*`, with Lucene's classic clause rules.
    fn query(&mut self, field: Option<&str>, depth: usize) -> Result<Query, DslError> {
        if depth > MAX_DEPTH {
            return Err(self.fail("too many nested parentheses"));
        }
        let mut clauses: Vec<(Occur, Query)> = Vec::new();
        let and_default = self.defaults.and;
        loop {
            match self.peek() {
                None | Some(Tok::RParen) => break,
                _ => {}
            }
            let mut conj = Conj::None;
            match self.peek() {
                Some(Tok::And) => {
                    conj = Conj::And;
                    self.pos += 1;
                }
                Some(Tok::Or) => {
                    conj = Conj::Or;
                    self.pos += 1;
                }
                _ => {}
            }
            let mut mods = Mods::None;
            match self.peek() {
                Some(Tok::Plus) => {
                    mods = Mods::Req;
                    self.pos += 1;
                }
                Some(Tok::Minus | Tok::Not) => {
                    mods = Mods::Not;
                    self.pos += 1;
                }
                _ => {}
            }
            if conj != Conj::None && clauses.is_empty() {
                return Err(self.fail("Encountered a conjunction at the start of the query"));
            }
            let q = self.clause(field, depth)?;
            if !clauses.is_empty()
                && conj == Conj::And
                && let Some(last) = clauses.last_mut()
                && last.0 != Occur::MustNot
            {
                last.0 = Occur::Must;
            }
            if !clauses.is_empty()
                && and_default
                && conj == Conj::Or
                && let Some(last) = clauses.last_mut()
                && last.0 != Occur::MustNot
            {
                last.0 = Occur::Should;
            }
            let (required, prohibited) = if and_default {
                let prohibited = mods == Mods::Not;
                (!prohibited && conj != Conj::Or, prohibited)
            } else {
                let prohibited = mods == Mods::Not;
                (
                    mods == Mods::Req || (conj == Conj::And && !prohibited),
                    prohibited,
                )
            };
            let occur = match (required, prohibited) {
                (true, false) => Occur::Must,
                (false, false) => Occur::Should,
                _ => Occur::MustNot,
            };
            clauses.push((occur, q));
        }
        if clauses.len() == 1
            && clauses[0].0 != Occur::MustNot
            && let Some((_, q)) = clauses.pop()
        {
            return Ok(q);
        }
        let mut b = BoolQuery {
            boost: 1.0,
            ..Default::default()
        };
        for (occur, q) in clauses {
            match occur {
                Occur::Must => b.must.push(q),
                Occur::Should => b.should.push(q),
                Occur::MustNot => b.must_not.push(q),
            }
        }
        if b.must.is_empty() && b.should.is_empty() {
            if b.must_not.is_empty() {
                return Ok(Query::MatchNone);
            }
            // A purely negative query matches everything else (OpenSearch adds a match_all).
            b.filter.push(Query::MatchAll(1.0));
        }
        b.min_should = usize::from(b.must.is_empty() && !b.should.is_empty());
        Ok(Query::Bool(Box::new(b)))
    }

    /// `Clause ::= [ Term ":" ] ( Term | "(" Query ")" )`, then `^boost`.
    fn clause(&mut self, field: Option<&str>, depth: usize) -> Result<Query, DslError> {
        let mut field = field.map(str::to_string);
        if let (Some(Tok::Term(name, _, _)), Some(Tok::Colon)) =
            (self.toks.get(self.pos), self.toks.get(self.pos + 1))
        {
            field = Some(name.clone());
            self.pos += 2;
        }
        let tok = self
            .next()
            .ok_or_else(|| self.fail("Encountered \"<EOF>\" at end of query"))?;
        let mut q = match tok {
            Tok::LParen => {
                let inner = self.query(field.as_deref(), depth + 1)?;
                if self.next() != Some(Tok::RParen) {
                    return Err(self.fail("Encountered \"<EOF>\": missing closing parenthesis"));
                }
                inner
            }
            Tok::Quoted(text) => {
                let slop = match self.peek() {
                    Some(Tok::Tilde(n)) => {
                        let n = n.unwrap_or(0.0);
                        self.pos += 1;
                        n as usize
                    }
                    _ => 0,
                };
                let mut pred = query::match_pred(text, self.defaults.ctx, true, false, None);
                if let Pred::Phrase { slop: s, .. } = &mut pred {
                    *s = slop;
                }
                self.leaf(field.as_deref(), pred)?
            }
            Tok::Term(text, raw, wild) => {
                if matches!(self.peek(), Some(Tok::Tilde(_))) {
                    self.pos += 1;
                }
                self.term(field.as_deref(), text, raw, wild)?
            }
            Tok::Range(incl_lo, lo, hi, incl_hi) => {
                let bound = |v: &str, inclusive: bool, upper: bool| {
                    (v != "*").then(|| self.range_bound(v, inclusive, upper))
                };
                let pred = Pred::Range(bound(&lo, incl_lo, false), bound(&hi, incl_hi, true));
                self.leaf(field.as_deref(), pred)?
            }
            Tok::Cmp(op, value) => {
                let pred = match op.as_str() {
                    ">" => Pred::Range(Some(self.range_bound(&value, false, false)), None),
                    ">=" => Pred::Range(Some(self.range_bound(&value, true, false)), None),
                    "<" => Pred::Range(None, Some(self.range_bound(&value, false, true))),
                    _ => Pred::Range(None, Some(self.range_bound(&value, true, true))),
                };
                self.leaf(field.as_deref(), pred)?
            }
            Tok::Regex(re) => {
                let re = regex::RegexBuilder::new(&format!("^(?:{re})$"))
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| self.fail(&format!("invalid regular expression: {e}")))?;
                self.leaf(field.as_deref(), Pred::Regexp(re))?
            }
            other => {
                return Err(self.fail(&format!("Encountered \"{other:?}\"")));
            }
        };
        if let Some(Tok::Boost(b)) = self.peek() {
            let b = *b;
            self.pos += 1;
            q = Query::Bool(Box::new(BoolQuery {
                must: vec![q],
                boost: b,
                ..Default::default()
            }));
        }
        Ok(q)
    }

    fn range_bound(&self, v: &str, inclusive: bool, upper: bool) -> RangeBound {
        let ctx = self.defaults.ctx;
        let mut val = TermVal::new(v.to_string(), ctx, None);
        let round_up = upper == inclusive;
        val.date =
            super::datemath::eval(v, ctx.now_ms, super::datemath::DEFAULT_FORMAT, round_up, 0)
                .ok()
                .map(|d| (d, d));
        RangeBound { val, inclusive }
    }

    fn term(
        &self,
        field: Option<&str>,
        text: String,
        raw: String,
        wild: bool,
    ) -> Result<Query, DslError> {
        if field == Some("_exists_") {
            return Ok(Query::Field(Box::new(FieldQuery {
                fields: query::fields_for(&text),
                pred: Pred::Exists,
                boost: 1.0,
            })));
        }
        if wild {
            if raw == "*" {
                return Ok(match field {
                    None | Some("*") => Query::MatchAll(1.0),
                    Some(f) => Query::Field(Box::new(FieldQuery {
                        fields: query::fields_for(f),
                        pred: Pred::Exists,
                        boost: 1.0,
                    })),
                });
            }
            let pred = Pred::Wildcard(
                Wildcard::new(&raw, false),
                Some(Wildcard::new(&raw.to_lowercase(), false)),
            );
            return self.leaf(field, pred);
        }
        let pred = query::match_pred(text, self.defaults.ctx, false, self.defaults.and, None);
        self.leaf(field, pred)
    }

    fn leaf(&self, field: Option<&str>, pred: Pred) -> Result<Query, DslError> {
        let fields = match field {
            Some(f) if !f.contains('*') => {
                let ty = mapping::field_type(f);
                if !self.defaults.lenient {
                    let exact = match &pred {
                        Pred::Match { exact, .. } | Pred::Phrase { exact, .. } => Some(exact),
                        _ => None,
                    };
                    if let Some(e) = exact.and_then(|tv| tv.type_error(f, ty)) {
                        return Err(e);
                    }
                }
                Fields::One(f.to_string(), ty)
            }
            Some(f) => Fields::Many(vec![(Wildcard::new(f, false), 1.0)]),
            None => match self.defaults.fields.as_slice() {
                [(f, b)] if !f.contains('*') && *b == 1.0 => {
                    Fields::One(f.clone(), mapping::field_type(f))
                }
                list => Fields::Many(
                    list.iter()
                        .map(|(f, b)| (Wildcard::new(f, false), *b))
                        .collect(),
                ),
            },
        };
        Ok(Query::Field(Box::new(FieldQuery {
            fields,
            pred,
            boost: 1.0,
        })))
    }
}

fn str_param(name: &str, v: &Value) -> Result<String, DslError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(parsing(format!("[{name}] must be a string"))),
    }
}

fn fields_param(v: &Value) -> Result<Vec<(String, f64)>, DslError> {
    let list: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    list.into_iter()
        .map(|f| str_param("fields", f).map(|s| query::field_with_boost(&s)))
        .collect()
}

/// Compiles a `query_string` query.
pub fn compile_query_string(inner: &Value, ctx: Ctx, depth: usize) -> Result<Query, DslError> {
    let Value::Object(params) = inner else {
        return Err(parsing(
            "[query_string] query malformed, no start_object after query name",
        ));
    };
    let mut text = None;
    let mut fields: Vec<(String, f64)> = Vec::new();
    let (mut and, mut lenient, mut boost) = (false, None, 1.0);
    for (k, v) in params {
        match k.as_str() {
            "query" => text = Some(str_param(k, v)?),
            "default_field" => fields = vec![(str_param(k, v)?, 1.0)],
            "fields" => fields = fields_param(v)?,
            "default_operator" => {
                let op = str_param(k, v)?;
                and = match op.to_ascii_lowercase().as_str() {
                    "and" => true,
                    "or" => false,
                    _ => {
                        return Err(parsing(format!(
                            "[query_string] default operator [{op}] is not allowed"
                        )));
                    }
                }
            }
            "lenient" => lenient = v.as_bool(),
            "boost" => boost = v.as_f64().unwrap_or(1.0),
            "analyze_wildcard"
            | "allow_leading_wildcard"
            | "analyzer"
            | "quote_analyzer"
            | "fuzziness"
            | "fuzzy_max_expansions"
            | "fuzzy_prefix_length"
            | "fuzzy_transpositions"
            | "phrase_slop"
            | "auto_generate_synonyms_phrase_query"
            | "minimum_should_match"
            | "time_zone"
            | "type"
            | "tie_breaker"
            | "rewrite"
            | "max_determinized_states"
            | "enable_position_increments"
            | "quote_field_suffix"
            | "escape"
            | "_name" => {}
            _ => {
                return Err(query::parsing(format!(
                    "[query_string] query does not support [{k}]"
                )));
            }
        }
    }
    let text = text.ok_or_else(|| parsing("[query_string] must be provided with a [query]"))?;
    if fields.is_empty() {
        fields.push(("*".to_string(), 1.0));
    }
    let all_fields = fields.iter().any(|(f, _)| f.contains('*'));
    let defaults = Defaults {
        lenient: lenient.unwrap_or(all_fields),
        fields,
        and,
        ctx,
    };
    let mut parser = Parser {
        toks: lex(&text)?,
        pos: 0,
        defaults: &defaults,
        input: &text,
    };
    if parser.toks.is_empty() {
        return Ok(Query::MatchNone);
    }
    let q = parser.query(None, depth)?;
    if parser.pos < parser.toks.len() {
        return Err(parser.fail("Encountered \" \")\" \")\"\""));
    }
    Ok(with_boost(q, boost))
}

fn with_boost(q: Query, boost: f64) -> Query {
    if boost == 1.0 {
        return q;
    }
    Query::Bool(Box::new(BoolQuery {
        must: vec![q],
        boost,
        ..Default::default()
    }))
}

/// Compiles a `simple_query_string` query: `+` (and), `|` (or), `-` (not), `"phrase"`,
/// `prefix*`, parentheses; never fails on syntax.
pub fn compile_simple(inner: &Value, ctx: Ctx, _depth: usize) -> Result<Query, DslError> {
    let Value::Object(params) = inner else {
        return Err(parsing(
            "[simple_query_string] query malformed, no start_object after query name",
        ));
    };
    let mut text = None;
    let mut fields: Vec<(String, f64)> = Vec::new();
    let (mut and, mut boost) = (false, 1.0);
    for (k, v) in params {
        match k.as_str() {
            "query" => text = Some(str_param(k, v)?),
            "fields" => fields = fields_param(v)?,
            "default_operator" => and = str_param(k, v)?.eq_ignore_ascii_case("and"),
            "boost" => boost = v.as_f64().unwrap_or(1.0),
            "flags"
            | "lenient"
            | "analyzer"
            | "analyze_wildcard"
            | "minimum_should_match"
            | "quote_field_suffix"
            | "auto_generate_synonyms_phrase_query"
            | "fuzzy_max_expansions"
            | "fuzzy_prefix_length"
            | "fuzzy_transpositions"
            | "_name" => {}
            _ => {
                return Err(parsing(format!(
                    "[simple_query_string] unsupported field [{k}]"
                )));
            }
        }
    }
    let text = text.ok_or_else(|| parsing("[simple_query_string] query text missing"))?;
    if fields.is_empty() {
        fields.push(("*".to_string(), 1.0));
    }
    // Translate into the classic syntax: `|` → OR, `+` between terms → AND, and quote every
    // other special character so it is a plain term character.
    let mut classic = String::new();
    let mut chars = text.chars().peekable();
    let mut at_term_start = true;
    while let Some(c) = chars.next() {
        match c {
            '|' => {
                classic.push_str(" OR ");
                at_term_start = true;
            }
            '+' if at_term_start => {
                classic.push_str(" AND ");
            }
            '+' => {
                classic.push_str(" AND ");
                at_term_start = true;
            }
            '-' if at_term_start => classic.push('-'),
            '"' => {
                classic.push('"');
                for n in chars.by_ref() {
                    if n == '"' {
                        break;
                    }
                    if n == '\\' {
                        classic.push('\\');
                    }
                    classic.push(n);
                }
                classic.push('"');
                at_term_start = false;
            }
            '(' | ')' | '*' => {
                classic.push(c);
                at_term_start = c == '(';
            }
            c if c.is_whitespace() => {
                classic.push(' ');
                at_term_start = true;
            }
            c => {
                if !c.is_alphanumeric() && c != '_' && c != '.' {
                    classic.push('\\');
                }
                classic.push(c);
                at_term_start = false;
            }
        }
    }
    let body = serde_json::json!({
        "query": classic.trim(),
        "fields": fields.iter().map(|(f, b)| format!("{f}^{b}")).collect::<Vec<_>>(),
        "default_operator": if and { "and" } else { "or" },
        "lenient": true,
        "boost": boost,
    });
    compile_query_string(&body, ctx, _depth).or(Ok(Query::MatchNone))
}
