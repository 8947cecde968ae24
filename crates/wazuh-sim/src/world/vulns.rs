//! Vulnerabilities of installed packages: `GET /vulnerability/{agent_id}` items (4.7.5) and
//! `wazuh-states-vulnerabilities-<cluster>` documents (4.8+).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};

use super::catalog::{self, Cve, Family, PkgFormat};
use super::fleet::{CLUSTER_NAME, NODE_NAME, Profile};
use super::inventory::{self, Installed};
use super::rng::hash64;

/// The vulnerabilities of an agent: (installed package, CVE).
pub(crate) fn findings(
    seed: u64,
    p: &Profile,
    now: DateTime<Utc>,
) -> Vec<(Installed, &'static Cve)> {
    if !p.has_data() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for inst in inventory::packages(seed, p, now) {
        for cve in catalog::CVES {
            if cve.package == inst.pkg.name && cve.version == inst.version {
                out.push((inst.clone(), cve));
            }
        }
    }
    out
}

fn detected(seed: u64, p: &Profile, cve: &Cve, now: DateTime<Utc>) -> DateTime<Utc> {
    let h = hash64(&[&seed.to_le_bytes(), p.id.as_bytes(), cve.id.as_bytes()]);
    p.last_seen(now) - Duration::seconds((h % (6 * 86_400)) as i64)
}

fn references(p: &Profile, cve: &Cve) -> Vec<String> {
    let year = cve.id.get(4..8).unwrap_or("2024");
    let mut v = vec![format!("https://nvd.nist.gov/vuln/detail/{}", cve.id)];
    match p.os.platform {
        "ubuntu" => v.push(format!("https://ubuntu.com/security/{}", cve.id)),
        "debian" => v.push(format!(
            "https://security-tracker.debian.org/tracker/{}",
            cve.id
        )),
        "rhel" | "centos" => v.push(format!("https://access.redhat.com/security/cve/{}", cve.id)),
        "amzn" => v.push(format!(
            "https://alas.aws.amazon.com/cve/html/{}.html",
            cve.id
        )),
        _ => {}
    }
    v.push(format!("https://www.cve.org/CVERecord?id={}", cve.id));
    let _ = year;
    v
}

fn condition(cve: &Cve) -> String {
    if cve.fixed.is_empty() {
        "Package unfixed".to_string()
    } else {
        format!("Package less than {}", cve.fixed)
    }
}

/// `GET /vulnerability/{agent_id}` items of the 4.7.5 API.
pub(crate) fn items_475(seed: u64, p: &Profile, now: DateTime<Utc>) -> Vec<Value> {
    findings(seed, p, now)
        .into_iter()
        .map(|(inst, cve)| {
            let published = cve.published;
            let updated = NaiveDate::parse_from_str(published, "%Y-%m-%d")
                .map(|d| (d + Duration::days(14)).format("%Y-%m-%d").to_string())
                .unwrap_or_else(|_| published.to_string());
            json!({
                "severity": cve.severity,
                "updated": updated,
                "version": inst.version,
                "type": "PACKAGE",
                "name": inst.name,
                "external_references": references(p, cve),
                "condition": condition(cve),
                "detection_time": detected(seed, p, cve, now).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "cvss3_score": cve.score,
                "published": published,
                "architecture": inst.pkg.arch,
                "cve": cve.id,
                "status": "VALID",
                "title": format!("{} affects {}", cve.id, inst.name),
                "cvss2_score": (cve.score * 0.8 * 10.0).round() / 10.0,
            })
        })
        .collect()
}

/// `wazuh-states-vulnerabilities-<cluster>` documents: (id, source).
pub(crate) fn states(seed: u64, p: &Profile, now: DateTime<Utc>) -> Vec<(String, Value)> {
    let os = p.os;
    let full = match p.family() {
        Family::Windows => os.name.to_string(),
        _ => format!("{} {} ({})", os.name, os.version, os.codename),
    };
    let ty = match p.family() {
        Family::Linux => "linux",
        Family::Windows => "windows",
        Family::Macos => "macos",
    };
    let source = match os.platform {
        "ubuntu" => "Canonical Security Tracker",
        "debian" => "Debian Security Tracker",
        "rhel" | "centos" => "Red Hat CVE Database",
        "amzn" => "Amazon Linux Security Center",
        _ => "National Vulnerability Database",
    };
    findings(seed, p, now)
        .into_iter()
        .map(|(inst, cve)| {
            let mut package = serde_json::Map::new();
            if !inst.pkg.arch.is_empty() {
                package.insert("architecture".into(), json!(inst.pkg.arch));
            }
            if !inst.pkg.description.is_empty() {
                package.insert("description".into(), json!(inst.pkg.description));
            }
            if os.format != PkgFormat::Deb {
                package.insert(
                    "installed".into(),
                    json!(inst.install_time.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()),
                );
            }
            package.insert("name".into(), json!(inst.name));
            if matches!(os.format, PkgFormat::Win | PkgFormat::Pkg) && !inst.pkg.section.is_empty() {
                package.insert("path".into(), json!(inst.pkg.section));
            }
            if inst.pkg.size > 0 {
                let size = if os.format == PkgFormat::Deb { inst.pkg.size * 1024 } else { inst.pkg.size };
                package.insert("size".into(), json!(size));
            }
            package.insert("type".into(), json!(os.format.as_str()));
            package.insert("version".into(), json!(inst.version));
            let doc = json!({
                "agent": {
                    "id": p.id,
                    "name": p.name,
                    "type": "Wazuh",
                    "version": format!("v{}", p.version),
                },
                "host": {
                    "os": {
                        "full": full,
                        "kernel": if os.release.is_empty() { os.version } else { os.release },
                        "name": os.name,
                        "platform": os.platform,
                        "type": ty,
                        "version": os.version,
                    }
                },
                "package": package,
                "vulnerability": {
                    "category": "Packages",
                    "classification": "CVSS",
                    "description": cve.description,
                    "detected_at": detected(seed, p, cve, now).format("%Y-%m-%dT%H:%M:%S.%3fZ").to_string(),
                    "enumeration": "CVE",
                    "id": cve.id,
                    "published_at": format!("{}T00:00:00Z", cve.published),
                    "reference": references(p, cve).join(", "),
                    "scanner": {
                        "condition": condition(cve),
                        "reference": format!("https://cti.wazuh.com/vulnerabilities/cves/{}", cve.id),
                        "source": source,
                        "vendor": "Wazuh",
                    },
                    "score": {"base": cve.score, "version": "3.1"},
                    "severity": cve.severity,
                    "under_evaluation": false,
                },
                "wazuh": {"cluster": {"name": CLUSTER_NAME, "node": NODE_NAME}, "schema": {"version": "1.0.0"}},
            });
            let id = format!("{}_{}_{}", p.id, inventory::state_id(p, &format!("pkg:{}:{}", inst.name, inst.version)).split('_').nth(1).unwrap_or(""), cve.id);
            (id, doc)
        })
        .collect()
}
