//! Confirmation of tools that change Wazuh: a human says yes before the call runs.
//!
//! How the server asks depends on what the client can do, never on what the model claims:
//! - a client that declared elicitation and speaks protocol `2026-07-28` or later gets an
//!   `input_required` result with an elicitation request; it retries the call with the user's
//!   answer and the opaque `requestState`, which names a pending confirmation kept here (single
//!   use, bound to the caller, the tool and the exact arguments, expiring after ten minutes);
//! - a client that declared elicitation on an older protocol is asked inline
//!   (`elicitation/create` while the call waits);
//! - a client without elicitation must pass `confirm: true`, which the tool's description tells
//!   the model to do only after the user agreed.
//!
//! The question shown is built by the server from the parsed arguments and Wazuh's own data
//! (see [`crate::tools::actions`]), so the model cannot word it. A caller has at most eight
//! confirmations open; a cancelled call stops waiting.
//!
//! A model cannot confirm on a user's behalf when the client can ask the user: `confirm` is
//! ignored then. Every outcome, including a refusal, is audited by the caller of [`gate`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use rmcp::RoleServer;
use rmcp::model::{
    CallToolRequestParams, ElicitRequest, ElicitRequestParams, ElicitationAction,
    ElicitationSchema, InputRequest, InputRequiredResult, ProtocolVersion,
};
use rmcp::service::{ElicitationError, RequestContext};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::principal::Principal;
use crate::tools::unwrap_args;

/// How long a pending confirmation (and an inline question) waits for the user.
pub const CONFIRMATION_TTL: Duration = Duration::from_secs(120);
/// Pending confirmations kept at most, all callers together; past it new ones are refused.
const MAX_PENDING: usize = 1024;
/// Confirmations one caller may have open at once (pending round trips and inline questions);
/// past it, that caller's new ones are refused, and nobody else's are evicted.
const MAX_OPEN_PER_CALLER: usize = 8;
/// Key of our elicitation request inside `inputRequests` / `inputResponses`.
const INPUT_KEY: &str = "confirm";

/// How a write call was confirmed, as written to the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The user accepted an elicitation (inline or `input_required`).
    Elicitation,
    /// The client cannot elicit; the model passed `confirm: true`.
    Argument,
}

impl Confirmation {
    pub fn as_str(self) -> &'static str {
        match self {
            Confirmation::Elicitation => "elicitation",
            Confirmation::Argument => "argument",
        }
    }
}

/// What to do with a write call.
#[derive(Debug)]
pub enum Gate {
    /// Run it.
    Proceed(Confirmation),
    /// Do not run it; the text says why and what to do.
    Refuse(String),
    /// Ask the client for the user's answer and wait for the retry.
    Ask(InputRequiredResult),
}

struct Pending {
    principal: String,
    tool: String,
    digest: [u8; 32],
    created: Instant,
}

/// Confirmations waiting for the client's retry (protocol `2026-07-28`), and the inline
/// questions being asked, per caller.
#[derive(Default)]
pub struct Confirmations {
    pending: Mutex<HashMap<String, Pending>>,
    asking: Mutex<HashMap<String, usize>>,
}

/// One inline question being asked; counted for its caller until dropped.
struct Asking<'a> {
    asking: &'a Mutex<HashMap<String, usize>>,
    who: String,
}

impl Drop for Asking<'_> {
    fn drop(&mut self) {
        if let Ok(mut asking) = self.asking.lock()
            && let Some(n) = asking.get_mut(&self.who)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                asking.remove(&self.who);
            }
        }
    }
}

fn too_many(tool: &str) -> String {
    format!(
        "Too many confirmations of this caller are waiting for the user; answer or cancel them before calling `{tool}` again. Nothing was changed."
    )
}

impl std::fmt::Debug for Confirmations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.pending.lock().map(|p| p.len()).unwrap_or(0);
        f.debug_struct("Confirmations")
            .field("pending", &n)
            .finish()
    }
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    confirm: Option<Value>,
}

rmcp::elicit_safe!(AnswerSchema);

/// The form shown to the user: one required yes/no field.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct AnswerSchema {
    /// Yes, make this change.
    confirm: bool,
}

fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The arguments that define the call: everything but `confirm`, in a stable order.
fn digest(tool: &str, arguments: &Map<String, Value>) -> [u8; 32] {
    let stable: BTreeMap<&String, &Value> = arguments
        .iter()
        .filter(|(k, _)| k.as_str() != "confirm")
        .collect();
    let mut hasher = Sha256::new();
    hasher.update(tool.as_bytes());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(&stable).unwrap_or_default());
    hasher.finalize().into()
}

fn principal_key(principal: &Principal) -> String {
    format!("{:?}:{}", principal.kind, principal.subject)
}

fn elicit_request(message: String) -> Option<InputRequest> {
    let schema = ElicitationSchema::builder()
        .required_bool_with("confirm", |b| b.description("Yes, make this change"))
        .build()
        .ok()?;
    Some(InputRequest::Elicitation(ElicitRequest::new(
        ElicitRequestParams::FormElicitationParams {
            meta: None,
            message,
            requested_schema: schema,
        },
    )))
}

impl Confirmations {
    /// Decides whether the write call `request` by `principal` may run now. `question` is what
    /// the user is asked: built by the caller from the parsed arguments and Wazuh's own data,
    /// never from raw argument text the model controls.
    pub async fn gate(
        &self,
        principal: &Principal,
        request: &CallToolRequestParams,
        question: String,
        context: &RequestContext<RoleServer>,
    ) -> Gate {
        let tool = request.name.as_ref();
        let empty = Map::new();
        let arguments = unwrap_args(request.arguments.as_ref().unwrap_or(&empty));
        let can_elicit = context.client_capabilities().is_some_and(|c| {
            c.elicitation
                .is_some_and(|e| e.form.is_some() || e.url.is_none())
        });
        if !can_elicit {
            return if truthy(arguments.get("confirm")) {
                Gate::Proceed(Confirmation::Argument)
            } else {
                Gate::Refuse(format!(
                    "`{tool}` changes Wazuh and needs the user's explicit agreement. Ask the user: \
                     \"{question}\" Only if they agree, call `{tool}` again with the same arguments \
                     and `confirm: true`. Nothing was changed."
                ))
            };
        }
        let message = question;
        let multi_round = context
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
        if multi_round {
            return self.multi_round(principal, request, arguments, message);
        }
        let who = principal_key(principal);
        let _asking = {
            let Ok(mut asking) = self.asking.lock() else {
                return Gate::Refuse("internal error: confirmation state unavailable".into());
            };
            let open = asking.entry(who.clone()).or_insert(0);
            if *open >= MAX_OPEN_PER_CALLER {
                return Gate::Refuse(too_many(tool));
            }
            *open += 1;
            Asking {
                asking: &self.asking,
                who,
            }
        };
        let answer = tokio::select! {
            answer = context
                .peer
                .elicit_with_timeout::<AnswerSchema>(message, Some(CONFIRMATION_TTL)) => answer,
            // A call the client cancelled must not act on a late "yes".
            () = context.ct.cancelled() => {
                return Gate::Refuse(format!(
                    "The call of `{tool}` was cancelled while the user was asked; nothing was changed."
                ));
            }
        };
        match answer {
            Ok(Some(answer)) if answer.confirm => Gate::Proceed(Confirmation::Elicitation),
            Ok(_) | Err(ElicitationError::UserDeclined) => Gate::Refuse(declined(tool)),
            Err(ElicitationError::UserCancelled) => Gate::Refuse(format!(
                "The user cancelled the confirmation of `{tool}`; nothing was changed."
            )),
            Err(error) => Gate::Refuse(format!(
                "Could not ask the user to confirm `{tool}` ({error}); nothing was changed."
            )),
        }
    }

    fn multi_round(
        &self,
        principal: &Principal,
        request: &CallToolRequestParams,
        arguments: &Map<String, Value>,
        message: String,
    ) -> Gate {
        let tool = request.name.as_ref();
        let digest = digest(tool, arguments);
        // (`arguments` is already unwrapped from `{"args": {...}}` by `gate`.)
        let who = principal_key(principal);
        let Ok(mut pending) = self.pending.lock() else {
            return Gate::Refuse("internal error: confirmation state unavailable".into());
        };
        pending.retain(|_, p| p.created.elapsed() < CONFIRMATION_TTL);
        if let Some(state) = &request.request_state {
            // Another caller's state (learnt somehow) is refused without spending it.
            if pending.get(state).is_some_and(|p| p.principal != who) {
                return Gate::Refuse(format!(
                    "This confirmation belongs to another caller; call `{tool}` again to ask anew. Nothing was changed."
                ));
            }
            // Single use: whatever the answer, this confirmation is spent.
            let Some(entry) = pending.remove(state) else {
                return Gate::Refuse(format!(
                    "This confirmation of `{tool}` expired or was already used; call `{tool}` again to ask anew. Nothing was changed."
                ));
            };
            if entry.tool != tool || entry.digest != digest {
                return Gate::Refuse(format!(
                    "This confirmation was given for another call; call `{tool}` again to ask anew. Nothing was changed."
                ));
            }
            let answer = request
                .input_responses
                .as_ref()
                .and_then(|r| r.get(INPUT_KEY))
                .cloned()
                .unwrap_or(Value::Null);
            let action = answer
                .get("action")
                .cloned()
                .and_then(|a| serde_json::from_value::<ElicitationAction>(a).ok());
            let content: Option<Answer> = answer
                .get("content")
                .cloned()
                .and_then(|c| serde_json::from_value(c).ok());
            return match action {
                Some(ElicitationAction::Accept)
                    if content.is_some_and(|c| truthy(c.confirm.as_ref())) =>
                {
                    Gate::Proceed(Confirmation::Elicitation)
                }
                Some(ElicitationAction::Cancel) => Gate::Refuse(format!(
                    "The user cancelled the confirmation of `{tool}`; nothing was changed."
                )),
                _ => Gate::Refuse(declined(tool)),
            };
        }
        let Some(input) = elicit_request(message) else {
            return Gate::Refuse("internal error: cannot build the confirmation form".into());
        };
        let own = pending.values().filter(|p| p.principal == who).count();
        if own >= MAX_OPEN_PER_CALLER || pending.len() >= MAX_PENDING {
            return Gate::Refuse(too_many(tool));
        }
        let mut id = [0u8; 24];
        rand::rng().fill_bytes(&mut id);
        let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
        pending.insert(
            id.clone(),
            Pending {
                principal: who,
                tool: tool.to_string(),
                digest,
                created: Instant::now(),
            },
        );
        Gate::Ask(InputRequiredResult::new(
            Some(BTreeMap::from([(INPUT_KEY.to_string(), input)])),
            Some(id),
        ))
    }
}

fn declined(tool: &str) -> String {
    format!(
        "The user did not confirm `{tool}`; nothing was changed. Do not retry unless the user asks for it."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn digest_ignores_confirm_and_key_order() {
        let a = json!({"agent_id": "001", "confirm": true});
        let b = json!({"confirm": false, "agent_id": "001"});
        let c = json!({"agent_id": "002"});
        let map = |v: &Value| v.as_object().unwrap().clone();
        assert_eq!(digest("t", &map(&a)), digest("t", &map(&b)));
        assert_ne!(digest("t", &map(&a)), digest("t", &map(&c)));
        assert_ne!(digest("t", &map(&a)), digest("u", &map(&a)));
    }

    #[test]
    fn wrapped_arguments_confirm_like_flat_ones() {
        let wrapped = json!({"args": {"agent_id": "001", "confirm": true}});
        let flat = json!({"agent_id": "001"});
        let wrapped = unwrap_args(wrapped.as_object().unwrap());
        assert!(truthy(wrapped.get("confirm")));
        assert_eq!(digest("t", wrapped), digest("t", flat.as_object().unwrap()));
    }

    #[test]
    fn truthy_values() {
        assert!(truthy(Some(&json!(true))));
        assert!(truthy(Some(&json!("TRUE"))));
        assert!(!truthy(Some(&json!("yes"))));
        assert!(!truthy(Some(&json!(1))));
        assert!(!truthy(None));
    }
}
