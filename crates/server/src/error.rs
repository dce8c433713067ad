//! RFC 9457 problem details: every error the API gives names what was wrong and where.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tongxin_core::access::Denial;
use tongxin_store::StoreError;

/// One specific complaint: which field (or row/feature index) and why.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub reason: String,
}

impl FieldError {
    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: Some(field.into()),
            index: None,
            code: None,
            reason: reason.into(),
        }
    }
}

/// The problem+json body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub slug: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// For pages: the detail, then each field and why.
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)?;
        for e in &self.errors {
            match &e.field {
                Some(field) => write!(f, "; {field}: {}", e.reason)?,
                None => write!(f, "; {}", e.reason)?,
            }
        }
        Ok(())
    }
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            slug,
            title,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn invalid(detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        ApiError {
            errors,
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "输入有误 / Invalid input",
                detail,
            )
        }
    }

    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        ApiError::invalid(
            format!("{field}: {reason}"),
            vec![FieldError::field(field, reason)],
        )
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "请求有误 / Bad request",
            detail,
        )
    }

    pub fn not_found() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "未找到 / Not found",
            "没有这项内容，或您无权查看 / no such resource, or it is outside your reach",
        )
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "需要登录 / Sign-in required",
            detail,
        )
    }

    pub fn forbidden() -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "无权操作 / Forbidden",
            "您的角色不能执行此操作 / your role does not permit this action",
        )
    }

    /// 403 with the reason the rule gives (when "forbidden" alone would not tell the caller
    /// what to do).
    pub fn forbidden_because(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "无权操作 / Forbidden",
            detail,
        )
    }

    /// 403 with its own problem code and title, for a refusal the caller can act on (link
    /// the account, wait for the electorate).
    pub fn forbidden_as(
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, code, title, detail)
    }

    /// 429: the login throttle holds this account for a while.
    pub fn too_many_attempts(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-attempts",
            "尝试次数过多 / Too many attempts",
            detail,
        )
    }

    /// Whether this answer is "who are you?" (401), e.g. a wrong password.
    pub fn is_unauthenticated(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, "conflict", "冲突 / Conflict", detail)
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器错误 / Internal error",
            "服务器内部错误，已记录 / an internal error occurred and was logged",
        )
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("https://tongxin.example/problems/{}", self.slug),
            title: self.title.into(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl From<Denial> for ApiError {
    fn from(d: Denial) -> Self {
        match d {
            Denial::Hidden => ApiError::not_found(),
            Denial::Forbidden => ApiError::forbidden(),
        }
    }
}

impl From<tongxin_core::invalid::Invalid> for ApiError {
    fn from(e: tongxin_core::invalid::Invalid) -> Self {
        ApiError::field(&e.field, e.reason)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ApiError::conflict(m),
            StoreError::NotFound(_) => ApiError::not_found(),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut resp = (self.status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        resp
    }
}
