// SPDX-License-Identifier: MIT
//! The device model's stacks: 512 KiB per vCPU (a 4 KiB guard page, then
//! the stack; `domains/rt/domain.x`). Each emulated device is built once
//! on the stack before it moves to the heap, and a 9P device or a sound
//! card is about 70 KiB: twice that must fit beside `main`'s frame.

fn main() {
    println!("cargo:rustc-link-arg-bins=--defsym=__stack_slot_bytes=0x81000");
    println!("cargo:rerun-if-changed=build.rs");
}
