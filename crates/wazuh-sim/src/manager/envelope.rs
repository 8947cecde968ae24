//! The shapes of the manager API's answers: the `data`/`message`/`error` envelope with affected
//! and failed items, and the `application/problem+json` errors.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Messages of an affected-items answer, as the framework words them.
#[derive(Debug, Clone, Copy)]
pub struct Msgs {
    pub all: &'static str,
    pub some: &'static str,
    pub none: &'static str,
}

/// Items that could not be returned, grouped by error as the framework does.
#[derive(Debug, Default)]
pub struct Failed {
    /// `(code, message, remediation, ids)`
    groups: Vec<(u32, String, Option<String>, Vec<Value>)>,
}

impl Failed {
    /// Adds an id that failed with `code` (ids are strings or, for rules, numbers).
    pub fn add(&mut self, code: u32, id: impl Into<Value>) {
        let id = id.into();
        if let Some(group) = self.groups.iter_mut().find(|g| g.0 == code) {
            group.3.push(id);
            return;
        }
        let (message, remediation) = error_text(code);
        self.groups.push((
            code,
            message.to_string(),
            remediation.map(str::to_string),
            vec![id],
        ));
    }

    pub fn count(&self) -> usize {
        self.groups.iter().map(|g| g.3.len()).sum()
    }

    fn to_json(&self) -> Value {
        Value::Array(
            self.groups
                .iter()
                .map(|(code, message, remediation, ids)| {
                    let mut error = json!({"code": code, "message": message});
                    if let Some(r) = remediation {
                        error["remediation"] = json!(r);
                    }
                    json!({"error": error, "id": ids})
                })
                .collect(),
        )
    }
}

/// The text of the framework's errors used by the simulator (wazuh/core/exception.py).
pub fn error_text(code: u32) -> (&'static str, Option<&'static str>) {
    match code {
        1701 => (
            "Agent does not exist",
            Some("Please, use `GET /agents?select=id,name` to find all available agents"),
        ),
        1707 => (
            "Impossible to restart non-active agent",
            Some("Please, make sure agent is active before attempting to restart"),
        ),
        1651 => ("Active response - Agent is not active", None),
        1703 => (
            "Action not available for Manager (agent 000)",
            Some(
                "Please, use `GET /agents?select=id,name` to find all available agents and make sure you select an agent other than 000",
            ),
        ),
        1208 => (
            "The rule does not exist or you do not have permission to see it",
            None,
        ),
        1415 => (
            "Rules file not found",
            Some("Please, use GET /rules/files to list all available rules"),
        ),
        1503 => (
            "Decoders file not found",
            Some("Please, use GET /decoders/files to list all available decoders"),
        ),
        4000 => (
            "Permission denied",
            Some(
                "Please, make sure you have permissions to execute the current request. For more information on how to set up permissions, please visit https://documentation.wazuh.com/4.14/user-manual/api/rbac/configuration.html",
            ),
        ),
        _ => ("Error", None),
    }
}

/// An affected-items answer (HTTP 200).
pub fn affected(items: Vec<Value>, total: usize, failed: &Failed, msgs: Msgs) -> Value {
    let failed_count = failed.count();
    let (message, error) = match (failed_count, items.is_empty() && total == 0) {
        (0, _) => (msgs.all, 0),
        (_, true) => (msgs.none, 1),
        (_, false) => (msgs.some, 2),
    };
    json!({
        "data": {
            "affected_items": items,
            "total_affected_items": total,
            "total_failed_items": failed_count,
            "failed_items": failed.to_json(),
        },
        "message": message,
        "error": error,
    })
}

/// A `{data, error: 0}` answer.
pub fn data(data: Value) -> Value {
    json!({"data": data, "error": 0})
}

/// An error answer in `application/problem+json`.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    /// Wazuh error code, sent as `error` (or `code` for 429, as the API does).
    pub code: Option<u32>,
    pub remediation: Option<String>,
    pub dapi_errors: bool,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            title,
            detail: detail.into(),
            code: None,
            remediation: None,
            dapi_errors: false,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "Bad Request", detail)
    }

    pub fn unauthorized(detail: &str) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail)
    }

    pub fn not_found() -> Problem {
        Problem::new(
            StatusCode::NOT_FOUND,
            "Not Found",
            "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
        )
    }

    pub fn method_not_allowed() -> Problem {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            "Specified method is invalid for this resource",
        )
    }

    pub fn permission_denied(resource: &str) -> Problem {
        Problem {
            code: Some(4000),
            remediation: error_text(4000).1.map(str::to_string),
            dapi_errors: true,
            ..Problem::new(
                StatusCode::FORBIDDEN,
                "Permission Denied",
                format!("Permission denied: Resource type: {resource}"),
            )
        }
    }

    /// A framework error answered with a status (e.g. 400 with a Wazuh code).
    pub fn wazuh(
        status: StatusCode,
        title: &'static str,
        code: u32,
        detail: impl Into<String>,
        remediation: Option<String>,
    ) -> Problem {
        Problem {
            code: Some(code),
            remediation,
            dapi_errors: true,
            ..Problem::new(status, title, detail)
        }
    }

    pub fn too_many_requests() -> Problem {
        Problem {
            code: Some(6001),
            remediation: Some("This limit can be changed in api.yaml file. More information here: https://documentation.wazuh.com/4.14/user-manual/api/security/configuration.html".into()),
            ..Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Wazuh Error",
                "Maximum number of requests per minute reached",
            )
        }
    }

    pub fn body(&self) -> Value {
        let mut body = json!({"title": self.title, "detail": self.detail});
        if let Some(code) = self.code {
            let key = if self.status == StatusCode::TOO_MANY_REQUESTS {
                "code"
            } else {
                "error"
            };
            body[key] = json!(code);
        }
        if let Some(r) = &self.remediation {
            body["remediation"] = json!(r);
        }
        if self.dapi_errors {
            body["dapi_errors"] = json!({"unknown-node": {"error": self.detail}});
        }
        body
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json; charset=utf-8"),
        );
        response
    }
}

/// A JSON answer, pretty-printed when the request asked for `pretty=true`.
pub fn json_response(status: StatusCode, body: &Value, pretty: bool) -> Response {
    let text = if pretty {
        serde_json::to_string_pretty(body)
    } else {
        serde_json::to_string(body)
    }
    .unwrap_or_else(|_| "{}".into());
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
