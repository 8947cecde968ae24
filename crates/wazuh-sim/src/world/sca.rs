//! SCA results: the stock CIS policy matching each agent's OS, evaluated to pass / fail /
//! not applicable per check, deterministically per agent.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::fleet::Profile;
use super::rng::{agent_rng, hex_of};
use crate::reference::{Reference, ScaCheck, ScaPolicy};

/// Result of one check on one agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Passed,
    Failed,
    NotApplicable,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::NotApplicable => "not applicable",
        }
    }
}

/// The policy evaluated on an agent, if any.
pub(crate) fn policy<'r>(reference: &'r Reference, p: &Profile) -> Option<&'r ScaPolicy> {
    let id = p.os.sca_policy?;
    if !p.has_data() {
        return None;
    }
    reference.sca_policies.iter().find(|x| x.id == id)
}

/// Outcomes of every check of `policy` on agent `p`, in policy order.
pub(crate) fn outcomes(seed: u64, p: &Profile, policy: &ScaPolicy) -> Vec<Outcome> {
    let mut rng = agent_rng(seed, &p.id, &format!("sca:{}", policy.id));
    // Hosts differ in hardening: some pass most checks, others few.
    let hardening: f64 = rng.random_range(0.25..0.7);
    policy
        .checks
        .iter()
        .map(|c| {
            if c.rules.is_empty() || rng.random_bool(0.08) {
                Outcome::NotApplicable
            } else if rng.random_bool(hardening) {
                Outcome::Passed
            } else {
                Outcome::Failed
            }
        })
        .collect()
}

fn scan_times(seed: u64, p: &Profile, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let mut rng = agent_rng(seed, &p.id, "sca-time");
    let end = p.last_seen(now) - Duration::seconds(rng.random_range(300..40_000));
    (end - Duration::seconds(rng.random_range(2..40)), end)
}

fn date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// Pass/fail/invalid counts and score.
pub(crate) fn summary_counts(outcomes: &[Outcome]) -> (usize, usize, usize, u64) {
    let pass = outcomes.iter().filter(|o| **o == Outcome::Passed).count();
    let fail = outcomes.iter().filter(|o| **o == Outcome::Failed).count();
    let invalid = outcomes.len() - pass - fail;
    let score = (pass * 100).checked_div(pass + fail).unwrap_or(0) as u64;
    (pass, fail, invalid, score)
}

/// `GET /sca/{agent_id}` items.
pub(crate) fn summary(
    seed: u64,
    reference: &Reference,
    p: &Profile,
    now: DateTime<Utc>,
) -> Vec<Value> {
    let Some(policy) = policy(reference, p) else {
        return Vec::new();
    };
    let outs = outcomes(seed, p, policy);
    let (pass, fail, invalid, score) = summary_counts(&outs);
    let (start, end) = scan_times(seed, p, now);
    vec![json!({
        "description": policy.description,
        "fail": fail,
        "start_scan": date(start),
        "references": policy.references.join(", "),
        "name": policy.name,
        "pass": pass,
        "score": score,
        "end_scan": date(end),
        "policy_id": policy.id,
        "total_checks": outs.len(),
        "hash_file": hex_of(&format!("sca-file:{}", policy.file), 64),
        "invalid": invalid,
    })]
}

/// Rule type from a raw SCA rule (`f:`, `d:`, `r:`, `c:`, `p:`, optionally negated).
fn rule_type(rule: &str) -> (&'static str, String) {
    let r = rule.trim().trim_start_matches("not ").trim();
    let (kind, rest) = match r.split_once(':') {
        Some((k, rest)) => (k.trim(), rest),
        None => ("", r),
    };
    let target = rest.split(" -> ").next().unwrap_or("").trim().to_string();
    let ty = match kind {
        "f" => "file",
        "d" => "directory",
        "r" => "registry",
        "c" => "command",
        "p" => "process",
        _ => "numeric",
    };
    (ty, target)
}

/// One check item of `GET /sca/{agent_id}/checks/{policy_id}`.
pub(crate) fn check_item(policy: &ScaPolicy, c: &ScaCheck, outcome: Outcome) -> Value {
    let mut m = Map::new();
    m.insert("description".into(), json!(c.description));
    m.insert("id".into(), json!(c.id));
    let mut targets: Vec<(&'static str, Vec<String>)> = Vec::new();
    let mut rules = Vec::new();
    for r in &c.rules {
        let (ty, target) = rule_type(r);
        rules.push(json!({"type": ty, "rule": r}));
        if ty == "numeric" || target.is_empty() {
            continue;
        }
        match targets.iter_mut().find(|(t, _)| *t == ty) {
            Some((_, v)) => {
                if !v.contains(&target) {
                    v.push(target)
                }
            }
            None => targets.push((ty, vec![target])),
        }
    }
    if outcome == Outcome::NotApplicable {
        let reason = match targets.first() {
            Some(("command", v)) => format!(
                "Invalid path or wrong permissions to run command '{}'",
                v.first().map(String::as_str).unwrap_or("")
            ),
            Some(("registry", v)) => format!(
                "Registry key '{}' not found",
                v.first().map(String::as_str).unwrap_or("")
            ),
            Some((_, v)) => format!(
                "Could not open file '{}'",
                v.first().map(String::as_str).unwrap_or("")
            ),
            None => "No rules to evaluate".to_string(),
        };
        m.insert("reason".into(), json!(reason));
    }
    for (ty, v) in &targets {
        m.insert((*ty).into(), json!(v.join(",")));
    }
    m.insert("rationale".into(), json!(c.rationale));
    m.insert("condition".into(), json!(c.condition));
    m.insert("title".into(), json!(c.title));
    m.insert("result".into(), json!(outcome.as_str()));
    m.insert("policy_id".into(), json!(policy.id));
    m.insert("remediation".into(), json!(c.remediation));
    if !c.references.is_empty() {
        m.insert("references".into(), json!(c.references.join(",")));
    }
    let compliance: Vec<Value> = c
        .compliance
        .iter()
        .map(|(k, v)| json!({"value": v, "key": k}))
        .collect();
    m.insert("compliance".into(), json!(compliance));
    m.insert("rules".into(), json!(rules));
    Value::Object(m)
}

/// `GET /sca/{agent_id}/checks/{policy_id}` items; `None` for a policy the agent does not run.
pub(crate) fn checks(
    seed: u64,
    reference: &Reference,
    p: &Profile,
    policy_id: &str,
) -> Option<Vec<Value>> {
    let policy = policy(reference, p).filter(|x| x.id == policy_id)?;
    let outs = outcomes(seed, p, policy);
    Some(
        policy
            .checks
            .iter()
            .zip(outs)
            .map(|(c, o)| check_item(policy, c, o))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_types() {
        assert_eq!(
            rule_type("c:modprobe -n -v cramfs -> r:^install").0,
            "command"
        );
        assert_eq!(rule_type("not f:/etc/fstab -> r:tmp").1, "/etc/fstab");
        assert_eq!(
            rule_type(r"r:HKEY_LOCAL_MACHINE\SOFTWARE -> Foo -> 1").0,
            "registry"
        );
    }

    #[test]
    fn score_counts() {
        let o = [
            Outcome::Passed,
            Outcome::Failed,
            Outcome::Failed,
            Outcome::NotApplicable,
        ];
        assert_eq!(summary_counts(&o), (1, 2, 1, 33));
    }
}
