//! File integrity monitoring (syscheck) and rootcheck items.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde_json::{Value, json};

use super::catalog::Family;
use super::fleet::Profile;
use super::rng::{agent_rng, hex_of};

/// A monitored file: (path, perm, uid, uname, gid, gname, size).
type FileDef = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u64,
);

static LINUX_FILES: &[FileDef] = &[
    ("/etc/passwd", "rw-r--r--", "0", "root", "0", "root", 2_847),
    (
        "/etc/shadow",
        "rw-r-----",
        "0",
        "root",
        "42",
        "shadow",
        1_512,
    ),
    ("/etc/group", "rw-r--r--", "0", "root", "0", "root", 1_021),
    ("/etc/sudoers", "r--r-----", "0", "root", "0", "root", 1_671),
    ("/etc/hosts", "rw-r--r--", "0", "root", "0", "root", 221),
    (
        "/etc/ssh/sshd_config",
        "rw-r--r--",
        "0",
        "root",
        "0",
        "root",
        3_289,
    ),
    ("/etc/crontab", "rw-r--r--", "0", "root", "0", "root", 1_136),
    (
        "/etc/resolv.conf",
        "rw-r--r--",
        "0",
        "root",
        "0",
        "root",
        920,
    ),
    (
        "/usr/bin/sudo",
        "rwsr-xr-x",
        "0",
        "root",
        "0",
        "root",
        232_416,
    ),
    (
        "/usr/bin/passwd",
        "rwsr-xr-x",
        "0",
        "root",
        "0",
        "root",
        59_976,
    ),
    (
        "/usr/bin/ssh",
        "rwxr-xr-x",
        "0",
        "root",
        "0",
        "root",
        846_888,
    ),
    (
        "/usr/bin/curl",
        "rwxr-xr-x",
        "0",
        "root",
        "0",
        "root",
        260_328,
    ),
    (
        "/usr/sbin/sshd",
        "rwxr-xr-x",
        "0",
        "root",
        "0",
        "root",
        921_416,
    ),
    (
        "/bin/bash",
        "rwxr-xr-x",
        "0",
        "root",
        "0",
        "root",
        1_396_520,
    ),
    ("/bin/ls", "rwxr-xr-x", "0", "root", "0", "root", 138_208),
    (
        "/boot/config-5.15.0-105-generic",
        "rw-r--r--",
        "0",
        "root",
        "0",
        "root",
        261_837,
    ),
];

static WINDOWS_FILES: &[(&str, u64)] = &[
    ("c:\\windows\\system32\\drivers\\etc\\hosts", 824),
    ("c:\\windows\\system32\\drivers\\etc\\networks", 407),
    ("c:\\windows\\system32\\cmd.exe", 323_584),
    (
        "c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe",
        452_608,
    ),
    ("c:\\windows\\system32\\lsass.exe", 59_456),
    ("c:\\windows\\system32\\svchost.exe", 55_320),
    ("c:\\windows\\system32\\wbem\\wmic.exe", 571_392),
    ("c:\\windows\\system32\\net.exe", 57_344),
    ("c:\\windows\\regedit.exe", 358_400),
    (
        "c:\\programdata\\microsoft\\windows\\start menu\\programs\\startup\\desktop.ini",
        174,
    ),
];

static WINDOWS_KEYS: &[&str] = &[
    "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
    "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
    "HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\W32Time",
    "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon",
    "HKEY_LOCAL_MACHINE\\Security\\Policy",
];

static MAC_FILES: &[FileDef] = &[
    ("/etc/hosts", "rw-r--r--", "0", "root", "0", "wheel", 213),
    (
        "/etc/sudoers",
        "r--r-----",
        "0",
        "root",
        "0",
        "wheel",
        1_563,
    ),
    (
        "/usr/bin/sudo",
        "r-s--x--x",
        "0",
        "root",
        "0",
        "wheel",
        1_414_672,
    ),
    (
        "/bin/bash",
        "rwxr-xr-x",
        "0",
        "root",
        "0",
        "wheel",
        1_310_224,
    ),
];

/// The Linux crontab the planted persistence modifies.
pub const CRONTAB_PATH: &str = "/var/spool/cron/crontabs/root";

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Hashes of a file's content at a revision.
pub(crate) fn hashes(seed: u64, agent: &str, path: &str, rev: u32) -> (String, String, String) {
    let label = format!("{seed}:{agent}:{path}:{rev}");
    (
        hex_of(&format!("md5:{label}"), 32),
        hex_of(&format!("sha1:{label}"), 40),
        hex_of(&format!("sha256:{label}"), 64),
    )
}

/// `GET /syscheck/{agent_id}` items.
pub(crate) fn syscheck(seed: u64, p: &Profile, now: DateTime<Utc>) -> Vec<Value> {
    if !p.has_data() {
        return Vec::new();
    }
    let mut rng = agent_rng(seed, &p.id, "syscheck");
    let last = p.last_seen(now);
    let baseline = p.date_add.max(last - Duration::days(300));
    let mut out = Vec::new();
    let mut inode: u64 = 130_000 + rng.random_range(0..2_000_000u64);
    let mut push_unix =
        |out: &mut Vec<Value>, rng: &mut rand_chacha::ChaCha8Rng, f: &FileDef, changes: u32| {
            let (path, perm, uid, uname, gid, gname, size) = *f;
            let (md5, sha1, sha256) = hashes(seed, &p.id, path, changes);
            inode += rng.random_range(1..5_000);
            let date = if changes > 1 {
                last - Duration::hours(rng.random_range(1..150))
            } else {
                baseline + Duration::minutes(rng.random_range(1..60))
            };
            let mtime = date
                - Duration::days(if changes > 1 {
                    0
                } else {
                    rng.random_range(10..900)
                });
            out.push(json!({
                "changes": changes,
                "date": iso(date),
                "file": path,
                "gid": gid,
                "gname": gname,
                "inode": inode,
                "md5": md5,
                "mtime": iso(mtime),
                "perm": perm,
                "sha1": sha1,
                "sha256": sha256,
                "size": size,
                "type": "file",
                "uid": uid,
                "uname": uname,
                "attributes": "",
            }));
        };
    match p.family() {
        Family::Linux => {
            for f in LINUX_FILES {
                let changes = if rng.random_bool(0.15) {
                    rng.random_range(2..5)
                } else {
                    1
                };
                push_unix(&mut out, &mut rng, f, changes);
            }
            if p.planted.persistence {
                let f: FileDef = (
                    CRONTAB_PATH,
                    "rw-------",
                    "0",
                    "root",
                    "0",
                    "crontab",
                    1_214,
                );
                push_unix(&mut out, &mut rng, &f, 2);
            }
        }
        Family::Macos => {
            for f in MAC_FILES {
                push_unix(&mut out, &mut rng, f, 1);
            }
        }
        Family::Windows => {
            for (path, size) in WINDOWS_FILES {
                let (md5, sha1, sha256) = hashes(seed, &p.id, path, 1);
                let date = baseline + Duration::minutes(rng.random_range(1..60));
                out.push(json!({
                    "changes": 1,
                    "date": iso(date),
                    "file": path,
                    "gid": "",
                    "gname": "",
                    "inode": 0,
                    "md5": md5,
                    "mtime": iso(date - Duration::days(rng.random_range(10..400))),
                    "perm": "S-1-5-32-544 (Administrators): allowed full control, S-1-5-18 (SYSTEM): allowed full control, S-1-5-32-545 (Users): allowed read_control|synchronize|read_data|read_ea|execute|read_attributes",
                    "sha1": sha1,
                    "sha256": sha256,
                    "size": size,
                    "type": "file",
                    "uid": "S-1-5-32-544",
                    "uname": "Administrators",
                    "attributes": "ARCHIVE",
                }));
            }
            for key in WINDOWS_KEYS {
                let changed = p.planted.persistence && key.ends_with("\\Run");
                let rev = if changed { 2 } else { 1 };
                let (md5, sha1, sha256) = hashes(seed, &p.id, key, rev);
                let date = if changed {
                    last - Duration::hours(26)
                } else {
                    baseline
                };
                out.push(json!({
                    "changes": rev,
                    "date": iso(date),
                    "file": key,
                    "gid": "S-1-5-18",
                    "gname": "SYSTEM",
                    "inode": 0,
                    "md5": md5,
                    "mtime": iso(date),
                    "perm": "S-1-5-32-544 (Administrators): allowed full control",
                    "sha1": sha1,
                    "sha256": sha256,
                    "size": 0,
                    "type": "registry_key",
                    "uid": "S-1-5-32-544",
                    "uname": "Administrators",
                    "attributes": "",
                    "arch": "[x64]",
                }));
            }
        }
    }
    out
}

/// Findings rootcheck reports on Linux hosts: (log, cis, pci_dss).
static ROOTCHECK_FINDINGS: &[(&str, Option<&str>, Option<&str>)] = &[
    (
        "Trojaned version of file '/bin/diff' detected. Signature used: 'bash|^/bin/sh|file\\.h|proc\\.h|/dev/[^n]|^/bin/.*sh' (Generic).",
        None,
        None,
    ),
    (
        "File '/dev/shm/.font-unix' is hidden. Possible rootkit.",
        None,
        None,
    ),
    (
        "System Audit: CIS - Debian Linux - 1.4 - Robust partition scheme - /tmp is not on its own partition {CIS: 1.4 Debian Linux} {PCI_DSS: 2.2.4}. File: /etc/fstab. Reference: https://benchmarks.cisecurity.org/tools2/linux/CIS_Debian_Benchmark_v1.0.pdf .",
        Some("1.4 Debian Linux"),
        Some("2.2.4"),
    ),
    (
        "System Audit: SSH Hardening - 3: Root can log in. File: /etc/ssh/sshd_config. Reference: 3 .",
        None,
        Some("2.2.4"),
    ),
    (
        "System Audit: SSH Hardening - 9: Wrong Maximum number of authentication attempts {PCI_DSS: 2.2.4}. File: /etc/ssh/sshd_config. Reference: 9 .",
        None,
        Some("2.2.4"),
    ),
];

/// `GET /rootcheck/{agent_id}` items.
pub(crate) fn rootcheck(seed: u64, p: &Profile, now: DateTime<Utc>) -> Vec<Value> {
    if !p.has_data() {
        return Vec::new();
    }
    let mut rng = agent_rng(seed, &p.id, "rootcheck");
    let end = p.last_seen(now) - Duration::minutes(rng.random_range(10..600));
    let start = end - Duration::seconds(rng.random_range(20..300));
    let first = end - Duration::days(rng.random_range(1..60));
    let mut out = vec![
        json!({"date_first": iso(first), "log": "Ending rootcheck scan.", "date_last": iso(end), "status": "outstanding"}),
        json!({"date_first": iso(first - Duration::seconds(90)), "log": "Starting rootcheck scan.", "date_last": iso(start), "status": "outstanding"}),
    ];
    if p.family() == Family::Linux || p.id == "000" {
        for (log, cis, pci) in ROOTCHECK_FINDINGS {
            if !rng.random_bool(0.5) {
                continue;
            }
            let solved = rng.random_bool(0.2);
            let last = if solved {
                end - Duration::days(rng.random_range(2..30))
            } else {
                start + Duration::seconds(rng.random_range(1..20))
            };
            let mut item = json!({
                "date_first": iso(first + Duration::seconds(rng.random_range(1..60))),
                "log": log,
                "date_last": iso(last),
                "status": if solved { "solved" } else { "outstanding" },
            });
            if let Some(obj) = item.as_object_mut() {
                if let Some(pci) = pci {
                    obj.insert("pci_dss".into(), json!(pci));
                }
                if let Some(cis) = cis {
                    obj.insert("cis".into(), json!(cis));
                }
            }
            out.push(item);
        }
    }
    out
}
