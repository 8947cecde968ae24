//! Field types of the Wazuh indices, and access to field values inside `_source`.
//!
//! The table lists every field of the `wazuh-alerts-4.x-*`, `wazuh-states-vulnerabilities-*` and
//! `wazuh-states-inventory-*` templates whose type is not `keyword` (no field has different types
//! in different templates). Every other string field is a `keyword`: explicitly in the templates,
//! or through the alerts template's `string_as_keyword` dynamic template. Fields in no template
//! are typed from their values, as dynamic mapping would.

use std::borrow::Cow;
use std::net::IpAddr;

use serde_json::Value;

use super::datemath;

/// The indexed type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Keyword,
    Text,
    /// `long` and `integer`.
    Long,
    /// `double` and `float`.
    Double,
    Date,
    Ip,
    Boolean,
    GeoPoint,
    /// Not in any template: typed per value (strings as keywords, numbers, booleans).
    Dynamic,
}

/// Non-keyword fields of the templates, sorted by name (binary searched).
const NON_KEYWORD: &[(&str, FieldType)] = &[
    ("@timestamp", FieldType::Date),
    ("@version", FieldType::Text),
    ("GeoLocation.area_code", FieldType::Long),
    ("GeoLocation.continent_code", FieldType::Text),
    ("GeoLocation.coordinates", FieldType::Double),
    ("GeoLocation.country_code2", FieldType::Text),
    ("GeoLocation.country_code3", FieldType::Text),
    ("GeoLocation.dma_code", FieldType::Long),
    ("GeoLocation.latitude", FieldType::Double),
    ("GeoLocation.location", FieldType::GeoPoint),
    ("GeoLocation.longitude", FieldType::Double),
    ("GeoLocation.timezone", FieldType::Text),
    ("agent.host.ip", FieldType::Ip),
    ("data.aws.bytes", FieldType::Long),
    ("data.aws.createdAt", FieldType::Date),
    ("data.aws.dstaddr", FieldType::Ip),
    ("data.aws.end", FieldType::Date),
    (
        "data.aws.resource.instanceDetails.launchTime",
        FieldType::Date,
    ),
    (
        "data.aws.resource.instanceDetails.networkInterfaces.privateIpAddress",
        FieldType::Ip,
    ),
    (
        "data.aws.resource.instanceDetails.networkInterfaces.publicIp",
        FieldType::Ip,
    ),
    (
        "data.aws.service.action.networkConnectionAction.remoteIpDetails.geoLocation",
        FieldType::GeoPoint,
    ),
    (
        "data.aws.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4",
        FieldType::Ip,
    ),
    ("data.aws.service.count", FieldType::Long),
    ("data.aws.service.eventFirstSeen", FieldType::Date),
    ("data.aws.service.eventLastSeen", FieldType::Date),
    ("data.aws.source_ip_address", FieldType::Ip),
    ("data.aws.srcaddr", FieldType::Ip),
    ("data.aws.start", FieldType::Date),
    ("data.aws.updatedAt", FieldType::Date),
    ("data.azureSignInStatus.errorCode", FieldType::Long),
    ("data.cis.error", FieldType::Long),
    ("data.cis.fail", FieldType::Long),
    ("data.cis.notchecked", FieldType::Long),
    ("data.cis.pass", FieldType::Long),
    ("data.cis.score", FieldType::Long),
    ("data.cis.unknown", FieldType::Long),
    ("data.hardware.cpu_cores", FieldType::Long),
    ("data.hardware.cpu_mhz", FieldType::Double),
    ("data.hardware.ram_free", FieldType::Long),
    ("data.hardware.ram_total", FieldType::Long),
    ("data.hardware.ram_usage", FieldType::Long),
    ("data.ms-graph.activityDateTime", FieldType::Date),
    ("data.ms-graph.actor.userPermissions", FieldType::Text),
    (
        "data.ms-graph.complianceGracePeriodExpirationDateTime",
        FieldType::Date,
    ),
    ("data.ms-graph.createdDateTime", FieldType::Date),
    ("data.ms-graph.description", FieldType::Text),
    (
        "data.ms-graph.deviceActionResults.lastUpdatedDateTime",
        FieldType::Date,
    ),
    (
        "data.ms-graph.deviceActionResults.startDateTime",
        FieldType::Date,
    ),
    ("data.ms-graph.deviceCount", FieldType::Long),
    (
        "data.ms-graph.deviceHealthAttestationState.issuedDateTime",
        FieldType::Date,
    ),
    (
        "data.ms-graph.deviceHealthAttestationState.lastUpdateDateTime",
        FieldType::Date,
    ),
    ("data.ms-graph.easActivationDateTime", FieldType::Date),
    ("data.ms-graph.enrolledDateTime", FieldType::Date),
    (
        "data.ms-graph.exchangeLastSuccessfulSyncDateTime",
        FieldType::Date,
    ),
    ("data.ms-graph.firstActivityDateTime", FieldType::Date),
    ("data.ms-graph.lastActivityDateTime", FieldType::Date),
    ("data.ms-graph.lastSyncDateTime", FieldType::Date),
    ("data.ms-graph.lastUpdateDateTime", FieldType::Date),
    (
        "data.ms-graph.managementCertificateExpirationDate",
        FieldType::Date,
    ),
    ("data.ms-graph.resolvedDateTime", FieldType::Date),
    ("data.netinfo.iface.ipv4.metric", FieldType::Long),
    ("data.netinfo.iface.ipv6.metric", FieldType::Long),
    ("data.netinfo.iface.mtu", FieldType::Long),
    ("data.netinfo.iface.rx_bytes", FieldType::Long),
    ("data.netinfo.iface.rx_dropped", FieldType::Long),
    ("data.netinfo.iface.rx_errors", FieldType::Long),
    ("data.netinfo.iface.rx_packets", FieldType::Long),
    ("data.netinfo.iface.tx_bytes", FieldType::Long),
    ("data.netinfo.iface.tx_dropped", FieldType::Long),
    ("data.netinfo.iface.tx_errors", FieldType::Long),
    ("data.netinfo.iface.tx_packets", FieldType::Long),
    ("data.oscap.check.description", FieldType::Text),
    ("data.oscap.check.identifiers", FieldType::Text),
    ("data.oscap.check.rationale", FieldType::Text),
    ("data.oscap.check.references", FieldType::Text),
    ("data.oscap.scan.return_code", FieldType::Long),
    ("data.oscap.scan.score", FieldType::Double),
    ("data.port.inode", FieldType::Long),
    ("data.port.local_ip", FieldType::Ip),
    ("data.port.local_port", FieldType::Long),
    ("data.port.pid", FieldType::Long),
    ("data.port.remote_ip", FieldType::Ip),
    ("data.port.remote_port", FieldType::Long),
    ("data.port.rx_queue", FieldType::Long),
    ("data.port.tx_queue", FieldType::Long),
    ("data.process.nice", FieldType::Long),
    ("data.process.nlwp", FieldType::Long),
    ("data.process.pgrp", FieldType::Long),
    ("data.process.pid", FieldType::Long),
    ("data.process.ppid", FieldType::Long),
    ("data.process.priority", FieldType::Long),
    ("data.process.processor", FieldType::Long),
    ("data.process.resident", FieldType::Long),
    ("data.process.session", FieldType::Long),
    ("data.process.share", FieldType::Long),
    ("data.process.size", FieldType::Long),
    ("data.process.start_time", FieldType::Long),
    ("data.process.stime", FieldType::Long),
    ("data.process.tgid", FieldType::Long),
    ("data.process.tty", FieldType::Long),
    ("data.process.utime", FieldType::Long),
    ("data.process.vm_size", FieldType::Long),
    ("data.program.size", FieldType::Long),
    ("data.sca.failed", FieldType::Long),
    ("data.sca.passed", FieldType::Long),
    ("data.sca.score", FieldType::Long),
    ("data.timestamp", FieldType::Date),
    ("data.vulnerability.published", FieldType::Date),
    ("data.vulnerability.updated", FieldType::Date),
    ("decoder.accumulate", FieldType::Long),
    ("decoder.fts", FieldType::Long),
    ("destination.ip", FieldType::Ip),
    ("destination.port", FieldType::Long),
    ("full_log", FieldType::Text),
    ("host.network.egress.queue", FieldType::Long),
    ("host.network.ingress.queue", FieldType::Long),
    ("message", FieldType::Text),
    ("package.installed", FieldType::Date),
    ("package.size", FieldType::Long),
    ("previous_log", FieldType::Text),
    ("process.args_count", FieldType::Long),
    ("process.parent.pid", FieldType::Long),
    ("process.pid", FieldType::Long),
    ("process.start", FieldType::Date),
    ("process.stime", FieldType::Long),
    ("process.utime", FieldType::Long),
    ("rule.firedtimes", FieldType::Long),
    ("rule.frequency", FieldType::Long),
    ("rule.level", FieldType::Long),
    ("rule.mail", FieldType::Boolean),
    ("source.ip", FieldType::Ip),
    ("source.port", FieldType::Long),
    ("syscheck.mtime_after", FieldType::Date),
    ("syscheck.mtime_before", FieldType::Date),
    ("syscheck.size_after", FieldType::Long),
    ("syscheck.size_before", FieldType::Long),
    ("timestamp", FieldType::Date),
    ("type", FieldType::Text),
    ("vulnerability.detected_at", FieldType::Date),
    ("vulnerability.published_at", FieldType::Date),
    ("vulnerability.score.base", FieldType::Double),
    ("vulnerability.score.environmental", FieldType::Double),
    ("vulnerability.score.temporal", FieldType::Double),
    ("vulnerability.under_evaluation", FieldType::Boolean),
];

/// The type of `field`.
pub fn field_type(field: &str) -> FieldType {
    if let Ok(i) = NON_KEYWORD.binary_search_by(|(name, _)| (*name).cmp(field)) {
        return NON_KEYWORD[i].1;
    }
    FieldType::Dynamic
}

/// Calls `f` on every value of `path` in `source` (array elements one by one, nulls skipped),
/// until `f` returns `true`. Returns whether `f` returned `true`.
///
/// `path` is dotted; keys that themselves contain dots (`{"rule.id": ..}`) are found too.
pub fn any_value(source: &Value, path: &str, f: &mut dyn FnMut(&Value) -> bool) -> bool {
    if path.is_empty() {
        return leaf(source, f);
    }
    match source {
        Value::Array(items) => items.iter().any(|item| any_value(item, path, f)),
        Value::Object(map) => {
            // Try every split of the path at a dot: "a.b.c" -> "a" + "b.c", "a.b" + "c", "a.b.c".
            let mut start = 0;
            loop {
                let end = path[start..].find('.').map_or(path.len(), |i| start + i);
                if let Some(child) = map.get(&path[..end]) {
                    let rest = if end == path.len() {
                        ""
                    } else {
                        &path[end + 1..]
                    };
                    if rest.is_empty() {
                        if leaf(child, f) {
                            return true;
                        }
                    } else if matches!(child, Value::Object(_) | Value::Array(_))
                        && any_value(child, rest, f)
                    {
                        return true;
                    }
                }
                if end == path.len() {
                    return false;
                }
                start = end + 1;
            }
        }
        _ => false,
    }
}

fn leaf(value: &Value, f: &mut dyn FnMut(&Value) -> bool) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => items.iter().any(|item| leaf(item, f)),
        _ => f(value),
    }
}

/// Calls `f` with the dotted path and value of every leaf (non-object, non-null) of `source`,
/// until `f` returns `true`. Array elements are visited one by one under the array's path.
pub fn any_leaf(source: &Value, f: &mut dyn FnMut(&str, &Value) -> bool) -> bool {
    let mut path = String::new();
    walk_leaves(source, &mut path, f, 0)
}

fn walk_leaves(
    value: &Value,
    path: &mut String,
    f: &mut dyn FnMut(&str, &Value) -> bool,
    depth: usize,
) -> bool {
    if depth > 64 {
        return false;
    }
    match value {
        Value::Null => false,
        Value::Array(items) => items
            .iter()
            .any(|item| walk_leaves(item, path, f, depth + 1)),
        Value::Object(map) => {
            let len = path.len();
            for (key, child) in map {
                if len > 0 {
                    path.push('.');
                }
                path.push_str(key);
                let stop = walk_leaves(child, path, f, depth + 1);
                path.truncate(len);
                if stop {
                    return true;
                }
            }
            false
        }
        _ => f(path, value),
    }
}

/// The indexed keyword form of a value (numbers and booleans as their JSON text).
pub fn keyword_of(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// The numeric form of a value (numeric strings are coerced, as OpenSearch does).
pub fn number_of(value: &Value, ty: FieldType) -> Option<f64> {
    let n = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !n.is_finite() {
        return None;
    }
    Some(if ty == FieldType::Long { n.trunc() } else { n })
}

/// The epoch-millisecond form of a date value (`date_optional_time||epoch_millis`).
pub fn date_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => datemath::parse_default(s),
        _ => None,
    }
}

/// The address form of an `ip` value.
pub fn ip_of(value: &Value) -> Option<IpAddr> {
    value.as_str().and_then(|s| s.trim().parse().ok())
}

/// The boolean form of a `boolean` value.
pub fn bool_of(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" || s.is_empty() => Some(false),
        _ => None,
    }
}

/// The type a dynamic field's value gets.
pub fn dynamic_type(value: &Value) -> FieldType {
    match value {
        Value::Number(n) if n.is_f64() => FieldType::Double,
        Value::Number(_) => FieldType::Long,
        Value::Bool(_) => FieldType::Boolean,
        _ => FieldType::Keyword,
    }
}

/// Whether a field name matches a pattern with `*` wildcards (used for `fields`, `_source`).
pub fn glob(pattern: &str, text: &str) -> bool {
    super::query::wildcard_match(pattern, text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_is_sorted_and_typed() {
        assert!(NON_KEYWORD.windows(2).all(|w| w[0].0 < w[1].0));
        let cases = [
            ("rule.level", FieldType::Long),
            ("timestamp", FieldType::Date),
            ("full_log", FieldType::Text),
            ("vulnerability.score.base", FieldType::Double),
            ("agent.host.ip", FieldType::Ip),
            ("rule.id", FieldType::Dynamic),
        ];
        for (field, ty) in cases {
            assert_eq!(field_type(field), ty, "{field}");
        }
    }

    #[test]
    fn values_through_objects_arrays_and_dotted_keys() {
        let doc = json!({
            "rule": {"id": "5710", "groups": ["sshd", "auth"]},
            "data": [{"x": 1}, {"x": [2, null, 3]}],
            "a.b": {"c": "dotted"},
            "n": null
        });
        let collect = |path: &str| {
            let mut out = Vec::new();
            any_value(&doc, path, &mut |v| {
                out.push(v.clone());
                false
            });
            out
        };
        assert_eq!(collect("rule.id"), vec![json!("5710")]);
        assert_eq!(collect("rule.groups"), vec![json!("sshd"), json!("auth")]);
        assert_eq!(collect("data.x"), vec![json!(1), json!(2), json!(3)]);
        assert_eq!(collect("a.b.c"), vec![json!("dotted")]);
        assert!(collect("n").is_empty());
        assert!(collect("rule.missing").is_empty());
    }
}
