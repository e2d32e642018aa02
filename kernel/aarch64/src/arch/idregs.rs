// SPDX-License-Identifier: MIT
//! Reading the real ID group-3 registers (op0=3, op1=0, CRn=0, CRm=1..7),
//! whose encoding is only known at run time: one `mrs` per register.

macro_rules! read_id {
    ($crm:expr, $op2:expr; $( ($c:literal, $o:literal) )*) => {
        match ($crm, $op2) {
            $(($c, $o) => {
                let v: u64;
                // SAFETY: reading an ID register has no side effects.
                unsafe {
                    core::arch::asm!(concat!("mrs {0}, S3_0_C0_C", $c, "_", $o), out(reg) v,
                        options(nomem, nostack, preserves_flags))
                };
                v
            })*
            _ => 0,
        }
    };
}

/// The hardware value of ID register (CRm, op2); 0 for unknown encodings.
pub fn read(crm: u8, op2: u8) -> u64 {
    read_id!(crm, op2;
        (1, 0) (1, 1) (1, 2) (1, 3) (1, 4) (1, 5) (1, 6) (1, 7)
        (2, 0) (2, 1) (2, 2) (2, 3) (2, 4) (2, 5) (2, 6) (2, 7)
        (3, 0) (3, 1) (3, 2) (3, 3) (3, 4) (3, 5) (3, 6) (3, 7)
        (4, 0) (4, 1) (4, 2) (4, 3) (4, 4) (4, 5) (4, 6) (4, 7)
        (5, 0) (5, 1) (5, 2) (5, 3) (5, 4) (5, 5) (5, 6) (5, 7)
        (6, 0) (6, 1) (6, 2) (6, 3) (6, 4) (6, 5) (6, 6) (6, 7)
        (7, 0) (7, 1) (7, 2) (7, 3) (7, 4) (7, 5) (7, 6) (7, 7)
    )
}
