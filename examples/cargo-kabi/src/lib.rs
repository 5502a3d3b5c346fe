//! kabi-example: what a Rust kernel's module loader takes from kabigen. `kabi` is the
//! generated module (build.rs writes it to OUT_DIR); its own const assertions check every
//! size and offset when this crate compiles, for the target the triple names.
#![no_std]

#[allow(clippy::all)]
pub mod kabi {
    include!(concat!(env!("OUT_DIR"), "/kabi.rs"));
}

/// Where a loader finds the module's init and exit functions in `.gnu.linkonce.this_module`.
pub const MODULE_INIT: usize = core::mem::offset_of!(kabi::module, init);
pub const MODULE_EXIT: usize = core::mem::offset_of!(kabi::module, exit);
/// The size of one `__param` entry.
pub const KERNEL_PARAM_SIZE: usize = core::mem::size_of::<kabi::kernel_param>();
/// The release the layouts are for, and the vermagic its modules carry.
pub const UTS_RELEASE: &str = kabi::KABI_UTS_RELEASE;
pub const VERMAGIC: &str = kabi::KABI_VERMAGIC;
/// A `module` as a loader starts one: every byte zero (`Default` gives the same).
pub const EMPTY_MODULE: kabi::module = kabi::module::ZEROED;

/// The kernel's name of relocation type T of this triple (`R_RISCV_64`), or None.
pub fn reloc_name(t: u32) -> Option<&'static str> {
    kabi::Reloc::try_from(t).ok().map(kabi::Reloc::name)
}
