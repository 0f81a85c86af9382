//! Registrations survive a restart of the backend (SQLite file).

mod support;

use axum::http::StatusCode;
use support::*;

#[tokio::test]
async fn registrations_and_leases_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("backend.db").display());

    let api = Api::open(&url).await;
    let done = api.upload("site-42", QR).await.body["id"].as_u64().unwrap();
    assert_eq!(api.poll(0).await.len(), 1);
    assert_eq!(
        api.report(done, commissioned()).await.status,
        StatusCode::OK
    );
    let open = api.upload("site-42", "MASH:1:77:12121212").await.body["id"]
        .as_u64()
        .unwrap();
    api.backend.close().await;
    drop(api);
    // Erased from the file too (secure_delete), not only from the row.
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let code = b"20202021";
    assert!(
        !bytes.windows(code.len()).any(|w| w == code),
        "setup code left in the file"
    );
    assert!(
        bytes.windows(8).any(|w| w == b"12121212"),
        "the open one is kept"
    );

    let api = Api::open(&url).await;
    let status = api.status(done).await;
    assert_eq!(status["state"], "commissioned");
    assert_eq!(status["device_id"], "3001aa3902e6e02c");
    // Still open: the same upload finds it, and the SMGW gets it.
    let again = api.upload("site-42", "MASH:1:77:12121212").await;
    assert_eq!(
        (again.status, again.body["id"].as_u64()),
        (StatusCode::OK, Some(open))
    );
    let jobs = api.poll(0).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["qr"], "MASH:1:77:12121212");
    // IDs are never reused.
    let next = api.upload("site-43", QR).await.body["id"].as_u64().unwrap();
    assert!(next > open);
    api.backend.close().await;
}
