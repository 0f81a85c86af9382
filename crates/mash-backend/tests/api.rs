//! The HTTP API on an in-memory database and a manual clock: who may
//! call what, uploads, the job channel with its leases, results, and the
//! setup code's erasure.

mod support;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::*;

#[tokio::test]
async fn requests_without_a_known_token_are_unauthorized() {
    let api = Api::in_memory().await;
    for token in [None, Some("not-a-configured-token")] {
        let a = api
            .call(
                Method::POST,
                "/v1/sites/site-42/registrations",
                token,
                Some(json!({ "qr": QR })),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.body["error"], "unauthorized");
        assert_eq!(a.headers["www-authenticate"], "Bearer");
        let a = api
            .call(Method::GET, "/v1/smgw/smgw-1/jobs", token, None)
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    // The health check needs no token.
    let a = api.call(Method::GET, "/v1/health", None, None).await;
    assert_eq!(
        (a.status, a.body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
}

#[tokio::test]
async fn tokens_are_forbidden_outside_their_scope() {
    let api = Api::in_memory().await;
    let upload = |token: &'static str, site: &'static str| {
        let api = &api;
        async move {
            let uri = format!("/v1/sites/{site}/registrations");
            api.call(Method::POST, &uri, Some(token), Some(json!({ "qr": QR })))
                .await
                .status
        }
    };
    // Another app's site, an unknown site, an SMGW uploading.
    assert_eq!(upload(APP, "site-7").await, StatusCode::FORBIDDEN);
    assert_eq!(upload(APP, "site-999").await, StatusCode::FORBIDDEN);
    assert_eq!(upload(SMGW, "site-42").await, StatusCode::FORBIDDEN);

    let id = api.upload("site-42", QR).await.body["id"].as_u64().unwrap();
    let uri = format!("/v1/registrations/{id}");
    for token in [OTHER_APP, SMGW] {
        let a = api.call(Method::GET, &uri, Some(token), None).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{token}");
        assert_eq!(a.body["error"], "forbidden");
    }
    // Jobs: another SMGW's, or an app's token.
    for (token, smgw) in [(OTHER_SMGW, "smgw-1"), (APP, "smgw-1"), (SMGW, "smgw-2")] {
        let uri = format!("/v1/smgw/{smgw}/jobs");
        let a = api.call(Method::GET, &uri, Some(token), None).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{token} on {smgw}");
        let uri = format!("/v1/smgw/{smgw}/jobs/{id}/result");
        let a = api
            .call(Method::POST, &uri, Some(token), Some(commissioned()))
            .await;
        assert_eq!(
            a.status,
            StatusCode::FORBIDDEN,
            "{token} reporting on {smgw}"
        );
    }
}

#[tokio::test]
async fn a_malformed_qr_code_is_refused_with_its_field_named() {
    let api = Api::in_memory().await;
    for (qr, field) in [
        ("MASH:1:1234:2020202", "setup_code"),
        ("MASH:1:1234:2020202x", "setup_code"),
        ("MASH:1:4096:20202021", "discriminator"),
        ("MASH:0:1234:20202021", "version"),
        ("QR:1:1234:20202021", "prefix"),
        ("MASH:1:1234", "fields"),
        ("MASH:1:1234:20202021:0xZZ:0x0001", "vendor_id"),
        ("MASH:1:1234:20202021:0x0001:70000", "product_id"),
    ] {
        let a = api.upload("site-42", qr).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{qr}");
        assert_eq!(a.body["error"], "invalid_qr", "{qr}");
        assert_eq!(a.body["field"], field, "{qr}: {}", a.body);
    }
    let a = api.upload("site-42", "MASH:1:1234:2020202").await;
    assert_eq!(
        a.body["message"],
        "invalid qr code: invalid setup code: must be 8 digits"
    );
    // Not JSON, or not the expected shape.
    let a = api
        .call(
            Method::POST,
            "/v1/sites/site-42/registrations",
            Some(APP),
            Some(json!({ "code": QR })),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.body["error"], "invalid_request");
    // Nothing was stored.
    assert!(api.poll(0).await.is_empty());
}

#[tokio::test]
async fn uploading_the_same_qr_code_again_finds_the_open_registration() {
    let api = Api::in_memory().await;
    let first = api.upload("site-42", QR).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first.body["state"], "pending");
    let id = first.body["id"].as_u64().unwrap();
    assert_eq!(first.headers["location"], format!("/v1/registrations/{id}"));

    let again = api.upload("site-42", QR).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["id"], id);
    // The six-field form of the same device is another QR code; another
    // site is another registration.
    let six = api
        .upload("site-42", "MASH:1:1234:20202021:0x1234:0x0001")
        .await;
    assert_eq!(six.status, StatusCode::CREATED);
    assert_eq!(six.body["vendor_id"], 0x1234);
    let other_site = api.upload("site-43", QR).await;
    assert_eq!(other_site.status, StatusCode::CREATED);
    assert_ne!(other_site.body["id"], id);

    // Once final, the same code starts a new registration (a retry).
    let jobs = api.poll(0).await;
    assert_eq!(jobs.len(), 3);
    let failed = json!({ "status": "failed", "reason": "device not found" });
    assert_eq!(api.report(id, failed).await.status, StatusCode::OK);
    let retry = api.upload("site-42", QR).await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert!(retry.body["id"].as_u64().unwrap() > id);
}

#[tokio::test]
async fn a_long_poll_wakes_when_a_registration_arrives() {
    let api = Api::in_memory().await;
    let router = api.router.clone();
    let started = Instant::now();
    let mut poll = tokio::spawn(async move {
        use tower::ServiceExt;
        let request = axum::http::Request::get("/v1/smgw/smgw-1/jobs?wait=20")
            .header("authorization", format!("Bearer {SMGW}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
    });
    // Nothing to hand out: the poll waits.
    assert!(
        tokio::time::timeout(Duration::from_millis(100), &mut poll)
            .await
            .is_err()
    );
    // An upload for another SMGW's site does not answer it.
    let a = api
        .call(
            Method::POST,
            "/v1/sites/site-7/registrations",
            Some(OTHER_APP),
            Some(json!({ "qr": QR })),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let id = api.upload("site-42", QR).await.body["id"].clone();
    let answer = poll.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "woke late");
    let jobs = answer["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["id"], id);
    assert_eq!(jobs[0]["qr"], QR);
    assert_eq!(jobs[0]["site"], "site-42");
    assert_eq!(jobs[0]["attempt"], 1);
    assert_eq!(jobs[0]["lease_seconds"], LEASE_SECONDS);
    let status = api.status(id.as_u64().unwrap()).await;
    assert_eq!(status["state"], "delivered");
    // A poll with nothing pending and no wait answers at once.
    assert!(api.poll(0).await.is_empty());
}

#[tokio::test]
async fn a_job_without_a_result_is_handed_out_again_when_its_lease_ends() {
    let api = Api::in_memory().await;
    let id = api.upload("site-42", QR).await.body["id"].as_u64().unwrap();
    let first = api.poll(0).await;
    assert_eq!(first[0]["attempt"], 1);
    // Leased: not handed out again meanwhile.
    api.clock.advance(Duration::from_secs(LEASE_SECONDS - 1));
    assert!(api.poll(0).await.is_empty());
    api.clock.advance(Duration::from_secs(1));
    let again = api.poll(0).await;
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0]["id"].as_u64(), again[0]["attempt"].as_u64()),
        (Some(id), Some(2))
    );
    assert_eq!(api.status(id).await["attempts"], 2);
}

#[tokio::test]
async fn a_job_out_of_attempts_fails_and_its_setup_code_is_erased() {
    let api = Api::in_memory().await;
    let id = api.upload("site-42", QR).await.body["id"].as_u64().unwrap();
    for _ in 0..2 {
        assert_eq!(api.poll(0).await.len(), 1);
        api.clock.advance(Duration::from_secs(LEASE_SECONDS));
    }
    assert!(api.poll(0).await.is_empty());
    let status = api.status(id).await;
    assert_eq!(status["state"], "failed");
    assert_eq!(
        status["reason"],
        "no result from the SMGW after 2 deliveries"
    );
    assert_eq!(api.row(id).await, ("failed".into(), None));
    // A late result is refused.
    assert_eq!(
        api.report(id, commissioned()).await.status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn the_app_sees_the_result_and_the_setup_code_is_gone() {
    let api = Api::in_memory().await;
    let id = api.upload("site-42", QR).await.body["id"].as_u64().unwrap();
    assert_eq!(api.row(id).await, ("pending".into(), Some(QR.into())));
    assert_eq!(api.poll(0).await.len(), 1);

    let a = api.report(id, commissioned()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["state"], "commissioned");
    assert_eq!(api.row(id).await, ("commissioned".into(), None));

    let status = api.status(id).await;
    assert_eq!(status["state"], "commissioned");
    assert_eq!(status["device_id"], "3001aa3902e6e02c");
    assert_eq!(status["zone_id"], "a1b2c3d4e5f60718");
    assert!(!status.to_string().contains("20202021"), "{status}");

    // The same report again (its answer was lost): fine. Another: no.
    assert_eq!(api.report(id, commissioned()).await.status, StatusCode::OK);
    let failed = json!({ "status": "failed", "reason": "oops" });
    assert_eq!(api.report(id, failed).await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_failure_report_is_final_and_erases_the_setup_code_too() {
    let api = Api::in_memory().await;
    let id = api.upload("site-42", QR).await.body["id"].as_u64().unwrap();
    api.poll(0).await;
    let failed = json!({ "status": "failed", "reason": "commissioning failed: wrong setup code" });
    assert_eq!(api.report(id, failed).await.status, StatusCode::OK);
    let status = api.status(id).await;
    assert_eq!(status["state"], "failed");
    assert_eq!(status["reason"], "commissioning failed: wrong setup code");
    assert_eq!(api.row(id).await, ("failed".into(), None));
    // Never handed out again.
    api.clock.advance(Duration::from_secs(10 * LEASE_SECONDS));
    assert!(api.poll(0).await.is_empty());
}

#[tokio::test]
async fn results_only_for_jobs_leased_to_the_caller() {
    let api = Api::in_memory().await;
    let id = api.upload("site-42", QR).await.body["id"].as_u64().unwrap();
    // Pending, not leased yet.
    let a = api.report(id, commissioned()).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.body["error"], "conflict");
    // Unknown job, or another SMGW's.
    assert_eq!(
        api.report(9999, commissioned()).await.status,
        StatusCode::NOT_FOUND
    );
    let other = api
        .call(
            Method::POST,
            "/v1/sites/site-7/registrations",
            Some(OTHER_APP),
            Some(json!({ "qr": QR })),
        )
        .await
        .body["id"]
        .as_u64()
        .unwrap();
    assert_eq!(
        api.report(other, commissioned()).await.status,
        StatusCode::NOT_FOUND
    );
    // Malformed results.
    api.poll(0).await;
    for bad in [
        json!({ "status": "commissioned", "device_id": "xyz", "zone_id": "a1b2c3d4e5f60718" }),
        json!({ "status": "failed", "reason": "" }),
        json!({ "status": "failed", "reason": "x".repeat(1001) }),
        json!({ "status": "maybe" }),
    ] {
        let a = api.report(id, bad.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(api.report(id, commissioned()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_things_are_not_found() {
    let api = Api::in_memory().await;
    for uri in [
        "/v1/registrations/77",
        "/v1/registrations/abc",
        "/v2/whatever",
    ] {
        let a = api.call(Method::GET, uri, Some(APP), None).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(a.body["error"], "not_found");
    }
    let a = api
        .call(
            Method::GET,
            "/v1/smgw/smgw-1/jobs?wait=soon",
            Some(SMGW),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_app_can_wait_for_the_final_state() {
    let api = Api::in_memory().await;
    let id = api.upload("site-42", QR).await.body["id"].as_u64().unwrap();
    let router = api.router.clone();
    let waiting = tokio::spawn(async move {
        use tower::ServiceExt;
        let request = axum::http::Request::get(format!("/v1/registrations/{id}?wait=20"))
            .header("authorization", format!("Bearer {APP}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
    });
    api.poll(0).await;
    api.report(id, commissioned()).await;
    let status = waiting.await.unwrap();
    assert_eq!(status["state"], "commissioned");
}
