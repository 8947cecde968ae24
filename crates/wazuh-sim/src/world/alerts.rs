//! Alerts of `wazuh-alerts-4.x-*`, built from the stock rules of the [`Reference`] and, where
//! an upstream ruleset test exists for a rule, from its real log line.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Duration, SecondsFormat, Timelike, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use regex::Regex;
use serde_json::{Map, Value, json};

use super::catalog::{self, Family};
use super::fim;
use super::fleet::{ATTACKER_IP, CLUSTER_NAME, MANAGER_NAME, NODE_NAME, Profile, Role, Status};
use super::inventory;
use super::rng::{agent_rng, pick, world_rng};
use super::sca;
use super::{Doc, WorldConfig};
use crate::reference::Reference;

/// Alerts per agent and day before the global cap.
pub const ALERTS_PER_AGENT_DAY: usize = 60;
/// Upper bound of generated alerts. Alerts are kept as JSON documents (about 12 KB each in
/// memory), so this cap is what keeps large fleets well under 1 GB.
pub const MAX_ALERTS: usize = 20_000;
/// Days of alerts before `now`.
pub const ALERT_DAYS: i64 = 7;

const EXTERNAL_IPS: &[&str] = &[
    "45.155.205.233",
    "185.220.101.47",
    "103.145.13.91",
    "218.92.0.112",
    "61.177.172.140",
    "194.165.16.72",
    "141.98.11.23",
    "89.248.165.74",
    "5.188.206.18",
    "180.101.88.240",
];
const USERS: &[&str] = &[
    "admin", "root", "ubuntu", "test", "oracle", "postgres", "deploy", "git", "user", "guest",
];

/// A rule of the reference, indexed.
struct RuleRef<'r> {
    rule: &'r Value,
    level: u64,
}

/// A log line usable for an OS family.
struct Case {
    rule_id: String,
    log: String,
    /// Parsed JSON (Windows eventchannel cases).
    json: Option<Value>,
    decoder: String,
    weight: f64,
    web: bool,
}

struct Pools {
    linux: Vec<Case>,
    windows: Vec<Case>,
    linux_pick: Picker,
    linux_web_pick: Picker,
    windows_pick: Picker,
    mac_pick: Picker,
}

/// Weighted choice over case indices by binary search on cumulative weights.
struct Picker {
    items: Vec<usize>,
    cumulative: Vec<f64>,
}

impl Picker {
    fn new(entries: impl Iterator<Item = (usize, f64)>) -> Picker {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0.0;
        for (i, w) in entries {
            if w > 0.0 {
                total += w;
                items.push(i);
                cumulative.push(total);
            }
        }
        Picker { items, cumulative }
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> Option<usize> {
        let total = *self.cumulative.last()?;
        let x = rng.random_range(0.0..total);
        let k = self.cumulative.partition_point(|c| *c <= x);
        self.items
            .get(k.min(self.items.len().saturating_sub(1)))
            .copied()
    }
}

fn cached(pattern: &'static str, cell: &'static OnceLock<Option<Regex>>) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(pattern).ok()).as_ref()
}

static HEADER_RE: OnceLock<Option<Regex>> = OnceLock::new();
static IPV4_RE: OnceLock<Option<Regex>> = OnceLock::new();

fn syslog_header() -> Option<&'static Regex> {
    cached(
        r"^(?:\S+ )?([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) (\S+) ((\S+?)(?:\[\d+\])?: .*)$",
        &HEADER_RE,
    )
}

fn ipv4() -> Option<&'static Regex> {
    cached(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b", &IPV4_RE)
}

static PORT_RE: OnceLock<Option<Regex>> = OnceLock::new();
static USER_RE: OnceLock<Option<Regex>> = OnceLock::new();
static DSTUSER_RE: OnceLock<Option<Regex>> = OnceLock::new();

fn is_linux_file(f: &str) -> bool {
    [
        "0020-syslog",
        "0085-pam",
        "0095-sshd",
        "0285-systemd",
        "0260-nginx",
        "0250-apache",
        "0245-web_rules",
        "0365-auditd",
        "0290-firewalld",
        "0375-usb",
        "0185-vsftpd",
    ]
    .iter()
    .any(|p| f.starts_with(p))
}

fn is_windows_file(f: &str) -> bool {
    let f = f.to_ascii_lowercase();
    f.contains("win") || f.contains("sysmon") || f.contains("wef")
}

fn is_web_file(f: &str) -> bool {
    f.starts_with("0260-nginx") || f.starts_with("0250-apache") || f.starts_with("0245-web_rules")
}

/// Whether every MITRE id of a rule is known to the catalog (so the alert can carry names).
fn mitre_known(rule: &Value) -> bool {
    rule.get("mitre")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .all(|i| i.as_str().and_then(catalog::technique).is_some())
        })
        .unwrap_or(true)
}

fn level_weight(level: u64) -> f64 {
    match level {
        0..=2 => 0.0,
        3..=5 => 10.0,
        6..=7 => 3.0,
        8..=9 => 1.2,
        10..=11 => 0.4,
        _ => 0.04,
    }
}

fn rule_id_str(rule: &Value) -> String {
    match rule.get("id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// Everything the generator needs from the reference, indexed once.
struct Ctx<'r> {
    rules: HashMap<String, RuleRef<'r>>,
    pools: Pools,
    cases_by_rule: HashMap<String, usize>,
}

impl<'r> Ctx<'r> {
    fn new(reference: &'r Reference) -> Ctx<'r> {
        let mut rules = HashMap::new();
        for r in &reference.rules {
            let id = rule_id_str(r);
            let level = r.get("level").and_then(Value::as_u64).unwrap_or(0);
            rules.insert(id, RuleRef { rule: r, level });
        }
        let mut linux = Vec::new();
        let mut windows = Vec::new();
        let mut cases_by_rule = HashMap::new();
        for c in &reference.logtest_cases {
            let Some(rr) = rules.get(&c.rule_id) else {
                continue;
            };
            let file = rr
                .rule
                .get("filename")
                .and_then(Value::as_str)
                .unwrap_or("");
            let frequency = rr
                .rule
                .get("details")
                .and_then(|d| d.get("frequency"))
                .is_some();
            let mut weight = if frequency || !mitre_known(rr.rule) {
                0.0
            } else {
                level_weight(rr.level)
            };
            if matches!(
                c.rule_id.as_str(),
                "5501" | "5502" | "5715" | "5402" | "60106" | "67027"
            ) {
                weight *= 4.0;
            }
            let trimmed = c.log.trim_start();
            if trimmed.starts_with('{') {
                if !is_windows_file(file) {
                    continue;
                }
                let Ok(parsed) = serde_json::from_str::<Value>(trimmed) else {
                    continue;
                };
                if parsed.get("win").is_none() {
                    continue;
                }
                cases_by_rule
                    .entry(c.rule_id.clone())
                    .or_insert(windows.len() | WIN_BIT);
                windows.push(Case {
                    rule_id: c.rule_id.clone(),
                    log: c.log.clone(),
                    json: Some(parsed),
                    decoder: c.decoder.clone(),
                    weight,
                    web: false,
                });
            } else if is_linux_file(file) {
                cases_by_rule
                    .entry(c.rule_id.clone())
                    .or_insert(linux.len());
                linux.push(Case {
                    rule_id: c.rule_id.clone(),
                    log: c.log.clone(),
                    json: None,
                    decoder: c.decoder.clone(),
                    weight,
                    web: is_web_file(file),
                });
            }
        }
        let mac: Vec<usize> = linux
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                rules
                    .get(&c.rule_id)
                    .and_then(|r| r.rule.get("filename"))
                    .and_then(Value::as_str)
                    .is_some_and(|f| f.starts_with("0095-sshd") || f.starts_with("0020-syslog"))
            })
            .map(|(i, _)| i)
            .collect();
        let linux_pick = Picker::new(
            linux
                .iter()
                .enumerate()
                .map(|(i, c)| (i, if c.web { 0.0 } else { c.weight })),
        );
        let linux_web_pick = Picker::new(linux.iter().enumerate().map(|(i, c)| (i, c.weight)));
        let windows_pick = Picker::new(
            windows
                .iter()
                .enumerate()
                .map(|(i, c)| (i | WIN_BIT, c.weight)),
        );
        let mac_pick = Picker::new(
            mac.iter()
                .map(|i: &usize| (*i, linux.get(*i).map(|c| c.weight).unwrap_or(0.0))),
        );
        Ctx {
            rules,
            pools: Pools {
                linux,
                windows,
                linux_pick,
                linux_web_pick,
                windows_pick,
                mac_pick,
            },
            cases_by_rule,
        }
    }

    fn case(&self, rule_id: &str) -> Option<&Case> {
        let i = *self.cases_by_rule.get(rule_id)?;
        if i & WIN_BIT != 0 {
            self.pools.windows.get(i & !WIN_BIT)
        } else {
            self.pools.linux.get(i)
        }
    }
}

const WIN_BIT: usize = 1 << 40;

/// Lines for rules the upstream tests do not cover: (rule id, decoder, syslog body).
const SYSLOG_FALLBACK: &[(&str, &str, &str)] = &[
    (
        "5715",
        "sshd",
        "sshd[28411]: Accepted password for {user} from 10.0.0.1 port 52114 ssh2",
    ),
    (
        "5710",
        "sshd",
        "sshd[28399]: Invalid user {user} from 10.0.0.1 port 52100",
    ),
];

/// A Security 4625 event (failed logon) as the eventchannel decoder stores it.
fn logon_failure(p: &Profile) -> Value {
    json!({"win": {
        "system": {
            "providerName": "Microsoft-Windows-Security-Auditing",
            "providerGuid": "{54849625-5478-4994-a5ba-3e3b0328c30d}",
            "eventID": "4625", "version": "0", "level": "0", "task": "12544", "opcode": "0",
            "keywords": "0x8010000000000000", "systemTime": "", "eventRecordID": "1184320",
            "processID": "668", "threadID": "3928", "channel": "Security", "computer": p.fqdn(),
            "severityValue": "AUDIT_FAILURE", "message": "\"An account failed to log on.\"",
        },
        "eventdata": {
            "subjectUserSid": "S-1-0-0", "subjectLogonId": "0x0", "targetUserSid": "S-1-0-0",
            "targetUserName": "administrator", "targetDomainName": "CORP", "status": "0xc000006d",
            "failureReason": "%%2313", "subStatus": "0xc000006a", "logonType": "3",
            "logonProcessName": "NtLmSsp", "authenticationPackageName": "NTLM", "workstationName": "-",
            "keyLength": "0", "processId": "0x0", "ipAddress": "45.155.205.233", "ipPort": "0",
        },
    }})
}

/// An alert before sorting and numbering.
struct Pending {
    /// Part of a planted threat (never dropped by the cap).
    planted: bool,
    t: DateTime<Utc>,
    agent: usize,
    rule_id: String,
    source: Map<String, Value>,
}

/// The rule object of an alert.
fn rule_obj(rule: &Value, data: Option<&Value>) -> Value {
    let mut m = Map::new();
    let level = rule.get("level").cloned().unwrap_or(json!(0));
    m.insert("level".into(), level);
    let desc = rule
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("");
    m.insert("description".into(), json!(expand(desc, data)));
    m.insert("id".into(), json!(rule_id_str(rule)));
    if let Some(ids) = rule
        .get("mitre")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
    {
        let mut tactics: Vec<&str> = Vec::new();
        let mut techniques: Vec<&str> = Vec::new();
        for id in ids.iter().filter_map(Value::as_str) {
            if let Some((name, tac)) = catalog::technique(id) {
                techniques.push(name);
                for t in tac.iter().filter_map(|t| catalog::tactic_name(t)) {
                    if !tactics.contains(&t) {
                        tactics.push(t);
                    }
                }
            }
        }
        m.insert(
            "mitre".into(),
            json!({"id": ids, "tactic": tactics, "technique": techniques}),
        );
    }
    m.insert("firedtimes".into(), json!(1));
    m.insert("mail".into(), json!(false));
    if let Some(g) = rule.get("groups") {
        m.insert("groups".into(), g.clone());
    }
    for key in ["pci_dss", "gpg13", "gdpr", "hipaa", "nist_800_53", "tsc"] {
        if let Some(v) = rule
            .get(key)
            .filter(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        {
            m.insert(key.into(), v.clone());
        }
    }
    Value::Object(m)
}

/// Expands `$(field.path)` in a rule description from the alert's data.
fn expand(desc: &str, data: Option<&Value>) -> String {
    if !desc.contains("$(") {
        return desc.to_string();
    }
    let mut out = String::with_capacity(desc.len());
    let mut rest = desc;
    while let Some(start) = rest.find("$(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find(')') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let path = &after[..end];
        let mut v = data;
        for part in path.split('.') {
            v = v.and_then(|x| x.get(part));
        }
        match v {
            Some(Value::String(s)) => out.push_str(s),
            Some(Value::Number(n)) => out.push_str(&n.to_string()),
            _ => {}
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn alert_agent(p: &Profile) -> Value {
    if p.id == "000" {
        json!({"id": "000", "name": MANAGER_NAME})
    } else {
        json!({"id": p.id, "name": p.name, "ip": p.ip})
    }
}

struct Gen<'a, 'r> {
    ctx: &'a Ctx<'r>,
    fleet: &'a [Profile],
    out: Vec<Pending>,
    planting: bool,
}

impl Gen<'_, '_> {
    /// Pushes an alert for `rule_id` when the rule exists.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        agent: usize,
        t: DateTime<Utc>,
        rule_id: &str,
        full_log: Option<String>,
        predecoder: Option<Value>,
        decoder: Value,
        data: Option<Value>,
        location: &str,
        extra: Vec<(&str, Value)>,
    ) -> bool {
        let Some(rr) = self.ctx.rules.get(rule_id) else {
            return false;
        };
        let Some(p) = self.fleet.get(agent) else {
            return false;
        };
        let mut m = Map::new();
        m.insert("rule".into(), rule_obj(rr.rule, data.as_ref()));
        m.insert("agent".into(), alert_agent(p));
        m.insert("manager".into(), json!({"name": MANAGER_NAME}));
        m.insert(
            "cluster".into(),
            json!({"name": CLUSTER_NAME, "node": NODE_NAME}),
        );
        if let Some(f) = full_log {
            m.insert("full_log".into(), json!(f));
        }
        if let Some(pd) = predecoder {
            m.insert("predecoder".into(), pd);
        }
        m.insert("decoder".into(), decoder);
        if let Some(d) = data {
            m.insert("data".into(), d);
        }
        for (k, v) in extra {
            m.insert(k.into(), v);
        }
        m.insert("location".into(), json!(location));
        m.insert("input".into(), json!({"type": "log"}));
        self.out.push(Pending {
            planted: self.planting,
            t,
            agent,
            rule_id: rule_id.to_string(),
            source: m,
        });
        true
    }

    /// Pushes an alert from a syslog-style case, substituting host, time and source address.
    fn push_syslog(
        &mut self,
        agent: usize,
        t: DateTime<Utc>,
        case_rule: &str,
        src_ip: Option<&str>,
        user: Option<&str>,
    ) -> bool {
        let Some(case) = self.ctx.case(case_rule) else {
            // Rules without an upstream test: a line in the program's real format.
            let Some((_, dec, body)) = SYSLOG_FALLBACK.iter().find(|(r, _, _)| *r == case_rule)
            else {
                return false;
            };
            let line = format!(
                "Jan  1 00:00:00 host {}",
                body.replace("{user}", user.unwrap_or("admin"))
            );
            return self.push_syslog_line(agent, t, case_rule, &line, dec, src_ip, user);
        };
        if case.json.is_some() {
            return self.push_windows(agent, t, case_rule, |_| {});
        }
        let (log, decoder) = (case.log.clone(), case.decoder.clone());
        self.push_syslog_line(agent, t, case_rule, &log, &decoder, src_ip, user)
    }

    #[allow(clippy::too_many_arguments)]
    fn push_syslog_line(
        &mut self,
        agent: usize,
        t: DateTime<Utc>,
        rule_id: &str,
        log: &str,
        decoder: &str,
        src_ip: Option<&str>,
        user: Option<&str>,
    ) -> bool {
        let Some(p) = self.fleet.get(agent) else {
            return false;
        };
        let local = t.format("%b %e %H:%M:%S").to_string();
        let mut predecoder = None;
        let mut line = log.to_string();
        if let Some(c) = syslog_header().and_then(|r| r.captures(log)) {
            let body = c.get(3).map(|m| m.as_str()).unwrap_or("");
            let program = c.get(4).map(|m| m.as_str()).unwrap_or("");
            line = format!("{local} {} {body}", p.name);
            predecoder =
                Some(json!({"program_name": program, "timestamp": local, "hostname": p.name}));
        }
        let mut data = Map::new();
        if let Some(ip) = src_ip {
            if let Some(m) = ipv4().and_then(|r| r.find(&line)) {
                let (s, e) = (m.start(), m.end());
                line.replace_range(s..e, ip);
                data.insert("srcip".into(), json!(ip));
            }
        } else if let Some(m) = ipv4().and_then(|r| r.find(&line)) {
            data.insert("srcip".into(), json!(m.as_str()));
        }
        if let Some(u) = user {
            let span = cached(r"(?:[Ii]nvalid user|user|for) (\S+) from", &USER_RE)
                .and_then(|r| r.captures(&line))
                .and_then(|c| c.get(1))
                .map(|g| g.start()..g.end());
            if let Some(span) = span {
                line.replace_range(span, u);
            }
        }
        if let Some(c) = cached(r" port (\d+)", &PORT_RE).and_then(|r| r.captures(&line)) {
            data.insert(
                "srcport".into(),
                json!(c.get(1).map(|m| m.as_str()).unwrap_or("")),
            );
        }
        if let Some(c) = cached(r"(?:[Ii]nvalid user|user|for) (\S+) from", &USER_RE)
            .and_then(|r| r.captures(&line))
        {
            data.insert(
                "srcuser".into(),
                json!(c.get(1).map(|m| m.as_str()).unwrap_or("")),
            );
        }
        if let Some(c) = cached(r"USER=(\S+)", &DSTUSER_RE).and_then(|r| r.captures(&line)) {
            data.insert(
                "dstuser".into(),
                json!(c.get(1).map(|m| m.as_str()).unwrap_or("")),
            );
        }
        let program = predecoder
            .as_ref()
            .and_then(|v| v.get("program_name"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let dec = if !program.is_empty() && decoder == program {
            json!({"parent": decoder, "name": decoder})
        } else if !program.is_empty() && !decoder.is_empty() {
            json!({"parent": program, "name": decoder})
        } else {
            json!({"name": decoder})
        };
        let location = match decoder {
            d if d.contains("nginx") => "/var/log/nginx/access.log".to_string(),
            d if d.contains("apache") || d.contains("web-accesslog") => {
                "/var/log/apache2/access.log".to_string()
            }
            "auditd" => "/var/log/audit/audit.log".to_string(),
            _ => p.os.auth_log.to_string(),
        };
        let data = if data.is_empty() {
            None
        } else {
            Some(Value::Object(data))
        };
        self.push(
            agent,
            t,
            rule_id,
            Some(line),
            predecoder,
            dec,
            data,
            &location,
            Vec::new(),
        )
    }

    /// Pushes a Windows eventchannel alert from a case's JSON, adapted to the agent.
    fn push_windows(
        &mut self,
        agent: usize,
        t: DateTime<Utc>,
        rule_id: &str,
        edit: impl FnOnce(&mut Value),
    ) -> bool {
        let Some(p) = self.fleet.get(agent) else {
            return false;
        };
        let mut data = match self.ctx.case(rule_id).and_then(|c| c.json.clone()) {
            Some(d) => d,
            None if matches!(rule_id, "60122" | "60204") => logon_failure(p),
            None => return false,
        };
        if let Some(sys) = data
            .pointer_mut("/win/system")
            .and_then(Value::as_object_mut)
        {
            sys.insert("computer".into(), json!(p.fqdn()));
            sys.insert(
                "systemTime".into(),
                json!(t.format("%Y-%m-%dT%H:%M:%S%.6f0Z").to_string()),
            );
        }
        if let Some(ev) = data
            .pointer_mut("/win/eventdata")
            .and_then(Value::as_object_mut)
        {
            if ev.contains_key("utcTime") {
                ev.insert(
                    "utcTime".into(),
                    json!(t.format("%Y-%m-%d %H:%M:%S%.3f").to_string()),
                );
            }
            for k in ["sourceIp", "sourceAddress"] {
                if ev.contains_key(k) {
                    ev.insert(k.into(), json!(p.ip));
                }
            }
        }
        edit(&mut data);
        self.push(
            agent,
            t,
            rule_id,
            None,
            None,
            json!({"name": "windows_eventchannel"}),
            Some(data),
            "EventChannel",
            Vec::new(),
        )
    }
}

/// Generates the alert documents.
pub(crate) fn generate(config: &WorldConfig, reference: &Reference, fleet: &[Profile]) -> Vec<Doc> {
    let ctx = Ctx::new(reference);
    if ctx.rules.is_empty() {
        return Vec::new();
    }
    let now = config.now;
    let window_start = now - Duration::days(ALERT_DAYS);
    let mut g = Gen {
        ctx: &ctx,
        fleet,
        out: Vec::new(),
        planting: false,
    };

    // Budget per agent.
    let spans: Vec<f64> = fleet
        .iter()
        .map(|p| {
            if !p.has_data() {
                return 0.0;
            }
            let end = p.last_seen(now);
            let start = window_start.max(p.date_add);
            ((end - start).num_seconds().max(0) as f64) / 86_400.0
        })
        .collect();
    let raw: f64 = spans.iter().map(|d| d * ALERTS_PER_AGENT_DAY as f64).sum();
    let scale = if raw > MAX_ALERTS as f64 * 0.85 {
        MAX_ALERTS as f64 * 0.85 / raw
    } else {
        1.0
    };

    for (idx, p) in fleet.iter().enumerate() {
        if spans[idx] <= 0.0 {
            continue;
        }
        let mut rng = agent_rng(config.seed, &p.id, "alerts");
        let end = p.last_seen(now);
        let start = window_start.max(p.date_add);
        let span_s = (end - start).num_seconds().max(1);
        let jitter: f64 = rng.random_range(0.6..1.4);
        let count = (spans[idx] * ALERTS_PER_AGENT_DAY as f64 * scale * jitter).round() as usize;
        background(&mut g, &mut rng, idx, p, start, span_s, count);
        // For big fleets only a sample of agents gets the scenario alerts, within the cap.
        if rng.random_bool(scale.clamp(0.0, 1.0)) {
            scenarios(&mut g, &mut rng, config, reference, idx, p, start, end);
        }
    }
    g.planting = true;
    planted(&mut g, config, now);

    finish(g.out, config, fleet)
}

fn random_time(rng: &mut ChaCha8Rng, start: DateTime<Utc>, span_s: i64) -> DateTime<Utc> {
    // Busier in working hours: draw twice and keep the one closer to 14:00 UTC half the time.
    let a = start + Duration::milliseconds(rng.random_range(0..span_s * 1000));
    if rng.random_bool(0.5) {
        return a;
    }
    let b = start + Duration::milliseconds(rng.random_range(0..span_s * 1000));
    let d = |t: DateTime<Utc>| (i64::from(t.hour()) - 14).abs();
    if d(a) <= d(b) { a } else { b }
}

fn background(
    g: &mut Gen,
    rng: &mut ChaCha8Rng,
    idx: usize,
    p: &Profile,
    start: DateTime<Utc>,
    span_s: i64,
    count: usize,
) {
    let pool = match p.family() {
        Family::Windows => &g.ctx.pools.windows_pick,
        Family::Linux if p.role == Role::Web => &g.ctx.pools.linux_web_pick,
        Family::Linux => &g.ctx.pools.linux_pick,
        Family::Macos => &g.ctx.pools.mac_pick,
    };
    for _ in 0..count {
        let Some(ci) = pool.pick(rng) else {
            return;
        };
        let t = random_time(rng, start, span_s);
        let rule_id = if ci & WIN_BIT != 0 {
            g.ctx
                .pools
                .windows
                .get(ci & !WIN_BIT)
                .map(|c| c.rule_id.clone())
        } else {
            g.ctx.pools.linux.get(ci).map(|c| c.rule_id.clone())
        };
        let Some(rule_id) = rule_id else { continue };
        if ci & WIN_BIT != 0 {
            g.push_windows(idx, t, &rule_id, |_| {});
        } else {
            let external = *pick(rng, EXTERNAL_IPS).unwrap_or(&"45.155.205.233");
            let internal = format!(
                "10.10.{}.{}",
                rng.random_range(0..3),
                rng.random_range(2..250)
            );
            let ip = if rng.random_bool(0.6) {
                external.to_string()
            } else {
                internal
            };
            let user = *pick(rng, USERS).unwrap_or(&"admin");
            let log = g
                .ctx
                .pools
                .linux
                .get(ci)
                .map(|c| (c.log.clone(), c.decoder.clone()));
            if let Some((log, dec)) = log {
                g.push_syslog_line(idx, t, &rule_id, &log, &dec, Some(&ip), Some(user));
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn scenarios(
    g: &mut Gen,
    rng: &mut ChaCha8Rng,
    config: &WorldConfig,
    reference: &Reference,
    idx: usize,
    p: &Profile,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) {
    let span_s = (end - start).num_seconds().max(1);
    // sshd brute force from the internet.
    if p.family() == Family::Linux && p.role != Role::Manager && rng.random_bool(0.2) {
        let ip = *pick(rng, EXTERNAL_IPS).unwrap_or(&"45.155.205.233");
        let t0 = random_time(rng, start, span_s);
        let n = rng.random_range(8..20);
        brute_force(g, rng, idx, t0, ip, n);
    }
    // Windows logon failures.
    if p.family() == Family::Windows && rng.random_bool(0.15) {
        let t0 = random_time(rng, start, span_s);
        for i in 0..rng.random_range(8..14) {
            g.push_windows(idx, t0 + Duration::seconds(i * 7), "60122", |_| {});
        }
        g.push_windows(idx, t0 + Duration::seconds(120), "60204", |_| {});
    }
    // FIM.
    let days = ((end - start).num_hours() / 24).max(1);
    for _ in 0..rng.random_range(days..days * 3 + 1) {
        let t = random_time(rng, start, span_s);
        syscheck_alert(g, rng, config.seed, idx, p, t);
    }
    // SCA: summary after each daily scan when the score is low, failed checks on the first scan.
    if let Some(policy) = sca::policy(reference, p) {
        let outs = sca::outcomes(config.seed, p, policy);
        let (pass, fail, invalid, score) = sca::summary_counts(&outs);
        let scan_id = rng.random_range(100_000_000..2_000_000_000u64);
        for d in 0..days {
            let t = start + Duration::days(d) + Duration::minutes(rng.random_range(0..60));
            if t > end {
                break;
            }
            let data = json!({"sca": {
                "type": "summary", "scan_id": scan_id.to_string(), "name": policy.name, "policy": policy.name,
                "file": policy.file, "description": policy.description, "passed": pass.to_string(),
                "failed": fail.to_string(), "invalid": invalid.to_string(), "total_checks": outs.len().to_string(),
                "score": score.to_string(), "policy_id": policy.id,
            }});
            let rid = if score < 50 { "19004" } else { "19003" };
            g.push(
                idx,
                t,
                rid,
                None,
                None,
                json!({"name": "sca"}),
                Some(data),
                "sca",
                Vec::new(),
            );
        }
        let failed: Vec<usize> = outs
            .iter()
            .enumerate()
            .filter(|(_, o)| **o == sca::Outcome::Failed)
            .map(|(i, _)| i)
            .collect();
        for &i in failed.iter().take(rng.random_range(2..6)) {
            let Some(c) = policy.checks.get(i) else {
                continue;
            };
            let mut compliance = Map::new();
            for (k, v) in &c.compliance {
                compliance.insert(k.clone(), json!(v));
            }
            let item = sca::check_item(policy, c, sca::Outcome::Failed);
            let mut check = json!({
                "id": c.id.to_string(), "title": c.title, "description": c.description,
                "rationale": c.rationale, "remediation": c.remediation, "compliance": compliance,
                "result": "failed",
            });
            for k in ["file", "directory", "registry", "command", "process"] {
                if let (Some(v), Some(obj)) = (item.get(k), check.as_object_mut()) {
                    obj.insert(
                        k.into(),
                        json!(v.as_str().unwrap_or("").split(',').collect::<Vec<_>>()),
                    );
                }
            }
            let data = json!({"sca": {"type": "check", "scan_id": scan_id.to_string(), "policy": policy.name, "policy_id": policy.id, "check": check}});
            let t = start + Duration::minutes(rng.random_range(0..30));
            g.push(
                idx,
                t,
                "19007",
                None,
                None,
                json!({"name": "sca"}),
                Some(data),
                "sca",
                Vec::new(),
            );
        }
    }
    // Rootcheck.
    if (p.family() == Family::Linux) && rng.random_bool(0.3) {
        let t = random_time(rng, start, span_s);
        let log = "Trojaned version of file '/bin/diff' detected. Signature used: 'bash|^/bin/sh|file\\.h|proc\\.h|/dev/[^n]|^/bin/.*sh' (Generic).";
        let data = json!({"title": "Trojaned version of file detected.", "file": "/bin/diff"});
        g.push(
            idx,
            t,
            "510",
            Some(log.into()),
            None,
            json!({"name": "rootcheck"}),
            Some(data),
            "rootcheck",
            Vec::new(),
        );
    }
    // Agent restarts.
    if p.id != "000" && rng.random_bool(0.3) {
        let t = random_time(rng, start, span_s);
        g.push(
            idx,
            t,
            "506",
            Some("ossec: Agent stopped: 'wazuh-agent->any'.".into()),
            None,
            json!({"name": "ossec"}),
            None,
            "wazuh-agent",
            Vec::new(),
        );
        g.push(
            idx,
            t + Duration::seconds(40),
            "503",
            Some("ossec: Agent started: 'wazuh-agent->any'.".into()),
            None,
            json!({"name": "ossec"}),
            None,
            "wazuh-agent",
            Vec::new(),
        );
    }
    if p.status == Status::Disconnected {
        let t = end - Duration::seconds(5);
        g.push(
            idx,
            t,
            "506",
            Some("ossec: Agent stopped: 'wazuh-agent->any'.".into()),
            None,
            json!({"name": "ossec"}),
            None,
            "wazuh-agent",
            Vec::new(),
        );
    }
}

fn brute_force(g: &mut Gen, rng: &mut ChaCha8Rng, idx: usize, t0: DateTime<Utc>, ip: &str, n: i64) {
    let mut t = t0;
    for _ in 0..n {
        t += Duration::milliseconds(rng.random_range(800..6_000));
        let user = *pick(rng, USERS).unwrap_or(&"admin");
        g.push_syslog(idx, t, "5710", Some(ip), Some(user));
    }
    g.push_syslog_with_rule(idx, t + Duration::seconds(1), "5712", "5710", Some(ip));
}

impl Gen<'_, '_> {
    /// A correlation alert (frequency rule) carrying the last event of its base rule's case.
    fn push_syslog_with_rule(
        &mut self,
        agent: usize,
        t: DateTime<Utc>,
        rule_id: &str,
        base: &str,
        ip: Option<&str>,
    ) -> bool {
        let Some(case) = self.ctx.case(base) else {
            return false;
        };
        let (log, dec) = (case.log.clone(), case.decoder.clone());
        self.push_syslog_line(agent, t, rule_id, &log, &dec, ip, Some("admin"))
    }
}

fn syscheck_alert(
    g: &mut Gen,
    rng: &mut ChaCha8Rng,
    seed: u64,
    idx: usize,
    p: &Profile,
    t: DateTime<Utc>,
) {
    let (path, windows) = match p.family() {
        Family::Windows => (*pick(rng, &["c:\\windows\\system32\\drivers\\etc\\hosts", "c:\\programdata\\microsoft\\windows\\start menu\\programs\\startup\\desktop.ini", "c:\\windows\\system32\\tasks\\microsoft\\windows\\updateorchestrator\\schedule scan"]).unwrap_or(&"c:\\windows\\system32\\drivers\\etc\\hosts"), true),
        _ => (*pick(rng, &["/etc/hosts", "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/resolv.conf", "/etc/ssh/sshd_config", "/usr/bin/curl", "/etc/sudoers"]).unwrap_or(&"/etc/hosts"), false),
    };
    let roll: f64 = rng.random();
    let (rule, event, decoder) = if roll < 0.7 {
        ("550", "modified", "syscheck_integrity_changed")
    } else if roll < 0.9 {
        ("554", "added", "syscheck_new_entry")
    } else {
        ("553", "deleted", "syscheck_deleted")
    };
    let rev = rng.random_range(2..6u32);
    let (md5b, sha1b, sha256b) = fim::hashes(seed, &p.id, path, rev - 1);
    let (md5a, sha1a, sha256a) = fim::hashes(seed, &p.id, path, rev);
    let size_b: u64 = rng.random_range(100..4_000);
    let size_a = size_b + rng.random_range(1..200);
    let mut sc = Map::new();
    sc.insert("path".into(), json!(path));
    sc.insert(
        "mode".into(),
        json!(if windows { "scheduled" } else { "realtime" }),
    );
    if event != "deleted" {
        sc.insert("size_after".into(), json!(size_a.to_string()));
        sc.insert(
            "perm_after".into(),
            json!(if windows {
                "S-1-5-32-544 (Administrators): allowed full control"
            } else {
                "rw-r--r--"
            }),
        );
        sc.insert(
            "uid_after".into(),
            json!(if windows { "S-1-5-32-544" } else { "0" }),
        );
        sc.insert("gid_after".into(), json!(if windows { "" } else { "0" }));
        sc.insert("md5_after".into(), json!(md5a));
        sc.insert("sha1_after".into(), json!(sha1a));
        sc.insert("sha256_after".into(), json!(sha256a));
        sc.insert(
            "uname_after".into(),
            json!(if windows { "Administrators" } else { "root" }),
        );
        sc.insert(
            "gname_after".into(),
            json!(if windows { "" } else { "root" }),
        );
        sc.insert(
            "mtime_after".into(),
            json!(t.to_rfc3339_opts(SecondsFormat::Secs, true)),
        );
        sc.insert(
            "inode_after".into(),
            json!(rng.random_range(100_000..3_000_000u64)),
        );
    }
    if event == "modified" {
        sc.insert("size_before".into(), json!(size_b.to_string()));
        sc.insert("md5_before".into(), json!(md5b));
        sc.insert("sha1_before".into(), json!(sha1b));
        sc.insert("sha256_before".into(), json!(sha256b));
        sc.insert(
            "mtime_before".into(),
            json!(
                (t - Duration::days(rng.random_range(1..90)))
                    .to_rfc3339_opts(SecondsFormat::Secs, true)
            ),
        );
        sc.insert(
            "changed_attributes".into(),
            json!(["size", "mtime", "md5", "sha1", "sha256"]),
        );
    }
    sc.insert("event".into(), json!(event));
    let full_log = match event {
        "modified" => format!(
            "File '{path}' modified\nMode: {}\nChanged attributes: size,mtime,md5,sha1,sha256\nSize changed from '{size_b}' to '{size_a}'\nOld md5sum was: '{md5b}'\nNew md5sum is : '{md5a}'\nOld sha1sum was: '{sha1b}'\nNew sha1sum is : '{sha1a}'\nOld sha256sum was: '{sha256b}'\nNew sha256sum is : '{sha256a}'\n",
            if windows { "scheduled" } else { "realtime" }
        ),
        "added" => format!(
            "File '{path}' added\nMode: {}\n",
            if windows { "scheduled" } else { "realtime" }
        ),
        _ => format!(
            "File '{path}' deleted\nMode: {}\n",
            if windows { "scheduled" } else { "realtime" }
        ),
    };
    g.push(
        idx,
        t,
        rule,
        Some(full_log),
        None,
        json!({"name": decoder}),
        None,
        "syscheck",
        vec![("syscheck", Value::Object(sc))],
    );
}

/// Alerts of the planted threats (see [`super::World::planted_threats`]).
fn planted(g: &mut Gen, config: &WorldConfig, now: DateTime<Utc>) {
    let mut rng = world_rng(config.seed, "planted-alerts");
    let fleet = g.fleet;
    for (idx, p) in fleet.iter().enumerate() {
        if !p.has_data() || p.status != Status::Active {
            continue;
        }
        let base = now - Duration::hours(26) + Duration::minutes(idx as i64 * 7);
        if p.planted.reverse_shell && p.family() == Family::Linux {
            // Web exploitation from the attacker, then the shell and its cron persistence.
            for k in 0..6 {
                let rid = ["31106", "31103", "31104", "31105", "31101", "31108"][k % 6];
                g.push_syslog(
                    idx,
                    base + Duration::seconds(k as i64 * 9),
                    rid,
                    Some(ATTACKER_IP),
                    None,
                );
            }
            let t = base + Duration::minutes(3);
            let hexcmd: String = inventory::REVERSE_SHELL_CMDLINE
                .bytes()
                .map(|b| format!("{b:02X}"))
                .collect();
            let id = rng.random_range(100..999);
            let full = format!(
                "type=SYSCALL msg=audit({}.{id}:{}): arch=c000003e syscall=59 success=yes exit=0 a0=55d1c6b0 a1=55d1c6d8 a2=55d1c6f0 a3=8 items=2 ppid=1187 pid=24871 auid=4294967295 uid=33 gid=33 euid=33 suid=33 fsuid=33 egid=33 sgid=33 fsgid=33 tty=(none) ses=4294967295 comm=\"bash\" exe=\"/usr/bin/bash\" key=\"audit-wazuh-c\" type=EXECVE msg=audit({}.{id}:{}): argc=3 a0=\"bash\" a1=\"-c\" a2=\"{}\" type=PROCTITLE msg=audit({}.{id}:{}): proctitle={hexcmd}",
                t.timestamp(),
                4_000 + id,
                t.timestamp(),
                4_000 + id,
                inventory::REVERSE_SHELL_CMDLINE,
                t.timestamp(),
                4_000 + id
            );
            let data = json!({"audit": {
                "type": "SYSCALL", "id": (4_000 + id).to_string(), "syscall": "59", "exit": "0", "ppid": "1187", "pid": "24871",
                "auid": "4294967295", "uid": "33", "gid": "33", "euid": "33", "command": "bash", "exe": "/usr/bin/bash",
                "key": "audit-wazuh-c", "success": "yes", "execve": {"a0": "bash", "a1": "-c", "a2": inventory::REVERSE_SHELL_CMDLINE},
            }});
            g.push(
                idx,
                t,
                "80792",
                Some(full),
                None,
                json!({"name": "auditd"}),
                Some(data),
                "/var/log/audit/audit.log",
                Vec::new(),
            );
        }
        if p.planted.persistence && p.family() == Family::Linux {
            let t = base + Duration::minutes(6);
            let line = format!(
                "{} {} crontab[24990]: (root) REPLACE (root)",
                t.format("%b %e %H:%M:%S"),
                p.name
            );
            g.push(idx, t, "2833", Some(line), Some(json!({"program_name": "crontab", "timestamp": t.format("%b %e %H:%M:%S").to_string(), "hostname": p.name})), json!({"name": "crontab"}), None, p.os.auth_log, Vec::new());
            let (md5b, sha1b, sha256b) = fim::hashes(config.seed, &p.id, fim::CRONTAB_PATH, 1);
            let (md5a, sha1a, sha256a) = fim::hashes(config.seed, &p.id, fim::CRONTAB_PATH, 2);
            let sc = json!({
                "path": fim::CRONTAB_PATH, "mode": "realtime", "size_before": "1150", "size_after": "1214",
                "perm_after": "rw-------", "uid_after": "0", "gid_after": "0", "md5_before": md5b, "md5_after": md5a,
                "sha1_before": sha1b, "sha1_after": sha1a, "sha256_before": sha256b, "sha256_after": sha256a,
                "uname_after": "root", "gname_after": "crontab", "changed_attributes": ["size", "mtime", "md5", "sha1", "sha256"],
                "event": "modified", "diff": format!("1a2\n> */5 * * * * {}\n", inventory::CRON_PERSISTENCE_CMDLINE.trim_start_matches("/bin/sh -c ")),
            });
            let full = format!(
                "File '{}' modified\nMode: realtime\nChanged attributes: size,mtime,md5,sha1,sha256\n",
                fim::CRONTAB_PATH
            );
            g.push(
                idx,
                t + Duration::seconds(1),
                "550",
                Some(full),
                None,
                json!({"name": "syscheck_integrity_changed"}),
                None,
                "syscheck",
                vec![("syscheck", sc)],
            );
        }
        if p.planted.encoded_powershell && p.family() == Family::Windows {
            let t = base + Duration::minutes(11);
            let cmd = inventory::encoded_powershell_cmdline();
            let user = format!(
                "CORP\\{}",
                if p.role == Role::Dc {
                    "administrator"
                } else {
                    "j.smith"
                }
            );
            g.push_windows(idx, t, "92057", |d| {
                if let Some(ev) = d
                    .pointer_mut("/win/eventdata")
                    .and_then(Value::as_object_mut)
                {
                    ev.insert("commandLine".into(), json!(cmd));
                    ev.insert("user".into(), json!(user));
                }
            });
        }
        if p.planted.persistence && p.family() == Family::Windows {
            let t = base + Duration::minutes(14);
            g.push_windows(idx, t, "92302", |d| {
                if let Some(ev) = d.pointer_mut("/win/eventdata").and_then(Value::as_object_mut) {
                    ev.insert("targetObject".into(), json!("HKU\\S-1-5-21-3623811015-3361044348-30300820-1013\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDriveUpdate"));
                    ev.insert("details".into(), json!("C:\\Users\\Public\\Libraries\\onedrive_update.exe"));
                    ev.insert("image".into(), json!("C:\\Windows\\system32\\reg.exe"));
                }
            });
        }
        if p.planted.attacker_connection {
            match p.family() {
                Family::Windows => {
                    let t = base + Duration::minutes(12);
                    g.push_windows(idx, t, "92107", |d| {
                        if let Some(ev) = d
                            .pointer_mut("/win/eventdata")
                            .and_then(Value::as_object_mut)
                        {
                            ev.insert("destinationIp".into(), json!(ATTACKER_IP));
                            ev.insert("destinationPort".into(), json!("8080"));
                        }
                    });
                }
                Family::Linux if !p.planted.reverse_shell => {
                    let t = base + Duration::minutes(30);
                    brute_force(g, &mut rng, idx, t, ATTACKER_IP, 10);
                    g.push_syslog(
                        idx,
                        t + Duration::minutes(2),
                        "5715",
                        Some(ATTACKER_IP),
                        Some("admin"),
                    );
                }
                _ => {}
            }
        }
    }
}

/// Sorts, numbers (`id`, `firedtimes`) and wraps the alerts into documents.
fn finish(mut out: Vec<Pending>, config: &WorldConfig, fleet: &[Profile]) -> Vec<Doc> {
    out.retain(|a| a.t <= config.now);
    out.sort_by(|a, b| {
        a.t.cmp(&b.t)
            .then(a.agent.cmp(&b.agent))
            .then(a.rule_id.cmp(&b.rule_id))
    });
    let mut rng = world_rng(config.seed, "alert-ids");
    if out.len() > MAX_ALERTS {
        let planted = out.iter().filter(|a| a.planted).count();
        let keep = (MAX_ALERTS - planted.min(MAX_ALERTS)) as f64 / (out.len() - planted) as f64;
        out.retain(|a| a.planted || rng.random_bool(keep.clamp(0.0, 1.0)));
        out.truncate(MAX_ALERTS);
    }
    let mut fired: HashMap<(usize, String), u64> = HashMap::new();
    let mut offset: u64 = rng.random_range(1_000..100_000);
    let mut indices: HashMap<String, Arc<str>> = HashMap::new();
    let mut docs = Vec::with_capacity(out.len());
    for a in out {
        let n = fired.entry((a.agent, a.rule_id.clone())).or_insert(0);
        *n += 1;
        let mut src = Map::new();
        let ts = a.t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
        src.insert("timestamp".into(), json!(ts));
        let mut source = a.source;
        if let Some(rule) = source.get_mut("rule").and_then(Value::as_object_mut) {
            rule.insert("firedtimes".into(), json!(*n));
        }
        let alert_id = format!("{}.{offset}", a.t.timestamp());
        offset += 600
            + source
                .get("full_log")
                .and_then(Value::as_str)
                .map(str::len)
                .unwrap_or(900) as u64;
        for (k, v) in source {
            if k == "cluster" {
                src.insert("id".into(), json!(alert_id));
            }
            src.insert(k, v);
        }
        src.insert(
            "@timestamp".into(),
            json!(a.t.to_rfc3339_opts(SecondsFormat::Millis, true)),
        );
        let day = a.t.format("%Y.%m.%d").to_string();
        let index = indices
            .entry(day.clone())
            .or_insert_with(|| Arc::from(format!("wazuh-alerts-4.x-{day}").as_str()))
            .clone();
        let _ = fleet;
        docs.push(Doc {
            index,
            id: doc_id(&mut rng),
            source: Value::Object(src),
        });
    }
    docs
}

/// An OpenSearch-style 20-character document id.
fn doc_id(rng: &mut ChaCha8Rng) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..20)
        .map(|_| char::from(A[rng.random_range(0..A.len())]))
        .collect()
}
