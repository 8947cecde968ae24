//! Detection rules: `list_rules`, `get_rule_files`, `get_rule_file_content`.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wazuh_client::{RuleFileContent, RuleQuery, RuleStatus};

use super::agents::Shape;
use super::{
    Args, ListOutput, Paging, ToolError, finish, lenient_bool, no_nulls, string_list,
    structured_result,
};
use crate::server::WazuhMcp;

/// Arguments of `list_rules`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(transform = no_nulls)]
pub struct ListRulesParams {
    /// Only these rule ids (numbers, a list or comma-separated), e.g. `5710,5712`.
    #[serde(deserialize_with = "string_list")]
    #[schemars(with = "Vec<String>")]
    pub rule_ids: Vec<String>,
    /// A level (`"10"`) or an inclusive range (`"7-15"`); levels go from 0 to 16.
    #[serde(deserialize_with = "super::lenient_opt_string")]
    pub level: Option<String>,
    /// Rule group, e.g. `authentication_failed`, `sshd`, `syscheck`, `windows`.
    pub group: Option<String>,
    /// Rule file name, e.g. `0095-sshd_rules.xml`.
    pub filename: Option<String>,
    /// PCI DSS requirement, e.g. `10.2.4`.
    pub pci_dss: Option<String>,
    /// GDPR article, e.g. `IV_35.7.d`.
    pub gdpr: Option<String>,
    /// HIPAA requirement, e.g. `164.312.b`.
    pub hipaa: Option<String>,
    /// NIST 800-53 control, e.g. `AU.14`.
    pub nist_800_53: Option<String>,
    /// TSC criterion, e.g. `CC6.1`.
    pub tsc: Option<String>,
    /// MITRE ATT&CK technique id, e.g. `T1110`.
    pub mitre: Option<String>,
    /// `enabled` (default: as Wazuh), `disabled` or `all`.
    pub status: Option<String>,
    #[serde(flatten)]
    pub shape: Shape,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Arguments of `get_rule_files`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(transform = no_nulls)]
pub struct RuleFilesParams {
    /// `enabled`, `disabled` or `all`.
    pub status: Option<String>,
    /// Exact file name.
    pub filename: Option<String>,
    #[serde(flatten)]
    pub shape: Shape,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Arguments of `get_rule_file_content`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(transform = super::requires_filename)]
pub struct RuleFileContentParams {
    /// Rule file name only (no directories), e.g. `0095-sshd_rules.xml`; list them with get_rule_files.
    pub filename: String,
    /// `true` (default): the XML text; `false`: the file parsed to JSON by Wazuh.
    #[serde(deserialize_with = "lenient_bool")]
    #[schemars(with = "Option<bool>")]
    pub raw: Option<bool>,
    /// XML text only: first line to return (1-based, default 1); pass `next_start_line` back
    /// to read on.
    #[serde(deserialize_with = "super::lenient_u64")]
    #[schemars(with = "Option<u64>", range(min = 1))]
    pub start_line: Option<u64>,
    /// XML text only: lines to return (default 400, at most 2000; fewer when they would exceed
    /// 16 KiB of text).
    #[serde(deserialize_with = "super::lenient_u64")]
    #[schemars(with = "Option<u64>", range(min = 1, max = 2000))]
    pub max_lines: Option<u64>,
}

/// Lines of a rule file returned when `max_lines` is not given.
const DEFAULT_LINES: u64 = 400;
/// Most lines of a rule file returned at once.
const MAX_LINES: u64 = 2000;

/// The content of a rule file.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = no_nulls)]
pub struct RuleFileContentOutput {
    pub filename: String,
    /// `xml` or `json`.
    pub format: String,
    /// The XML text (format `xml`: the lines asked for) or the parsed file (format `json`).
    pub content: serde_json::Value,
    /// Format `xml`: the file's number of lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_lines: Option<u64>,
    /// Format `xml`: the first line returned (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_line: Option<u64>,
    /// Format `xml`: where the next part starts; absent after the last line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_line: Option<u64>,
}

fn parse_status(status: Option<&str>) -> Result<Option<RuleStatus>, ToolError> {
    match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some("enabled") => Ok(Some(RuleStatus::Enabled)),
        Some("disabled") => Ok(Some(RuleStatus::Disabled)),
        Some("all") => Ok(Some(RuleStatus::All)),
        Some(other) => Err(ToolError::invalid(
            "status",
            other.into(),
            "use enabled, disabled or all".into(),
        )),
    }
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

#[tool_router(router = rules_router, vis = "pub(crate)")]
impl WazuhMcp {
    #[tool(
        name = "list_rules",
        description = "Search Wazuh detection rules: id, level, description, groups, the file they live in, and compliance mappings (PCI DSS, GDPR, HIPAA, NIST 800-53, TSC, MITRE ATT&CK). Filter by ids, level range, group, file, compliance requirement or free text.",
        annotations(
            title = "List detection rules",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ListOutput>()
    )]
    pub(crate) async fn list_rules(
        &self,
        Parameters(Args(params)): Parameters<Args<ListRulesParams>>,
    ) -> CallToolResult {
        finish(self.list_rules_impl(params).await)
    }

    #[tool(
        name = "get_rule_files",
        description = "List the rule files of the Wazuh ruleset with their directory and status (enabled/disabled).",
        annotations(
            title = "List rule files",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ListOutput>()
    )]
    pub(crate) async fn get_rule_files(
        &self,
        Parameters(Args(params)): Parameters<Args<RuleFilesParams>>,
    ) -> CallToolResult {
        finish(self.rule_files_impl(params).await)
    }

    #[tool(
        name = "get_rule_file_content",
        description = "Read one rule file of the Wazuh ruleset, as XML text (default) or as JSON parsed by Wazuh, to see exactly how rules are written.",
        annotations(
            title = "Read a rule file",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<RuleFileContentOutput>()
    )]
    pub(crate) async fn get_rule_file_content(
        &self,
        Parameters(Args(params)): Parameters<Args<RuleFileContentParams>>,
    ) -> CallToolResult {
        finish(self.rule_file_content_impl(params).await)
    }
}

impl WazuhMcp {
    async fn list_rules_impl(&self, p: ListRulesParams) -> Result<CallToolResult, ToolError> {
        let (offset, limit) = p.paging.resolve()?;
        let rule_ids = p
            .rule_ids
            .iter()
            .map(|id| {
                id.trim().parse::<u64>().map_err(|_| {
                    ToolError::invalid(
                        "rule_ids",
                        id.clone(),
                        "rule ids are numbers, e.g. 5710".into(),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let query = RuleQuery {
            list: p.shape.list_query(offset, limit),
            rule_ids,
            level: nonempty(&p.level),
            group: nonempty(&p.group),
            filename: nonempty(&p.filename),
            pci_dss: nonempty(&p.pci_dss),
            gdpr: nonempty(&p.gdpr),
            hipaa: nonempty(&p.hipaa),
            nist_800_53: nonempty(&p.nist_800_53),
            tsc: nonempty(&p.tsc),
            mitre: nonempty(&p.mitre),
            status: parse_status(p.status.as_deref())?,
            ..RuleQuery::default()
        };
        let page = self.manager()?.rules(&query).await?;
        let output = ListOutput::from_page(page, offset, limit);
        Ok(structured_result(output.summary("rules"), &output))
    }

    async fn rule_files_impl(&self, p: RuleFilesParams) -> Result<CallToolResult, ToolError> {
        let (offset, limit) = p.paging.resolve()?;
        let mut query = p.shape.list_query(offset, limit);
        if let Some(status) = parse_status(p.status.as_deref())? {
            let status = match status {
                RuleStatus::Enabled => "enabled",
                RuleStatus::Disabled => "disabled",
                RuleStatus::All => "all",
            };
            query.filters.push(("status".into(), status.into()));
        }
        if let Some(name) = nonempty(&p.filename) {
            wazuh_client::validate::file_name(&name)?;
            query.filters.push(("filename".into(), name));
        }
        let page = self.manager()?.rule_files(&query).await?;
        let output = ListOutput::from_page(page, offset, limit);
        Ok(structured_result(output.summary("rule files"), &output))
    }

    async fn rule_file_content_impl(
        &self,
        p: RuleFileContentParams,
    ) -> Result<CallToolResult, ToolError> {
        let raw = p.raw.unwrap_or(true);
        let start = p.start_line.unwrap_or(1);
        let max = p.max_lines.unwrap_or(DEFAULT_LINES);
        if start == 0 {
            return Err(ToolError::invalid(
                "start_line",
                "0".into(),
                "lines are numbered from 1".into(),
            ));
        }
        if max == 0 || max > MAX_LINES {
            return Err(ToolError::invalid(
                "max_lines",
                max.to_string(),
                format!("give 1 to {MAX_LINES}"),
            ));
        }
        let content = self.manager()?.rule_file_content(&p.filename, raw).await?;
        let output = match content {
            RuleFileContent::Raw(text) => {
                let lines: Vec<&str> = text.lines().collect();
                let total = lines.len() as u64;
                if start > total.max(1) {
                    return Err(ToolError::invalid(
                        "start_line",
                        start.to_string(),
                        format!("the file has {total} lines"),
                    ));
                }
                let first = usize::try_from(start - 1).unwrap_or(usize::MAX);
                let count = usize::try_from(max).unwrap_or(usize::MAX);
                // At most `max_lines`, and no more text than one answer field carries uncut.
                let mut part: Vec<&str> = Vec::new();
                let mut chars = 0usize;
                for line in lines.iter().skip(first).take(count) {
                    let len = line.chars().count() + 1;
                    if !part.is_empty() && chars + len > super::MAX_FIELD_CHARS {
                        break;
                    }
                    chars += len;
                    part.push(line);
                }
                let end = start - 1 + part.len() as u64;
                RuleFileContentOutput {
                    filename: p.filename.clone(),
                    format: "xml".into(),
                    content: serde_json::Value::String(part.join("\n")),
                    total_lines: Some(total),
                    start_line: Some(start),
                    next_start_line: (end < total).then_some(end + 1),
                }
            }
            RuleFileContent::Parsed(value) => RuleFileContentOutput {
                filename: p.filename.clone(),
                format: "json".into(),
                content: value,
                total_lines: None,
                start_line: None,
                next_start_line: None,
            },
        };
        let mut summary = format!("Rule file {} ({})", output.filename, output.format);
        if let (Some(total), Some(first)) = (output.total_lines, output.start_line) {
            let last = output.next_start_line.map_or(total, |n| n - 1);
            summary.push_str(&format!(", lines {first}-{last} of {total}"));
            if let Some(next) = output.next_start_line {
                summary.push_str(&format!("; more: call again with start_line={next}"));
            }
        }
        Ok(structured_result(summary, &output))
    }
}
