// hello.rs: hello.c in Rust, built from a crate made by `kabigen crate` alone (its this_module!,
// modinfo! and module_param!). hello.sh includes it in a root that names the triple:
//   #![no_std]  use kabi::x86_64::v7_2_13::generic as t;  include!("hello.rs");

use core::ffi::{c_char, c_int};

extern "C" {
    /// The kernel's printk: the format starts with the level (KERN_INFO is "\x01" "6").
    fn _printk(fmt: *const c_char, ...) -> c_int;
}

/// The parameters, under the names a user types.
#[allow(non_upper_case_globals)]
pub static mut answer: c_int = 1;
#[allow(non_upper_case_globals)]
pub static mut bonus: c_int = 2;
t::module_param!(answer, param_ops_int, 0o444);
t::module_param!(bonus, param_ops_int, 0o444);

/// Called when the module is loaded: prints both parameters.
#[no_mangle]
pub unsafe extern "C" fn hello_init() -> c_int {
    _printk(c"\x016hello_rs: init answer=%d bonus=%d\n".as_ptr(), answer, bonus);
    0
}

/// Called when it is unloaded.
#[no_mangle]
pub unsafe extern "C" fn hello_exit() {
    _printk(c"\x016hello_rs: exit\n".as_ptr());
}

t::this_module!("hello_rs", hello_init, hello_exit);
t::modinfo!("hello_rs", "GPL");

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
