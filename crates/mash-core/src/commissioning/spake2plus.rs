//! SPAKE2+ on P-256 exactly as the reference codes it (INTEROP.md §5.4).
//!
//! This is **not** RFC 9383: only the M and N points come from it. The
//! password scalars come from one HKDF call, the transcript is a plain
//! concatenation hashed with SHA-256 (w0 in minimal big-endian bytes), and
//! the confirmations are HMACs over `"client"`/`"server"` and both shares.
//!
//! The client (controller) starts from the setup code; the server (device)
//! only needs a [`Verifier`] `(w0, L)`. Both sides end in a
//! [`SetupCodeVerified`] proof once the peer's confirmation matched; only
//! that proof yields the shared secret and the zone ID.

use alloc::vec::Vec;
use core::fmt;

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::sec1::{FromSec1Point, ToSec1Point};
use p256::elliptic_curve::{Group, PrimeField};
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::setup_code::{SetupCode, SetupCodeError};
use crate::ids::ZoneId;

/// Identity A, hashed by both sides (the server too: it always uses this
/// fixed string, whatever the PASERequest's clientIdentity says).
pub const CLIENT_IDENTITY: &[u8] = b"mash-controller";
/// Identity B.
pub const SERVER_IDENTITY: &[u8] = b"mash-device";
/// Length of pA/pB on the wire: SEC1 uncompressed.
pub const SHARE_LEN: usize = 65;
/// Length of cA/cB.
pub const CONFIRMATION_LEN: usize = 32;

const W_INFO: &[u8] = b"SPAKE2+-P256-SHA256 w";
const K_INFO: &[u8] = b"SPAKE2+-P256-SHA256";

/// RFC 9383 M for P-256 (x, y).
const M_XY: ([u8; 32], [u8; 32]) = (
    hex32(b"886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f"),
    hex32(b"5ff355163e43ce224e0b0e65ff02ac8e5c7be09419c785e0ca547d55a12e2d20"),
);
/// RFC 9383 N for P-256 (x, y).
const N_XY: ([u8; 32], [u8; 32]) = (
    hex32(b"d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49"),
    hex32(b"07d60aa6bfade45008a636337f5168c64d9bd36034808cd564490b1e656edbe7"),
);

/// Why a SPAKE2+ step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Spake2PlusError {
    /// The peer's share is not a 65-byte uncompressed point on P-256.
    InvalidPublicKey,
    /// The peer's confirmation MAC does not match (wrong setup code, or
    /// tampering).
    ConfirmationFailed,
    /// Stored verifier bytes are malformed (w0 ≥ n, L not a point).
    InvalidVerifier,
}

impl fmt::Display for Spake2PlusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidPublicKey => "invalid public key",
            Self::ConfirmationFailed => "confirmation failed",
            Self::InvalidVerifier => "invalid verifier",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Spake2PlusError {}

/// What a device stores instead of its setup code: `w0` and `L = w1·G`
/// (INTEROP.md §5.4).
#[derive(Clone)]
pub struct Verifier {
    w0: Scalar,
    l: AffinePoint,
}

impl Verifier {
    /// Provisions a verifier. The code must pass [`SetupCode::validate`]:
    /// a device never runs with an out-of-range or prohibited code.
    pub fn from_setup_code(code: &SetupCode) -> Result<Self, SetupCodeError> {
        code.validate()?;
        let (w0, w1) = password_scalars(code);
        Ok(Self {
            w0,
            l: ProjectivePoint::mul_by_generator(&w1).to_affine(),
        })
    }

    /// Rebuilds a stored verifier: `w0` as big-endian bytes (minimal or
    /// padded, at most 32, below the group order) and `L` as a SEC1 point
    /// (compressed, as the reference stores it, or uncompressed).
    pub fn from_parts(w0: &[u8], l: &[u8]) -> Result<Self, Spake2PlusError> {
        let w0 = scalar_from_be(w0).ok_or(Spake2PlusError::InvalidVerifier)?;
        let encoded =
            p256::Sec1Point::from_bytes(l).map_err(|_| Spake2PlusError::InvalidVerifier)?;
        let l: Option<AffinePoint> = AffinePoint::from_sec1_point(&encoded).into();
        match l {
            Some(l) if !bool::from(l.is_identity()) => Ok(Self { w0, l }),
            _ => Err(Spake2PlusError::InvalidVerifier),
        }
    }

    /// `w0` in minimal big-endian bytes (what the reference's `Verifier.W0`
    /// holds; can be shorter than 32).
    pub fn w0_bytes(&self) -> Vec<u8> {
        minimal_be(&self.w0)
    }

    /// `L` in SEC1 compressed form (33 bytes).
    pub fn l_compressed(&self) -> [u8; 33] {
        let mut out = [0u8; 33];
        out.copy_from_slice(self.l.to_sec1_point(true).as_bytes());
        out
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier(..)")
    }
}

/// The controller's side, after sending pA and before seeing pB.
pub struct Client {
    x: Scalar,
    w0: Scalar,
    w1: Scalar,
    pa: [u8; SHARE_LEN],
}

impl Client {
    /// Draws `x` and computes `pA = x·G + w0·M`. The code is used as typed
    /// (no range check): a wrong code simply fails the confirmation.
    pub fn new(code: &SetupCode, rng: &mut impl CryptoRng) -> Self {
        let (w0, w1) = password_scalars(code);
        let x = random_scalar(rng);
        let pa = uncompressed(&(ProjectivePoint::mul_by_generator(&x) + m_point() * w0));
        Self { x, w0, w1, pa }
    }

    /// pA, for the PASERequest.
    pub fn share(&self) -> &[u8; SHARE_LEN] {
        &self.pa
    }

    /// Processes pB: `Y' = pB − w0·N`, `Z = x·Y'`, `V = w1·Y'`.
    pub fn finish(self, pb: &[u8]) -> Result<ClientSession, Spake2PlusError> {
        let pb_point = point_from_uncompressed(pb)?;
        let y_prime = ProjectivePoint::from(pb_point) - n_point() * self.w0;
        let z = uncompressed(&(y_prime * self.x));
        let v = uncompressed(&(y_prime * self.w1));
        let mut pb_bytes = [0u8; SHARE_LEN];
        pb_bytes.copy_from_slice(pb);
        let keys = Keys::derive(&self.pa, &pb_bytes, &z, &v, &self.w0);
        Ok(ClientSession {
            keys,
            pa: self.pa,
            pb: pb_bytes,
        })
    }
}

/// The controller's side once both shares are known.
pub struct ClientSession {
    keys: Keys,
    pa: [u8; SHARE_LEN],
    pb: [u8; SHARE_LEN],
}

impl ClientSession {
    /// cA = HMAC(confirmKey, "client" ‖ pA ‖ pB), for the PASEConfirm.
    pub fn confirmation(&self) -> [u8; CONFIRMATION_LEN] {
        self.keys.confirmation(b"client", &self.pa, &self.pb)
    }

    /// Checks the device's cB in constant time.
    pub fn verify(self, cb: &[u8]) -> Result<SetupCodeVerified, Spake2PlusError> {
        let expected = self.keys.confirmation(b"server", &self.pb, &self.pa);
        self.keys.verified_if(expected.ct_eq(cb).into())
    }
}

/// The device's side, after sending pB and before seeing pA.
pub struct Server {
    y: Scalar,
    w0: Scalar,
    l: AffinePoint,
    pb: [u8; SHARE_LEN],
}

impl Server {
    /// Draws `y` and computes `pB = y·G + w0·N`.
    pub fn new(verifier: &Verifier, rng: &mut impl CryptoRng) -> Self {
        let y = random_scalar(rng);
        let pb = uncompressed(&(ProjectivePoint::mul_by_generator(&y) + n_point() * verifier.w0));
        Self {
            y,
            w0: verifier.w0,
            l: verifier.l,
            pb,
        }
    }

    /// pB, for the PASEResponse.
    pub fn share(&self) -> &[u8; SHARE_LEN] {
        &self.pb
    }

    /// Processes pA: `X' = pA − w0·M`, `Z = y·X'`, `V = y·L`. The only check
    /// on pA is the reference's: uncompressed and on the curve.
    pub fn finish(self, pa: &[u8]) -> Result<ServerSession, Spake2PlusError> {
        let pa_point = point_from_uncompressed(pa)?;
        let x_prime = ProjectivePoint::from(pa_point) - m_point() * self.w0;
        let z = uncompressed(&(x_prime * self.y));
        let v = uncompressed(&(ProjectivePoint::from(self.l) * self.y));
        let mut pa_bytes = [0u8; SHARE_LEN];
        pa_bytes.copy_from_slice(pa);
        let keys = Keys::derive(&pa_bytes, &self.pb, &z, &v, &self.w0);
        Ok(ServerSession {
            keys,
            pa: pa_bytes,
            pb: self.pb,
        })
    }
}

/// The device's side once both shares are known.
pub struct ServerSession {
    keys: Keys,
    pa: [u8; SHARE_LEN],
    pb: [u8; SHARE_LEN],
}

impl ServerSession {
    /// cB = HMAC(confirmKey, "server" ‖ pB ‖ pA), for the PASEComplete. The
    /// device sends it even when cA was wrong (INTEROP.md §5.3).
    pub fn confirmation(&self) -> [u8; CONFIRMATION_LEN] {
        self.keys.confirmation(b"server", &self.pb, &self.pa)
    }

    /// Checks the controller's cA in constant time.
    pub fn verify(self, ca: &[u8]) -> Result<SetupCodeVerified, Spake2PlusError> {
        let expected = self.keys.confirmation(b"client", &self.pa, &self.pb);
        self.keys.verified_if(expected.ct_eq(ca).into())
    }
}

/// Proof that the peer knew the setup code: only a matching confirmation
/// creates it. It carries the PASE shared secret.
pub struct SetupCodeVerified {
    shared_secret: [u8; 32],
}

impl SetupCodeVerified {
    /// The PASE sharedSecret (K\[0:32\]).
    pub fn shared_secret(&self) -> &[u8; 32] {
        &self.shared_secret
    }

    /// The zone ID both sides derive: SHA-256(sharedSecret)\[0:8\]
    /// (INTEROP.md §4).
    pub fn zone_id(&self) -> ZoneId {
        ZoneId::from_shared_secret(&self.shared_secret)
    }
}

impl fmt::Debug for SetupCodeVerified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SetupCodeVerified(zone {})", self.zone_id())
    }
}

/// K = sharedSecret ‖ confirmKey.
pub(crate) struct Keys {
    shared_secret: [u8; 32],
    confirm_key: [u8; 32],
}

impl Keys {
    /// TT = SHA-256(idA ‖ idB ‖ pA ‖ pB ‖ Z ‖ V ‖ w0_minimal), then
    /// K = HKDF(IKM = TT, no salt, info "SPAKE2+-P256-SHA256", 64).
    pub(crate) fn derive(
        pa: &[u8; 65],
        pb: &[u8; 65],
        z: &[u8; 65],
        v: &[u8; 65],
        w0: &Scalar,
    ) -> Self {
        let tt = transcript_hash(pa, pb, z, v, w0);
        let mut k = [0u8; 64];
        hkdf_64(None, &tt, K_INFO, &mut k);
        let (shared, confirm) = k.split_at(32);
        let mut keys = Self {
            shared_secret: [0; 32],
            confirm_key: [0; 32],
        };
        keys.shared_secret.copy_from_slice(shared);
        keys.confirm_key.copy_from_slice(confirm);
        keys
    }

    fn confirmation(&self, label: &[u8], first: &[u8], second: &[u8]) -> [u8; CONFIRMATION_LEN] {
        // HMAC takes keys of any length; new_from_slice cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.confirm_key) else {
            return [0; CONFIRMATION_LEN];
        };
        mac.update(label);
        mac.update(first);
        mac.update(second);
        mac.finalize().into_bytes().into()
    }

    fn verified_if(self, ok: bool) -> Result<SetupCodeVerified, Spake2PlusError> {
        if ok {
            Ok(SetupCodeVerified {
                shared_secret: self.shared_secret,
            })
        } else {
            Err(Spake2PlusError::ConfirmationFailed)
        }
    }

    #[cfg(test)]
    pub(crate) fn parts(&self) -> (&[u8; 32], &[u8; 32]) {
        (&self.shared_secret, &self.confirm_key)
    }
}

pub(crate) fn transcript_hash(
    pa: &[u8; 65],
    pb: &[u8; 65],
    z: &[u8; 65],
    v: &[u8; 65],
    w0: &Scalar,
) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [
        CLIENT_IDENTITY,
        SERVER_IDENTITY,
        pa,
        pb,
        z,
        v,
        &minimal_be(w0),
    ] {
        h.update(part);
    }
    h.finalize().into()
}

/// OKM = HKDF(IKM = password, salt = idA ‖ idB, info "SPAKE2+-P256-SHA256 w",
/// 64); w0 = OKM\[0:32\] mod n, w1 = OKM\[32:64\] mod n.
pub(crate) fn password_scalars(code: &SetupCode) -> (Scalar, Scalar) {
    let mut salt = [0u8; CLIENT_IDENTITY.len() + SERVER_IDENTITY.len()];
    let (a, b) = salt.split_at_mut(CLIENT_IDENTITY.len());
    a.copy_from_slice(CLIENT_IDENTITY);
    b.copy_from_slice(SERVER_IDENTITY);
    let mut okm = [0u8; 64];
    hkdf_64(Some(&salt), &code.password(), W_INFO, &mut okm);
    let (w0, w1) = okm.split_at(32);
    (reduce(w0), reduce(w1))
}

fn hkdf_64(salt: Option<&[u8]>, ikm: &[u8], info: &[u8], out: &mut [u8; 64]) {
    // RFC 5869 limits the output to 255·32 bytes; 64 always fits, so the
    // error branch is unreachable and `out` is always fully written.
    let _ = Hkdf::<Sha256>::new(salt, ikm).expand(info, out);
}

fn reduce(bytes: &[u8]) -> Scalar {
    let mut fb = FieldBytes::default();
    fb.copy_from_slice(bytes);
    <Scalar as Reduce<FieldBytes>>::reduce(&fb)
}

/// A scalar in [0, n) drawn like Go's `rand.Int(rand, n)`: 32 bytes,
/// retried while ≥ n.
fn random_scalar(rng: &mut impl CryptoRng) -> Scalar {
    let mut bytes = FieldBytes::default();
    for _ in 0..64 {
        rng.fill_bytes(&mut bytes);
        if let Some(s) = Option::<Scalar>::from(Scalar::from_repr(bytes)) {
            return s;
        }
    }
    // 64 draws all ≥ n has probability < 2^-2000; reduce the last one
    // rather than loop forever on a broken generator.
    <Scalar as Reduce<FieldBytes>>::reduce(&bytes)
}

fn scalar_from_be(bytes: &[u8]) -> Option<Scalar> {
    let pad = 32usize.checked_sub(bytes.len())?;
    let mut fb = FieldBytes::default();
    fb.get_mut(pad..)?.copy_from_slice(bytes);
    Scalar::from_repr(fb).into()
}

fn minimal_be(s: &Scalar) -> Vec<u8> {
    let bytes = s.to_repr();
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).map(<[u8]>::to_vec).unwrap_or_default()
}

/// A peer share: exactly `0x04 ‖ X ‖ Y` with X, Y < p and on the curve.
pub(crate) fn point_from_uncompressed(bytes: &[u8]) -> Result<AffinePoint, Spake2PlusError> {
    let [0x04, rest @ ..] = bytes else {
        return Err(Spake2PlusError::InvalidPublicKey);
    };
    if rest.len() != 64 {
        return Err(Spake2PlusError::InvalidPublicKey);
    }
    let (x, y) = rest.split_at(32);
    let (mut fx, mut fy) = (FieldBytes::default(), FieldBytes::default());
    fx.copy_from_slice(x);
    fy.copy_from_slice(y);
    Option::from(AffinePoint::from_coordinates(&fx, &fy)).ok_or(Spake2PlusError::InvalidPublicKey)
}

/// `0x04 ‖ X ‖ Y`. The identity comes out as 64 zero bytes after the
/// prefix, as Go's `elliptic.Marshal` writes it.
pub(crate) fn uncompressed(p: &ProjectivePoint) -> [u8; SHARE_LEN] {
    let a = p.to_affine();
    let mut out = [0u8; SHARE_LEN];
    let (prefix, rest) = out.split_at_mut(1);
    let (x, y) = rest.split_at_mut(32);
    prefix.copy_from_slice(&[0x04]);
    x.copy_from_slice(&a.x());
    y.copy_from_slice(&a.y());
    out
}

fn constant_point(xy: &([u8; 32], [u8; 32])) -> ProjectivePoint {
    let (x, y) = (FieldBytes::from(xy.0), FieldBytes::from(xy.1));
    // M and N are fixed points on P-256 (checked by a unit test), so the
    // identity fallback is never taken.
    Option::<AffinePoint>::from(AffinePoint::from_coordinates(&x, &y))
        .map(ProjectivePoint::from)
        .unwrap_or(ProjectivePoint::IDENTITY)
}

fn m_point() -> ProjectivePoint {
    constant_point(&M_XY)
}

fn n_point() -> ProjectivePoint {
    constant_point(&N_XY)
}

// Only evaluated in `const` items, so a bad literal is a compile error,
// never a runtime panic.
#[allow(clippy::indexing_slicing, clippy::panic)]
const fn hex32(s: &[u8; 64]) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not lower-case hex"),
        }
    }
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(s[2 * i]) << 4) | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
#[path = "spake2plus_tests.rs"]
mod tests;
