//! The Wazuh manager REST API client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::auth::{Identity, LoginMethod, TokenCache, TokenClaims};
use crate::config::ManagerConfig;
use crate::envelope::{ItemsPage, parse_data, parse_items};
use crate::error::{Error, Result, Service};
use crate::http::{AnswerBody, Call, ClientStats, Credentials, Expect, Transport};
use crate::models::{
    ActiveResponseRequest, Agent, AgentsSummary, ApiInfo, LogtestRequest, LogtestResult,
    RuleFileContent, Session, SyscollectorKind,
};
use crate::query::{AgentQuery, ListQuery, LogsQuery, Query, RuleQuery, ScaCheckQuery, segment};
use crate::validate;

/// A client of the Wazuh manager API (port 55000).
///
/// Cheap to share behind an `Arc`; all methods take `&self` and may run concurrently. It logs in
/// on first use and keeps the token fresh (see [`crate::auth`]); reads are retried on transient
/// failures, writes are not (see [`crate::retry`]).
///
/// [`ManagerClient::with_identity`] makes a client that acts as another Wazuh identity over the
/// same connections.
#[derive(Debug)]
pub struct ManagerClient {
    transport: Transport,
    tokens: TokenCache,
    /// The user tokens are issued to (the configured one, or an identity's).
    username: String,
    /// The configured account, which run_as identities log in with.
    account: Arc<Account>,
}

/// The configured user of a client, kept for run_as logins.
struct Account {
    username: String,
    password: SecretString,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

impl ManagerClient {
    /// Builds a client. Nothing is sent until the first call.
    ///
    /// Fails on an invalid URL, an unreadable `ca_file` or nonsensical settings.
    pub fn new(config: ManagerConfig) -> Result<ManagerClient> {
        let transport = Transport::new(Service::Manager, &config.transport())?;
        let tokens = TokenCache::new(
            config.username.clone(),
            config.password.clone(),
            LoginMethod::Basic,
            transport.counters.clone(),
        );
        Ok(ManagerClient {
            transport,
            tokens,
            username: config.username.clone(),
            account: Arc::new(Account {
                username: config.username,
                password: config.password,
            }),
        })
    }

    /// A client that acts as `identity`, so that Wazuh applies that identity's RBAC to every
    /// request it sends.
    ///
    /// It shares this client's connection pool, connection cap, pacer, retry policy and
    /// counters ([`ManagerClient::stats`] counts for both), but has its own token cache: it logs
    /// in on first use, renews its token and logs in again after a 401 exactly as this client
    /// does (one login at a time), and never uses another identity's token. An
    /// [`Identity::RunAs`] logs in with the configured user and password of the client it was
    /// made from (whichever identity that client has), which needs `allow_run_as` in Wazuh.
    ///
    /// Nothing is sent until the first call; a refused login (401, or 403 code 6004 for
    /// run_as) surfaces there as [`Error::Auth`] or [`Error::PermissionDenied`].
    pub fn with_identity(&self, identity: Identity) -> ManagerClient {
        let (username, password, method) = match identity {
            Identity::Credentials { username, password } => {
                (username, password, LoginMethod::Basic)
            }
            Identity::RunAs { auth_context } => (
                self.account.username.clone(),
                self.account.password.clone(),
                LoginMethod::RunAs(auth_context),
            ),
        };
        ManagerClient {
            transport: self.transport.clone(),
            tokens: TokenCache::new(
                username.clone(),
                password,
                method,
                self.transport.counters.clone(),
            ),
            username,
            account: self.account.clone(),
        }
    }

    /// Paces every request this client sends (see [`crate::Pacer`]); returns false if a pacer
    /// was already installed.
    pub fn set_pacer(&self, pacer: std::sync::Arc<dyn crate::Pacer>) -> bool {
        self.transport.set_pacer(pacer)
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// Counters: requests, retries, logins, re-authentications.
    pub fn stats(&self) -> ClientStats {
        self.transport.counters.snapshot()
    }

    /// How long the cached token still lives, if there is one (the token itself is never
    /// exposed).
    pub fn token_expires_in(&self) -> Option<Duration> {
        self.tokens.claims().map(|(_, left)| left)
    }

    /// The claims of the cached token, if there is one: the user (`sub`), the role ids Wazuh
    /// gave it (`rbac_roles`) and whether it came from a run_as login.
    pub fn token_claims(&self) -> Option<TokenClaims> {
        self.tokens.claims().map(|(claims, _)| claims)
    }

    // ----- generic calls -------------------------------------------------------------------

    async fn send(&self, call: &Call<'_>) -> Result<crate::http::Answer> {
        self.transport
            .execute(call, Credentials::Jwt(&self.tokens))
            .await
    }

    async fn json(&self, call: &Call<'_>) -> Result<(Value, u16, String)> {
        let answer = self.send(call).await?;
        let (status, url) = (answer.status, answer.url.clone());
        Ok((answer.json(Service::Manager)?, status, url))
    }

    async fn items_at<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<ItemsPage<T>> {
        let (body, status, url) = self.json(call).await?;
        parse_items(body).map_err(|message| decode_error(status, url, message))
    }

    async fn data_at(&self, call: &Call<'_>) -> Result<Value> {
        let (body, status, url) = self.json(call).await?;
        parse_data(body).map_err(|message| decode_error(status, url, message))
    }

    /// `GET path` of any list endpoint, e.g. `/mitre/techniques` or `/groups`: the escape hatch
    /// for endpoints without a method here. `path` must start with `/` and may not hold `..`,
    /// `?` or `#`; parameters go in `query`.
    pub async fn get_items<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &Query,
    ) -> Result<ItemsPage<T>> {
        let path = validate::api_path(path)?;
        self.items_at(&Call::get(path.to_string(), query)).await
    }

    /// `GET path` of any endpoint that answers `{data, error}` without affected items; returns
    /// `data`.
    pub async fn get_data(&self, path: &str, query: &Query) -> Result<Value> {
        let path = validate::api_path(path)?;
        self.data_at(&Call::get(path.to_string(), query)).await
    }

    // ----- API and session -----------------------------------------------------------------

    /// `GET /`: the API's title, version, revision and host name.
    pub async fn api_info(&self) -> Result<ApiInfo> {
        let query = Query::new();
        let data = self.data_at(&Call::get("/".into(), &query)).await?;
        serde_json::from_value(data)
            .map_err(|e| decode_error(200, format!("{}/", self.base_url()), e.to_string()))
    }

    /// Logs in now (even with a valid cached token) and returns who we are and the API's
    /// version. Useful as a start-up check: a wrong password fails here with [`Error::Auth`].
    pub async fn authenticate(&self) -> Result<Session> {
        let token = self.tokens.force_login(&self.transport).await?;
        let expires_in = token.expires_at.saturating_duration_since(Instant::now());
        let api = self.api_info().await?;
        Ok(Session::new(
            &self.username,
            &token.claims,
            expires_in.as_secs(),
            api,
        ))
    }

    // ----- agents --------------------------------------------------------------------------

    /// `GET /agents` with filters.
    pub async fn agents(&self, query: &AgentQuery) -> Result<ItemsPage<Agent>> {
        let query = query.to_query()?;
        self.items_at(&Call::get("/agents".into(), &query)).await
    }

    /// `GET /agents` with the items as Wazuh returns them (what `select` asked for, nothing
    /// more), for callers that pass them on.
    pub async fn agents_values(&self, query: &AgentQuery) -> Result<ItemsPage<Value>> {
        let query = query.to_query()?;
        self.items_at(&Call::get("/agents".into(), &query)).await
    }

    /// `GET /agents/summary/status`: agents by connection and sync status.
    pub async fn agents_summary_status(&self) -> Result<AgentsSummary> {
        let query = Query::new();
        let data = self
            .data_at(&Call::get("/agents/summary/status".into(), &query))
            .await?;
        serde_json::from_value(data).map_err(|e| {
            decode_error(
                200,
                format!("{}/agents/summary/status", self.base_url()),
                e.to_string(),
            )
        })
    }

    /// `PUT /agents/{agent_id}/restart`. Not idempotent: sent once, never retried.
    pub async fn restart_agent(&self, agent_id: &str) -> Result<ItemsPage<Value>> {
        let id = validate::agent_id(agent_id)?;
        let query = Query::new();
        let call = Call {
            method: Method::PUT,
            path: format!("/agents/{id}/restart"),
            query: &query,
            body: None,
            idempotent: false,
            expect: Expect::Json,
        };
        self.items_at(&call).await
    }

    /// `PUT /active-response`: runs a command on agents. Not idempotent: never retried.
    ///
    /// An empty agent list means every agent to Wazuh, so it is refused unless `all_agents` is
    /// set.
    pub async fn active_response(
        &self,
        request: &ActiveResponseRequest,
    ) -> Result<ItemsPage<Value>> {
        if request.command.trim().is_empty() {
            return Err(Error::validation(
                "command",
                "",
                "give the active response command, like `firewall-drop` or `!custom-script`",
            ));
        }
        for id in &request.agents {
            validate::agent_id(id)?;
        }
        if request.agents.is_empty() && !request.all_agents {
            return Err(Error::validation(
                "agents",
                "",
                "list the target agents, or set all_agents to run the command on every agent",
            ));
        }
        let mut query = Query::new();
        query.push_list("agents_list", &request.agents);
        let mut body = json!({ "command": request.command });
        if !request.arguments.is_empty() {
            body["arguments"] = json!(request.arguments);
        }
        if let Some(alert) = &request.alert {
            body["alert"] = alert.clone();
        }
        let call = Call {
            method: Method::PUT,
            path: "/active-response".into(),
            query: &query,
            body: Some(&body),
            idempotent: false,
            expect: Expect::Json,
        };
        self.items_at(&call).await
    }

    // ----- inventory, SCA, FIM, rootcheck --------------------------------------------------

    /// `GET /syscollector/{agent_id}/{kind}`: packages, processes, ports, OS, hardware, network.
    /// Kind-specific filters (`name`, `vendor`, `pid`, `protocol`...) go in `query.filters`.
    /// For `os` and `hardware` (one record) only `select` is sent.
    pub async fn syscollector(
        &self,
        agent_id: &str,
        kind: SyscollectorKind,
        query: &ListQuery,
    ) -> Result<ItemsPage<Value>> {
        let id = validate::agent_id(agent_id)?;
        let query = if kind.is_single() {
            // `os` and `hardware` answer one record and take only `select`: paging and sorting
            // are meaningless there and dropped; filters would be ignored, so they are refused.
            if query.q.is_some() || !query.filters.is_empty() || query.distinct.is_some() {
                return Err(Error::validation(
                    "query",
                    kind.as_str(),
                    format!(
                        "`{}` takes only `select`: remove q, filters and distinct",
                        kind.as_str()
                    ),
                ));
            }
            ListQuery {
                select: query.select.clone(),
                ..ListQuery::default()
            }
            .to_query()?
        } else {
            query.to_query()?
        };
        let path = format!("/syscollector/{id}/{}", kind.as_str());
        self.items_at(&Call::get(path, &query)).await
    }

    /// `GET /sca/{agent_id}`: the SCA policies evaluated on an agent, with scores.
    pub async fn sca(&self, agent_id: &str, query: &ListQuery) -> Result<ItemsPage<Value>> {
        let id = validate::agent_id(agent_id)?;
        let query = query.to_query()?;
        self.items_at(&Call::get(format!("/sca/{id}"), &query))
            .await
    }

    /// `GET /sca/{agent_id}/checks/{policy_id}`: the checks of one policy, e.g. the failed ones.
    pub async fn sca_checks(
        &self,
        agent_id: &str,
        policy_id: &str,
        query: &ScaCheckQuery,
    ) -> Result<ItemsPage<Value>> {
        let id = validate::agent_id(agent_id)?;
        let policy = validate::policy_id(policy_id)?;
        let query = query.to_query()?;
        let path = format!("/sca/{id}/checks/{}", segment(policy));
        self.items_at(&Call::get(path, &query)).await
    }

    /// `GET /syscheck/{agent_id}`: file integrity monitoring findings. Filters such as `file`,
    /// `type`, `hash`, `md5` go in `query.filters`.
    pub async fn syscheck(&self, agent_id: &str, query: &ListQuery) -> Result<ItemsPage<Value>> {
        let id = validate::agent_id(agent_id)?;
        let query = query.to_query()?;
        self.items_at(&Call::get(format!("/syscheck/{id}"), &query))
            .await
    }

    /// `GET /rootcheck/{agent_id}`: rootcheck findings. Filters `status`, `pci_dss`, `cis` go
    /// in `query.filters`.
    pub async fn rootcheck(&self, agent_id: &str, query: &ListQuery) -> Result<ItemsPage<Value>> {
        let id = validate::agent_id(agent_id)?;
        let query = query.to_query()?;
        self.items_at(&Call::get(format!("/rootcheck/{id}"), &query))
            .await
    }

    // ----- rules and logtest ---------------------------------------------------------------

    /// `GET /rules` with filters (ids, level range, group, file, compliance, MITRE...).
    pub async fn rules(&self, query: &RuleQuery) -> Result<ItemsPage<Value>> {
        let query = query.to_query()?;
        self.items_at(&Call::get("/rules".into(), &query)).await
    }

    /// `GET /rules/files`: the rule files. Filters `filename`, `relative_dirname`, `status` go in
    /// `query.filters`.
    pub async fn rule_files(&self, query: &ListQuery) -> Result<ItemsPage<Value>> {
        let query = query.to_query()?;
        self.items_at(&Call::get("/rules/files".into(), &query))
            .await
    }

    /// `GET /rules/files/{filename}`: the file's XML (`raw`) or the manager's JSON rendering of
    /// it (the first affected item).
    pub async fn rule_file_content(&self, filename: &str, raw: bool) -> Result<RuleFileContent> {
        let name = validate::file_name(filename)?;
        let path = format!("/rules/files/{}", segment(name));
        let mut query = Query::new();
        if raw {
            query.push("raw", "true");
            let call = Call {
                expect: Expect::Text,
                ..Call::get(path, &query)
            };
            let answer = self.send(&call).await?;
            return match answer.body {
                AnswerBody::Text(text) => Ok(RuleFileContent::Raw(text)),
                AnswerBody::Json(v) => Ok(RuleFileContent::Raw(v.to_string())),
            };
        }
        let call = Call::get(path, &query);
        let page: ItemsPage<Value> = self.items_at(&call).await?;
        match page.items.into_iter().next() {
            Some(content) => Ok(RuleFileContent::Parsed(content)),
            None => Err(Error::NotFound(crate::error::ApiError {
                service: Service::Manager,
                status: 200,
                code: page.failed_items.first().and_then(|f| f.code),
                kind: None,
                detail: page
                    .failed_items
                    .first()
                    .map(|f| f.message.clone())
                    .unwrap_or_else(|| format!("rule file `{name}` returned no content")),
                remediation: page
                    .failed_items
                    .first()
                    .and_then(|f| f.remediation.clone()),
            })),
        }
    }

    /// `PUT /logtest`: runs a log line through the decoders and rules. Reads only, so it is
    /// retried like a GET.
    pub async fn logtest(
        &self,
        event: &str,
        log_format: &str,
        location: &str,
    ) -> Result<LogtestResult> {
        self.logtest_request(&LogtestRequest {
            event: event.to_string(),
            log_format: log_format.to_string(),
            location: location.to_string(),
            token: None,
        })
        .await
    }

    /// `PUT /logtest` with every field, including a session token.
    pub async fn logtest_request(&self, request: &LogtestRequest) -> Result<LogtestResult> {
        for (field, value) in [
            ("event", &request.event),
            ("log_format", &request.log_format),
            ("location", &request.location),
        ] {
            if value.trim().is_empty() {
                return Err(Error::validation(
                    field,
                    "",
                    format!("`{field}` is required by PUT /logtest"),
                ));
            }
        }
        let body = serde_json::to_value(request)
            .map_err(|e| Error::validation("logtest", "", e.to_string()))?;
        let query = Query::new();
        let call = Call {
            method: Method::PUT,
            path: "/logtest".into(),
            query: &query,
            body: Some(&body),
            idempotent: true,
            expect: Expect::Json,
        };
        let data = self.data_at(&call).await?;
        serde_json::from_value(data)
            .map_err(|e| decode_error(200, format!("{}/logtest", self.base_url()), e.to_string()))
    }

    // ----- manager -------------------------------------------------------------------------

    /// `GET /manager/info`: version, paths, compilation date (one affected item).
    pub async fn manager_info(&self) -> Result<ItemsPage<Value>> {
        let query = Query::new();
        self.items_at(&Call::get("/manager/info".into(), &query))
            .await
    }

    /// `GET /manager/status`: state of every daemon (one affected item).
    pub async fn manager_status(&self) -> Result<ItemsPage<Value>> {
        let query = Query::new();
        self.items_at(&Call::get("/manager/status".into(), &query))
            .await
    }

    /// `GET /manager/logs`: the manager's own log (`ossec.log`), filtered by tag and level.
    pub async fn manager_logs(&self, query: &LogsQuery) -> Result<ItemsPage<Value>> {
        let query = query.to_query()?;
        self.items_at(&Call::get("/manager/logs".into(), &query))
            .await
    }
}

fn decode_error(status: u16, url: String, message: String) -> Error {
    Error::Decode {
        service: Service::Manager,
        status,
        url,
        message,
    }
}
