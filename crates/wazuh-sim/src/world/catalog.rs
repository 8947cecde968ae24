//! Small tables of realistic names: operating systems, packages, programs, processes, CVEs and
//! the MITRE ATT&CK names the stock ruleset refers to.

/// Operating-system family of an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Linux distributions.
    Linux,
    /// Microsoft Windows.
    Windows,
    /// Apple macOS.
    Macos,
}

/// Package format reported by syscollector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PkgFormat {
    Deb,
    Rpm,
    Win,
    Pkg,
}

impl PkgFormat {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PkgFormat::Deb => "deb",
            PkgFormat::Rpm => "rpm",
            PkgFormat::Win => "win",
            PkgFormat::Pkg => "pkg",
        }
    }
}

/// One operating-system release.
#[derive(Debug)]
pub(crate) struct OsInfo {
    pub key: &'static str,
    pub family: Family,
    pub name: &'static str,
    pub platform: &'static str,
    pub major: &'static str,
    pub minor: &'static str,
    pub codename: &'static str,
    /// `os.version` as the agent reports it.
    pub version: &'static str,
    /// Kernel release (Linux, macOS) or empty.
    pub release: &'static str,
    /// Kernel build string (Linux, macOS) or empty.
    pub kernel_version: &'static str,
    /// Windows or macOS build.
    pub build: &'static str,
    pub display_version: &'static str,
    pub arch: &'static str,
    pub format: PkgFormat,
    pub packages: &'static [Pkg],
    /// SCA policy id evaluated on this OS.
    pub sca_policy: Option<&'static str>,
    /// Where sshd and PAM write on this OS.
    pub auth_log: &'static str,
}

/// One package or program. `name` may contain `{v}` (the version), as Windows programs do.
#[derive(Debug)]
pub(crate) struct Pkg {
    pub name: &'static str,
    /// Older (often vulnerable) version some agents still run.
    pub old: &'static str,
    /// Current version.
    pub new: &'static str,
    pub vendor: &'static str,
    pub arch: &'static str,
    /// deb section / rpm group / install location (Windows, macOS).
    pub section: &'static str,
    pub description: &'static str,
    pub source: &'static str,
    /// Size in KiB (deb) or bytes (others).
    pub size: u64,
    /// Role tag the package needs ("" = every host).
    pub tag: &'static str,
}

const UBU: &str = "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>";
const RH: &str = "Red Hat, Inc.";
const CENTOS: &str = "CentOS";
const AMZN: &str = "Amazon Linux";
const WZ: &str = "Wazuh, Inc <info@wazuh.com>";

macro_rules! pkg {
    ($name:expr, $old:expr, $new:expr, $vendor:expr, $arch:expr, $section:expr, $desc:expr, $source:expr, $size:expr, $tag:expr) => {
        Pkg {
            name: $name,
            old: $old,
            new: $new,
            vendor: $vendor,
            arch: $arch,
            section: $section,
            description: $desc,
            source: $source,
            size: $size,
            tag: $tag,
        }
    };
}

static JAMMY: &[Pkg] = &[
    pkg!(
        "openssl",
        "3.0.2-0ubuntu1.10",
        "3.0.2-0ubuntu1.15",
        UBU,
        "amd64",
        "utils",
        "Secure Sockets Layer toolkit - cryptographic utility",
        "openssl",
        2076,
        ""
    ),
    pkg!(
        "libssl3",
        "3.0.2-0ubuntu1.10",
        "3.0.2-0ubuntu1.15",
        UBU,
        "amd64",
        "libs",
        "Secure Sockets Layer toolkit - shared libraries",
        "openssl",
        5847,
        ""
    ),
    pkg!(
        "openssh-server",
        "1:8.9p1-3ubuntu0.6",
        "1:8.9p1-3ubuntu0.10",
        UBU,
        "amd64",
        "net",
        "secure shell (SSH) server, for secure access from remote machines",
        "openssh",
        1489,
        ""
    ),
    pkg!(
        "openssh-client",
        "1:8.9p1-3ubuntu0.6",
        "1:8.9p1-3ubuntu0.10",
        UBU,
        "amd64",
        "net",
        "secure shell (SSH) client, for secure access to remote machines",
        "openssh",
        4155,
        ""
    ),
    pkg!(
        "sudo",
        "1.9.9-1ubuntu2.3",
        "1.9.9-1ubuntu2.4",
        UBU,
        "amd64",
        "admin",
        "Provide limited super user privileges to specific users",
        "sudo",
        2504,
        ""
    ),
    pkg!(
        "bash",
        "5.1-6ubuntu1",
        "5.1-6ubuntu1.1",
        UBU,
        "amd64",
        "shells",
        "GNU Bourne Again SHell",
        "bash",
        1864,
        ""
    ),
    pkg!(
        "curl",
        "7.81.0-1ubuntu1.13",
        "7.81.0-1ubuntu1.16",
        UBU,
        "amd64",
        "web",
        "command line tool for transferring data with URL syntax",
        "curl",
        453,
        ""
    ),
    pkg!(
        "libcurl4",
        "7.81.0-1ubuntu1.13",
        "7.81.0-1ubuntu1.16",
        UBU,
        "amd64",
        "libs",
        "easy-to-use client-side URL transfer library (OpenSSL flavour)",
        "curl",
        887,
        ""
    ),
    pkg!(
        "libc6",
        "2.35-0ubuntu3.1",
        "2.35-0ubuntu3.7",
        UBU,
        "amd64",
        "libs",
        "GNU C Library: Shared libraries",
        "glibc",
        13592,
        ""
    ),
    pkg!(
        "python3",
        "3.10.6-1~22.04",
        "3.10.6-1~22.04.1",
        UBU,
        "amd64",
        "python",
        "interactive high-level object-oriented language (default python3 version)",
        "python3-defaults",
        90,
        ""
    ),
    pkg!(
        "systemd",
        "249.11-0ubuntu3.9",
        "249.11-0ubuntu3.12",
        UBU,
        "amd64",
        "admin",
        "system and service manager",
        "systemd",
        11795,
        ""
    ),
    pkg!(
        "coreutils",
        "8.32-4.1ubuntu1",
        "8.32-4.1ubuntu1.2",
        UBU,
        "amd64",
        "utils",
        "GNU core utilities",
        "coreutils",
        7112,
        ""
    ),
    pkg!(
        "tar",
        "1.34+dfsg-1build3",
        "1.34+dfsg-1ubuntu0.1.22.04.2",
        UBU,
        "amd64",
        "utils",
        "GNU version of the tar archiving utility",
        "tar",
        960,
        ""
    ),
    pkg!(
        "less",
        "590-1ubuntu0.22.04.1",
        "590-1ubuntu0.22.04.3",
        UBU,
        "amd64",
        "text",
        "pager program similar to more",
        "less",
        323,
        ""
    ),
    pkg!(
        "vim",
        "2:8.2.3995-1ubuntu2.13",
        "2:8.2.3995-1ubuntu2.17",
        UBU,
        "amd64",
        "editors",
        "Vi IMproved - enhanced vi editor",
        "vim",
        3832,
        ""
    ),
    pkg!(
        "git",
        "1:2.34.1-1ubuntu1.10",
        "1:2.34.1-1ubuntu1.11",
        UBU,
        "amd64",
        "vcs",
        "fast, scalable, distributed revision control system",
        "git",
        18818,
        "app"
    ),
    pkg!(
        "linux-image-5.15.0-105-generic",
        "5.15.0-105.115",
        "5.15.0-105.115",
        UBU,
        "amd64",
        "kernel",
        "Signed kernel image generic",
        "linux-signed",
        11632,
        ""
    ),
    pkg!(
        "cron",
        "3.0pl1-137ubuntu3",
        "3.0pl1-137ubuntu3",
        UBU,
        "amd64",
        "admin",
        "process scheduling daemon",
        "cron",
        244,
        ""
    ),
    pkg!(
        "rsyslog",
        "8.2112.0-2ubuntu2.2",
        "8.2112.0-2ubuntu2.2",
        UBU,
        "amd64",
        "admin",
        "reliable system and kernel logging daemon",
        "rsyslog",
        1829,
        ""
    ),
    pkg!(
        "netcat-openbsd",
        "1.218-4ubuntu1",
        "1.218-4ubuntu1",
        UBU,
        "amd64",
        "net",
        "TCP/IP swiss army knife",
        "netcat-openbsd",
        109,
        ""
    ),
    pkg!(
        "libxml2",
        "2.9.13+dfsg-1ubuntu0.3",
        "2.9.13+dfsg-1ubuntu0.4",
        UBU,
        "amd64",
        "libs",
        "GNOME XML library",
        "libxml2",
        2098,
        ""
    ),
    pkg!(
        "ca-certificates",
        "20230311ubuntu0.22.04.1",
        "20230311ubuntu0.22.04.1",
        UBU,
        "all",
        "misc",
        "Common CA certificates",
        "ca-certificates",
        382,
        ""
    ),
    pkg!(
        "tzdata",
        "2024a-0ubuntu0.22.04",
        "2024a-0ubuntu0.22.04",
        UBU,
        "all",
        "localization",
        "time zone and daylight-saving time data",
        "tzdata",
        3876,
        ""
    ),
    pkg!(
        "nginx",
        "1.18.0-6ubuntu14.3",
        "1.18.0-6ubuntu14.4",
        UBU,
        "amd64",
        "httpd",
        "small, powerful, scalable web/proxy server",
        "nginx",
        50,
        "web"
    ),
    pkg!(
        "nginx-core",
        "1.18.0-6ubuntu14.3",
        "1.18.0-6ubuntu14.4",
        UBU,
        "amd64",
        "httpd",
        "nginx web/proxy server (standard version)",
        "nginx",
        1322,
        "web"
    ),
    pkg!(
        "mysql-server-8.0",
        "8.0.35-0ubuntu0.22.04.1",
        "8.0.36-0ubuntu0.22.04.1",
        UBU,
        "amd64",
        "database",
        "MySQL database server binaries and system database setup",
        "mysql-8.0",
        118617,
        "db"
    ),
    pkg!(
        "postfix",
        "3.6.4-1ubuntu1.2",
        "3.6.4-1ubuntu1.3",
        UBU,
        "amd64",
        "mail",
        "High-performance mail transport agent",
        "postfix",
        4282,
        "mail"
    ),
    pkg!(
        "docker.io",
        "24.0.5-0ubuntu1~22.04.1",
        "24.0.7-0ubuntu2~22.04.1",
        UBU,
        "amd64",
        "admin",
        "Linux container runtime",
        "docker.io",
        101958,
        "docker"
    ),
    pkg!(
        "containerd",
        "1.7.2-0ubuntu1~22.04.1",
        "1.7.12-0ubuntu2~22.04.1",
        UBU,
        "amd64",
        "admin",
        "daemon to control runC",
        "containerd",
        136870,
        "docker"
    ),
    pkg!(
        "wazuh-agent",
        "4.9.2-1",
        "4.9.2-1",
        WZ,
        "amd64",
        "admin",
        "Wazuh helps you to gain security visibility into your infrastructure by monitoring hosts at an operating system and application level.",
        "",
        32914,
        ""
    ),
];

static FOCAL: &[Pkg] = &[
    pkg!(
        "openssl",
        "1.1.1f-1ubuntu2.19",
        "1.1.1f-1ubuntu2.22",
        UBU,
        "amd64",
        "utils",
        "Secure Sockets Layer toolkit - cryptographic utility",
        "openssl",
        1257,
        ""
    ),
    pkg!(
        "libssl1.1",
        "1.1.1f-1ubuntu2.19",
        "1.1.1f-1ubuntu2.22",
        UBU,
        "amd64",
        "libs",
        "Secure Sockets Layer toolkit - shared libraries",
        "openssl",
        4128,
        ""
    ),
    pkg!(
        "openssh-server",
        "1:8.2p1-4ubuntu0.9",
        "1:8.2p1-4ubuntu0.11",
        UBU,
        "amd64",
        "net",
        "secure shell (SSH) server, for secure access from remote machines",
        "openssh",
        1452,
        ""
    ),
    pkg!(
        "openssh-client",
        "1:8.2p1-4ubuntu0.9",
        "1:8.2p1-4ubuntu0.11",
        UBU,
        "amd64",
        "net",
        "secure shell (SSH) client, for secure access to remote machines",
        "openssh",
        4117,
        ""
    ),
    pkg!(
        "sudo",
        "1.8.31-1ubuntu1.4",
        "1.8.31-1ubuntu1.5",
        UBU,
        "amd64",
        "admin",
        "Provide limited super user privileges to specific users",
        "sudo",
        2166,
        ""
    ),
    pkg!(
        "bash",
        "5.0-6ubuntu1.2",
        "5.0-6ubuntu1.2",
        UBU,
        "amd64",
        "shells",
        "GNU Bourne Again SHell",
        "bash",
        1648,
        ""
    ),
    pkg!(
        "curl",
        "7.68.0-1ubuntu2.18",
        "7.68.0-1ubuntu2.21",
        UBU,
        "amd64",
        "web",
        "command line tool for transferring data with URL syntax",
        "curl",
        411,
        ""
    ),
    pkg!(
        "libc6",
        "2.31-0ubuntu9.9",
        "2.31-0ubuntu9.15",
        UBU,
        "amd64",
        "libs",
        "GNU C Library: Shared libraries",
        "glibc",
        13040,
        ""
    ),
    pkg!(
        "python3",
        "3.8.2-0ubuntu2",
        "3.8.2-0ubuntu2",
        UBU,
        "amd64",
        "python",
        "interactive high-level object-oriented language (default python3 version)",
        "python3-defaults",
        189,
        ""
    ),
    pkg!(
        "systemd",
        "245.4-4ubuntu3.22",
        "245.4-4ubuntu3.23",
        UBU,
        "amd64",
        "admin",
        "system and service manager",
        "systemd",
        18375,
        ""
    ),
    pkg!(
        "linux-image-5.4.0-182-generic",
        "5.4.0-182.202",
        "5.4.0-182.202",
        UBU,
        "amd64",
        "kernel",
        "Signed kernel image generic",
        "linux-signed",
        10352,
        ""
    ),
    pkg!(
        "vim",
        "2:8.1.2269-1ubuntu5.18",
        "2:8.1.2269-1ubuntu5.23",
        UBU,
        "amd64",
        "editors",
        "Vi IMproved - enhanced vi editor",
        "vim",
        3112,
        ""
    ),
    pkg!(
        "cron",
        "3.0pl1-136ubuntu1",
        "3.0pl1-136ubuntu1",
        UBU,
        "amd64",
        "admin",
        "process scheduling daemon",
        "cron",
        256,
        ""
    ),
    pkg!(
        "rsyslog",
        "8.2001.0-1ubuntu1.3",
        "8.2001.0-1ubuntu1.3",
        UBU,
        "amd64",
        "admin",
        "reliable system and kernel logging daemon",
        "rsyslog",
        1674,
        ""
    ),
    pkg!(
        "tar",
        "1.30+dfsg-7ubuntu0.20.04.3",
        "1.30+dfsg-7ubuntu0.20.04.4",
        UBU,
        "amd64",
        "utils",
        "GNU version of the tar archiving utility",
        "tar",
        860,
        ""
    ),
    pkg!(
        "ca-certificates",
        "20230311ubuntu0.20.04.1",
        "20230311ubuntu0.20.04.1",
        UBU,
        "all",
        "misc",
        "Common CA certificates",
        "ca-certificates",
        388,
        ""
    ),
    pkg!(
        "nginx",
        "1.18.0-0ubuntu1.4",
        "1.18.0-0ubuntu1.4",
        UBU,
        "all",
        "httpd",
        "small, powerful, scalable web/proxy server",
        "nginx",
        44,
        "web"
    ),
    pkg!(
        "apache2",
        "2.4.41-4ubuntu3.14",
        "2.4.41-4ubuntu3.17",
        UBU,
        "amd64",
        "httpd",
        "Apache HTTP Server",
        "apache2",
        544,
        "web"
    ),
    pkg!(
        "mysql-server-8.0",
        "8.0.35-0ubuntu0.20.04.1",
        "8.0.36-0ubuntu0.20.04.1",
        UBU,
        "amd64",
        "database",
        "MySQL database server binaries and system database setup",
        "mysql-8.0",
        114921,
        "db"
    ),
    pkg!(
        "wazuh-agent",
        "4.8.2-1",
        "4.8.2-1",
        WZ,
        "amd64",
        "admin",
        "Wazuh helps you to gain security visibility into your infrastructure by monitoring hosts at an operating system and application level.",
        "",
        31546,
        ""
    ),
];

const DEB_OPENSSL: &str = "Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>";
const DEB_SSH: &str = "Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>";
const DEB_GLIBC: &str = "GNU Libc Maintainers <debian-glibc@lists.debian.org>";
const DEB_SYSTEMD: &str =
    "Debian systemd Maintainers <pkg-systemd-maintainers@lists.alioth.debian.org>";
const DEB_KERNEL: &str = "Debian Kernel Team <debian-kernel@lists.debian.org>";

static BOOKWORM: &[Pkg] = &[
    pkg!(
        "openssl",
        "3.0.11-1~deb12u2",
        "3.0.13-1~deb12u1",
        DEB_OPENSSL,
        "amd64",
        "utils",
        "Secure Sockets Layer toolkit - cryptographic utility",
        "openssl",
        2303,
        ""
    ),
    pkg!(
        "libssl3",
        "3.0.11-1~deb12u2",
        "3.0.13-1~deb12u1",
        DEB_OPENSSL,
        "amd64",
        "libs",
        "Secure Sockets Layer toolkit - shared libraries",
        "openssl",
        6372,
        ""
    ),
    pkg!(
        "openssh-server",
        "1:9.2p1-2+deb12u2",
        "1:9.2p1-2+deb12u3",
        DEB_SSH,
        "amd64",
        "net",
        "secure shell (SSH) server, for secure access from remote machines",
        "openssh",
        1938,
        ""
    ),
    pkg!(
        "openssh-client",
        "1:9.2p1-2+deb12u2",
        "1:9.2p1-2+deb12u3",
        DEB_SSH,
        "amd64",
        "net",
        "secure shell (SSH) client, for secure access to remote machines",
        "openssh",
        4915,
        ""
    ),
    pkg!(
        "sudo",
        "1.9.13p3-1+deb12u1",
        "1.9.13p3-1+deb12u1",
        "Sudo Maintainers <sudo@packages.debian.org>",
        "amd64",
        "admin",
        "Provide limited super user privileges to specific users",
        "sudo",
        6550,
        ""
    ),
    pkg!(
        "bash",
        "5.2.15-2+b2",
        "5.2.15-2+b7",
        "Matthias Klose <doko@debian.org>",
        "amd64",
        "shells",
        "GNU Bourne Again SHell",
        "bash",
        7159,
        ""
    ),
    pkg!(
        "curl",
        "7.88.1-10+deb12u5",
        "7.88.1-10+deb12u6",
        "Debian Curl Maintainers <team+curl@tracker.debian.org>",
        "amd64",
        "web",
        "command line tool for transferring data with URL syntax",
        "curl",
        500,
        ""
    ),
    pkg!(
        "libc6",
        "2.36-9+deb12u4",
        "2.36-9+deb12u7",
        DEB_GLIBC,
        "amd64",
        "libs",
        "GNU C Library: Shared libraries",
        "glibc",
        12986,
        ""
    ),
    pkg!(
        "systemd",
        "252.22-1~deb12u1",
        "252.26-1~deb12u2",
        DEB_SYSTEMD,
        "amd64",
        "admin",
        "system and service manager",
        "systemd",
        26113,
        ""
    ),
    pkg!(
        "linux-image-6.1.0-21-amd64",
        "6.1.90-1",
        "6.1.90-1",
        DEB_KERNEL,
        "amd64",
        "kernel",
        "Linux 6.1 for 64-bit PCs (signed)",
        "linux-signed-amd64",
        399433,
        ""
    ),
    pkg!(
        "python3",
        "3.11.2-1+b1",
        "3.11.2-1+b1",
        "Matthias Klose <doko@debian.org>",
        "amd64",
        "python",
        "interactive high-level object-oriented language (default python3 version)",
        "python3-defaults",
        83,
        ""
    ),
    pkg!(
        "nginx",
        "1.22.1-9",
        "1.22.1-9",
        "Debian Nginx Maintainers <pkg-nginx-maintainers@alioth-lists.debian.net>",
        "amd64",
        "httpd",
        "small, powerful, scalable web/proxy server",
        "nginx",
        1170,
        "web"
    ),
    pkg!(
        "postgresql-15",
        "15.6-0+deb12u1",
        "15.7-0+deb12u1",
        "Debian PostgreSQL Maintainers <team+postgresql@tracker.debian.org>",
        "amd64",
        "database",
        "The World's Most Advanced Open Source Relational Database",
        "postgresql-15",
        53400,
        "db"
    ),
    pkg!(
        "postfix",
        "3.7.10-0+deb12u1",
        "3.7.11-0+deb12u1",
        "LaMont Jones <lamont@debian.org>",
        "amd64",
        "mail",
        "High-performance mail transport agent",
        "postfix",
        4470,
        "mail"
    ),
    pkg!(
        "cron",
        "3.0pl1-162",
        "3.0pl1-162",
        "Georges Khaznadar <georgesk@debian.org>",
        "amd64",
        "admin",
        "process scheduling daemon",
        "cron",
        225,
        ""
    ),
    pkg!(
        "wazuh-agent",
        "4.9.2-1",
        "4.9.2-1",
        WZ,
        "amd64",
        "admin",
        "Wazuh helps you to gain security visibility into your infrastructure by monitoring hosts at an operating system and application level.",
        "",
        32914,
        ""
    ),
];

static EL9: &[Pkg] = &[
    pkg!(
        "openssl",
        "1:3.0.7-24.el9",
        "1:3.0.7-27.el9",
        RH,
        "x86_64",
        "Unspecified",
        "Utilities from the general purpose cryptography library with TLS implementation",
        "openssl-3.0.7-27.el9.src.rpm",
        1907566,
        ""
    ),
    pkg!(
        "openssl-libs",
        "1:3.0.7-24.el9",
        "1:3.0.7-27.el9",
        RH,
        "x86_64",
        "Unspecified",
        "A general purpose cryptography library with TLS implementation",
        "openssl-3.0.7-27.el9.src.rpm",
        6508373,
        ""
    ),
    pkg!(
        "openssh-server",
        "8.7p1-34.el9",
        "8.7p1-38.el9_4.1",
        RH,
        "x86_64",
        "Unspecified",
        "An open source SSH server daemon",
        "openssh-8.7p1-38.el9_4.1.src.rpm",
        1137834,
        ""
    ),
    pkg!(
        "sudo",
        "1.9.5p2-9.el9",
        "1.9.5p2-10.el9_3",
        RH,
        "x86_64",
        "Unspecified",
        "Allows restricted root access for specified users",
        "sudo-1.9.5p2-10.el9_3.src.rpm",
        4839016,
        ""
    ),
    pkg!(
        "bash",
        "5.1.8-6.el9_1",
        "5.1.8-9.el9",
        RH,
        "x86_64",
        "Unspecified",
        "The GNU Bourne Again shell",
        "bash-5.1.8-9.el9.src.rpm",
        7738634,
        ""
    ),
    pkg!(
        "curl",
        "7.76.1-26.el9",
        "7.76.1-29.el9_4",
        RH,
        "x86_64",
        "Unspecified",
        "A utility for getting files from remote servers (FTP, HTTP, and others)",
        "curl-7.76.1-29.el9_4.src.rpm",
        710826,
        ""
    ),
    pkg!(
        "glibc",
        "2.34-83.el9_3.7",
        "2.34-100.el9_4.2",
        RH,
        "x86_64",
        "Unspecified",
        "The GNU libc libraries",
        "glibc-2.34-100.el9_4.2.src.rpm",
        6421210,
        ""
    ),
    pkg!(
        "kernel",
        "5.14.0-427.13.1.el9_4",
        "5.14.0-427.13.1.el9_4",
        RH,
        "x86_64",
        "Unspecified",
        "The Linux kernel",
        "kernel-5.14.0-427.13.1.el9_4.src.rpm",
        0,
        ""
    ),
    pkg!(
        "systemd",
        "252-18.el9",
        "252-32.el9_4",
        RH,
        "x86_64",
        "Unspecified",
        "System and Service Manager",
        "systemd-252-32.el9_4.src.rpm",
        13108539,
        ""
    ),
    pkg!(
        "python3",
        "3.9.18-1.el9_3",
        "3.9.18-3.el9_4.1",
        RH,
        "x86_64",
        "Unspecified",
        "Python 3.9 interpreter",
        "python3.9-3.9.18-3.el9_4.1.src.rpm",
        33185,
        ""
    ),
    pkg!(
        "cronie",
        "1.5.7-10.el9",
        "1.5.7-11.el9",
        RH,
        "x86_64",
        "Unspecified",
        "Cron daemon for executing programs at set times",
        "cronie-1.5.7-11.el9.src.rpm",
        284514,
        ""
    ),
    pkg!(
        "rsyslog",
        "8.2310.0-4.el9",
        "8.2310.0-4.el9",
        RH,
        "x86_64",
        "Unspecified",
        "Enhanced system logging and kernel message trapping daemon",
        "rsyslog-8.2310.0-4.el9.src.rpm",
        2497158,
        ""
    ),
    pkg!(
        "httpd",
        "2.4.57-5.el9",
        "2.4.57-8.el9",
        RH,
        "x86_64",
        "Unspecified",
        "Apache HTTP Server",
        "httpd-2.4.57-8.el9.src.rpm",
        62014,
        "web"
    ),
    pkg!(
        "postgresql-server",
        "13.14-1.el9_3",
        "13.16-1.el9_4",
        RH,
        "x86_64",
        "Unspecified",
        "The programs needed to create and run a PostgreSQL server",
        "postgresql-13.16-1.el9_4.src.rpm",
        22741917,
        "db"
    ),
    pkg!(
        "wazuh-agent",
        "4.9.2-1",
        "4.9.2-1",
        "Wazuh, Inc <info@wazuh.com>",
        "x86_64",
        "System Environment/Daemons",
        "Wazuh helps you to gain security visibility into your infrastructure by monitoring hosts at an operating system and application level.",
        "wazuh-agent-4.9.2-1.src.rpm",
        33704138,
        ""
    ),
];

static EL7: &[Pkg] = &[
    pkg!(
        "openssl",
        "1:1.0.2k-25.el7_9",
        "1:1.0.2k-26.el7_9",
        CENTOS,
        "x86_64",
        "System Environment/Libraries",
        "Utilities from the general purpose cryptography library with TLS implementation",
        "openssl-1.0.2k-26.el7_9.src.rpm",
        833657,
        ""
    ),
    pkg!(
        "openssh-server",
        "7.4p1-22.el7_9",
        "7.4p1-23.el7_9",
        CENTOS,
        "x86_64",
        "System Environment/Daemons",
        "An open source SSH server daemon",
        "openssh-7.4p1-23.el7_9.src.rpm",
        1030357,
        ""
    ),
    pkg!(
        "sudo",
        "1.8.23-10.el7_9.2",
        "1.8.23-10.el7_9.3",
        CENTOS,
        "x86_64",
        "Applications/System",
        "Allows restricted root access for specified users",
        "sudo-1.8.23-10.el7_9.3.src.rpm",
        3058730,
        ""
    ),
    pkg!(
        "bash",
        "4.2.46-35.el7_9",
        "4.2.46-35.el7_9",
        CENTOS,
        "x86_64",
        "System Environment/Shells",
        "The GNU Bourne Again shell",
        "bash-4.2.46-35.el7_9.src.rpm",
        3667773,
        ""
    ),
    pkg!(
        "curl",
        "7.29.0-59.el7_9.1",
        "7.29.0-59.el7_9.2",
        CENTOS,
        "x86_64",
        "Applications/Internet",
        "A utility for getting files from remote servers (FTP, HTTP, and others)",
        "curl-7.29.0-59.el7_9.2.src.rpm",
        540316,
        ""
    ),
    pkg!(
        "glibc",
        "2.17-326.el7_9",
        "2.17-326.el7_9.3",
        CENTOS,
        "x86_64",
        "System Environment/Libraries",
        "The GNU libc libraries",
        "glibc-2.17-326.el7_9.3.src.rpm",
        14106070,
        ""
    ),
    pkg!(
        "kernel",
        "3.10.0-1160.119.1.el7",
        "3.10.0-1160.119.1.el7",
        CENTOS,
        "x86_64",
        "System Environment/Kernel",
        "The Linux kernel",
        "kernel-3.10.0-1160.119.1.el7.src.rpm",
        67013466,
        ""
    ),
    pkg!(
        "httpd",
        "2.4.6-99.el7.centos.1",
        "2.4.6-99.el7.centos.1",
        CENTOS,
        "x86_64",
        "System Environment/Daemons",
        "Apache HTTP Server",
        "httpd-2.4.6-99.el7.centos.1.src.rpm",
        9821136,
        "web"
    ),
    pkg!(
        "mariadb-server",
        "1:5.5.68-1.el7",
        "1:5.5.68-1.el7",
        CENTOS,
        "x86_64",
        "Applications/Databases",
        "The MariaDB server and related files",
        "mariadb-5.5.68-1.el7.src.rpm",
        58754843,
        "db"
    ),
    pkg!(
        "python",
        "2.7.5-94.el7_9",
        "2.7.5-94.el7_9",
        CENTOS,
        "x86_64",
        "Development/Languages",
        "An interpreted, interactive, object-oriented programming language",
        "python-2.7.5-94.el7_9.src.rpm",
        80907,
        ""
    ),
    pkg!(
        "cronie",
        "1.4.11-25.el7_9",
        "1.4.11-25.el7_9",
        CENTOS,
        "x86_64",
        "System Environment/Base",
        "Cron daemon for executing programs at set times",
        "cronie-1.4.11-25.el7_9.src.rpm",
        220257,
        ""
    ),
    pkg!(
        "wazuh-agent",
        "4.7.5-1",
        "4.7.5-1",
        "Wazuh, Inc <info@wazuh.com>",
        "x86_64",
        "System Environment/Daemons",
        "Wazuh helps you to gain security visibility into your infrastructure by monitoring hosts at an operating system and application level.",
        "wazuh-agent-4.7.5-1.src.rpm",
        31250120,
        ""
    ),
];

static AMZN2: &[Pkg] = &[
    pkg!(
        "openssl",
        "1:1.0.2k-24.amzn2.0.10",
        "1:1.0.2k-24.amzn2.0.12",
        AMZN,
        "x86_64",
        "System Environment/Libraries",
        "A general purpose cryptography library with TLS implementation",
        "openssl-1.0.2k-24.amzn2.0.12.src.rpm",
        833657,
        ""
    ),
    pkg!(
        "openssh-server",
        "7.4p1-22.amzn2.0.6",
        "7.4p1-22.amzn2.0.9",
        AMZN,
        "x86_64",
        "System Environment/Daemons",
        "An open source SSH server daemon",
        "openssh-7.4p1-22.amzn2.0.9.src.rpm",
        1030357,
        ""
    ),
    pkg!(
        "sudo",
        "1.8.23-10.amzn2.3.3",
        "1.8.23-10.amzn2.3.3",
        AMZN,
        "x86_64",
        "Applications/System",
        "Allows restricted root access for specified users",
        "sudo-1.8.23-10.amzn2.3.3.src.rpm",
        3058730,
        ""
    ),
    pkg!(
        "curl",
        "8.3.0-1.amzn2.0.5",
        "8.3.0-1.amzn2.0.7",
        AMZN,
        "x86_64",
        "Applications/Internet",
        "A utility for getting files from remote servers (FTP, HTTP, and others)",
        "curl-8.3.0-1.amzn2.0.7.src.rpm",
        431384,
        ""
    ),
    pkg!(
        "glibc",
        "2.26-64.amzn2.0.1",
        "2.26-64.amzn2.0.2",
        AMZN,
        "x86_64",
        "System Environment/Libraries",
        "The GNU libc libraries",
        "glibc-2.26-64.amzn2.0.2.src.rpm",
        14106070,
        ""
    ),
    pkg!(
        "kernel",
        "5.10.215-203.850.amzn2",
        "5.10.215-203.850.amzn2",
        AMZN,
        "x86_64",
        "System Environment/Kernel",
        "The Linux kernel",
        "kernel-5.10.215-203.850.amzn2.src.rpm",
        78361812,
        ""
    ),
    pkg!(
        "nginx",
        "1:1.22.1-1.amzn2.0.3",
        "1:1.22.1-1.amzn2.0.5",
        AMZN,
        "x86_64",
        "System Environment/Daemons",
        "A high performance web server and reverse proxy server",
        "nginx-1.22.1-1.amzn2.0.5.src.rpm",
        1727433,
        "web"
    ),
    pkg!(
        "docker",
        "20.10.25-1.amzn2.0.4",
        "25.0.3-1.amzn2.0.1",
        AMZN,
        "x86_64",
        "System Environment/Base",
        "Automates deployment of containerized applications",
        "docker-25.0.3-1.amzn2.0.1.src.rpm",
        105765436,
        "docker"
    ),
    pkg!(
        "python3",
        "3.7.16-1.amzn2.0.4",
        "3.7.16-1.amzn2.0.8",
        AMZN,
        "x86_64",
        "Development/Languages",
        "Interpreter of the Python programming language",
        "python3-3.7.16-1.amzn2.0.8.src.rpm",
        53200,
        ""
    ),
    pkg!(
        "amazon-ssm-agent",
        "3.3.40.0-1.amzn2",
        "3.3.40.0-1.amzn2",
        "Amazon.com",
        "x86_64",
        "Amazon/Tools",
        "Manage EC2 Instances using Systems Manager",
        "amazon-ssm-agent-3.3.40.0-1.amzn2.src.rpm",
        102612341,
        ""
    ),
    pkg!(
        "wazuh-agent",
        "4.9.2-1",
        "4.9.2-1",
        "Wazuh, Inc <info@wazuh.com>",
        "x86_64",
        "System Environment/Daemons",
        "Wazuh helps you to gain security visibility into your infrastructure by monitoring hosts at an operating system and application level.",
        "wazuh-agent-4.9.2-1.src.rpm",
        33704138,
        ""
    ),
];

/// Windows programs; `section` is the install location, `tag` `desk` means workstations only,
/// `srv` servers only.
static WIN: &[Pkg] = &[
    pkg!(
        "Google Chrome",
        "116.0.5845.141",
        "125.0.6422.142",
        "Google LLC",
        "x86_64",
        "C:\\Program Files\\Google\\Chrome\\Application",
        "",
        "",
        0,
        "desk"
    ),
    pkg!(
        "Microsoft Edge",
        "116.0.1938.69",
        "125.0.2535.85",
        "Microsoft Corporation",
        "x86_64",
        "C:\\Program Files (x86)\\Microsoft\\Edge\\Application",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "Mozilla Firefox (x64 en-US)",
        "115.0",
        "126.0.1",
        "Mozilla",
        "x86_64",
        "C:\\Program Files\\Mozilla Firefox",
        "",
        "",
        0,
        "desk"
    ),
    pkg!(
        "7-Zip {v} (x64)",
        "23.01",
        "24.07",
        "Igor Pavlov",
        "x86_64",
        "C:\\Program Files\\7-Zip\\",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "Notepad++ (64-bit x64)",
        "8.5.4",
        "8.6.7",
        "Notepad++ Team",
        "x86_64",
        "C:\\Program Files\\Notepad++",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "Microsoft 365 Apps for enterprise - en-us",
        "16.0.16731.20234",
        "16.0.17531.20152",
        "Microsoft Corporation",
        "x86_64",
        "C:\\Program Files\\Microsoft Office",
        "",
        "",
        0,
        "desk"
    ),
    pkg!(
        "Adobe Acrobat Reader DC",
        "23.003.20244",
        "24.002.20759",
        "Adobe",
        "i686",
        "C:\\Program Files (x86)\\Adobe\\Acrobat Reader DC\\",
        "",
        "",
        0,
        "desk"
    ),
    pkg!(
        "WinRAR {v} (64-bit)",
        "6.22.0",
        "7.01.0",
        "win.rar GmbH",
        "x86_64",
        "C:\\Program Files\\WinRAR\\",
        "",
        "",
        0,
        "desk"
    ),
    pkg!(
        "Zoom",
        "5.15.5",
        "6.0.11",
        "Zoom Video Communications, Inc.",
        "x86_64",
        "C:\\Program Files\\Zoom\\bin",
        "",
        "",
        0,
        "desk"
    ),
    pkg!(
        "PuTTY release {v} (64-bit)",
        "0.79.0.0",
        "0.81.0.0",
        "Simon Tatham",
        "x86_64",
        "C:\\Program Files\\PuTTY\\",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "Git",
        "2.41.0",
        "2.45.1",
        "The Git Development Community",
        "x86_64",
        "C:\\Program Files\\Git\\",
        "",
        "",
        0,
        "desk"
    ),
    pkg!(
        "Python 3.11.4 (64-bit)",
        "3.11.4150.0",
        "3.11.4150.0",
        "Python Software Foundation",
        "x86_64",
        "",
        "",
        "",
        0,
        "desk"
    ),
    pkg!(
        "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135",
        "14.38.33135.0",
        "14.38.33135.0",
        "Microsoft Corporation",
        "x86_64",
        "",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "Microsoft OneDrive",
        "23.184.0903.0001",
        "24.086.0428.0003",
        "Microsoft Corporation",
        "x86_64",
        "C:\\Program Files\\Microsoft OneDrive\\",
        "",
        "",
        0,
        "desk"
    ),
    pkg!(
        "VMware Tools",
        "12.3.0.22234872",
        "12.4.0.23259341",
        "VMware, Inc.",
        "x86_64",
        "C:\\Program Files\\VMware\\VMware Tools\\",
        "",
        "",
        0,
        "srv"
    ),
    pkg!(
        "Microsoft SQL Server 2019 (64-bit)",
        "15.0.2000.5",
        "15.0.2000.5",
        "Microsoft Corporation",
        "x86_64",
        "",
        "",
        "",
        0,
        "sql"
    ),
    pkg!(
        "Wazuh Agent",
        "4.9.2",
        "4.9.2",
        "Wazuh, Inc.",
        "i686",
        "C:\\Program Files (x86)\\ossec-agent\\",
        "",
        "",
        0,
        ""
    ),
];

static MAC: &[Pkg] = &[
    pkg!(
        "Google Chrome",
        "116.0.5845.140",
        "125.0.6422.142",
        "",
        "",
        "/Applications/Google Chrome.app/Contents/Info.plist",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "Firefox",
        "115.0",
        "126.0.1",
        "",
        "",
        "/Applications/Firefox.app/Contents/Info.plist",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "Slack",
        "4.33.90",
        "4.38.125",
        "",
        "",
        "/Applications/Slack.app/Contents/Info.plist",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "zoom.us",
        "5.15.5",
        "6.0.11",
        "",
        "",
        "/Applications/zoom.us.app/Contents/Info.plist",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "Visual Studio Code",
        "1.81.1",
        "1.89.1",
        "",
        "",
        "/Applications/Visual Studio Code.app/Contents/Info.plist",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "iTerm2",
        "3.4.20",
        "3.5.0",
        "",
        "",
        "/Applications/iTerm.app/Contents/Info.plist",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "Docker",
        "4.22.1",
        "4.30.0",
        "",
        "",
        "/Applications/Docker.app/Contents/Info.plist",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "Microsoft Word",
        "16.76",
        "16.85",
        "",
        "",
        "/Applications/Microsoft Word.app/Contents/Info.plist",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "Safari",
        "17.4.1",
        "17.4.1",
        "",
        "",
        "/Applications/Safari.app/Contents/Info.plist",
        "",
        "",
        0,
        ""
    ),
    pkg!(
        "wazuh-agent",
        "4.9.2",
        "4.9.2",
        "Wazuh, Inc <info@wazuh.com>",
        "",
        "/Library/Ossec",
        "",
        "",
        0,
        ""
    ),
];

/// Every OS release the fleet uses.
pub(crate) static OSES: &[OsInfo] = &[
    OsInfo {
        key: "ubuntu22",
        family: Family::Linux,
        name: "Ubuntu",
        platform: "ubuntu",
        major: "22",
        minor: "04",
        codename: "Jammy Jellyfish",
        version: "22.04.4 LTS",
        release: "5.15.0-105-generic",
        kernel_version: "#115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024",
        build: "",
        display_version: "",
        arch: "x86_64",
        format: PkgFormat::Deb,
        packages: JAMMY,
        sca_policy: Some("cis_ubuntu22-04"),
        auth_log: "/var/log/auth.log",
    },
    OsInfo {
        key: "ubuntu20",
        family: Family::Linux,
        name: "Ubuntu",
        platform: "ubuntu",
        major: "20",
        minor: "04",
        codename: "Focal Fossa",
        version: "20.04.6 LTS",
        release: "5.4.0-182-generic",
        kernel_version: "#202-Ubuntu SMP Fri Apr 26 12:29:36 UTC 2024",
        build: "",
        display_version: "",
        arch: "x86_64",
        format: PkgFormat::Deb,
        packages: FOCAL,
        sca_policy: Some("cis_ubuntu22-04"),
        auth_log: "/var/log/auth.log",
    },
    OsInfo {
        key: "debian12",
        family: Family::Linux,
        name: "Debian GNU/Linux",
        platform: "debian",
        major: "12",
        minor: "",
        codename: "bookworm",
        version: "12",
        release: "6.1.0-21-amd64",
        kernel_version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.90-1 (2024-05-03)",
        build: "",
        display_version: "",
        arch: "x86_64",
        format: PkgFormat::Deb,
        packages: BOOKWORM,
        sca_policy: Some("cis_ubuntu22-04"),
        auth_log: "/var/log/auth.log",
    },
    OsInfo {
        key: "rhel9",
        family: Family::Linux,
        name: "Red Hat Enterprise Linux",
        platform: "rhel",
        major: "9",
        minor: "4",
        codename: "Plow",
        version: "9.4",
        release: "5.14.0-427.13.1.el9_4.x86_64",
        kernel_version: "#1 SMP PREEMPT_DYNAMIC Wed Apr 10 10:29:16 EDT 2024",
        build: "",
        display_version: "",
        arch: "x86_64",
        format: PkgFormat::Rpm,
        packages: EL9,
        sca_policy: Some("cis_ubuntu22-04"),
        auth_log: "/var/log/secure",
    },
    OsInfo {
        key: "centos7",
        family: Family::Linux,
        name: "CentOS Linux",
        platform: "centos",
        major: "7",
        minor: "9",
        codename: "Core",
        version: "7.9",
        release: "3.10.0-1160.119.1.el7.x86_64",
        kernel_version: "#1 SMP Tue Jun 4 14:43:51 UTC 2024",
        build: "",
        display_version: "",
        arch: "x86_64",
        format: PkgFormat::Rpm,
        packages: EL7,
        sca_policy: Some("cis_ubuntu22-04"),
        auth_log: "/var/log/secure",
    },
    OsInfo {
        key: "amzn2",
        family: Family::Linux,
        name: "Amazon Linux",
        platform: "amzn",
        major: "2",
        minor: "",
        codename: "",
        version: "2",
        release: "5.10.215-203.850.amzn2.x86_64",
        kernel_version: "#1 SMP Tue Apr 23 20:32:19 UTC 2024",
        build: "",
        display_version: "",
        arch: "x86_64",
        format: PkgFormat::Rpm,
        packages: AMZN2,
        sca_policy: Some("cis_ubuntu22-04"),
        auth_log: "/var/log/secure",
    },
    OsInfo {
        key: "win2022",
        family: Family::Windows,
        name: "Microsoft Windows Server 2022 Datacenter",
        platform: "windows",
        major: "10",
        minor: "0",
        codename: "",
        version: "10.0.20348.2402",
        release: "",
        kernel_version: "",
        build: "20348",
        display_version: "21H2",
        arch: "x86_64",
        format: PkgFormat::Win,
        packages: WIN,
        sca_policy: Some("cis_win2022"),
        auth_log: "EventChannel",
    },
    OsInfo {
        key: "win2019",
        family: Family::Windows,
        name: "Microsoft Windows Server 2019 Standard",
        platform: "windows",
        major: "10",
        minor: "0",
        codename: "",
        version: "10.0.17763.5820",
        release: "",
        kernel_version: "",
        build: "17763",
        display_version: "1809",
        arch: "x86_64",
        format: PkgFormat::Win,
        packages: WIN,
        sca_policy: Some("cis_win2022"),
        auth_log: "EventChannel",
    },
    OsInfo {
        key: "win10",
        family: Family::Windows,
        name: "Microsoft Windows 10 Pro",
        platform: "windows",
        major: "10",
        minor: "0",
        codename: "",
        version: "10.0.19045.4412",
        release: "",
        kernel_version: "",
        build: "19045",
        display_version: "22H2",
        arch: "x86_64",
        format: PkgFormat::Win,
        packages: WIN,
        sca_policy: Some("cis_win2022"),
        auth_log: "EventChannel",
    },
    OsInfo {
        key: "win11",
        family: Family::Windows,
        name: "Microsoft Windows 11 Enterprise",
        platform: "windows",
        major: "10",
        minor: "0",
        codename: "",
        version: "10.0.22631.3593",
        release: "",
        kernel_version: "",
        build: "22631",
        display_version: "23H2",
        arch: "x86_64",
        format: PkgFormat::Win,
        packages: WIN,
        sca_policy: Some("cis_win2022"),
        auth_log: "EventChannel",
    },
    OsInfo {
        key: "macos14",
        family: Family::Macos,
        name: "macOS",
        platform: "darwin",
        major: "14",
        minor: "4",
        codename: "Sonoma",
        version: "14.4.1",
        release: "23.4.0",
        kernel_version: "Darwin Kernel Version 23.4.0: Fri Mar 15 00:10:42 PDT 2024; root:xnu-10063.101.17~1/RELEASE_ARM64_T6000",
        build: "23E224",
        display_version: "",
        arch: "arm64",
        format: PkgFormat::Pkg,
        packages: MAC,
        sca_policy: None,
        auth_log: "/var/log/system.log",
    },
    OsInfo {
        key: "macos13",
        family: Family::Macos,
        name: "macOS",
        platform: "darwin",
        major: "13",
        minor: "6",
        codename: "Ventura",
        version: "13.6.6",
        release: "22.6.0",
        kernel_version: "Darwin Kernel Version 22.6.0: Mon Feb 19 19:48:53 PST 2024; root:xnu-8796.141.3.704.6~1/RELEASE_X86_64",
        build: "22G630",
        display_version: "",
        arch: "x86_64",
        format: PkgFormat::Pkg,
        packages: MAC,
        sca_policy: None,
        auth_log: "/var/log/system.log",
    },
];

/// Looks an OS up by key.
pub(crate) fn os(key: &str) -> &'static OsInfo {
    OSES.iter().find(|o| o.key == key).unwrap_or(&OSES[0])
}

/// Windows updates (real KB numbers of 2023-2024 cumulative, .NET and servicing-stack updates).
pub(crate) static HOTFIXES: &[&str] = &[
    "KB5034439",
    "KB5034768",
    "KB5035857",
    "KB5036909",
    "KB5037422",
    "KB5037781",
    "KB5039227",
    "KB5030216",
    "KB5031364",
    "KB5032198",
    "KB5033118",
    "KB5034129",
    "KB5035845",
    "KB5036893",
    "KB5037768",
    "KB5011048",
    "KB5012170",
    "KB5028951",
    "KB5029923",
    "KB5033909",
    "KB890830",
];

/// A known vulnerability of one package version.
#[derive(Debug)]
pub(crate) struct Cve {
    pub package: &'static str,
    /// The exact vulnerable version shipped in the tables above.
    pub version: &'static str,
    /// The fixed version ("" when unfixed).
    pub fixed: &'static str,
    pub id: &'static str,
    pub severity: &'static str,
    pub score: f64,
    pub published: &'static str,
    pub description: &'static str,
}

macro_rules! cve {
    ($p:expr, $v:expr, $f:expr, $id:expr, $sev:expr, $score:expr, $pubd:expr, $d:expr) => {
        Cve {
            package: $p,
            version: $v,
            fixed: $f,
            id: $id,
            severity: $sev,
            score: $score,
            published: $pubd,
            description: $d,
        }
    };
}

/// Vulnerabilities tied to the versions in the package tables.
pub(crate) static CVES: &[Cve] = &[
    cve!(
        "openssl",
        "3.0.2-0ubuntu1.10",
        "3.0.2-0ubuntu1.14",
        "CVE-2023-5678",
        "Medium",
        5.3,
        "2023-11-06",
        "Issue summary: Generating excessively long X9.42 DH keys or checking excessively long X9.42 DH keys or parameters may be very slow."
    ),
    cve!(
        "libssl3",
        "3.0.2-0ubuntu1.10",
        "3.0.2-0ubuntu1.14",
        "CVE-2024-0727",
        "Medium",
        5.5,
        "2024-01-26",
        "Issue summary: Processing a maliciously formatted PKCS12 file may lead OpenSSL to crash leading to a potential Denial of Service attack."
    ),
    cve!(
        "openssh-server",
        "1:8.9p1-3ubuntu0.6",
        "1:8.9p1-3ubuntu0.10",
        "CVE-2024-6387",
        "High",
        8.1,
        "2024-07-01",
        "A security regression (CVE-2006-5051) was discovered in OpenSSH's server (sshd). There is a race condition which can lead sshd to handle some signals in an unsafe manner."
    ),
    cve!(
        "openssh-client",
        "1:8.9p1-3ubuntu0.6",
        "1:8.9p1-3ubuntu0.7",
        "CVE-2024-6409",
        "Medium",
        7.0,
        "2024-07-08",
        "A race condition vulnerability was discovered in how signals are handled by OpenSSH's server (sshd)."
    ),
    cve!(
        "sudo",
        "1.9.9-1ubuntu2.3",
        "1.9.9-1ubuntu2.4",
        "CVE-2023-28487",
        "Medium",
        5.3,
        "2023-03-16",
        "Sudo before 1.9.13 does not escape control characters in sudoreplay output."
    ),
    cve!(
        "curl",
        "7.81.0-1ubuntu1.13",
        "7.81.0-1ubuntu1.14",
        "CVE-2023-38545",
        "Critical",
        9.8,
        "2023-10-18",
        "This flaw makes curl overflow a heap based buffer in the SOCKS5 proxy handshake."
    ),
    cve!(
        "libcurl4",
        "7.81.0-1ubuntu1.13",
        "7.81.0-1ubuntu1.14",
        "CVE-2023-38546",
        "Low",
        3.7,
        "2023-10-18",
        "This flaw allows an attacker to insert cookies at will into a running program using libcurl, if the specific series of conditions are met."
    ),
    cve!(
        "libc6",
        "2.35-0ubuntu3.1",
        "2.35-0ubuntu3.4",
        "CVE-2023-4911",
        "High",
        7.8,
        "2023-10-03",
        "A buffer overflow was discovered in the GNU C Library's dynamic loader ld.so while processing the GLIBC_TUNABLES environment variable."
    ),
    cve!(
        "less",
        "590-1ubuntu0.22.04.1",
        "590-1ubuntu0.22.04.3",
        "CVE-2024-32487",
        "High",
        8.6,
        "2024-04-13",
        "less through 653 allows OS command execution via a newline character in the name of a file, because quoting is mishandled in filename.c."
    ),
    cve!(
        "nginx-core",
        "1.18.0-6ubuntu14.3",
        "1.18.0-6ubuntu14.4",
        "CVE-2023-44487",
        "High",
        7.5,
        "2023-10-10",
        "The HTTP/2 protocol allows a denial of service (server resource consumption) because request cancellation can reset many streams quickly."
    ),
    cve!(
        "tar",
        "1.34+dfsg-1build3",
        "1.34+dfsg-1ubuntu0.1.22.04.1",
        "CVE-2022-48303",
        "Medium",
        5.5,
        "2023-01-30",
        "GNU Tar through 1.34 has a one-byte out-of-bounds read that results in use of uninitialized memory for a conditional jump."
    ),
    cve!(
        "openssl",
        "1.1.1f-1ubuntu2.19",
        "1.1.1f-1ubuntu2.20",
        "CVE-2023-3817",
        "Medium",
        5.3,
        "2023-07-31",
        "Issue summary: Checking excessively long DH keys or parameters may be very slow."
    ),
    cve!(
        "openssh-server",
        "1:8.2p1-4ubuntu0.9",
        "1:8.2p1-4ubuntu0.10",
        "CVE-2023-48795",
        "Medium",
        5.9,
        "2023-12-18",
        "The SSH transport protocol with certain OpenSSH extensions allows remote attackers to bypass integrity checks (Terrapin attack)."
    ),
    cve!(
        "curl",
        "7.68.0-1ubuntu2.18",
        "7.68.0-1ubuntu2.20",
        "CVE-2023-38546",
        "Low",
        3.7,
        "2023-10-18",
        "This flaw allows an attacker to insert cookies at will into a running program using libcurl, if the specific series of conditions are met."
    ),
    cve!(
        "libc6",
        "2.31-0ubuntu9.9",
        "2.31-0ubuntu9.14",
        "CVE-2023-4813",
        "Medium",
        5.9,
        "2023-09-12",
        "A flaw was found in glibc. In an uncommon situation, the gaih_inet function may use memory that has been freed, resulting in an application crash."
    ),
    cve!(
        "apache2",
        "2.4.41-4ubuntu3.14",
        "2.4.41-4ubuntu3.15",
        "CVE-2023-31122",
        "High",
        7.5,
        "2023-10-23",
        "Out-of-bounds Read vulnerability in mod_macro of Apache HTTP Server."
    ),
    cve!(
        "openssh-server",
        "1:9.2p1-2+deb12u2",
        "1:9.2p1-2+deb12u3",
        "CVE-2024-6387",
        "High",
        8.1,
        "2024-07-01",
        "A security regression (CVE-2006-5051) was discovered in OpenSSH's server (sshd). There is a race condition which can lead sshd to handle some signals in an unsafe manner."
    ),
    cve!(
        "libssl3",
        "3.0.11-1~deb12u2",
        "3.0.13-1~deb12u1",
        "CVE-2023-6129",
        "Medium",
        6.5,
        "2024-01-09",
        "Issue summary: The POLY1305 MAC implementation contains a bug that might corrupt the internal state of applications running on PowerPC CPU based platforms."
    ),
    cve!(
        "openssl",
        "1:3.0.7-24.el9",
        "1:3.0.7-25.el9_3",
        "CVE-2023-5678",
        "Medium",
        5.3,
        "2023-11-06",
        "Issue summary: Generating excessively long X9.42 DH keys or checking excessively long X9.42 DH keys or parameters may be very slow."
    ),
    cve!(
        "openssh-server",
        "8.7p1-34.el9",
        "8.7p1-38.el9_4.1",
        "CVE-2024-6387",
        "High",
        8.1,
        "2024-07-01",
        "A security regression (CVE-2006-5051) was discovered in OpenSSH's server (sshd). There is a race condition which can lead sshd to handle some signals in an unsafe manner."
    ),
    cve!(
        "glibc",
        "2.34-83.el9_3.7",
        "2.34-100.el9_4.2",
        "CVE-2024-2961",
        "High",
        7.3,
        "2024-04-17",
        "The iconv() function in the GNU C Library versions 2.39 and older may overflow the output buffer passed to it by up to 4 bytes when converting strings to the ISO-2022-CN-EXT character set."
    ),
    cve!(
        "openssh-server",
        "7.4p1-22.el7_9",
        "7.4p1-23.el7_9",
        "CVE-2023-38408",
        "Critical",
        9.8,
        "2023-07-20",
        "The PKCS#11 feature in ssh-agent in OpenSSH before 9.3p2 has an insufficiently trustworthy search path, leading to remote code execution if an agent is forwarded to an attacker-controlled system."
    ),
    cve!(
        "sudo",
        "1.8.23-10.el7_9.2",
        "1.8.23-10.el7_9.3",
        "CVE-2023-22809",
        "High",
        7.8,
        "2023-01-18",
        "In Sudo before 1.9.12p2, the sudoedit (aka -e) feature mishandles extra arguments passed in the user-provided environment variables."
    ),
    cve!(
        "curl",
        "8.3.0-1.amzn2.0.5",
        "8.3.0-1.amzn2.0.6",
        "CVE-2024-2398",
        "Medium",
        5.9,
        "2024-03-27",
        "When an application tells libcurl it wants to allow HTTP/2 server push, and the amount of received headers for the push surpasses the maximum allowed limit (1000), libcurl aborts the server push."
    ),
    cve!(
        "Google Chrome",
        "116.0.5845.141",
        "116.0.5845.187",
        "CVE-2023-4863",
        "High",
        8.8,
        "2023-09-12",
        "Heap buffer overflow in libwebp in Google Chrome prior to 116.0.5845.187 allowed a remote attacker to perform an out of bounds memory write via a crafted HTML page."
    ),
    cve!(
        "Microsoft Edge",
        "116.0.1938.69",
        "116.0.1938.81",
        "CVE-2023-4863",
        "High",
        8.8,
        "2023-09-12",
        "Heap buffer overflow in libwebp in Google Chrome prior to 116.0.5845.187 allowed a remote attacker to perform an out of bounds memory write via a crafted HTML page."
    ),
    cve!(
        "Mozilla Firefox (x64 en-US)",
        "115.0",
        "117.0.1",
        "CVE-2023-4863",
        "High",
        8.8,
        "2023-09-12",
        "Heap buffer overflow in libwebp in Google Chrome prior to 116.0.5845.187 allowed a remote attacker to perform an out of bounds memory write via a crafted HTML page."
    ),
    cve!(
        "7-Zip {v} (x64)",
        "23.01",
        "24.07",
        "CVE-2024-11477",
        "High",
        7.8,
        "2024-11-22",
        "7-Zip Zstandard Decompression Integer Underflow Remote Code Execution Vulnerability."
    ),
    cve!(
        "Notepad++ (64-bit x64)",
        "8.5.4",
        "8.5.7",
        "CVE-2023-40031",
        "High",
        7.8,
        "2023-08-25",
        "Notepad++ versions 8.5.6 and prior are vulnerable to heap buffer write overflow in Utf8_16_Read::convert."
    ),
    cve!(
        "Adobe Acrobat Reader DC",
        "23.003.20244",
        "23.006.20320",
        "CVE-2023-26369",
        "High",
        7.8,
        "2023-09-13",
        "Acrobat Reader versions 23.003.20284 and earlier are affected by an out-of-bounds write vulnerability that could result in arbitrary code execution."
    ),
    cve!(
        "WinRAR {v} (64-bit)",
        "6.22.0",
        "6.23.0",
        "CVE-2023-38831",
        "High",
        7.8,
        "2023-08-23",
        "RARLAB WinRAR before 6.23 allows attackers to execute arbitrary code when a user attempts to view a benign file within a ZIP archive."
    ),
    cve!(
        "PuTTY release {v} (64-bit)",
        "0.79.0.0",
        "0.81.0.0",
        "CVE-2024-31497",
        "Medium",
        5.9,
        "2024-04-15",
        "In PuTTY 0.68 through 0.80 before 0.81, biased ECDSA nonce generation allows an attacker to recover a user's NIST P-521 secret key."
    ),
    cve!(
        "Google Chrome",
        "116.0.5845.140",
        "116.0.5845.187",
        "CVE-2023-4863",
        "High",
        8.8,
        "2023-09-12",
        "Heap buffer overflow in libwebp in Google Chrome prior to 116.0.5845.187 allowed a remote attacker to perform an out of bounds memory write via a crafted HTML page."
    ),
];

/// The display name of a package at a version (`{v}` expanded).
pub(crate) fn pkg_name(p: &Pkg, version: &str) -> String {
    if p.name.contains("{v}") {
        let short = version.trim_end_matches(".0");
        p.name.replace("{v}", short)
    } else {
        p.name.to_string()
    }
}

/// MITRE ATT&CK tactics: (external id, name, short name).
pub(crate) static TACTICS: &[(&str, &str, &str)] = &[
    ("TA0043", "Reconnaissance", "reconnaissance"),
    ("TA0042", "Resource Development", "resource-development"),
    ("TA0001", "Initial Access", "initial-access"),
    ("TA0002", "Execution", "execution"),
    ("TA0003", "Persistence", "persistence"),
    ("TA0004", "Privilege Escalation", "privilege-escalation"),
    ("TA0005", "Defense Evasion", "defense-evasion"),
    ("TA0006", "Credential Access", "credential-access"),
    ("TA0007", "Discovery", "discovery"),
    ("TA0008", "Lateral Movement", "lateral-movement"),
    ("TA0009", "Collection", "collection"),
    ("TA0011", "Command and Control", "command-and-control"),
    ("TA0010", "Exfiltration", "exfiltration"),
    ("TA0040", "Impact", "impact"),
];

/// MITRE ATT&CK techniques used by the stock ruleset: (external id, name, tactic ids).
pub(crate) static TECHNIQUES: &[(&str, &str, &[&str])] = &[
    ("T1001", "Data Obfuscation", &["TA0011"]),
    ("T1003.001", "LSASS Memory", &["TA0006"]),
    ("T1003.002", "Security Account Manager", &["TA0006"]),
    ("T1005", "Data from Local System", &["TA0009"]),
    ("T1012", "Query Registry", &["TA0007"]),
    ("T1014", "Rootkit", &["TA0005"]),
    (
        "T1016",
        "System Network Configuration Discovery",
        &["TA0007"],
    ),
    ("T1018", "Remote System Discovery", &["TA0007"]),
    ("T1021", "Remote Services", &["TA0008"]),
    ("T1021.001", "Remote Desktop Protocol", &["TA0008"]),
    ("T1021.002", "SMB/Windows Admin Shares", &["TA0008"]),
    (
        "T1021.003",
        "Distributed Component Object Model",
        &["TA0008"],
    ),
    ("T1021.004", "SSH", &["TA0008"]),
    ("T1021.006", "Windows Remote Management", &["TA0008"]),
    ("T1027", "Obfuscated Files or Information", &["TA0005"]),
    ("T1027.004", "Compile After Delivery", &["TA0005"]),
    ("T1033", "System Owner/User Discovery", &["TA0007"]),
    ("T1036", "Masquerading", &["TA0005"]),
    ("T1036.002", "Right-to-Left Override", &["TA0005"]),
    ("T1036.003", "Rename System Utilities", &["TA0005"]),
    ("T1040", "Network Sniffing", &["TA0006", "TA0007"]),
    ("T1041", "Exfiltration Over C2 Channel", &["TA0010"]),
    ("T1046", "Network Service Discovery", &["TA0007"]),
    ("T1047", "Windows Management Instrumentation", &["TA0002"]),
    (
        "T1048.001",
        "Exfiltration Over Symmetric Encrypted Non-C2 Protocol",
        &["TA0010"],
    ),
    (
        "T1053",
        "Scheduled Task/Job",
        &["TA0002", "TA0003", "TA0004"],
    ),
    ("T1053.003", "Cron", &["TA0002", "TA0003", "TA0004"]),
    (
        "T1053.005",
        "Scheduled Task",
        &["TA0002", "TA0003", "TA0004"],
    ),
    ("T1055", "Process Injection", &["TA0005", "TA0004"]),
    (
        "T1055.003",
        "Thread Execution Hijacking",
        &["TA0005", "TA0004"],
    ),
    ("T1055.012", "Process Hollowing", &["TA0005", "TA0004"]),
    ("T1057", "Process Discovery", &["TA0007"]),
    ("T1059", "Command and Scripting Interpreter", &["TA0002"]),
    ("T1059.001", "PowerShell", &["TA0002"]),
    ("T1059.003", "Windows Command Shell", &["TA0002"]),
    ("T1059.004", "Unix Shell", &["TA0002"]),
    ("T1059.005", "Visual Basic", &["TA0002"]),
    ("T1059.006", "Python", &["TA0002"]),
    ("T1059.007", "JavaScript", &["TA0002"]),
    (
        "T1068",
        "Exploitation for Privilege Escalation",
        &["TA0004"],
    ),
    ("T1070", "Indicator Removal", &["TA0005"]),
    ("T1070.001", "Clear Windows Event Logs", &["TA0005"]),
    ("T1070.004", "File Deletion", &["TA0005"]),
    ("T1070.006", "Timestomp", &["TA0005"]),
    ("T1071", "Application Layer Protocol", &["TA0011"]),
    ("T1071.001", "Web Protocols", &["TA0011"]),
    ("T1071.004", "DNS", &["TA0011"]),
    ("T1072", "Software Deployment Tools", &["TA0002", "TA0008"]),
    (
        "T1078",
        "Valid Accounts",
        &["TA0005", "TA0003", "TA0004", "TA0001"],
    ),
    (
        "T1078.002",
        "Domain Accounts",
        &["TA0005", "TA0003", "TA0004", "TA0001"],
    ),
    (
        "T1078.004",
        "Cloud Accounts",
        &["TA0005", "TA0003", "TA0004", "TA0001"],
    ),
    ("T1082", "System Information Discovery", &["TA0007"]),
    ("T1083", "File and Directory Discovery", &["TA0007"]),
    ("T1087", "Account Discovery", &["TA0007"]),
    ("T1087.002", "Domain Account", &["TA0007"]),
    ("T1090", "Proxy", &["TA0011"]),
    ("T1095", "Non-Application Layer Protocol", &["TA0011"]),
    ("T1098", "Account Manipulation", &["TA0003", "TA0004"]),
    ("T1102", "Web Service", &["TA0011"]),
    ("T1105", "Ingress Tool Transfer", &["TA0011"]),
    ("T1106", "Native API", &["TA0002"]),
    ("T1110", "Brute Force", &["TA0006"]),
    ("T1110.001", "Password Guessing", &["TA0006"]),
    ("T1112", "Modify Registry", &["TA0005"]),
    ("T1113", "Screen Capture", &["TA0009"]),
    ("T1133", "External Remote Services", &["TA0003", "TA0001"]),
    ("T1135", "Network Share Discovery", &["TA0007"]),
    ("T1136", "Create Account", &["TA0003"]),
    ("T1136.001", "Local Account", &["TA0003"]),
    (
        "T1140",
        "Deobfuscate/Decode Files or Information",
        &["TA0005"],
    ),
    ("T1190", "Exploit Public-Facing Application", &["TA0001"]),
    ("T1203", "Exploitation for Client Execution", &["TA0002"]),
    ("T1204", "User Execution", &["TA0002"]),
    ("T1210", "Exploitation of Remote Services", &["TA0008"]),
    ("T1218", "System Binary Proxy Execution", &["TA0005"]),
    ("T1218.011", "Rundll32", &["TA0005"]),
    (
        "T1222",
        "File and Directory Permissions Modification",
        &["TA0005"],
    ),
    (
        "T1222.002",
        "Linux and Mac File and Directory Permissions Modification",
        &["TA0005"],
    ),
    (
        "T1484",
        "Domain or Tenant Policy Modification",
        &["TA0005", "TA0004"],
    ),
    ("T1485", "Data Destruction", &["TA0040"]),
    ("T1486", "Data Encrypted for Impact", &["TA0040"]),
    ("T1489", "Service Stop", &["TA0040"]),
    ("T1498", "Network Denial of Service", &["TA0040"]),
    ("T1499", "Endpoint Denial of Service", &["TA0040"]),
    ("T1505.003", "Web Shell", &["TA0003"]),
    ("T1529", "System Shutdown/Reboot", &["TA0040"]),
    ("T1531", "Account Access Removal", &["TA0040"]),
    ("T1543.003", "Windows Service", &["TA0003", "TA0004"]),
    ("T1546.011", "Application Shimming", &["TA0004", "TA0003"]),
    (
        "T1547.001",
        "Registry Run Keys / Startup Folder",
        &["TA0003", "TA0004"],
    ),
    (
        "T1548",
        "Abuse Elevation Control Mechanism",
        &["TA0004", "TA0005"],
    ),
    (
        "T1548.002",
        "Bypass User Account Control",
        &["TA0004", "TA0005"],
    ),
    ("T1548.003", "Sudo and Sudo Caching", &["TA0004", "TA0005"]),
    ("T1550.002", "Pass the Hash", &["TA0005", "TA0008"]),
    ("T1552.004", "Private Keys", &["TA0006"]),
    ("T1555.003", "Credentials from Web Browsers", &["TA0006"]),
    ("T1562.001", "Disable or Modify Tools", &["TA0005"]),
    (
        "T1562.004",
        "Disable or Modify System Firewall",
        &["TA0005"],
    ),
    ("T1565.001", "Stored Data Manipulation", &["TA0040"]),
    ("T1566", "Phishing", &["TA0001"]),
    ("T1569.002", "Service Execution", &["TA0002"]),
    ("T1570", "Lateral Tool Transfer", &["TA0008"]),
    (
        "T1574.002",
        "DLL Side-Loading",
        &["TA0003", "TA0004", "TA0005"],
    ),
    ("T1595", "Active Scanning", &["TA0043"]),
    ("T1595.002", "Vulnerability Scanning", &["TA0043"]),
];

/// Name and tactic ids of a technique, when the table knows it.
pub(crate) fn technique(id: &str) -> Option<(&'static str, &'static [&'static str])> {
    TECHNIQUES
        .iter()
        .find(|(t, _, _)| *t == id)
        .map(|(_, name, tactics)| (*name, *tactics))
}

/// Name of a tactic by external id.
pub(crate) fn tactic_name(id: &str) -> Option<&'static str> {
    TACTICS
        .iter()
        .find(|(t, _, _)| *t == id)
        .map(|(_, n, _)| *n)
}
