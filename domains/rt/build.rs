// SPDX-License-Identifier: MIT
//! Puts the domains' linker script where the linker finds it (`-Tdomain.x`
//! comes from `.cargo/config.toml`).

fn main() {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::copy("domain.x", out.join("domain.x")).expect("copy domain.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=domain.x");
    println!("cargo:rerun-if-changed=build.rs");
}
