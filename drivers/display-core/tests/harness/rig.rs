// SPDX-License-Identifier: MIT
//! The harness's rig: client windows in host memory, the test board's
//! policy, surfaces drawn by hand, frames run to the end, and golden PNGs.

use bulkhead_display::{BufferSource, DataRef, Operation, PixelFormat, Rect, Request, Response, Status};
use bulkhead_display_core::policy::MAX_CONNECTORS;
use bulkhead_display_core::{
    Backend, ClientWindow, ConnectorPolicy, Frame, Placement, Policy, Protected, Scanout, WindowSpan,
};
use std::path::PathBuf;

/// The cluster (owner of the tell-tales) and the infotainment client.
pub const CLUSTER: u8 = 0;
pub const IVI: u8 = 1;
/// The connectors: cluster screen and centre display.
pub const CLUSTER_SCREEN: u8 = 0;
pub const CENTRE: u8 = 1;
/// Connector 0's mode (small, so goldens stay readable).
pub const W: u32 = 48;
pub const H: u32 = 32;
/// The tell-tale strip the cluster owns on connector 0.
pub const TELLTALES: Rect = Rect::new(0, 0, 48, 6);
/// Background of every connector.
pub const BACKGROUND: u32 = 0x10_10_30;
/// Each client's window, and the part the backend allocates in.
pub const WINDOW: u32 = 64 * 1024;
pub const BACKEND_AREA: DataRef = DataRef { offset: 32 * 1024, len: 32 * 1024 };

/// A client's window in host memory.
pub struct VecWindow(pub Vec<u8>);

impl ClientWindow for VecWindow {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> bool {
        let Ok(at) = usize::try_from(offset) else { return false };
        match self.0.get(at..at + out.len()) {
            Some(src) => {
                out.copy_from_slice(src);
                true
            }
            None => false,
        }
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> bool {
        let Ok(at) = usize::try_from(offset) else { return false };
        match self.0.get_mut(at..at + data.len()) {
            Some(dst) => {
                dst.copy_from_slice(data);
                true
            }
            None => false,
        }
    }
}

/// The test board: connector 0 (cluster screen) takes the cluster at z 10
/// and the IVI below it at z 5 with blending; the cluster owns the
/// tell-tale strip. Connector 1 (centre) takes the IVI only.
pub fn policy() -> Policy {
    let mut p = Policy::default();
    let mut cluster = ConnectorPolicy {
        width: W,
        height: H,
        background: BACKGROUND,
        placements: Default::default(),
        protected: Default::default(),
    };
    cluster.placements.push(Placement { client: CLUSTER, z: 10, blend: true }).unwrap();
    cluster.placements.push(Placement { client: IVI, z: 5, blend: true }).unwrap();
    cluster.protected.push(Protected { owner: CLUSTER, area: TELLTALES }).unwrap();
    let mut centre = ConnectorPolicy { width: 32, height: 24, ..cluster.clone() };
    centre.placements.clear();
    centre.protected.clear();
    centre.placements.push(Placement { client: IVI, z: 1, blend: false }).unwrap();
    p.connectors.push(cluster).unwrap();
    p.connectors.push(centre).unwrap();
    assert!(p.connectors.len() <= MAX_CONNECTORS);
    p
}

/// The backend, the two clients' windows and connector 0's scanout.
pub struct Rig {
    pub backend: Backend,
    pub windows: [VecWindow; 2],
    pub scanouts: [Vec<u8>; 2],
    next_id: u16,
}

impl Rig {
    pub fn new() -> Self {
        let mut backend = Backend::new(policy()).expect("the test policy is valid");
        for c in [CLUSTER, IVI] {
            assert!(backend.connect(c, WindowSpan { len: u64::from(WINDOW), backend_area: BACKEND_AREA }));
        }
        Rig {
            backend,
            windows: [VecWindow(vec![0; WINDOW as usize]), VecWindow(vec![0; WINDOW as usize])],
            scanouts: [vec![0; (W * H * 4) as usize], vec![0; 32 * 24 * 4]],
            next_id: 0,
        }
    }

    /// Sends one request from `client` about `connector`.
    pub fn send(&mut self, client: u8, connector: u8, op: Operation) -> Response {
        self.next_id = self.next_id.wrapping_add(1);
        let req = Request { id: self.next_id, connector, op };
        let response = self.backend.request(client, &mut self.windows[usize::from(client)], &req);
        assert_eq!(response.id, req.id, "the response echoes the request's id");
        response
    }

    /// Sends and expects `Ok`.
    pub fn ok(&mut self, client: u8, connector: u8, op: Operation) -> Response {
        let r = self.send(client, connector, op);
        assert_eq!(r.status, Status::Ok, "{op:?} from client {client}: {r:?}");
        r
    }

    /// A `width` x `height` framebuffer `fb` (display buffer `fb`) at
    /// `offset` of the client's window, filled by `paint(x, y)`.
    pub fn framebuffer(
        &mut self,
        client: u8,
        fb: u64,
        (width, height): (u32, u32),
        format: PixelFormat,
        offset: u32,
        paint: impl Fn(u32, u32) -> u32,
    ) {
        let bpp = bulkhead_display_core::pixel::bytes_per_pixel(format);
        let range = DataRef { offset, len: width * height * bpp };
        let bits = u8::try_from(bpp * 8).unwrap();
        self.ok(
            client,
            0,
            Operation::DbufCreate { dbuf: fb, width, height, bpp: bits, source: BufferSource::Client(range) },
        );
        self.ok(client, 0, Operation::FbAttach { fb, dbuf: fb, width, height, format, stride: width * bpp, offset: 0 });
        self.paint(client, offset, (width, height), format, paint);
    }

    /// Paints pixels into a client's window (its own drawing).
    pub fn paint(
        &mut self,
        client: u8,
        offset: u32,
        (width, height): (u32, u32),
        format: PixelFormat,
        paint: impl Fn(u32, u32) -> u32,
    ) {
        let bpp = bulkhead_display_core::pixel::bytes_per_pixel(format) as usize;
        let window = &mut self.windows[usize::from(client)].0;
        for y in 0..height {
            for x in 0..width {
                let at = offset as usize + (y * width + x) as usize * bpp;
                let argb = paint(x, y);
                let bytes = match format {
                    PixelFormat::Rgb565 => {
                        let (r, g, b) = ((argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff);
                        let v = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
                        u16::try_from(v).unwrap().to_le_bytes().to_vec()
                    }
                    _ => argb.to_le_bytes().to_vec(),
                };
                window[at..at + bpp].copy_from_slice(&bytes);
            }
        }
    }

    /// Composes `connector` if it has damage; the frame, shown.
    pub fn frame(&mut self, connector: u8) -> Option<Frame> {
        let (w, h) = if connector == CLUSTER_SCREEN { (W, H) } else { (32, 24) };
        let mut scanout = Scanout::new(w, h, &mut self.scanouts[usize::from(connector)]).unwrap();
        self.backend.compose(connector, &mut scanout).expect("composition")
    }

    /// Connector `connector`'s pixel (`x`, `y`) as `0xRRGGBB`.
    pub fn pixel(&self, connector: u8, x: u32, y: u32) -> u32 {
        let w = if connector == CLUSTER_SCREEN { W } else { 32 };
        let at = ((y * w + x) * 4) as usize;
        let b = &self.scanouts[usize::from(connector)][at..at + 4];
        u32::from_le_bytes([b[0], b[1], b[2], 0])
    }
}

/// Compares connector `connector`'s scanout with `tests/golden/<name>.png`,
/// pixel for pixel (`BULKHEAD_BLESS=1` rewrites the golden after a
/// deliberate change; a mismatch writes the actual picture beside it as
/// `target/display-golden/<name>.png`).
pub fn golden(rig: &Rig, connector: u8, name: &str) {
    let (w, h) = if connector == CLUSTER_SCREEN { (W, H) } else { (32, 24) };
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let p = rig.pixel(connector, x, y);
            rgb.extend_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, p as u8]);
        }
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{name}.png"));
    if std::env::var_os("BULKHEAD_BLESS").is_some() {
        write_png(&path, w, h, &rgb);
        return;
    }
    let decoder = png::Decoder::new(std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    let mut reader = decoder.read_info().unwrap();
    let mut want = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut want).unwrap();
    assert_eq!((info.width, info.height), (w, h), "{name}: golden size");
    let differing = want.chunks(3).zip(rgb.chunks(3)).filter(|(a, b)| a != b).count();
    if differing != 0 {
        let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/display-golden");
        std::fs::create_dir_all(&out).unwrap();
        write_png(&out.join(format!("{name}.png")), w, h, &rgb);
        panic!("{name}: {differing} pixels differ from {} (actual in {})", path.display(), out.display());
    }
}

fn write_png(path: &std::path::Path, w: u32, h: u32, rgb: &[u8]) {
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header().unwrap().write_image_data(rgb).unwrap();
}
