//! The controller operational certificate (INTEROP.md §4, "Controller
//! operational cert" column).

use crate::cert::Certificate;
use crate::error::PkiError;
use crate::identity::TlsIdentity;
use crate::key::KeyPair;
use crate::name;
use crate::unix_time::UnixTime;
use crate::zone_ca::{LeafProfile, ZoneCa};

impl ZoneCa {
    /// `controller-<zoneID>`: the controller certificate's CN and DNS SAN
    /// (INTEROP.md §4, Identifiers; devices do not check it).
    pub fn controller_id(&self) -> String {
        format!("controller-{}", self.zone_label())
    }

    /// Issues the controller's operational certificate for `key`, valid
    /// 365 days from `now`: O=`MASH Controller`, OU={type, zoneID},
    /// CN and DNS SAN `controller-<zoneID>`, EKU clientAuth+serverAuth,
    /// CA:FALSE, AKI = this CA's SKI.
    pub fn issue_controller_cert(
        &self,
        key: &KeyPair,
        now: UnixTime,
    ) -> Result<Certificate, PkiError> {
        let type_name = self
            .zone_type()
            .spec_name()
            .ok_or(PkiError::InvalidInput("zone type has no spec name"))?;
        let controller_id = self.controller_id();
        let subject = name::zone_subject(
            "MASH Controller",
            type_name,
            self.zone_label(),
            &controller_id,
        );
        let profile = LeafProfile {
            subject: &subject,
            spki: key.spki_der(),
            dns_name: &controller_id,
        };
        self.sign_leaf(&profile, now)
    }

    /// Generates a fresh key and issues a controller certificate for it.
    pub fn issue_controller_identity(&self, now: UnixTime) -> Result<TlsIdentity, PkiError> {
        let key = KeyPair::generate()?;
        let cert = self.issue_controller_cert(&key, now)?;
        TlsIdentity::new(cert, key)
    }
}

#[cfg(test)]
mod tests {
    use mash_core::zone::ZoneType;

    use super::*;
    use crate::verify::{LeafPolicy, verify_leaf};

    const NOW: UnixTime = UnixTime::from_secs(1_796_315_590);

    #[test]
    fn controller_cert_chains_and_names_the_zone() {
        let ca = ZoneCa::generate(ZoneType::Local, "2859a7266ff2c1f0", NOW).unwrap();
        let id = ca.issue_controller_identity(NOW).unwrap();
        let cert = id.certificate();
        assert_eq!(cert.common_name(), Some("controller-2859a7266ff2c1f0"));
        assert_eq!(cert.dns_names(), ["controller-2859a7266ff2c1f0"]);
        assert_eq!(cert.organization(), ["MASH Controller"]);
        assert_eq!(cert.organizational_units(), ["LOCAL", "2859a7266ff2c1f0"]);
        assert_eq!(cert.zone_type(), ZoneType::Local);
        assert!(ca.is_authority_of(cert));
        let proof = verify_leaf(cert, ca.certificate(), NOW, LeafPolicy::CONTROLLER_CERT).unwrap();
        assert_eq!(proof.zone_ca_key_id(), Some(ca.key_id()));
    }
}
