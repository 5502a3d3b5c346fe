//! ko_facts.rs: the module reader of tests/tools/ko_facts.c, from kabi.rs alone: no ELF
//! crate, no relocation number or section name written here. Each module (path a line on
//! standard input; .ko.xz through `xz -dc`) must have this triple's ELF header, only
//! relocation types of Reloc (and KABI_RELOC), and special sections of KABI_SECTIONS that are whole
//! numbers of elements with every relocation on a member offset. Prints counts; exits 1 on
//! any mismatch.
#![deny(missing_docs)]
#![allow(clippy::all)]

/// The generated facts.
pub mod kabi {
    include!("kabi.rs");
}
use kabi::*;
mod module_file;
use module_file::module_bytes;
use std::io::BufRead;

fn read<T: Copy>(b: &[u8], off: usize) -> Option<T> {
    let end = off.checked_add(core::mem::size_of::<T>())?;
    if end > b.len() {
        return None;
    }
    Some(unsafe { core::ptr::read_unaligned(b[off..].as_ptr() as *const T) })
}

fn name_at(b: &[u8], off: usize) -> &str {
    let s = &b[off.min(b.len())..];
    let n = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    core::str::from_utf8(&s[..n]).unwrap_or("")
}

fn main() {
    let mut failures = 0u64;
    let (mut modules, mut relocs, mut in_sections) = (0u64, 0u64, 0u64);
    let mut fail = |what: String| {
        if failures < 20 {
            eprintln!("FAIL: {what}");
        }
        failures += 1;
    };
    for line in std::io::stdin().lock().lines() {
        let path = line.unwrap();
        let Some(b) = module_bytes(&path) else {
            fail(format!("{path}: cannot read"));
            continue;
        };
        modules += 1;
        let Some(eh) = read::<elf64_hdr>(&b, 0) else {
            fail(format!("{path}: too short"));
            continue;
        };
        if !eh.e_ident.starts_with(KABI_ELFMAG.as_bytes())
            || eh.e_ident[KABI_EI_CLASS as usize] != KABI_ELF_CLASS
            || eh.e_ident[KABI_EI_DATA as usize] != KABI_ELF_DATA
            || eh.e_machine != KABI_EM_MACHINE
            || eh.e_type != KABI_ET_REL
        {
            fail(format!("{path}: not this triple's relocatable ELF"));
            continue;
        }
        let shdr = |i: usize| read::<elf64_shdr>(&b, eh.e_shoff as usize + i * core::mem::size_of::<elf64_shdr>());
        let n = eh.e_shnum as usize;
        let Some(strtab) = shdr(eh.e_shstrndx as usize) else {
            fail(format!("{path}: no section names"));
            continue;
        };
        let sections: Vec<elf64_shdr> = (0..n).filter_map(shdr).collect();
        let special: Vec<Option<&KabiSection>> = sections
            .iter()
            .map(|s| {
                let name = name_at(&b, strtab.sh_offset as usize + s.sh_name as usize);
                KABI_SECTIONS.iter().find(|k| k.name == name)
            })
            .collect();
        for (s, k) in sections.iter().zip(&special) {
            if let Some(k) = k {
                if s.sh_size % k.size as u64 != 0 {
                    fail(format!("{path}: {} is not a whole number of {}-byte elements", k.name, k.size));
                }
            }
        }
        for s in sections.iter().filter(|s| s.sh_type == KABI_SHT_RELA) {
            let target = special.get(s.sh_info as usize).copied().flatten();
            let count = s.sh_size as usize / core::mem::size_of::<elf64_rela>();
            for j in 0..count {
                let Some(r) = read::<elf64_rela>(&b, s.sh_offset as usize + j * core::mem::size_of::<elf64_rela>()) else {
                    fail(format!("{path}: relocation out of bounds"));
                    break;
                };
                let ty = r.r_info as u32; // ELF64_R_TYPE
                relocs += 1;
                if Reloc::try_from(ty).is_err() || !KABI_RELOC.iter().any(|&(v, _)| v == ty) {
                    fail(format!("{path}: relocation type {ty} is none of Reloc"));
                }
                if let Some(k) = target {
                    in_sections += 1;
                    if !k.offsets.contains(&((r.r_offset % k.size as u64) as usize)) {
                        fail(format!("{path}: {}: a relocation on no member", k.name));
                    }
                }
            }
        }
    }
    println!("modules: {modules}, relocations: {relocs}, in special sections: {in_sections}");
    if modules == 0 || in_sections == 0 {
        fail("nothing read".into());
    }
    std::process::exit(if failures > 0 { 1 } else { 0 });
}
