//! Tests of the generated world against the real reference material (`shared/wazuh`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use chrono::{TimeZone, Utc};
use serde_json::Value;

use super::*;

/// The reference directory: `WAZUH_DATA_DIR`, or the first ancestor of the crate holding
/// `shared/wazuh`.
pub(crate) fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("WAZUH_DATA_DIR") {
        return PathBuf::from(d);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|a| a.join("shared").join("wazuh"))
        .find(|p| p.join("ruleset").is_dir())
        .expect("no shared/wazuh above the crate; set WAZUH_DATA_DIR")
}

fn reference() -> Arc<Reference> {
    static R: OnceLock<Arc<Reference>> = OnceLock::new();
    R.get_or_init(|| Arc::new(Reference::load(&data_dir()).expect("reference loads")))
        .clone()
}

fn example(name: &str) -> Vec<Value> {
    let dir = data_dir().join("examples");
    let path = ["spec-examples", "spec-examples-v4.7.5"]
        .iter()
        .map(|d| dir.join(d).join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("example {name} missing"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["data"]["affected_items"].as_array().unwrap().clone()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn config(agents: usize, seed: u64) -> WorldConfig {
    WorldConfig {
        agents,
        seed,
        api_version: ApiVersion::V4_14_7,
        now: Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap(),
    }
}

fn world(agents: usize, seed: u64) -> World {
    World::generate(config(agents, seed), reference())
}

fn small() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| world(40, 7))
}

#[test]
fn reference_is_real() {
    let r = reference();
    assert!(r.rules.len() > 1000, "{} rules", r.rules.len());
    assert!(!r.logtest_cases.is_empty());
    assert_eq!(r.sca_policies.len(), 2);
}

#[test]
fn same_seed_same_world_other_seed_other_world() {
    let a = world(30, 42);
    let b = world(30, 42);
    let c = world(30, 43);
    assert_eq!(a.agents(), b.agents());
    assert_eq!(a.alerts().len(), b.alerts().len());
    for (x, y) in a.alerts().iter().zip(b.alerts()) {
        assert_eq!(x.id, y.id);
        assert_eq!(x.source, y.source);
    }
    assert_eq!(
        a.syscollector("007", Syscollector::Packages),
        b.syscollector("007", Syscollector::Packages)
    );
    assert_eq!(
        a.vulnerability_states().len(),
        b.vulnerability_states().len()
    );
    assert_ne!(a.agents(), c.agents());
    assert_ne!(
        a.alerts().iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
        c.alerts().iter().map(|d| d.id.clone()).collect::<Vec<_>>()
    );
}

#[test]
fn inventory_is_order_independent() {
    let w = small();
    let late = w.syscollector("030", Syscollector::Processes);
    let _ = w.syscollector("002", Syscollector::Processes);
    assert_eq!(late, w.syscollector("030", Syscollector::Processes));
}

#[test]
fn fleet_composition() {
    let w = world(300, 5);
    let agents = w.agents();
    assert_eq!(agents.len(), 301);
    let m = &agents[0];
    assert_eq!(m["id"], "000");
    assert_eq!(m["ip"], "127.0.0.1");
    assert_eq!(m["registerIP"], "127.0.0.1");
    assert_eq!(m["status"], "active");
    assert_eq!(m["version"], "Wazuh v4.14.7");
    assert!(m.get("group").is_none());

    let never: Vec<&Value> = agents
        .iter()
        .filter(|a| a["status"] == "never_connected")
        .collect();
    assert_eq!(never.len(), 1);
    for k in ["os", "lastKeepAlive", "version"] {
        assert!(never[0].get(k).is_none(), "never_connected has {k}");
    }
    let disconnected: Vec<&Value> = agents
        .iter()
        .filter(|a| a["status"] == "disconnected")
        .collect();
    assert!(
        disconnected.len() >= 5,
        "{} disconnected",
        disconnected.len()
    );
    assert!(
        disconnected
            .iter()
            .all(|a| a.get("disconnection_time").is_some())
    );
    assert!(agents.iter().filter(|a| a["status"] == "active").count() > 200);

    let platform = |p: &str| {
        agents[1..]
            .iter()
            .filter(|a| a["os"]["platform"] == p)
            .count() as f64
            / 300.0
    };
    let windows = platform("windows");
    let mac = platform("darwin");
    let linux = 1.0 - windows - mac;
    assert!((0.3..0.6).contains(&windows), "windows {windows}");
    assert!((0.03..0.2).contains(&mac), "mac {mac}");
    assert!((0.3..0.6).contains(&linux), "linux {linux}");

    let names: HashSet<&str> = agents.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), agents.len(), "duplicate names");
    let ips: HashSet<&str> = agents.iter().map(|a| a["ip"].as_str().unwrap()).collect();
    assert_eq!(ips.len(), agents.len(), "duplicate addresses");
    assert!(!ips.contains(ATTACKER_IP));
    for a in &agents[1..] {
        let g = a["group"].as_array().unwrap();
        assert_eq!(g[0], "default");
        if a["os"]["platform"] == "windows" {
            assert!(a["os"]["build"].as_str().unwrap().len() == 5);
        }
    }
}

#[test]
fn agent_items_match_the_spec_example() {
    let w = small();
    let ex = keys(&example("get_agents.json")[0]);
    let active = w
        .agents()
        .iter()
        .find(|a| a["status"] == "active" && a["id"] != "000")
        .unwrap();
    assert_eq!(keys(active), ex);
    let disc = w
        .agents()
        .iter()
        .find(|a| a["status"] == "disconnected")
        .unwrap();
    let mut k = keys(disc);
    assert!(k.remove("disconnection_time"));
    assert_eq!(k, ex);
    assert!(w.agent("999").is_none());
    assert_eq!(w.agent("002").unwrap()["name"], "WIN-DC01");
}

fn decode_ps(cmd: &str) -> Option<String> {
    let b64 = cmd
        .split("-EncodedCommand ")
        .nth(1)?
        .split_whitespace()
        .next()?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

#[test]
fn planted_threats_are_visible_everywhere() {
    let w = small();
    let threats = w.planted_threats();
    let of = |k: ThreatKind| {
        threats
            .iter()
            .filter(|t| t.kind == k)
            .map(|t| t.agent_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(of(ThreatKind::EncodedPowershell), ["002", "003"]);
    assert_eq!(of(ThreatKind::ReverseShell), ["001"]);
    assert!(of(ThreatKind::AttackerConnection).len() >= 3);

    // Encoded PowerShell among the processes of a Windows agent.
    for id in ["002", "003"] {
        assert_eq!(w.agent(id).unwrap()["os"]["platform"], "windows");
        let procs = w.syscollector(id, Syscollector::Processes).unwrap();
        let ps = procs
            .iter()
            .filter_map(|p| p["cmd"].as_str())
            .find(|c| c.contains("-EncodedCommand"))
            .expect("encoded powershell process");
        assert_eq!(decode_ps(ps).as_deref(), Some(ENCODED_POWERSHELL_SCRIPT));
    }
    // Reverse shell on a Linux agent.
    let procs = w.syscollector("001", Syscollector::Processes).unwrap();
    assert!(procs.iter().any(|p| format!(
        "{} {}",
        p["cmd"].as_str().unwrap(),
        p["argvs"].as_str().unwrap()
    ) == REVERSE_SHELL_CMDLINE));
    assert!(procs.iter().any(|p| {
        p["argvs"]
            .as_str()
            .unwrap()
            .contains("192.168.1.100:8080/u.sh")
    }));
    // Connections to the attacker.
    let mut connected = 0;
    for a in w.agents() {
        let id = a["id"].as_str().unwrap();
        let ports = w.syscollector(id, Syscollector::Ports).unwrap();
        if ports
            .iter()
            .any(|p| p["remote"]["ip"] == ATTACKER_IP && p["state"] == "established")
        {
            connected += 1;
        }
    }
    assert!(
        connected >= 3,
        "{connected} agents connected to the attacker"
    );
    // Persistence in FIM.
    let fim = w.syscheck("001").unwrap();
    assert!(fim.iter().any(|f| f["file"] == CRONTAB_PATH));
    let fim = w.syscheck("002").unwrap();
    assert!(fim.iter().any(
        |f| f["file"].as_str().unwrap().ends_with("CurrentVersion\\Run") && f["changes"] == 2
    ));

    // Matching alerts.
    let alerts = w.alerts();
    let find = |agent: &str, rule: &str| {
        alerts
            .iter()
            .filter(|d| d.source["agent"]["id"] == agent && d.source["rule"]["id"] == rule)
            .count()
    };
    for id in ["002", "003"] {
        let a = alerts
            .iter()
            .find(|d| d.source["agent"]["id"] == id && d.source["rule"]["id"] == "92057")
            .expect("92057 alert");
        let cmd = a.source["data"]["win"]["eventdata"]["commandLine"]
            .as_str()
            .unwrap();
        assert_eq!(decode_ps(cmd).as_deref(), Some(ENCODED_POWERSHELL_SCRIPT));
        assert!(a.source["rule"]["level"].as_u64().unwrap() >= 12);
    }
    assert_eq!(find("001", "80792"), 1);
    assert!(find("001", "2833") >= 1);
    assert!(find("002", "92302") >= 1);
    assert!(find("004", "5712") >= 1);
    let from_attacker: HashSet<&str> = alerts
        .iter()
        .filter(|d| d.source["data"]["srcip"] == ATTACKER_IP)
        .map(|d| d.source["agent"]["id"].as_str().unwrap())
        .collect();
    assert!(
        from_attacker.contains("001") && from_attacker.contains("004"),
        "{from_attacker:?}"
    );
    assert!(alerts.iter().any(|d| d.source["agent"]["id"] == "004"
        && d.source["rule"]["id"] == "5715"
        && d.source["data"]["srcip"] == ATTACKER_IP));
    assert!(
        alerts
            .iter()
            .any(|d| d.source["data"]["win"]["eventdata"]["destinationIp"] == ATTACKER_IP)
    );
}

#[test]
fn hostile_data_is_on_one_agent_in_the_api_and_the_indexer() {
    let w = small();
    assert_eq!(w.agent(HOSTILE_AGENT).unwrap()["os"]["platform"], "darwin");
    assert_eq!(w.agent(HOSTILE_AGENT).unwrap()["status"], "active");
    let packages = w
        .syscollector(HOSTILE_AGENT, Syscollector::Packages)
        .unwrap();
    let package = packages
        .iter()
        .find(|p| p["name"] == HOSTILE_PACKAGE_NAME)
        .expect("the hostile package");
    assert_eq!(package["version"], HOSTILE_PACKAGE_VERSION);
    assert_eq!(package["vendor"], HOSTILE_PACKAGE_VENDOR);
    assert_eq!(package["location"], HOSTILE_PACKAGE_LOCATION);
    let processes = w
        .syscollector(HOSTILE_AGENT, Syscollector::Processes)
        .unwrap();
    let helper = processes
        .iter()
        .find(|p| p["name"] == HOSTILE_PROCESS_NAME)
        .expect("the hostile process");
    assert_eq!(
        format!(
            "{} {}",
            helper["cmd"].as_str().unwrap(),
            helper["argvs"].as_str().unwrap()
        ),
        HOSTILE_CMDLINE
    );
    let oversize = processes
        .iter()
        .find(|p| p["cmd"] == oversize_cmdline().as_str())
        .expect("the oversize process");
    assert_eq!(oversize["name"], OVERSIZE_PROCESS_NAME);
    assert_eq!(oversize["argvs"], "");
    let ports = w.syscollector(HOSTILE_AGENT, Syscollector::Ports).unwrap();
    let port = ports
        .iter()
        .find(|p| p["local"]["port"] == HOSTILE_PORT)
        .expect("the hostile port");
    assert_eq!(port["process"], HOSTILE_PORT_PROCESS);
    assert_eq!(
        port["pid"],
        helper["pid"].as_str().unwrap().parse::<u64>().unwrap()
    );
    // The same items in the inventory indices, on that agent only.
    fn holds(value: &Value, needle: &str) -> bool {
        match value {
            Value::String(s) => s == needle,
            Value::Array(items) => items.iter().any(|v| holds(v, needle)),
            Value::Object(map) => map.values().any(|v| holds(v, needle)),
            _ => false,
        }
    }
    for (kind, needle) in [
        (InventoryKind::Packages, HOSTILE_PACKAGE_NAME),
        (InventoryKind::Processes, HOSTILE_PROCESS_NAME),
        (InventoryKind::Ports, HOSTILE_PORT_PROCESS),
    ] {
        let agents: Vec<String> = w
            .inventory_states(kind)
            .filter(|d| holds(&d.source, needle))
            .map(|d| {
                d.source["agent"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert_eq!(agents, [HOSTILE_AGENT], "{kind:?}");
    }
    // Nothing hostile on the other agents.
    for a in w.agents() {
        let id = a["id"].as_str().unwrap();
        if id == HOSTILE_AGENT {
            continue;
        }
        for kind in [
            Syscollector::Packages,
            Syscollector::Processes,
            Syscollector::Ports,
        ] {
            let text = Value::Array(w.syscollector(id, kind).unwrap()).to_string();
            assert!(!text.contains("\\u001b"), "{id} {kind:?}");
            assert!(!text.contains("IGNORE ALL PREVIOUS"), "{id} {kind:?}");
        }
    }
}

#[test]
fn alerts_use_real_rules_and_look_real() {
    let w = small();
    let r = reference();
    let rules: std::collections::HashMap<String, &Value> = r
        .rules
        .iter()
        .map(|x| (x["id"].to_string().trim_matches('"').to_string(), x))
        .collect();
    let alerts = w.alerts();
    assert!(alerts.len() > 40 * 7 * 50, "{} alerts", alerts.len());
    let mut prev = String::new();
    let mut low = 0;
    let mut high = 0;
    let ids: HashSet<&str> = alerts
        .iter()
        .map(|d| d.source["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), alerts.len(), "alert ids are unique");
    for d in alerts {
        let s = &d.source;
        let id = s["rule"]["id"].as_str().expect("rule.id is a string");
        let rule = rules.get(id).unwrap_or_else(|| panic!("unknown rule {id}"));
        assert_eq!(s["rule"]["level"], rule["level"]);
        assert_eq!(s["rule"]["groups"], rule["groups"]);
        let ts = s["timestamp"].as_str().unwrap().to_string();
        assert!(ts >= prev, "sorted");
        let day = format!("wazuh-alerts-4.x-{}", ts[..10].replace('-', "."));
        assert_eq!(&*d.index, day.as_str());
        prev = ts;
        let level = s["rule"]["level"].as_u64().unwrap();
        if level <= 5 {
            low += 1;
        }
        if level >= 12 {
            high += 1;
        }
        assert!(s["agent"]["id"].is_string() && s["manager"]["name"].is_string());
        assert!(s["decoder"]["name"].is_string());
        if let Some(m) = s["rule"].get("mitre") {
            assert_eq!(
                m["id"].as_array().unwrap().len(),
                m["technique"].as_array().unwrap().len()
            );
        }
    }
    let n = alerts.len() as f64;
    assert!(low as f64 / n > 0.6, "low share {}", low as f64 / n);
    assert!(high >= 2 && (high as f64 / n) < 0.05, "high {high}");
    // Real log lines with the agent's name substituted.
    assert!(alerts.iter().any(|d| {
        d.source["rule"]["id"] == "5710"
            && d.source["full_log"]
                .as_str()
                .unwrap()
                .contains(d.source["agent"]["name"].as_str().unwrap())
            && d.source["predecoder"]["program_name"] == "sshd"
    }));
    assert!(
        alerts
            .iter()
            .any(|d| d.source["rule"]["id"] == "550" && d.source["syscheck"]["path"].is_string())
    );
    assert!(alerts.iter().any(|d| d.source["rule"]["id"] == "19007"));
}

/// Leaf paths of a JSON document (arrays count as leaves).
fn leaves(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(x, &p, out);
            }
        }
        _ => {
            out.insert(prefix.to_string());
        }
    }
}

fn template_fields(file: &str) -> BTreeSet<String> {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(data_dir().join("indexer").join(file)).unwrap(),
    )
    .unwrap();
    let mappings = v
        .get("mappings")
        .or_else(|| v.pointer("/template/mappings"))
        .unwrap();
    let mut out = BTreeSet::new();
    fn walk(p: &Value, prefix: &str, out: &mut BTreeSet<String>) {
        for (k, x) in p.as_object().unwrap() {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match x.get("properties") {
                Some(props) => walk(props, &path, out),
                None => {
                    out.insert(path);
                }
            }
        }
    }
    walk(&mappings["properties"], "", &mut out);
    out
}

fn assert_fields_in(docs: impl Iterator<Item = Value>, template: &str) -> usize {
    let fields = template_fields(template);
    let mut n = 0;
    for d in docs {
        let mut l = BTreeSet::new();
        leaves(&d, "", &mut l);
        for f in l {
            assert!(fields.contains(&f), "{f} not in {template}");
        }
        n += 1;
    }
    n
}

#[test]
fn state_documents_follow_their_templates() {
    let w = small();
    let n = assert_fields_in(
        w.vulnerability_states().iter().map(|d| d.source.clone()),
        "wazuh-states-vulnerabilities-template.json",
    );
    assert!(n > 10, "{n} vulnerabilities");
    assert!(
        w.vulnerability_states()
            .iter()
            .all(|d| &*d.index == VULNERABILITY_INDEX)
    );
    assert!(
        w.vulnerability_states()
            .iter()
            .any(|d| d.source["package"]["name"] == "openssl"
                || d.source["package"]["name"] == "libssl3")
    );
    for (kind, file) in [
        (
            InventoryKind::Packages,
            "wazuh-states-inventory-packages.json",
        ),
        (InventoryKind::Ports, "wazuh-states-inventory-ports.json"),
        (
            InventoryKind::Processes,
            "wazuh-states-inventory-processes.json",
        ),
        (InventoryKind::System, "wazuh-states-inventory-system.json"),
        (
            InventoryKind::Hotfixes,
            "wazuh-states-inventory-hotfixes.json",
        ),
    ] {
        let docs: Vec<Doc> = w.inventory_states(kind).map(|c| c.into_owned()).collect();
        assert!(docs.iter().all(|d| *d.index == kind.index()));
        let ids: HashSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids.len(), docs.len(), "{kind:?} ids unique");
        let n = assert_fields_in(docs.into_iter().map(|d| d.source), file);
        assert!(n > 5, "{kind:?}: {n}");
    }
    // Alerts: every non-`data` field is in the alerts template.
    let fields = template_fields("wazuh-template.json");
    for d in w.alerts().iter().take(3000) {
        let mut l = BTreeSet::new();
        leaves(&d.source, "", &mut l);
        for f in l
            .iter()
            .filter(|f| !f.starts_with("data.") && !f.starts_with("syscheck.changed_attributes"))
        {
            assert!(fields.contains(f), "alert field {f} not in template");
        }
    }
}

#[test]
fn item_shapes_match_the_spec_examples() {
    let w = small();
    let linux = "001"; // Ubuntu 22.04
    let windows = "002";
    let sc = |id: &str, k| w.syscollector(id, k).unwrap();
    let pk = sc(linux, Syscollector::Packages);
    let ex = example("get_syscollector_agent_id_packages.json");
    let with_multiarch = pk.iter().find(|p| p.get("multiarch").is_some()).unwrap();
    assert_eq!(keys(with_multiarch), keys(&ex[0]));
    let without = pk.iter().find(|p| p.get("multiarch").is_none()).unwrap();
    assert_eq!(keys(without), keys(&ex[2]));
    assert!(pk.iter().any(|p| p["name"] == "openssl"));
    assert_eq!(
        keys(&sc(linux, Syscollector::Processes)[0]),
        keys(&example("get_syscollector_agent_id_processes.json")[0])
    );
    let ports = sc(linux, Syscollector::Ports);
    let listening = ports.iter().find(|p| p["state"] == "listening").unwrap();
    assert_eq!(
        keys(listening),
        keys(&example("get_syscollector_agent_id_ports.json")[1])
    );
    assert!(
        ports
            .iter()
            .any(|p| p["local"]["port"] == 22 && p["process"] == "sshd")
    );
    assert!(
        ports
            .iter()
            .any(|p| p["local"]["port"] == 443 && p["process"] == "nginx")
    );
    assert_eq!(
        keys(&sc(linux, Syscollector::Os)[0]),
        keys(&example("get_syscollector_agent_id_os.json")[0])
    );
    assert_eq!(
        keys(&sc(linux, Syscollector::Hardware)[0]),
        keys(&example("get_syscollector_agent_id_hardware.json")[0])
    );
    assert_eq!(
        keys(&sc(linux, Syscollector::Netiface)[0]),
        keys(&example("get_syscollector_agent_id_netiface.json")[0])
    );
    assert_eq!(
        keys(&sc(linux, Syscollector::Netproto)[0]),
        keys(&example("get_syscollector_agent_id_netproto.json")[0])
    );
    assert_eq!(
        keys(&sc(linux, Syscollector::Netaddr)[0]),
        keys(&example("get_syscollector_agent_id_netaddr.json")[0])
    );
    assert!(sc(linux, Syscollector::Hotfixes).is_empty());
    let hf = sc(windows, Syscollector::Hotfixes);
    let mut hk = keys(&example("get_syscollector_agent_id_hotfixes.json")[0]);
    hk.insert("agent_id".into());
    assert_eq!(keys(&hf[0]), hk);
    assert!(hf[0]["hotfix"].as_str().unwrap().starts_with("KB"));
    let wp = sc(windows, Syscollector::Processes);
    assert!(wp.iter().any(|p| p["name"] == "lsass.exe"));
    let wports = sc(windows, Syscollector::Ports);
    assert!(wports.iter().any(|p| p["local"]["port"] == 3389));
    assert!(
        wports
            .iter()
            .any(|p| p["local"]["port"] == 445 && p["process"] == "System")
    );

    let sca = w.sca(linux).unwrap();
    assert_eq!(keys(&sca[0]), keys(&example("get_sca_agent_id.json")[0]));
    assert_eq!(sca[0]["policy_id"], "cis_ubuntu22-04");
    assert_eq!(w.sca(windows).unwrap()[0]["policy_id"], "cis_win2022");
    assert!(
        w.sca("005").unwrap().is_empty(),
        "macOS has no stock policy"
    );
    let checks = w.sca_checks(linux, "cis_ubuntu22-04").unwrap();
    let total = sca[0]["total_checks"].as_u64().unwrap() as usize;
    assert_eq!(checks.len(), total);
    let passed = checks.iter().filter(|c| c["result"] == "passed").count();
    assert_eq!(passed as u64, sca[0]["pass"].as_u64().unwrap());
    let ex = keys(&example("get_sca_agent_id_checks_policy_id.json")[0]);
    assert!(
        checks.iter().any(|c| keys(c) == ex),
        "no check item shaped like the example"
    );
    for c in &checks {
        let extra: Vec<String> = keys(c).difference(&ex).cloned().collect();
        assert!(
            extra.iter().all(
                |k| ["file", "directory", "registry", "process", "references"]
                    .contains(&k.as_str())
            ),
            "{extra:?}"
        );
    }
    assert!(w.sca_checks(linux, "cis_win2022").is_none());

    let fim = w.syscheck(linux).unwrap();
    assert_eq!(
        keys(&fim[0]),
        keys(&example("get_syscheck_agent_id.json")[0])
    );
    assert!(fim.iter().any(|f| f["file"] == "/etc/shadow"));
    let rc = w.rootcheck(linux).unwrap();
    assert_eq!(
        keys(&rc[0]),
        keys(&example("get_rootcheck_agent_id.json")[0])
    );

    let vulns: Vec<Value> = (1..=40)
        .filter_map(|i| w.vulnerabilities(&format!("{i:03}")))
        .flatten()
        .collect();
    assert!(!vulns.is_empty());
    assert_eq!(
        keys(&vulns[0]),
        keys(&example("get_vulnerability_agent_id.json")[0])
    );

    let groups = w.groups();
    assert_eq!(keys(&groups[0]), keys(&example("get_groups.json")[0]));
    let default = groups.iter().find(|g| g["name"] == "default").unwrap();
    assert_eq!(default["count"], 40);
    for kind in ["techniques", "tactics", "groups"] {
        let items = w.mitre(kind);
        assert!(!items.is_empty(), "{kind}");
        let ex = keys(&example(&format!("get_mitre_{kind}.json"))[0]);
        assert_eq!(keys(&items[0]), ex, "{kind}");
    }
    assert!(
        w.mitre("techniques")
            .iter()
            .any(|t| t["external_id"] == "T1110" && t["name"] == "Brute Force")
    );

    // Agents without data.
    let never = w
        .agents()
        .iter()
        .find(|a| a["status"] == "never_connected")
        .unwrap()["id"]
        .as_str()
        .unwrap();
    assert_eq!(
        w.syscollector(never, Syscollector::Packages),
        Some(Vec::new())
    );
    assert!(w.syscollector("999", Syscollector::Os).is_none());
    assert!(
        w.sca("999").is_none() && w.syscheck("999").is_none() && w.vulnerabilities("999").is_none()
    );
}

#[test]
fn works_with_an_empty_reference() {
    let w = World::generate(config(20, 1), Arc::new(Reference::default()));
    assert_eq!(w.agents().len(), 21);
    assert!(w.alerts().is_empty());
    assert_eq!(w.sca("001"), Some(Vec::new()));
    assert!(w.mitre("techniques").is_empty());
    assert!(
        !w.syscollector("001", Syscollector::Packages)
            .unwrap()
            .is_empty()
    );
    assert!(!w.planted_threats().is_empty());
}

#[test]
fn tiny_fleets() {
    for n in 0..4 {
        let w = world(n, 3);
        assert_eq!(w.agents().len(), n + 1);
        assert_eq!(
            w.agents()
                .iter()
                .filter(|a| a["status"] == "never_connected")
                .count(),
            usize::from(n >= 2)
        );
    }
}

#[test]
fn ten_thousand_agents() {
    let start = std::time::Instant::now();
    let w = world(10_000, 99);
    let elapsed = start.elapsed();
    assert_eq!(w.agents().len(), 10_001);
    assert!(w.alerts().len() <= MAX_ALERTS);
    assert!(w.alerts().len() > MAX_ALERTS / 2, "{}", w.alerts().len());
    assert_eq!(w.agent("10000").unwrap()["id"], "10000");
    let bytes: usize = w.alerts().iter().map(|d| d.source.to_string().len()).sum();
    eprintln!(
        "10,000 agents: {elapsed:?}, {} alerts ({} MB as JSON), {} vulnerability docs",
        w.alerts().len(),
        bytes / 1_000_000,
        w.vulnerability_states().len()
    );
    assert!(bytes < 300_000_000);
}
