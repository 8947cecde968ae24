//! XML to JSON the way the manager renders rule and decoder files (`xmltodict`): attributes as
//! `@name`, text as `#text` when an element also has attributes or children, repeated
//! children as arrays. Wazuh files hold several top-level elements, so the input is read as a
//! fragment.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value};

/// Converts an XML fragment to JSON; unreadable input yields the elements read so far.
pub fn xml_to_json(text: &str) -> Value {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<(String, Map<String, Value>, String)> =
        vec![(String::new(), Map::new(), String::new())];
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                let (name, attrs) = open(&start);
                stack.push((name, attrs, String::new()));
            }
            Ok(Event::Empty(start)) => {
                let (name, attrs) = open(&start);
                let value = finish(attrs, String::new());
                if let Some(parent) = stack.last_mut() {
                    insert(&mut parent.1, name, value);
                }
            }
            Ok(Event::Text(t)) => {
                if let Some(top) = stack.last_mut() {
                    let raw = String::from_utf8_lossy(t.as_ref()).into_owned();
                    top.2.push_str(&unescape(&raw));
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(top) = stack.last_mut() {
                    top.2.push_str(&String::from_utf8_lossy(t.as_ref()));
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(top) = stack.last_mut() {
                    let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                    top.2.push_str(&unescape(&format!("&{name};")));
                }
            }
            Ok(Event::End(_)) => {
                if stack.len() > 1
                    && let Some((name, attrs, text)) = stack.pop()
                {
                    let value = finish(attrs, text);
                    if let Some(parent) = stack.last_mut() {
                        insert(&mut parent.1, name, value);
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    while stack.len() > 1 {
        if let Some((name, attrs, text)) = stack.pop() {
            let value = finish(attrs, text);
            if let Some(parent) = stack.last_mut() {
                insert(&mut parent.1, name, value);
            }
        }
    }
    stack
        .pop()
        .map(|(_, map, _)| Value::Object(map))
        .unwrap_or(Value::Null)
}

fn open(start: &BytesStart<'_>) -> (String, Map<String, Value>) {
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attrs = Map::new();
    for attr in start.attributes().with_checks(false).flatten() {
        let key = format!("@{}", String::from_utf8_lossy(attr.key.as_ref()));
        let value = unescape(&String::from_utf8_lossy(&attr.value));
        attrs.insert(key, Value::String(value));
    }
    (name, attrs)
}

fn finish(mut attrs: Map<String, Value>, text: String) -> Value {
    let text = text.trim().to_string();
    if attrs.is_empty() {
        return if text.is_empty() {
            Value::Null
        } else {
            Value::String(text)
        };
    }
    if !text.is_empty() {
        attrs.insert("#text".into(), Value::String(text));
    }
    Value::Object(attrs)
}

fn insert(map: &mut Map<String, Value>, name: String, value: Value) {
    match map.get_mut(&name) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            map.insert(name, value);
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_like_xmltodict() {
        let xml = r#"<!-- c -->
<group name="syslog,">
  <rule id="1" level="0" noalert="1">
    <category>syslog</category>
    <description>Generic template for all syslog rules.</description>
  </rule>
</group>
<group name="firewall,">
  <rule id="2" level="0">
    <if_sid>1</if_sid>
    <match type="pcre2">a &amp; b</match>
    <description>Two</description>
  </rule>
  <rule id="3" level="5"><description>Three</description></rule>
</group>"#;
        let value = xml_to_json(xml);
        assert_eq!(value["group"][0]["@name"], "syslog,");
        assert_eq!(value["group"][0]["rule"]["@noalert"], "1");
        assert_eq!(value["group"][0]["rule"]["category"], "syslog");
        assert_eq!(
            value["group"][1]["rule"][0]["match"],
            json!({"@type": "pcre2", "#text": "a & b"})
        );
        assert_eq!(value["group"][1]["rule"][1]["description"], "Three");
    }

    #[test]
    fn survives_broken_input() {
        let value = xml_to_json("<group><rule id='1'><description>x</rule>");
        assert!(value.is_object());
    }
}
