// SPDX-License-Identifier: MIT
//! Host test of the i.MX 8M Plus EVK image: `cargo xtask build imx8mp-evk`
//! (nothing boots) makes an image whose arm64 Image header, read with the
//! board model's one parser (`bulkhead_board::image_header`), says what a
//! bootloader needs, and whose payload holds the board's configuration and
//! every domain image with its checksum. Builds the kernel and domains for
//! their targets through cargo, as `cargo xtask build` does.

use bulkhead_bootcfg::{UartKind, payload};
use xtask::board::image_header::{self, ImageHeader};

#[test]
fn imx8mp_evk_builds_an_image_with_a_bootable_header_and_payload() {
    let built = xtask::cmd::build::build("imx8mp-evk", None).expect("cargo xtask build imx8mp-evk");
    let image = std::fs::read(&built.image).expect("the image is written");
    // text_offset: the kernel 2 MiB above the DRAM base; image_size: the
    // board's 16 MiB kernel region; flags 0x2: little-endian, 4 KiB pages,
    // not relocatable.
    assert_eq!(
        image_header::parse(&image),
        Ok(ImageHeader { text_offset: 0x20_0000, image_size: 16 << 20, flags: 0x2 })
    );
    assert_eq!(built.board.config.kernel.size, 16 << 20);

    let elf = std::fs::read(&built.kernel_elf).expect("the kernel ELF is copied beside the image");
    let payload_start = xtask::elf::symbol(&elf, "__payload_start").expect("the kernel has __payload_start");
    let offset = usize::try_from(payload_start - built.board.config.kernel.base.raw()).unwrap();
    let payload = &image[offset..];
    let config = bulkhead_bootcfg::decode(payload).expect("the configuration blob decodes");
    assert_eq!((config.board.as_str(), config.pcpus), ("imx8mp-evk", 4));
    assert_eq!(config.console.kind, UartKind::ImxUart);
    assert_eq!(config.domains.len(), built.board.config.domains.len());
    for d in &config.domains {
        payload::image_bytes(payload, &d.image).unwrap_or_else(|e| panic!("domain {}: {e:?}", d.name));
    }
}
