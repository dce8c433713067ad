//! Administration: import grids (with the validation report) and ledgers of residents,
//! buildings and organisations; users and their roles. The page drives the same JSON API as
//! every integration (one `authorize`), through /assets/admin.js.

use super::{Viewer, layout};
use crate::access::Caller;
use axum::Extension;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::html;
use tongxin_core::access::{ALL_ROLES, Action};

pub async fn admin_page(Extension(caller): Extension<Caller>, headers: HeaderMap) -> Response {
    let v = match Viewer::require(caller, &headers, "/admin") {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    if v.actor.scope_prefixes(Action::ManageUsers).is_empty() {
        return layout(
            &v,
            v.t("管理", "Administration"),
            "/admin",
            html! { p.err { (v.t("您没有管理权限。", "You have no administration rights.")) } },
        );
    }
    let node = v
        .actor
        .bindings
        .first()
        .map(|b| b.node.as_str().to_string())
        .unwrap_or_default();
    let body = html! {
        h1 { (v.t("管理", "Administration")) }
        div #admin data-csrf=(v.csrf) data-lang=(v.lang.code()) data-node=(node) {
            section.card {
                h2 { (v.t("导入网格（GeoJSON）", "Import grids (GeoJSON)")) }
                p.muted { (v.t("全部校验通过才会导入；先试运行可只看校验报告。", "Nothing is imported unless every feature is valid; a dry run shows the report only.")) }
                label { (v.t("网格文件（GeoJSON）", "Grid file (GeoJSON)")) input #grid-file type="file" accept=".geojson,.json,application/geo+json"; }
                label { input #grid-dry type="checkbox" checked style="width:auto"; " " (v.t("仅试运行", "Dry run only")) }
                button type="button" #grid-import { (v.t("导入", "Import")) }
                div #grid-report {}
            }
            section.card {
                h2 { (v.t("导入台账（XLSX / CSV）", "Import ledgers (XLSX / CSV)")) }
                label { (v.t("台账", "Ledger"))
                    select #ledger-kind {
                        option value="residents" { (v.t("居民", "Residents")) }
                        option value="buildings" { (v.t("楼栋", "Buildings")) }
                        option value="organisations" { (v.t("单位组织", "Organisations")) }
                    }
                }
                p { (v.t("模板：", "Templates: "))
                    @for (kind, name) in [("residents", v.t("居民", "Residents")), ("buildings", v.t("楼栋", "Buildings")), ("organisations", v.t("单位组织", "Organisations"))] {
                        a href={ "/api/v1/ledgers/" (kind) "/template?format=xlsx" } { (name) " XLSX" } " "
                    }
                }
                label { (v.t("台账文件（XLSX / CSV）", "Ledger file (XLSX / CSV)")) input #ledger-file type="file" accept=".xlsx,.csv"; }
                label { input #ledger-partial type="checkbox" style="width:auto"; " " (v.t("只导入正确的行（其余列出）", "Import the good rows (report the rest)")) }
                label { input #ledger-dry type="checkbox" style="width:auto"; " " (v.t("仅试运行", "Dry run only")) }
                button type="button" #ledger-import { (v.t("导入", "Import")) }
                div #ledger-report {}
            }
            section.card {
                h2 { (v.t("用户与角色", "Users and roles")) }
                div.grid2 {
                    label { (v.t("用户名", "Username")) input #user-name autocomplete="off"; }
                    label { (v.t("姓名", "Display name")) input #user-display; }
                    label { (v.t("角色", "Role"))
                        select #user-role {
                            @for r in ALL_ROLES { option value=(r.as_str()) { (v.t(r.name_zh(), r.as_str())) } }
                        }
                    }
                    label { (v.t("绑定辖区代码", "Node code")) input #user-node value=(node); }
                    label { (v.t("初始密码（≥ 10 位）", "Initial password (≥ 10 characters)")) input #user-password type="password" autocomplete="new-password"; }
                }
                button type="button" #user-add { (v.t("添加用户", "Add user")) }
                p #user-message {}
                table #user-table {}
                button.quiet type="button" #user-more hidden { (v.t("更多", "More")) }
            }
        }
        noscript { p.err { (v.t("管理页面需要 JavaScript。", "The administration page needs JavaScript.")) } }
        script src="/assets/admin.js" {}
    };
    layout(&v, v.t("管理", "Administration"), "/admin", body)
}
