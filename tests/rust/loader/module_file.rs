//! module_file.rs: a module file's bytes as the test loaders read them (loader/ko_facts.rs and
//! crate_loader/src/main.rs share it): a .ko.xz through `xz -dc`, any other file as it is.

/// The bytes of the module at PATH, decompressed; None when it cannot be read.
pub fn module_bytes(path: &str) -> Option<Vec<u8>> {
    if path.ends_with(".xz") {
        let out = std::process::Command::new("xz").args(["-dc", path]).output().ok()?;
        out.status.success().then_some(out.stdout)
    } else {
        std::fs::read(path).ok()
    }
}
