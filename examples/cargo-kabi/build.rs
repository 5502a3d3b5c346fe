//! build.rs: runs kabigen for one triple with `--format rust --depfile`, writes
//! `$OUT_DIR/kabi.rs` for `src/lib.rs` to `include!`, and turns the depfile (every header
//! the translation unit read) into `cargo:rerun-if-changed` lines, so cargo runs this
//! script again only when one of those headers, the set file, or kabigen changes.
//!
//! The triple comes from the environment (each is also a rerun-if-env-changed):
//!   KABIGEN          the kabigen executable (default: `kabigen` on PATH)
//!   KABIGEN_ARCH     x86_64, arm64, riscv64 or loongarch64 (default: riscv64)
//!   KABIGEN_KDIR     an extracted headers folder, or else
//!   KABIGEN_KVER     a version fetched from Debian's archive (default: 7.2)
//!   KABIGEN_FLAVOUR  with KABIGEN_KVER: rt, cloud, 16k, ...
//!   KABIGEN_OFFLINE  set (to anything): with KABIGEN_KVER, use only kabigen's cache
//!   KABIGEN_SET_FILE another set of structs (configs/sets/loader.yaml by default)
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const VARS: [&str; 7] = [
    "KABIGEN",
    "KABIGEN_ARCH",
    "KABIGEN_KDIR",
    "KABIGEN_KVER",
    "KABIGEN_FLAVOUR",
    "KABIGEN_OFFLINE",
    "KABIGEN_SET_FILE",
];

fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.is_empty())
}

/// The prerequisites of a Makefile-style depfile as kabigen writes it: `target: a \` lines,
/// with ` `, `#` and `\` escaped by a backslash and `$` doubled.
fn depfile_inputs(text: &str) -> Vec<PathBuf> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(escaped) => word.push(escaped),
            },
            '$' if chars.peek() == Some(&'$') => {
                chars.next();
                word.push('$');
            }
            c if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    // The first word is the target with its colon.
    let target = words.iter().position(|w| w.ends_with(':')).map_or(0, |i| i + 1);
    words.drain(..target);
    words.into_iter().map(PathBuf::from).collect()
}

/// The kabigen executable, as a path cargo can watch when it is one.
fn kabigen() -> PathBuf {
    let name = var("KABIGEN").unwrap_or_else(|| "kabigen".into());
    if name.contains('/') {
        return PathBuf::from(name);
    }
    env::var_os("PATH")
        .and_then(|path| env::split_paths(&path).map(|dir| dir.join(&name)).find(|p| p.is_file()))
        .unwrap_or_else(|| PathBuf::from(name))
}

fn main() {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let output = out_dir.join("kabi.rs");
    let depfile = out_dir.join("kabi.rs.d");
    let kabigen = kabigen();

    let mut cmd = Command::new(&kabigen);
    cmd.arg("--arch").arg(var("KABIGEN_ARCH").unwrap_or_else(|| "riscv64".into()));
    match var("KABIGEN_KDIR") {
        Some(kdir) => {
            cmd.arg("--kdir").arg(kdir);
        }
        None => {
            cmd.arg("--kver").arg(var("KABIGEN_KVER").unwrap_or_else(|| "7.2".into()));
            if let Some(flavour) = var("KABIGEN_FLAVOUR") {
                cmd.arg("--flavour").arg(flavour);
            }
            if var("KABIGEN_OFFLINE").is_some() {
                cmd.arg("--offline");
            }
        }
    }
    if let Some(set_file) = var("KABIGEN_SET_FILE") {
        cmd.arg("--set-file").arg(set_file);
    }
    cmd.arg("--format").arg("rust").arg("-o").arg(&output).arg("--depfile").arg(&depfile);

    let status = cmd.status().unwrap_or_else(|e| {
        panic!("cannot run {}: {e}; install kabigen or set KABIGEN to its path", kabigen.display())
    });
    if !status.success() {
        panic!("{} failed ({status}); its message is above", kabigen.display());
    }

    let text = fs::read_to_string(&depfile)
        .unwrap_or_else(|e| panic!("{}: {e}; kabigen wrote no depfile", depfile.display()));
    println!("cargo:rerun-if-changed=build.rs");
    for var in VARS {
        println!("cargo:rerun-if-env-changed={var}");
    }
    if Path::new(&kabigen).is_file() {
        println!("cargo:rerun-if-changed={}", kabigen.display());
    }
    for input in depfile_inputs(&text) {
        println!("cargo:rerun-if-changed={}", input.display());
    }
}
