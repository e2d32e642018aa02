// SPDX-License-Identifier: MIT
//! SError attribution.
//!
//! With HCR_EL2.AMO=1 every physical SError taken while a domain runs comes
//! to EL2. The syndrome says whether the error is contained to the state of
//! the running context: then only that domain is stopped. An uncontainable
//! error may have corrupted anything, and the whole system stops. (TCG
//! raises no physical SError, so this logic is tested on the host.)

/// What to do about an SError.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SErrorVerdict {
    /// Stop (or restart) the domain that was running.
    FaultDomain,
    /// Corrected by hardware: log and carry on.
    Corrected,
    /// Stop the whole system: the error is not contained.
    StopSystem,
}

/// Decides from ESR_EL2 of an SError exception.
///
/// With the RAS extension (IDS=0, DFSC=0x11), AET grades the error:
/// uncontainable (UC) stops the system, unrecoverable (UEU), restartable
/// (UEO) and recoverable (UER) errors are contained to the running domain,
/// corrected (CE) errors are logged. Implementation-defined syndromes
/// (IDS=1) and anything else are treated as belonging to the running
/// domain: it was executing when the error arrived, and the kernel itself
/// issues no accesses that could raise one while a domain runs.
pub fn classify_serror(esr: u64) -> SErrorVerdict {
    let iss = crate::esr::Esr::new(esr).serror();
    if iss.ids || iss.dfsc != 0x11 {
        return SErrorVerdict::FaultDomain;
    }
    match iss.aet {
        0b000 => SErrorVerdict::StopSystem,
        0b110 => SErrorVerdict::Corrected,
        _ => SErrorVerdict::FaultDomain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EC_SERROR: u64 = 0x2f << 26;

    fn ras(aet: u64) -> u64 {
        EC_SERROR | (aet << 10) | 0x11
    }

    #[test]
    fn ras_grades() {
        assert_eq!(classify_serror(ras(0b000)), SErrorVerdict::StopSystem);
        assert_eq!(classify_serror(ras(0b001)), SErrorVerdict::FaultDomain);
        assert_eq!(classify_serror(ras(0b010)), SErrorVerdict::FaultDomain);
        assert_eq!(classify_serror(ras(0b011)), SErrorVerdict::FaultDomain);
        assert_eq!(classify_serror(ras(0b110)), SErrorVerdict::Corrected);
    }

    #[test]
    fn implementation_defined_belongs_to_the_domain() {
        assert_eq!(classify_serror(EC_SERROR | (1 << 24)), SErrorVerdict::FaultDomain);
        assert_eq!(classify_serror(EC_SERROR), SErrorVerdict::FaultDomain);
    }
}
