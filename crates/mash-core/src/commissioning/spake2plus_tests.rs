//! spake2plus.json: every vector, the mismatch vectors and every invalid pA.

use super::*;
use crate::commissioning::testutil::{ScriptedRng, hex_field, vectors};
use alloc::string::ToString;

fn code(v: &serde_json::Value) -> SetupCode {
    SetupCode::parse(v.as_str().unwrap()).unwrap()
}

fn scalar(v: &serde_json::Value) -> Scalar {
    scalar_from_be(&hex_field(v)).unwrap()
}

fn share(v: &serde_json::Value) -> [u8; 65] {
    hex_field(v).try_into().unwrap()
}

fn client(code: &SetupCode, x: &serde_json::Value) -> Client {
    Client::new(code, &mut ScriptedRng::new([hex_field(x)]))
}

fn server(verifier: &Verifier, y: &serde_json::Value) -> Server {
    Server::new(verifier, &mut ScriptedRng::new([hex_field(y)]))
}

/// Recomputes Z and V from the client's view (x, w0, w1, pB).
fn client_zv(x: &Scalar, w0: &Scalar, w1: &Scalar, pb: &[u8]) -> ([u8; 65], [u8; 65]) {
    let y_prime = ProjectivePoint::from(point_from_uncompressed(pb).unwrap()) - n_point() * w0;
    (uncompressed(&(y_prime * x)), uncompressed(&(y_prime * w1)))
}

/// Recomputes Z and V from the server's view (y, w0, L, pA).
fn server_zv(y: &Scalar, w0: &Scalar, l: &AffinePoint, pa: &[u8]) -> ([u8; 65], [u8; 65]) {
    let x_prime = ProjectivePoint::from(point_from_uncompressed(pa).unwrap()) - m_point() * w0;
    (
        uncompressed(&(x_prime * y)),
        uncompressed(&(ProjectivePoint::from(*l) * y)),
    )
}

#[test]
fn spake2plus_json_constants() {
    let v = vectors::spake2plus();
    assert_eq!(
        hex::encode(uncompressed(&m_point())),
        v["M"]["uncompressed"].as_str().unwrap()
    );
    assert_eq!(
        hex::encode(uncompressed(&n_point())),
        v["N"]["uncompressed"].as_str().unwrap()
    );
    let m_compressed = m_point().to_affine().to_sec1_point(true);
    assert_eq!(
        hex::encode(m_compressed.as_bytes()),
        v["M"]["compressed"].as_str().unwrap()
    );
    let n_compressed = n_point().to_affine().to_sec1_point(true);
    assert_eq!(
        hex::encode(n_compressed.as_bytes()),
        v["N"]["compressed"].as_str().unwrap()
    );
    assert_eq!(CLIENT_IDENTITY, b"mash-controller");
    assert_eq!(SERVER_IDENTITY, b"mash-device");
}

#[test]
fn spake2plus_json_vectors() {
    let all = vectors::spake2plus();
    let cases = all["vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for v in cases {
        let name = v["name"].as_str().unwrap();
        let code = code(&v["setup_code"]);
        assert_eq!(
            hex::encode(code.password()),
            v["hkdf_w"]["ikm_hex"].as_str().unwrap(),
            "{name}"
        );

        // w0, w1, L and the device's verifier.
        let (w0, w1) = password_scalars(&code);
        assert_eq!(w0, scalar(&v["w0"]), "{name}");
        assert_eq!(w1, scalar(&v["w1"]), "{name}");
        let verifier = Verifier::from_setup_code(&code).unwrap();
        assert_eq!(
            hex::encode(verifier.w0_bytes()),
            v["w0_minimal_hex"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            verifier.w0_bytes().len() as u64,
            v["w0_minimal_len"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex::encode(verifier.l_compressed()),
            v["L_compressed"].as_str().unwrap(),
            "{name}"
        );
        let dv = &v["device_verifier"];
        let stored =
            Verifier::from_parts(&hex_field(&dv["W0_hex"]), &hex_field(&dv["L_hex"])).unwrap();
        assert_eq!(stored.w0_bytes(), verifier.w0_bytes(), "{name}");
        assert_eq!(stored.l_compressed(), verifier.l_compressed(), "{name}");
        let from_uncompressed =
            Verifier::from_parts(&hex_field(&v["w0"]), &hex_field(&v["L_uncompressed"])).unwrap();
        assert_eq!(
            from_uncompressed.l_compressed(),
            verifier.l_compressed(),
            "{name}"
        );

        // Shares, drawn through the public API from a scripted RNG.
        let c = client(&code, &v["x"]);
        assert_eq!(hex::encode(c.share()), v["pA"].as_str().unwrap(), "{name}");
        let s = server(&verifier, &v["y"]);
        assert_eq!(hex::encode(s.share()), v["pB"].as_str().unwrap(), "{name}");

        // Z, V, TT (including the preimage) and K, from both views.
        let (pa, pb) = (share(&v["pA"]), share(&v["pB"]));
        let (x, y) = (scalar(&v["x"]), scalar(&v["y"]));
        let client_view = client_zv(&x, &w0, &w1, &pb);
        let server_view = server_zv(&y, &w0, &verifier.l, &pa);
        assert_eq!(client_view, server_view, "{name}");
        let (z, vv) = client_view;
        assert_eq!(hex::encode(z), v["Z"].as_str().unwrap(), "{name}");
        assert_eq!(hex::encode(vv), v["V"].as_str().unwrap(), "{name}");
        let mut preimage = Vec::new();
        for part in [
            CLIENT_IDENTITY,
            SERVER_IDENTITY,
            &pa,
            &pb,
            &z,
            &vv,
            &verifier.w0_bytes(),
        ] {
            preimage.extend_from_slice(part);
        }
        assert_eq!(
            hex::encode(&preimage),
            v["TT_preimage_hex"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex::encode(transcript_hash(&pa, &pb, &z, &vv, &w0)),
            v["TT"].as_str().unwrap(),
            "{name}"
        );
        let keys = Keys::derive(&pa, &pb, &z, &vv, &w0);
        let (shared, confirm) = keys.parts();
        assert_eq!(
            hex::encode(shared),
            v["shared_secret"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex::encode(confirm),
            v["confirm_key"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            alloc::format!("{}{}", hex::encode(shared), hex::encode(confirm)),
            v["hkdf_k"]["okm_64_hex"].as_str().unwrap()
        );

        // Confirmations and the proofs.
        let cs = c.finish(&pb).unwrap();
        let ss = s.finish(&pa).unwrap();
        assert_eq!(
            hex::encode(cs.confirmation()),
            v["cA"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex::encode(ss.confirmation()),
            v["cB"].as_str().unwrap(),
            "{name}"
        );
        let device = ss.verify(&hex_field(&v["cA"])).unwrap();
        let controller = cs.verify(&hex_field(&v["cB"])).unwrap();
        assert_eq!(
            hex::encode(device.shared_secret()),
            v["shared_secret"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(device.shared_secret(), controller.shared_secret(), "{name}");
        assert_eq!(
            device.zone_id().to_string(),
            v["zone_id"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(controller.zone_id(), device.zone_id(), "{name}");
    }
}

#[test]
fn spake2plus_json_w0_31_bytes_enters_tt_minimal() {
    let all = vectors::spake2plus();
    let v = all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "code-20202163-w0-31-bytes")
        .unwrap();
    let verifier = Verifier::from_setup_code(&code(&v["setup_code"])).unwrap();
    assert_eq!(verifier.w0_bytes().len(), 31);
    // The 31-byte stored form rebuilds the same verifier.
    let rebuilt = Verifier::from_parts(&verifier.w0_bytes(), &verifier.l_compressed()).unwrap();
    assert_eq!(rebuilt.w0_bytes(), verifier.w0_bytes());
}

#[test]
fn spake2plus_json_mismatch_vectors() {
    let all = vectors::spake2plus();
    for m in all["mismatch_vectors"].as_array().unwrap() {
        let name = m["name"].as_str().unwrap();
        let device_verifier = Verifier::from_setup_code(&code(&m["device_setup_code"])).unwrap();
        let client_code = code(&m["client_setup_code"]);
        let c = client(&client_code, &m["x"]);
        let s = server(&device_verifier, &m["y"]);
        assert_eq!(hex::encode(c.share()), m["pA"].as_str().unwrap(), "{name}");
        assert_eq!(hex::encode(s.share()), m["pB"].as_str().unwrap(), "{name}");
        let (pa, pb) = (share(&m["pA"]), share(&m["pB"]));

        let cv = &m["client_view"];
        let (w0, w1) = password_scalars(&client_code);
        assert_eq!(w0, scalar(&cv["w0"]), "{name}");
        assert_eq!(w1, scalar(&cv["w1"]), "{name}");
        let (z, vv) = client_zv(&scalar(&m["x"]), &w0, &w1, &pb);
        assert_eq!(hex::encode(z), cv["Z"].as_str().unwrap(), "{name}");
        assert_eq!(hex::encode(vv), cv["V"].as_str().unwrap(), "{name}");
        assert_eq!(
            hex::encode(transcript_hash(&pa, &pb, &z, &vv, &w0)),
            cv["TT"].as_str().unwrap(),
            "{name}"
        );
        let keys = Keys::derive(&pa, &pb, &z, &vv, &w0);
        assert_eq!(
            hex::encode(keys.parts().0),
            cv["shared_secret"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex::encode(keys.parts().1),
            cv["confirm_key"].as_str().unwrap(),
            "{name}"
        );

        let sv = &m["server_view"];
        assert_eq!(
            hex::encode(device_verifier.l_compressed()),
            sv["L_compressed"].as_str().unwrap(),
            "{name}"
        );
        let (z, vv) = server_zv(
            &scalar(&m["y"]),
            &device_verifier.w0,
            &device_verifier.l,
            &pa,
        );
        assert_eq!(hex::encode(z), sv["Z"].as_str().unwrap(), "{name}");
        assert_eq!(hex::encode(vv), sv["V"].as_str().unwrap(), "{name}");
        let keys = Keys::derive(&pa, &pb, &z, &vv, &device_verifier.w0);
        assert_eq!(
            hex::encode(keys.parts().0),
            sv["shared_secret"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex::encode(keys.parts().1),
            sv["confirm_key"].as_str().unwrap(),
            "{name}"
        );

        let cs = c.finish(&pb).unwrap();
        let ss = s.finish(&pa).unwrap();
        assert_eq!(
            hex::encode(cs.confirmation()),
            cv["cA_sent"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex::encode(ss.confirmation()),
            sv["cB_sent"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex::encode(
                Keys::derive(&pa, &pb, &z, &vv, &device_verifier.w0)
                    .confirmation(b"client", &pa, &pb)
            ),
            sv["expected_cA"].as_str().unwrap()
        );
        // Both sides reject the other's confirmation ("confirmation failed").
        assert_eq!(
            ss.verify(&hex_field(&cv["cA_sent"])).unwrap_err(),
            Spake2PlusError::ConfirmationFailed
        );
        assert_eq!(
            cs.verify(&hex_field(&sv["cB_sent"])).unwrap_err(),
            Spake2PlusError::ConfirmationFailed
        );
        assert_eq!(
            Spake2PlusError::ConfirmationFailed.to_string(),
            "confirmation failed"
        );
    }
}

#[test]
fn spake2plus_json_invalid_pa_vectors() {
    let all = vectors::spake2plus();
    let base = &all["vectors"][0];
    let verifier = Verifier::from_setup_code(&code(&base["setup_code"])).unwrap();
    let cases = all["invalid_pA_vectors"]["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 9);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let pa = hex_field(&case["pA_hex"]);
        let result = server(&verifier, &base["y"]).finish(&pa);
        if case["accepted"].as_bool().unwrap() {
            assert!(result.is_ok(), "{name}");
        } else {
            let err = result.err().unwrap();
            assert_eq!(err, Spake2PlusError::InvalidPublicKey, "{name}");
            assert_eq!(
                err.to_string(),
                case["go_ProcessClientValue_error"].as_str().unwrap(),
                "{name}"
            );
        }
    }
    // The client applies the same rule to pB.
    let c = client(&code(&base["setup_code"]), &base["x"]);
    assert_eq!(
        c.finish(&[0x04; 65]).err(),
        Some(Spake2PlusError::InvalidPublicKey)
    );
}

#[test]
fn tampered_confirmations_fail() {
    let all = vectors::spake2plus();
    let v = &all["vectors"][1];
    let verifier = Verifier::from_setup_code(&code(&v["setup_code"])).unwrap();
    let (pa, pb) = (share(&v["pA"]), share(&v["pB"]));
    for flip in [0usize, 17, 31] {
        let mut ca = hex_field(&v["cA"]);
        ca[flip] ^= 0x01;
        let ss = server(&verifier, &v["y"]).finish(&pa).unwrap();
        assert_eq!(
            ss.verify(&ca).unwrap_err(),
            Spake2PlusError::ConfirmationFailed
        );
        let mut cb = hex_field(&v["cB"]);
        cb[flip] ^= 0x80;
        let cs = client(&code(&v["setup_code"]), &v["x"])
            .finish(&pb)
            .unwrap();
        assert_eq!(
            cs.verify(&cb).unwrap_err(),
            Spake2PlusError::ConfirmationFailed
        );
    }
    // Truncated and empty confirmations fail too.
    let ss = server(&verifier, &v["y"]).finish(&pa).unwrap();
    assert!(ss.verify(&hex_field(&v["cA"])[..31]).is_err());
    let cs = client(&code(&v["setup_code"]), &v["x"])
        .finish(&pb)
        .unwrap();
    assert!(cs.verify(&[]).is_err());
}

#[test]
fn verifier_rejects_bad_parts_and_bad_codes() {
    assert_eq!(
        Verifier::from_parts(&[0xff; 32], &[0x02; 33]).err(),
        Some(Spake2PlusError::InvalidVerifier)
    );
    assert_eq!(
        Verifier::from_parts(&[1; 33], &[0x02; 33]).err(),
        Some(Spake2PlusError::InvalidVerifier)
    );
    assert_eq!(
        Verifier::from_parts(&[1], &[0x00]).err(),
        Some(Spake2PlusError::InvalidVerifier)
    );
    assert!(Verifier::from_setup_code(&SetupCode::parse("12345678").unwrap()).is_err());
    assert!(Verifier::from_setup_code(&SetupCode::parse("00000000").unwrap()).is_err());
    assert_eq!(
        alloc::format!(
            "{:?}",
            Verifier::from_setup_code(&SetupCode::new(1).unwrap()).unwrap()
        ),
        "Verifier(..)"
    );
}
