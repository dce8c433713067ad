//! Open311 GeoReport v2 over HTTP, JSON and XML, on every engine: discovery, services,
//! service definitions, creating and reading requests through the one case engine, and the
//! spec's errors.

use crate::common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn georeport_v2_in_json_and_xml() {
    for app in apps().await {
        let discovery = app
            .get(&Auth::None, "/open311/v2/discovery.json")
            .await
            .expect(200);
        assert_eq!(
            discovery["endpoints"][0]["specification"],
            "http://wiki.open311.org/GeoReport_v2"
        );
        let xml = app.get(&Auth::None, "/open311/v2/discovery.xml").await;
        assert!(
            xml.text
                .starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><discovery>"),
            "{}",
            xml.text
        );
        assert!(xml.content_type().starts_with("text/xml"));

        let services = app
            .get(
                &Auth::None,
                "/open311/v2/services.json?jurisdiction_id=450100",
            )
            .await
            .expect(200);
        let list = services.as_array().unwrap();
        assert!(list.len() >= 60);
        assert!(list.iter().all(|s| s["service_code"].is_string()));
        let approvals = list.iter().find(|s| s["service_code"] == "2401").unwrap();
        assert_eq!(approvals["metadata"], true);
        let def = app
            .get(&Auth::None, "/open311/v2/services/2401.json")
            .await
            .expect(200);
        assert_eq!(def["attributes"][0]["code"], "item");
        assert_eq!(def["attributes"][0]["required"], true);
        let def_xml = app.get(&Auth::None, "/open311/v2/services/2401.xml").await;
        assert!(
            def_xml.text.contains("<service_code>2401</service_code>")
                && def_xml
                    .text
                    .contains("<attributes><attribute><code>item</code>"),
            "{}",
            def_xml.text
        );
        let missing = app.get(&Auth::None, "/open311/v2/services/9999.json").await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.json()[0]["code"], 404);
        let elsewhere = app
            .get(
                &Auth::None,
                "/open311/v2/services.json?jurisdiction_id=110000",
            )
            .await;
        assert_eq!(elsewhere.status, 404);

        let grid = app.city.grids[1].code.clone();
        let key = open311_key(&app, &grid[..9]).await;
        let as_bearer = app.get(&Auth::Bearer(key.clone()), "/api/v1/auth/me").await;
        assert_eq!(
            as_bearer.status, 401,
            "an Open311 key is not a key to the whole API"
        );
        let [lon, lat] = interior_point(&app.grid_ring(&grid));
        let base = vec![
            ("api_key", key.clone()),
            ("jurisdiction_id", "450100".to_string()),
            ("service_code", "1101".to_string()),
            ("description", "路边垃圾堆积".to_string()),
            ("lat", lat.to_string()),
            ("long", lon.to_string()),
            ("email", "someone@example.com".to_string()),
            ("media_url", "https://example.com/photo.jpg".to_string()),
        ];
        let created = post_form(&app, "/open311/v2/requests.json", &base).await;
        assert_eq!(created.status, 201, "{}: {}", app.label, created.text);
        let id = created.json()[0]["service_request_id"]
            .as_str()
            .unwrap()
            .to_string();
        let one = app
            .get(&Auth::None, &format!("/open311/v2/requests/{id}.json"))
            .await
            .expect(200);
        let r: &Value = &one[0];
        assert_eq!(r["status"], "open");
        assert_eq!(r["service_code"], "1101");
        assert_eq!(r["address_id"], grid);
        assert!(
            r["requested_datetime"]
                .as_str()
                .unwrap()
                .ends_with("+08:00")
        );
        assert!(r["expected_datetime"].is_string(), "our deadline");
        assert_eq!(r["media_url"], "https://example.com/photo.jpg");
        let one_xml = app
            .get(&Auth::None, &format!("/open311/v2/requests/{id}.xml"))
            .await;
        assert!(
            one_xml.text.starts_with(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request>"
            ) && one_xml
                .text
                .contains(&format!("<service_request_id>{id}</service_request_id>")),
            "{}",
            one_xml.text
        );
        let listed = app
            .get(
                &Auth::None,
                "/open311/v2/requests.json?status=open&service_code=1101",
            )
            .await
            .expect(200);
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["service_request_id"] == id.as_str())
        );
        assert!(
            !one.to_string().contains("someone@example.com"),
            "personal data is not published"
        );
        // It is a case like any other, from the open311 channel.
        let admin = app.login("admin").await;
        let case = app
            .get(&admin.auth(), &format!("/api/v1/cases/{id}"))
            .await
            .expect(200);
        assert_eq!(case["channel"], "open311");
        app.post(
            &admin.auth(),
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "file", "note": "属实"}),
        )
        .await
        .expect(200);
        let updates = app
            .get(&Auth::None, "/open311/v2/servicerequestupdates.json")
            .await
            .expect(200);
        let mine: Vec<&Value> = updates
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["service_request_id"] == id.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "{updates}");
        assert_eq!(mine[0]["external_status_code"], "filed");
        assert_eq!(mine[0]["description"], "属实");
        let history = app
            .get(
                &Auth::None,
                &format!("/open311/v2/requests.json?service_request_id={id}&extensions=true"),
            )
            .await
            .expect(200);
        assert_eq!(
            history[0]["extended_attributes"]["updates"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let xml = app
            .get(&Auth::None, "/open311/v2/servicerequestupdates.xml")
            .await;
        assert!(
            xml.text
                .contains("<service_request_updates><request_update>"),
            "{}",
            xml.text
        );

        // The spec's errors.
        let without = |k: &str| {
            base.iter()
                .filter(|(n, _)| *n != k)
                .cloned()
                .collect::<Vec<_>>()
        };
        for (form, code) in [
            (without("service_code"), 400),
            (without("api_key"), 403),
            (without("long"), 400),
            (
                without("lat")
                    .into_iter()
                    .filter(|(n, _)| *n != "long")
                    .collect(),
                400,
            ),
        ] {
            let r = post_form(&app, "/open311/v2/requests.json", &form).await;
            assert_eq!(r.status, code, "{}: {}", app.label, r.text);
            assert_eq!(r.json()[0]["code"], code);
        }
        let mut wrong_key = base.clone();
        wrong_key[0].1 = "txn_nope".into();
        assert_eq!(
            post_form(&app, "/open311/v2/requests.json", &wrong_key)
                .await
                .status,
            403
        );
        let mut unknown = base.clone();
        unknown[2].1 = "9999".into();
        assert_eq!(
            post_form(&app, "/open311/v2/requests.json", &unknown)
                .await
                .status,
            404
        );
        let mut long = base.clone();
        long[3].1 = "长".repeat(4_001);
        assert_eq!(
            post_form(&app, "/open311/v2/requests.json", &long)
                .await
                .status,
            400
        );
        let mut approvals = base.clone();
        approvals[2].1 = "2401".into();
        let r = post_form(&app, "/open311/v2/requests.xml", &approvals).await;
        assert_eq!(r.status, 400, "a required attribute is missing");
        assert!(
            r.text.contains("<errors><error><code>400</code>"),
            "{}",
            r.text
        );
        approvals.push(("attribute[item]", "营业执照".into()));
        assert_eq!(
            post_form(&app, "/open311/v2/requests.xml", &approvals)
                .await
                .status,
            201
        );
        let too_long = app
            .get(&Auth::None, "/open311/v2/requests.json?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-06-01T00:00:00%2B08:00")
            .await;
        assert_eq!(too_long.status, 400);
        assert_eq!(
            app.get(&Auth::None, "/open311/v2/requests/999999.json")
                .await
                .status,
            404
        );
        app.cleanup().await;
    }
}

/// The `georeport` client from PyPI (JSON and XML modes) against the running app. `.ci/run`
/// installs it and sets `TONGXIN_PYTHON`; under CI a missing client fails the test.
#[tokio::test]
async fn the_georeport_client_from_pypi_reads_us() {
    let Some(python) = std::env::var("TONGXIN_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must set TONGXIN_PYTHON to a Python with `georeport` installed (see .ci/run)"
        );
        eprintln!("SKIPPED: TONGXIN_PYTHON is not set (a Python with georeport==0.3.1)");
        return;
    };
    let app = sqlite_app().await;
    let grid = app.city.grids[1].code.clone();
    let key = open311_key(&app, &grid[..9]).await;
    let [lon, lat] = interior_point(&app.grid_ring(&grid));
    let created = post_form(
        &app,
        "/open311/v2/requests.json",
        &[
            ("api_key", key),
            ("service_code", "1101".into()),
            ("description", "路边垃圾".into()),
            ("lat", lat.to_string()),
            ("long", lon.to_string()),
        ],
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let script = format!(
        r#"
import georeport
for fmt in ("json", "xml"):
    c = georeport.GeoReport("{root}", jurisdiction="450100", output_format=fmt)
    services = c.get_service_list()
    assert any(s["service_code"] == "1101" for s in services), fmt
    d = c.get_service_definition("2401")
    attrs = d["attributes"] if fmt == "json" else d["attributes"]["attribute"]
    attrs = attrs if isinstance(attrs, list) else [attrs]
    assert attrs[0]["code"] == "item", (fmt, d)
    r = c.get_service_request("{id}")
    assert r["service_request_id"] == "{id}" and r["status"] == "open", (fmt, r)
    rs = c.get_service_requests(service_code="1101", status="open")
    rs = rs if isinstance(rs, list) else [rs]
    assert any(x["service_request_id"] == "{id}" for x in rs), (fmt, rs)
print("georeport ok")
"#,
        root = app.url("/open311/v2"),
    );
    // On a blocking thread, so the app on this test's runtime keeps answering.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&python)
            .arg("-c")
            .arg(&script)
            .output()
    })
    .await
    .unwrap()
    .expect("run python");
    assert!(
        out.status.success(),
        "georeport client failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    app.cleanup().await;
}

/// Plain curl against every endpoint (as the README documents them); a building's name alone
/// places a request.
#[tokio::test]
async fn plain_curl_reaches_every_endpoint() {
    let app = sqlite_app().await;
    let building = app.city.buildings[0].clone();
    let key = open311_key(&app, &building.grid_code[..9]).await;
    let root = app.url("/open311/v2");
    let curl = |args: Vec<String>| async move {
        tokio::task::spawn_blocking(move || {
            let out = std::process::Command::new("curl")
                .args(["-s", "-w", "\n%{http_code}"])
                .args(&args)
                .output()
                .expect("curl is installed");
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let (body, code) = text.rsplit_once('\n').unwrap();
            (code.parse::<u16>().unwrap(), body.to_string())
        })
        .await
        .unwrap()
    };
    let created = curl(vec![
        "-d".into(),
        format!("api_key={key}"),
        "-d".into(),
        "service_code=1101".into(),
        "--data-urlencode".into(),
        format!("address_string={}", building.name),
        "--data-urlencode".into(),
        "description=楼下垃圾".into(),
        format!("{root}/requests.json"),
    ])
    .await;
    assert_eq!(created.0, 201, "{}", created.1);
    let id: Value = serde_json::from_str(&created.1).unwrap();
    let id = id[0]["service_request_id"].as_str().unwrap().to_string();
    for (path, code) in [
        ("discovery.json".to_string(), 200),
        ("discovery.xml".into(), 200),
        ("services.json?jurisdiction_id=450100".into(), 200),
        ("services.xml".into(), 200),
        ("services/2401.json".into(), 200),
        ("services/2401.xml".into(), 200),
        ("requests.json".into(), 200),
        ("requests.xml?status=open".into(), 200),
        (format!("requests/{id}.json"), 200),
        (format!("requests/{id}.xml"), 200),
        (format!("tokens/{id}.json"), 200),
        ("servicerequestupdates.json".into(), 200),
        ("servicerequestupdates.xml".into(), 200),
        ("requests/0.json".into(), 404),
        ("services.json?jurisdiction_id=110000".into(), 404),
    ] {
        let (got, body) = curl(vec![format!("{root}/{path}")]).await;
        assert_eq!(got, code, "{path}: {body}");
    }
    let one = app
        .get(&Auth::None, &format!("/open311/v2/requests/{id}.json"))
        .await
        .expect(200);
    assert_eq!(
        one[0]["address_id"], building.grid_code,
        "placed by the building's name"
    );
    app.cleanup().await;
}
