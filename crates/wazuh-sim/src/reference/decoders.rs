//! Decoder files into `GET /decoders` items, as `load_decoders_from_file` in the Wazuh 4.14
//! framework (`framework/wazuh/core/decoder.py`) builds them.

use serde_json::{Map, Value, json};

use super::rules::add_dynamic_detail;
use super::xml;

/// Decoder options whose value becomes `{"pattern": ..., <attributes>}`.
const DYNAMIC_OPTIONS: [&str; 3] = ["program_name", "prematch", "regex"];

/// Parses one decoder file into `GET /decoders` items; `position` counts the file's decoders
/// from 0.
///
/// Other options keep the element's text, or `null` for an empty element such as
/// `<accumulate />`; a repeated one keeps its last value, as upstream's plain assignment does.
pub(crate) fn parse_decoder_file(
    filename: &str,
    relative_dirname: &str,
    status: &str,
    text: &str,
) -> Result<Vec<Value>, String> {
    let top = xml::parse(text)?;
    let mut decoders = Vec::new();
    for decoder in top.iter().filter(|e| e.tag.eq_ignore_ascii_case("decoder")) {
        let name = decoder
            .attr("name")
            .ok_or_else(|| "<decoder> without a name attribute".to_owned())?;
        let mut details = Map::new();
        for (key, value) in &decoder.attrs {
            if key != "name" {
                details.insert(key.clone(), Value::String(value.clone()));
            }
        }
        for option in &decoder.children {
            let tag = option.tag.to_lowercase();
            if DYNAMIC_OPTIONS.contains(&tag.as_str()) {
                add_dynamic_detail(&mut details, &tag, option.text.clone(), &option.attrs)
                    .map_err(|m| format!("decoder {name}: {m}"))?;
            } else {
                details.insert(tag, option.text.clone().map_or(Value::Null, Value::String));
            }
        }
        decoders.push(json!({
            "filename": filename,
            "relative_dirname": relative_dirname,
            "status": status,
            "name": name,
            "position": decoders.len(),
            "details": Value::Object(details),
        }));
    }
    Ok(decoders)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn builds_items_like_the_framework() {
        let text = r#"
<decoder name="wazuh">
  <prematch>^wazuh: </prematch>
</decoder>
<decoder name="agent-buffer">
  <parent>wazuh</parent>
  <prematch offset="after_parent">^wazuh: </prematch>
  <regex offset="after_prematch">^ '(\S+)'.</regex>
  <order>level</order>
  <accumulate />
</decoder>
"#;
        let decoders = parse_decoder_file(
            "0005-wazuh_decoders.xml",
            "ruleset/decoders",
            "enabled",
            text,
        )
        .unwrap();
        assert_eq!(
            decoders,
            vec![
                json!({"filename": "0005-wazuh_decoders.xml", "relative_dirname": "ruleset/decoders",
                       "status": "enabled", "name": "wazuh", "position": 0,
                       "details": {"prematch": {"pattern": "^wazuh: "}}}),
                json!({"filename": "0005-wazuh_decoders.xml", "relative_dirname": "ruleset/decoders",
                       "status": "enabled", "name": "agent-buffer", "position": 1,
                       "details": {"parent": "wazuh",
                                   "prematch": {"pattern": "^wazuh: ", "offset": "after_parent"},
                                   "regex": {"pattern": "^ '(\\S+)'.", "offset": "after_prematch"},
                                   "order": "level", "accumulate": null}}),
            ]
        );
    }

    #[test]
    fn a_decoder_without_name_is_an_error() {
        assert!(parse_decoder_file("f", "d", "enabled", "<decoder><x>1</x></decoder>").is_err());
    }
}
