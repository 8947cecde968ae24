//! `GET /mitre/{techniques,tactics,groups}` items, limited to the ATT&CK ids the stock
//! ruleset uses. STIX ids are derived from the external ids (stable, but not MITRE's own
//! except where the spec examples show one); descriptions are left empty rather than invented.

use serde_json::{Value, json};

use super::catalog;
use super::rng::hex_of;
use crate::reference::Reference;

/// STIX-like id (`<kind>--<uuid>`) of an ATT&CK object.
fn stix(kind: &str, external: &str) -> String {
    // The one real id the spec examples show.
    if kind == "x-mitre-tactic" && external == "TA0008" {
        return "x-mitre-tactic--7141578b-e50b-4dcc-bfa4-08a8dd689e9e".into();
    }
    let h = hex_of(&format!("{kind}:{external}"), 32);
    format!(
        "{kind}--{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Technique ids used by the ruleset and known to the catalog, sorted.
fn used_techniques(reference: &Reference) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = catalog::TECHNIQUES
        .iter()
        .map(|(id, _, _)| *id)
        .filter(|id| {
            reference.rules.iter().any(|r| {
                r.get("mitre")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(id)))
            })
        })
        .collect();
    ids.sort_unstable();
    ids
}

fn technique_url(id: &str) -> String {
    format!(
        "https://attack.mitre.org/techniques/{}",
        id.replace('.', "/")
    )
}

/// Items of one MITRE resource (`techniques`, `tactics` or `groups`).
pub(crate) fn items(reference: &Reference, kind: &str) -> Vec<Value> {
    let techniques = used_techniques(reference);
    match kind {
        "techniques" => techniques
            .iter()
            .filter_map(|id| {
                let (name, tactics) = catalog::technique(id)?;
                Some(json!({
                    "mitre_version": "1.0",
                    "network_requirements": 0,
                    "remote_support": 0,
                    "mitre_detection": "",
                    "id": stix("attack-pattern", id),
                    "modified_time": "2023-10-16T16:54:57.064000Z",
                    "deprecated": 0,
                    "created_time": "2020-02-11T18:58:45.908000Z",
                    "name": name,
                    "description": "",
                    "tactics": tactics.iter().map(|t| stix("x-mitre-tactic", t)).collect::<Vec<_>>(),
                    "mitigations": [],
                    "software": [],
                    "groups": [],
                    "references": [],
                    "source": "mitre-attack",
                    "external_id": id,
                    "url": technique_url(id),
                }))
            })
            .collect(),
        "tactics" => catalog::TACTICS
            .iter()
            .filter_map(|(ta, name, short)| {
                let techs: Vec<String> = techniques
                    .iter()
                    .filter(|t| catalog::technique(t).is_some_and(|(_, tac)| tac.contains(ta)))
                    .map(|t| stix("attack-pattern", t))
                    .collect();
                if techs.is_empty() {
                    return None;
                }
                Some(json!({
                    "description": "",
                    "name": name,
                    "id": stix("x-mitre-tactic", ta),
                    "modified_time": "2019-07-19T17:44:36.953000Z",
                    "created_time": "2018-10-17T00:14:20.652000Z",
                    "short_name": short,
                    "techniques": techs,
                    "references": [],
                    "url": format!("https://attack.mitre.org/tactics/{ta}"),
                    "source": "mitre-attack",
                    "external_id": ta,
                }))
            })
            .collect(),
        "groups" => GROUPS
            .iter()
            .map(|(gid, name, techs)| {
                let t: Vec<String> = techs
                    .iter()
                    .filter(|t| techniques.contains(t))
                    .map(|t| stix("attack-pattern", t))
                    .collect();
                json!({
                    "mitre_version": "1.0",
                    "deprecated": 0,
                    "description": "",
                    "name": name,
                    "id": stix("intrusion-set", gid),
                    "modified_time": "2023-03-22T03:40:00.000000Z",
                    "created_time": "2017-05-31T21:31:45.139000Z",
                    "software": [],
                    "techniques": t,
                    "references": [],
                    "url": format!("https://attack.mitre.org/groups/{gid}"),
                    "source": "mitre-attack",
                    "external_id": gid,
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A few well-known groups with techniques they are documented to use.
static GROUPS: &[(&str, &str, &[&str])] = &[
    (
        "G0082",
        "APT38",
        &["T1059.001", "T1070.004", "T1105", "T1485", "T1547.001"],
    ),
    (
        "G0016",
        "APT29",
        &[
            "T1059.001",
            "T1078",
            "T1021.006",
            "T1027",
            "T1105",
            "T1547.001",
        ],
    ),
    (
        "G0007",
        "APT28",
        &["T1110", "T1059.001", "T1070.001", "T1078", "T1105"],
    ),
    (
        "G0032",
        "Lazarus Group",
        &["T1059.001", "T1105", "T1110", "T1485", "T1543.003"],
    ),
    (
        "G0046",
        "FIN7",
        &["T1059.001", "T1053.005", "T1105", "T1547.001", "T1021.001"],
    ),
];
