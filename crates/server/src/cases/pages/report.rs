//! Reporting on a phone (grid worker and resident): a light form that works without
//! JavaScript; /assets/report.js adds the phone's position, the camera photo, category search,
//! duplicate suggestions and a submission that survives a dropped connection.

use crate::access::Caller;
use crate::access::session::random_token;
use crate::cases::{self as api, NewCaseRequest};
use crate::error::ApiError;
use crate::pages::{Viewer, layout, urlencode};
use crate::state::AppState;
use axum::Extension;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct ReportForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub idempotency_key: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub lon: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub crs: String,
    #[serde(default)]
    pub address: String,
    /// Media hashes, comma-separated (uploaded by the script).
    #[serde(default)]
    pub photos: String,
}

pub async fn report_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/report") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    render(&state, &v, &ReportForm::default(), None)
}

fn render(state: &AppState, v: &Viewer, typed: &ReportForm, error: Option<&ApiError>) -> Response {
    let catalogue = state.catalogue.read().expect("catalogue lock").clone();
    let key = if typed.idempotency_key.is_empty() {
        random_token(16)
    } else {
        typed.idempotency_key.clone()
    };
    let crs = if typed.crs.is_empty() {
        "wgs84"
    } else {
        typed.crs.as_str()
    };
    let body: Markup = html! {
        h1 { (v.t("上报问题", "Report a problem")) }
        form #report-form method="post" action="/report" data-lang=(v.lang.code()) {
            input type="hidden" name="csrf_token" value=(v.csrf);
            input type="hidden" name="idempotency_key" value=(key);
            input type="hidden" name="photos" value=(typed.photos);
            // The label names the list; the search box (shown by the script) names itself.
            label for="category" { (v.t("类别", "Category"))
                input #category-search type="search" aria-label=(v.t("搜索类别", "Search categories")) placeholder=(v.t("搜索类别…", "Search categories…")) hidden;
                select name="category" #category required {
                    option value="" { (v.t("请选择", "Choose")) }
                    @for major in catalogue.majors() {
                        optgroup label=(v.t(&major.name, &major.name_en)) {
                            @for leaf in catalogue.children(&major.code) {
                                option value=(leaf.code) selected[typed.category == leaf.code] { (v.t(&leaf.name, &leaf.name_en)) }
                            }
                        }
                    }
                }
            }
            label { (v.t("问题描述", "What is wrong")) textarea name="description" required maxlength="4000" { (typed.description) } }
            fieldset {
                legend { (v.t("位置", "Position")) }
                button.quiet type="button" #locate hidden { (v.t("使用手机定位", "Use my position")) }
                div.grid2 {
                    label { (v.t("经度", "Longitude")) input name="lon" #lon inputmode="decimal" value=(typed.lon); }
                    label { (v.t("纬度", "Latitude")) input name="lat" #lat inputmode="decimal" value=(typed.lat); }
                }
                label { (v.t("坐标系", "Coordinate system"))
                    select name="crs" #crs {
                        option value="wgs84" selected[crs == "wgs84"] { (v.t("WGS-84（手机定位）", "WGS-84 (phone position)")) }
                        option value="gcj02" selected[crs == "gcj02"] { (v.t("GCJ-02（高德、腾讯地图）", "GCJ-02 (Amap, Tencent maps)")) }
                        option value="bd09" selected[crs == "bd09"] { (v.t("BD-09（百度地图）", "BD-09 (Baidu maps)")) }
                    }
                }
                label { (v.t("地址（可选）", "Address (optional)")) input name="address" maxlength="200" value=(typed.address); }
                p #grid-hint.muted aria-live="polite" {}
            }
            div #duplicates {}
            label #photo-label hidden { (v.t("照片（可选，≤ 10 MB）", "Photo (optional, ≤ 10 MB)")) input #photo type="file" accept="image/jpeg,image/png,image/webp" capture="environment"; }
            div #photo-preview {}
            @if let Some(e) = error { p.err role="alert" { (v.t("未能提交：", "Not submitted: ")) (refusal_text(e)) } }
            p #report-status.muted role="status" {}
            button type="submit" #submit { (v.t("提交", "Submit")) }
        }
        script src="/assets/report.js" {}
    };
    layout(v, v.t("上报", "Report"), "/report", body)
}

/// What was wrong, in the words of the field errors when there are any.
fn refusal_text(e: &ApiError) -> String {
    let reasons: Vec<&str> = e.errors.iter().map(|f| f.reason.as_str()).collect();
    if reasons.is_empty() {
        e.to_string()
    } else {
        reasons.join("；")
    }
}

fn parse_coordinate(field: &'static str, text: &str) -> Result<Option<f64>, ApiError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<f64>()
        .map(Some)
        .map_err(|_| ApiError::field(field, format!("{t:?} 不是数字 / is not a number")))
}

/// The form posted without JavaScript (the script posts JSON to the API instead). The form's
/// idempotency key makes a double-clicked submit one case.
pub async fn report_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Form(form): Form<ReportForm>,
) -> Response {
    let v = match Viewer::require(caller, &headers, "/report") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    if !v.csrf_ok(&form.csrf_token) {
        let e = ApiError::field(
            "csrf_token",
            "表单已过期，内容已保留，请再提交一次 / the form expired; your text is kept, submit again",
        );
        return render(&state, &v, &form, Some(&e));
    }
    let request = (|| {
        Ok::<_, ApiError>(NewCaseRequest {
            category: form.category.clone(),
            description: form.description.clone(),
            lon: parse_coordinate("lon", &form.lon)?,
            lat: parse_coordinate("lat", &form.lat)?,
            crs: Some(form.crs.clone()).filter(|c| !c.is_empty()),
            address: form.address.clone(),
            photos: form
                .photos
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect(),
            ..NewCaseRequest::default()
        })
    })();
    let notice = request.as_ref().ok().and_then(api::masking_notice);
    let work = async {
        let row = api::report(&state, &v.ctx(), request?).await?;
        Ok(format!(
            "/cases/{}?done={}",
            row.id,
            urlencode(&format!(
                "{}{}",
                v.t("已上报 ✔", "Reported ✔"),
                notice.map(|n| format!(" {n}")).unwrap_or_default()
            ))
        ))
    };
    match crate::pages::form_once(
        &state,
        &v,
        "report-form",
        &form.idempotency_key,
        "/cases",
        work,
    )
    .await
    {
        Ok(target) => Redirect::to(&target).into_response(),
        Err(e) => render(&state, &v, &form, Some(&e)),
    }
}
