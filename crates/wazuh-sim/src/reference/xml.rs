//! Reading Wazuh's ruleset XML the way the Wazuh framework does.
//!
//! Rule and decoder files are not well-formed XML documents: they have several top-level
//! elements, `--` inside comments, and bare `<` or `&` in regular expressions. The framework
//! (`load_wazuh_xml` in `framework/wazuh/core/utils.py`) rewrites the text with a few regular
//! expressions, wraps it in a root element and hands it to a strict XML parser. [`parse`] does the
//! same rewrite ([`sanitize`]) and then reads the result with quick-xml into a small element tree
//! that mirrors what the framework sees through `xml.etree.ElementTree`: element text is the
//! character data before the first child (comments dropped), and attributes keep document order.

use std::borrow::Cow;
use std::sync::LazyLock;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use regex::Regex;

/// One element: what the framework reads through `tag`, `attrib`, `text` and `list(elem)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Element {
    pub tag: String,
    pub attrs: Vec<(String, String)>,
    /// Character data before the first child element; `None` when there is none, as in
    /// ElementTree.
    pub text: Option<String>,
    pub children: Vec<Element>,
}

impl Element {
    /// The value of attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Matches one comment, lazily, across lines (`(<!--(.*?)-->)` with DOTALL upstream).
static COMMENT: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?s)<!--(.*?)-->").ok());

/// Deepest element nesting accepted (rules nest three levels); deeper input is an error rather
/// than a risk to the stack when the tree is dropped.
const MAX_DEPTH: usize = 64;

/// Entities the framework leaves alone in the `&` rewrite: the XML ones and its own `backslash`.
const KNOWN_ENTITIES: [&str; 6] = ["amp", "lt", "gt", "apos", "quot", "backslash"];

/// Rewrites Wazuh XML text into well-formed XML content, step by step as `load_wazuh_xml` does:
///
/// 1. line ends are normalised (Python reads the file in universal-newline mode);
/// 2. `--` inside a comment becomes `..` (upstream replaces the comment body everywhere it occurs
///    in the file, and so do we);
/// 3. `&lt;` and `&gt;` already in the file become `_custom_amp_lt_` and `_custom_amp_gt_`
///    (upstream never turns them back for rules and decoders, so the API shows the markers);
/// 4. a `<` that does not start a tag or a comment becomes `&lt;` (upstream:
///    `<(?!/?\w+.+>|!--)`, which needs a `>` later on the same line);
/// 5. a `&` that does not start a known entity becomes `&amp;`.
///
/// Upstream also turns every `\` into a `&backslash;` entity that resolves back to `\`, which
/// changes nothing in the parsed values, so it is not done here; a literal `&backslash;` in the
/// file is still resolved to `\` by [`parse`].
pub(crate) fn sanitize(raw: &str) -> String {
    let mut data = if raw.contains('\r') {
        raw.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        raw.to_owned()
    };

    // Step 2: the matches are taken from the text before any replacement, as upstream's
    // `finditer` over the original string does.
    if let Some(comment) = COMMENT.as_ref() {
        let bodies: Vec<String> = comment
            .captures_iter(&data)
            .filter_map(|caps| caps.get(1))
            .map(|m| m.as_str())
            .filter(|body| body.contains("--"))
            .map(str::to_owned)
            .collect();
        for body in bodies {
            data = data.replace(&body, &body.replace("--", ".."));
        }
    }

    // Step 3.
    let data = data
        .replace("&lt;", "_custom_amp_lt_")
        .replace("&gt;", "_custom_amp_gt_");

    // Steps 4 and 5 in one pass: the `&` rule runs after the `<` rule upstream, and the `&lt;`
    // that step 4 writes is a known entity, so doing both at once gives the same text.
    let mut out = String::with_capacity(data.len() + data.len() / 16);
    for (i, c) in data.char_indices() {
        match c {
            '<' if !starts_tag_or_comment(&data[i + 1..]) => out.push_str("&lt;"),
            '&' if !starts_known_entity(&data[i + 1..]) => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// Upstream's `(?!/?\w+.+>|!--)` lookahead, evaluated on the text after a `<`.
fn starts_tag_or_comment(rest: &str) -> bool {
    if rest.starts_with("!--") {
        return true;
    }
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let mut chars = rest.char_indices();
    match chars.next() {
        Some((_, c)) if is_word_char(c) => {}
        _ => return false,
    }
    // `\w+.+>`: one word character, at least one more character, then a `>`, all on this line
    // (`.` does not match a newline). So: a `>` at char index 2 or later, before any newline.
    for (n, (_, c)) in chars.enumerate() {
        match c {
            '\n' => return false,
            '>' if n >= 1 => return true,
            _ => {}
        }
    }
    false
}

/// Python's Unicode `\w`.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Upstream's `&(?!(amp|lt|gt|apos|quot|backslash);)` lookahead, on the text after a `&`.
fn starts_known_entity(rest: &str) -> bool {
    KNOWN_ENTITIES.iter().any(|name| {
        rest.strip_prefix(name)
            .is_some_and(|after| after.starts_with(';'))
    })
}

/// Parses Wazuh XML text into its top-level elements (the children of upstream's `root_tag`).
///
/// The error is a human-readable message with the line where parsing stopped.
pub(crate) fn parse(raw: &str) -> Result<Vec<Element>, String> {
    let text = sanitize(raw);
    let mut reader = Reader::from_str(&text);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.expand_empty_elements = false;

    let mut top: Vec<Element> = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| at_line(&text, reader.error_position(), &e.to_string()))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(at_line(
                        &text,
                        reader.buffer_position(),
                        &format!("elements nested more than {MAX_DEPTH} deep"),
                    ));
                }
                let element = element_from(&start)
                    .map_err(|m| at_line(&text, reader.buffer_position(), &m))?;
                stack.push(element);
            }
            Event::Empty(start) => {
                let element = element_from(&start)
                    .map_err(|m| at_line(&text, reader.buffer_position(), &m))?;
                attach(&mut stack, &mut top, element);
            }
            Event::End(_) => match stack.pop() {
                Some(element) => attach(&mut stack, &mut top, element),
                None => {
                    return Err(at_line(
                        &text,
                        reader.buffer_position(),
                        "closing tag without an opening tag",
                    ));
                }
            },
            Event::Text(t) => {
                let s = t
                    .decode()
                    .map_err(|e| at_line(&text, reader.buffer_position(), &e.to_string()))?;
                push_text(&mut stack, &s);
            }
            Event::CData(t) => {
                let s = t
                    .decode()
                    .map_err(|e| at_line(&text, reader.buffer_position(), &e.to_string()))?;
                push_text(&mut stack, &s);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Cow::Owned(c.to_string()),
                    Ok(None) => {
                        let name = r.decode().map_err(|e| {
                            at_line(&text, reader.buffer_position(), &e.to_string())
                        })?;
                        match resolve_entity(&name) {
                            Some(value) => Cow::Borrowed(value),
                            None => {
                                return Err(at_line(
                                    &text,
                                    reader.buffer_position(),
                                    &format!("undefined entity &{name};"),
                                ));
                            }
                        }
                    }
                    Err(e) => {
                        return Err(at_line(&text, reader.buffer_position(), &e.to_string()));
                    }
                };
                push_text(&mut stack, &resolved);
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!(
            "unexpected end of file: element <{}> is not closed",
            open.tag
        ));
    }
    Ok(top)
}

/// The five XML entities and upstream's `backslash`.
fn resolve_entity(name: &str) -> Option<&'static str> {
    match name {
        "amp" => Some("&"),
        "lt" => Some("<"),
        "gt" => Some(">"),
        "apos" => Some("'"),
        "quot" => Some("\""),
        "backslash" => Some("\\"),
        _ => None,
    }
}

fn element_from(start: &BytesStart<'_>) -> Result<Element, String> {
    let tag = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("bad attribute in <{tag}>: {e}"))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        let value = attr
            .unescape_value_with(resolve_entity)
            .map_err(|e| format!("bad attribute {key} in <{tag}>: {e}"))?;
        // XML attribute-value normalisation, as expat does it: tabs and newlines become spaces.
        let value = if value.contains(['\t', '\n', '\r']) {
            value.replace(['\t', '\n', '\r'], " ")
        } else {
            value.into_owned()
        };
        attrs.push((key, value));
    }
    Ok(Element {
        tag,
        attrs,
        text: None,
        children: Vec::new(),
    })
}

fn attach(stack: &mut [Element], top: &mut Vec<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => top.push(element),
    }
}

/// Appends character data to the open element if it has no child yet (ElementTree's `text`);
/// text after a child is a `tail`, which the framework never reads.
fn push_text(stack: &mut [Element], s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(open) = stack.last_mut()
        && open.children.is_empty()
    {
        open.text.get_or_insert_with(String::new).push_str(s);
    }
}

fn at_line(text: &str, offset: u64, message: &str) -> String {
    let end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    let line = text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    format!("line {line}: {message}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_like_the_framework() {
        assert_eq!(sanitize("<ab>x < y</ab>"), "<ab>x &lt; y</ab>");
        // Upstream's pattern needs two characters between `<` and `>`: one-letter tags at the
        // end of a line are escaped too.
        assert_eq!(sanitize("<a>x</a>"), "<a>x&lt;/a>");
        assert_eq!(sanitize("<ab>x&y</ab>"), "<ab>x&amp;y</ab>");
        assert_eq!(
            sanitize("<ab>&amp;&lt;</ab>"),
            "<ab>&amp;_custom_amp_lt_</ab>"
        );
        assert_eq!(sanitize("<!-- a -- b -->"), "<!-- a .. b -->");
        assert_eq!(sanitize("<ab>\\<cd</ab>"), "<ab>\\<cd</ab>");
        assert_eq!(sanitize("<b>\n<c d>\n"), "&lt;b>\n<c d>\n");
        assert_eq!(sanitize("a\r\nb"), "a\nb");
    }

    #[test]
    fn parse_builds_an_elementtree_like_tree() {
        let doc = "<!-- c -- c -->\n<group name=\"a,b,\">\n  <rule id=\"1\" level=\"2\">\n    \
                   <match>x <!-- y --> &amp; z < w</match>\n    <same_source_ip />\n  </rule>\n\
                   </group>\n<var name=\"V\">3</var>";
        let top = parse(doc).unwrap();
        assert_eq!(top.len(), 2);
        assert_eq!(top[0].attr("name"), Some("a,b,"));
        let rule = &top[0].children[0];
        assert_eq!(rule.children[0].text.as_deref(), Some("x  & z < w"));
        assert_eq!(rule.children[1].text, None);
        assert_eq!(top[1].text.as_deref(), Some("3"));
    }

    #[test]
    fn odd_input_is_an_error_or_a_tree_never_a_panic() {
        let deep = "<ab>".repeat(10_000);
        assert!(parse(&deep).unwrap_err().contains("nested"));
        for text in [
            "",
            "<",
            ">",
            "&",
            "&#0;",
            "<!--",
            "<!---->",
            "<![CDATA[x]]>",
            "<ab c>",
            "<ab c=>",
            "<ab c='1' c='2'></ab>",
            "</ab>",
            "<ab>&#xFFFFFF;</ab>",
            "<ab>&unknown;</ab>",
            "<?xml version=\"1.0\"?>",
            "<!DOCTYPE x>",
            "\u{feff}<ab>é</ab>",
            "<ab\n>x</ab\n>",
        ] {
            let _ = parse(text);
        }
    }

    #[test]
    fn parse_reports_the_line_of_an_error() {
        let err = parse("<ab>\n<bc></cd>\n</ab>").unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
        let err = parse("<ab>\n<bc>").unwrap_err();
        assert!(err.contains("not closed"), "{err}");
    }
}
