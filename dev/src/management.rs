//! The management API: organizations (`/api/v1/organizations[/{org_id}]`)
//! and client registration per organization
//! (`/api/v1/organizations/{org_id}/clients...`), in the wire format of
//! Scalekit's management API, with the request and
//! response bodies of `scopegate_wire::management`. Every call needs
//! `Authorization: Bearer <token>` of the environment's management client,
//! checked before the body is read.
//!
//! JSON bodies are read with actix-web's limit (64 KiB, see
//! [`read_body`]) and deserialized through `serde_path_to_error`, so that a
//! value of the wrong type is refused naming its field
//! (`custom_claims[0].value`), as the validation of
//! [`clients`](crate::clients) names the fields it refuses.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use scopegate_wire::management::{
    ClientEnvelope, ClientUpdate, NewOrganization, NewOrganizationClient, OrganizationEnvelope,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clients::check_org_id;
use crate::error::{DevError, printable};
use crate::http::{no_store, parse_form, read_body, require_content_type};
use crate::state::State;
use scopegate_core::adapter::bearer_token;

/// The largest JSON body read.
const MAX_BODY: usize = 64 * 1024;
/// The longest bearer token read.
const MAX_TOKEN: usize = 8 * 1024;

async fn authorize(req: &HttpRequest, state: &State) -> Result<(), DevError> {
    let token = bearer_token(req, MAX_TOKEN)?;
    state.check_admin_token(token).await.inspect_err(|error| {
        tracing::debug!(error = %error, path = req.path(), "management request refused");
    })
}

fn path_param<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.match_info().get(name).unwrap_or_default()
}

/// Every call's first step: the bearer check, then the path's organization
/// id (so an unauthorized caller learns nothing about the id).
async fn authorized_org<'a>(req: &'a HttpRequest, state: &State) -> Result<&'a str, DevError> {
    authorize(req, state).await?;
    let org = path_param(req, "org_id");
    check_org_id(org)?;
    Ok(org)
}

/// Reads a JSON body into `T`; malformed JSON or a value of the wrong type
/// is `400 invalid_request` naming the problem, and the field at fault when
/// there is one (`scopes`, `custom_claims[0].value`).
async fn json_body<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, DevError> {
    require_content_type(req, "application/json")?;
    let body = read_body(payload, MAX_BODY).await?;
    parse_json(&body)
}

/// Deserializes a whole JSON document (trailing data refused, as
/// `serde_json::from_slice` does), tracking the path to an error.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, DevError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        // The root (`.`) and segments serde cannot name (`?`) name no field.
        let field = (path != "." && !path.contains('?')).then_some(path);
        shape_error(error.inner(), field)
    })?;
    deserializer
        .end()
        .map_err(|error| shape_error(&error, None))?;
    Ok(value)
}

fn shape_error(error: &serde_json::Error, field: Option<String>) -> DevError {
    let at = field
        .as_deref()
        .map(|field| format!(" (at `{field}`)"))
        .unwrap_or_default();
    DevError::InvalidRequest {
        description: format!(
            "the request body is not a valid JSON document of the expected shape{at}: {error}"
        ),
        field,
    }
}

fn json_response(status: StatusCode, body: &impl Serialize) -> HttpResponse {
    no_store(status).json(body)
}

/// `POST /api/v1/organizations/{org_id}/clients` → `201 {client, plain_secret}`.
pub(crate) async fn create_client(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    let org = authorized_org(&req, &state).await?;
    let new: NewOrganizationClient = json_body(&req, payload).await?;
    let created = state.clients().create(state.ids(), org, &new)?;
    tracing::info!(
        org_id = org,
        client_id = created.client.client_id,
        "dev issuer registered a client"
    );
    Ok(json_response(StatusCode::CREATED, &created))
}

/// `GET /api/v1/organizations/{org_id}/clients?page_size=&page_token=`.
pub(crate) async fn list_clients(
    req: HttpRequest,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    let org = authorized_org(&req, &state).await?;
    let (page_size, page_token) = paging(&req)?;
    let page = state
        .clients()
        .list(org, page_size, page_token.as_deref())?;
    Ok(json_response(StatusCode::OK, &page))
}

/// The `page_size` and `page_token` of a list call's query string.
fn paging(req: &HttpRequest) -> Result<(Option<usize>, Option<String>), DevError> {
    let mut query = parse_form(req.query_string().as_bytes())?;
    let page_size = query
        .get("page_size")
        .map(|size| {
            size.parse::<usize>()
                .map_err(|_| DevError::invalid_field("page_size", "must be a non-negative integer"))
        })
        .transpose()?;
    Ok((page_size, query.remove("page_token")))
}

/// `POST /api/v1/organizations` → `201 {organization}`.
pub(crate) async fn create_organization(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    authorize(&req, &state).await?;
    let new: NewOrganization = json_body(&req, payload).await?;
    let organization = state
        .clients()
        .organizations_mut()
        .create(state.ids(), &new)?;
    tracing::info!(
        org_id = organization.id,
        "dev issuer created an organization"
    );
    Ok(json_response(
        StatusCode::CREATED,
        &OrganizationEnvelope::Wrapped { organization },
    ))
}

/// `GET /api/v1/organizations?page_size=&page_token=`.
pub(crate) async fn list_organizations(
    req: HttpRequest,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    authorize(&req, &state).await?;
    let (page_size, page_token) = paging(&req)?;
    let page = state
        .clients()
        .organizations()
        .list(page_size, page_token.as_deref())?;
    Ok(json_response(StatusCode::OK, &page))
}

/// `GET /api/v1/organizations/{org_id}` → `{organization}`.
pub(crate) async fn get_organization(
    req: HttpRequest,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    let org = authorized_org(&req, &state).await?;
    let organization = state.clients().organizations().get(org)?;
    Ok(json_response(
        StatusCode::OK,
        &OrganizationEnvelope::Wrapped { organization },
    ))
}

/// `GET /api/v1/organizations/{org_id}/clients/{client_id}` → `{client}`.
pub(crate) async fn get_client(
    req: HttpRequest,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    let org = authorized_org(&req, &state).await?;
    let client = state.clients().get(org, path_param(&req, "client_id"))?;
    Ok(json_response(
        StatusCode::OK,
        &ClientEnvelope::Wrapped { client },
    ))
}

/// `PATCH /api/v1/organizations/{org_id}/clients/{client_id}` → `{client}`.
pub(crate) async fn update_client(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    let org = authorized_org(&req, &state).await?;
    let update: ClientUpdate = json_body(&req, payload).await?;
    let client = state
        .clients()
        .update(org, path_param(&req, "client_id"), &update)?;
    Ok(json_response(
        StatusCode::OK,
        &ClientEnvelope::Wrapped { client },
    ))
}

/// `DELETE /api/v1/organizations/{org_id}/clients/{client_id}` → `{}`.
pub(crate) async fn delete_client(
    req: HttpRequest,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    let org = authorized_org(&req, &state).await?;
    let client_id = path_param(&req, "client_id");
    crate::revoke::before_client_change(&state, org, client_id, None).await?;
    state.clients().delete(org, client_id)?;
    tracing::info!(
        org_id = org,
        client_id = printable(client_id),
        "dev issuer deleted a client"
    );
    Ok(json_response(StatusCode::OK, &serde_json::json!({})))
}

/// `POST /api/v1/organizations/{org_id}/clients/{client_id}/secrets` →
/// `201 {secret, plain_secret}`. A body, if any, is ignored.
pub(crate) async fn create_secret(
    req: HttpRequest,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    let org = authorized_org(&req, &state).await?;
    let created = state
        .clients()
        .add_secret(state.ids(), org, path_param(&req, "client_id"))?;
    Ok(json_response(StatusCode::CREATED, &created))
}

/// `DELETE /api/v1/organizations/{org_id}/clients/{client_id}/secrets/{secret_id}` → `{}`.
pub(crate) async fn delete_secret(
    req: HttpRequest,
    state: web::Data<State>,
) -> Result<HttpResponse, DevError> {
    let org = authorized_org(&req, &state).await?;
    let (client_id, secret_id) = (path_param(&req, "client_id"), path_param(&req, "secret_id"));
    crate::revoke::before_client_change(&state, org, client_id, Some(secret_id)).await?;
    state.clients().delete_secret(org, client_id, secret_id)?;
    Ok(json_response(StatusCode::OK, &serde_json::json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_errors_name_their_field() {
        let error =
            parse_json::<NewOrganizationClient>(br#"{"name": "x", "scopes": "a:b"}"#).unwrap_err();
        assert_eq!(error.field(), Some("scopes"));
        let error = parse_json::<NewOrganizationClient>(
            br#"{"name": "x", "custom_claims": [{"key": "k", "value": 5}]}"#,
        )
        .unwrap_err();
        assert_eq!(error.field(), Some("custom_claims[0].value"));
        let error = parse_json::<ClientUpdate>(br#"{"expiry": "60"}"#).unwrap_err();
        assert_eq!(error.field(), Some("expiry"));
        let error = parse_json::<NewOrganizationClient>(br#"{"name": "x""#).unwrap_err();
        assert_eq!((error.field(), error.status().as_u16()), (None, 400));
        let error = parse_json::<NewOrganizationClient>(br#""x""#).unwrap_err();
        assert_eq!(error.field(), None);
        let error = parse_json::<NewOrganizationClient>(br#"{"name": "x"} {}"#).unwrap_err();
        assert_eq!(error.field(), None, "trailing data");
        let new: NewOrganizationClient = parse_json(br#"{"scopes": ["a:b"], "extra": 1}"#).unwrap();
        assert_eq!((new.name.as_str(), new.scopes.len()), ("", 1));
    }
}
