//! A loader skeleton: every `param_ops_*` a Linux module may reference, defined through the
//! generated `kabi_param_ops!` macro. Built with -D warnings and missing_docs denied.
//! The callbacks take `c_char` as the kernel's do, so `CStr::from_ptr` takes their strings.
#![no_std]
#![deny(missing_docs)]

/// The generated layouts and facts.
#[macro_use]
pub mod kabi {
    include!("kabi.rs");
}
use core::ffi::{c_char, CStr};
use kabi::{kernel_param, kernel_param_ops, module};

unsafe extern "C" fn set_unsupported(val: *const c_char, _kp: *const kernel_param) -> i32 {
    // SAFETY: the kernel hands a NUL-terminated value.
    let _value = unsafe { CStr::from_ptr(val) };
    -22 // -EINVAL: a real loader parses the value here
}

unsafe extern "C" fn get_unsupported(_buf: *mut c_char, _kp: *const kernel_param) -> i32 {
    0
}

macro_rules! define_param_ops {
    ($($name:ident),* $(,)?) => {
        $(
            /// Operations of one standard parameter type, under the kernel's own symbol name.
            #[no_mangle]
            pub static $name: kernel_param_ops = kernel_param_ops {
                flags: 0,
                set: Some(set_unsupported),
                get: Some(get_unsupported),
                free: None,
            };
        )*
        /// How many param_ops this loader defines.
        pub const PARAM_OPS_DEFINED: usize = [$(stringify!($name)),*].len();
    };
}
kabi_param_ops!(define_param_ops);

/// Room for a module's name, sized by the generated constant (a usize: no cast).
pub static MODULE_NAME: [u8; kabi::MODULE_NAME_LEN] = [0; kabi::MODULE_NAME_LEN];

/// Whether a parameter type takes no argument: the flag has the field's type.
pub fn takes_no_arg(ops: &kernel_param_ops) -> bool {
    ops.flags & kabi::KERNEL_PARAM_OPS_FL_NOARG != 0
}

/// Marks a parameter unsafe to set at run time: the flag has the field's type.
pub fn mark_unsafe(kp: &mut kernel_param) {
    kp.flags |= kabi::KERNEL_PARAM_FL_UNSAFE;
}

/// Where a parameter's value lives: `arg` of kernel_param's anonymous union, by its C name.
pub fn param_arg(kp: &kernel_param) -> *mut core::ffi::c_void {
    // SAFETY: a standard parameter type keeps its value's address in `arg`.
    unsafe { kp.arg() }
}

/// A `module` built as a loader builds one: zeroed, then its name copied in.
pub fn new_module(name: &CStr) -> module {
    let mut m = module::default();
    for (d, s) in m.name.iter_mut().zip(name.to_bytes()) {
        *d = *s as c_char;
    }
    m
}

/// An unset parameter: ZEROED is a constant.
pub const NO_PARAM: kernel_param = kernel_param::ZEROED;

/// Whether this triple's modules carry __versions: the Kconfig fact is a bool.
pub const HAS_MODVERSIONS: bool = kabi::KABI_CONFIG_MODVERSIONS;

/// A relocation type by the kernel's name, from the number in r_info.
pub fn reloc_name(r_info: u64) -> Option<&'static str> {
    kabi::Reloc::try_from(r_info as u32).ok().map(kabi::Reloc::name)
}
