//! A loader skeleton: every `param_ops_*` a Linux module may reference, defined through the
//! generated `kabi_param_ops!` macro. Built with -D warnings and missing_docs denied.
#![no_std]
#![deny(missing_docs)]

/// The generated layouts and facts.
#[macro_use]
pub mod kabi {
    include!("kabi.rs");
}
use kabi::{kernel_param, kernel_param_ops};

unsafe extern "C" fn set_unsupported(_val: *const u8, _kp: *const kernel_param) -> i32 {
    -22 // -EINVAL: a real loader parses the value here
}

unsafe extern "C" fn get_unsupported(_buf: *mut u8, _kp: *const kernel_param) -> i32 {
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
