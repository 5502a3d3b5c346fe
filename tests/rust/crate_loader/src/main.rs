//! crate-loader: what a loader that loads modules of several kernels does with a crate from
//! `kabigen crate`. For each module (a path a line on standard input; .ko.xz through `xz -dc`)
//! it reads `.modinfo`'s vermagic, picks the triple with `Triple::by_vermagic` (refusing the
//! module when none matches), and reads the module with that triple's facts alone: the ELF
//! machine, `__this_module`'s size and the name, `init` and `exit` where the triple puts
//! them, `__param` as whole `kernel_param` entries relocated only on their pointers, and
//! every relocation type named. It prints one line a module, the facts check-ko prints too:
//!   PATH vermagic=V triple=PATH this_module=SIZE relocs=TYPE:COUNT,... param=SIZE VERDICT
//! VERDICT is `ok`, `refused: ...` or `wrong: ...`. Exit 0 when it read every module.
#![deny(missing_docs)]

use kabi::Triple;
#[path = "../../loader/module_file.rs"]
mod module_file;
use module_file::module_bytes;
use std::io::BufRead;

const SHT_RELA: u32 = 4; // The ELF format's own numbers, the same on every arch.
const SHF_ALLOC: u64 = 2;

/// One section header, as the ELF64 format lays it out.
struct Section {
    name: String,
    kind: u32,
    flags: u64,
    offset: usize,
    size: usize,
    link: u32,
    info: u32,
}

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(o..o + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(o..o + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], o: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(o..o + 8)?.try_into().ok()?))
}
fn cstr_at(b: &[u8], o: usize) -> &[u8] {
    let s = b.get(o..).unwrap_or(&[]);
    &s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())]
}

fn sections(b: &[u8]) -> Option<Vec<Section>> {
    let (shoff, shnum, shstrndx) = (u64_at(b, 0x28)? as usize, u16_at(b, 0x3c)? as usize, u16_at(b, 0x3e)? as usize);
    let raw = |i: usize| -> Option<(u32, u32, u64, usize, usize, u32, u32)> {
        let h = shoff + i * 64;
        Some((
            u32_at(b, h)?,
            u32_at(b, h + 4)?,
            u64_at(b, h + 8)?,
            u64_at(b, h + 24)? as usize,
            u64_at(b, h + 32)? as usize,
            u32_at(b, h + 40)?,
            u32_at(b, h + 44)?,
        ))
    };
    let strtab = raw(shstrndx)?.3;
    (0..shnum)
        .map(|i| {
            let (name, kind, flags, offset, size, link, info) = raw(i)?;
            let name = String::from_utf8_lossy(cstr_at(b, strtab + name as usize)).into_owned();
            Some(Section { name, kind, flags, offset, size, link, info })
        })
        .collect()
}

/// `.modinfo`'s value of KEY.
fn modinfo<'a>(b: &'a [u8], secs: &[Section], key: &str) -> Option<&'a [u8]> {
    let s = secs.iter().find(|s| s.name == ".modinfo")?;
    b.get(s.offset..s.offset + s.size)?
        .split(|&c| c == 0)
        .find_map(|kv| kv.strip_prefix(key.as_bytes())?.strip_prefix(b"="))
}

/// The facts of one module read with triple T; Err names what disagrees with T.
fn read_module(b: &[u8], secs: &[Section], t: &Triple, line: &mut String) -> Result<(), String> {
    if u16_at(b, 0x12) != Some(t.em_machine) || b.get(4) != Some(&t.elf_class) || b.get(5) != Some(&t.elf_data) {
        return Err(format!("not {}'s ELF machine, class or byte order", t.arch));
    }
    let this = secs.iter().position(|s| s.name == ".gnu.linkonce.this_module").ok_or("no __this_module")?;
    let param = secs.iter().position(|s| s.name == "__param");
    let (mut relocs, mut param_relocs) = (std::collections::BTreeMap::<u32, u64>::new(), 0u64);
    let mut wrong = Vec::new();
    let m = &t.module;
    if secs[this].size != m.size {
        wrong.push(format!("__this_module is {} bytes, struct module {}", secs[this].size, m.size));
    }
    let want_name = modinfo(b, secs, "name").unwrap_or(b"");
    let name_at = m.name.ok_or("struct module has no name")?;
    if cstr_at(b.get(secs[this].offset..secs[this].offset + secs[this].size).unwrap_or(&[]), name_at) != want_name {
        wrong.push(format!("no name '{}' at {name_at}", String::from_utf8_lossy(want_name)));
    }
    let kp = &t.kernel_param;
    let pointers = [kp.name, kp.mod_, kp.ops, kp.arg];
    for rs in secs.iter().filter(|s| s.kind == SHT_RELA) {
        let target = secs.get(rs.info as usize).ok_or("a relocation section for no section")?;
        if target.flags & SHF_ALLOC == 0 {
            continue; // Linux relocates only what it loads
        }
        let symtab = secs.get(rs.link as usize).ok_or("relocations without a symbol table")?;
        let strtab = secs.get(symtab.link as usize).ok_or("a symbol table without names")?;
        for i in 0..rs.size / 24 {
            let r = rs.offset + i * 24;
            let (offset, info) = (u64_at(b, r).ok_or("a cut relocation")? as usize, u64_at(b, r + 8).ok_or("a cut relocation")?);
            let ty = info as u32;
            *relocs.entry(ty).or_default() += 1;
            if (t.reloc_name)(ty).is_none() {
                wrong.push(format!("relocation type {ty} is none of {}'s", t.arch));
            }
            if rs.info as usize == this {
                let sym = symtab.offset + (info >> 32) as usize * 24;
                let name = cstr_at(b, strtab.offset + u32_at(b, sym).unwrap_or(0) as usize);
                let want = match name {
                    b"init_module" => m.init,
                    b"cleanup_module" => m.exit,
                    _ => continue,
                };
                if want != Some(offset) {
                    wrong.push(format!("{} relocated at {offset}, the triple says {want:?}", String::from_utf8_lossy(name)));
                }
            } else if Some(rs.info as usize) == param {
                param_relocs += 1;
                if !pointers.contains(&Some(offset % kp.size)) {
                    wrong.push(format!("__param relocated at +{}, on no pointer", offset % kp.size));
                }
            }
        }
    }
    let types: Vec<String> = relocs.iter().map(|(t, n)| format!("{t}:{n}")).collect();
    line.push_str(&format!(" this_module={} relocs={}", secs[this].size, types.join(",")));
    if let Some(p) = param {
        if secs[p].size % kp.size != 0 {
            wrong.push(format!("__param is {} bytes, not whole {}-byte entries", secs[p].size, kp.size));
        }
        line.push_str(&format!(" param={}", secs[p].size));
        if param_relocs == 0 && secs[p].size > 0 {
            wrong.push("__param has entries but no relocation".into());
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("; "))
    }
}

fn main() {
    let (mut read, mut ok, mut refused, mut wrong) = (0u64, 0u64, 0u64, 0u64);
    let mut per_triple = std::collections::BTreeMap::<&str, u64>::new();
    for path in std::io::stdin().lock().lines() {
        let path = path.expect("standard input");
        let Some(b) = module_bytes(&path) else {
            println!("{path} unreadable");
            std::process::exit(1);
        };
        read += 1;
        let Some(secs) = sections(&b) else {
            println!("{path} wrong: not an ELF64 module");
            wrong += 1;
            continue;
        };
        let vermagic = modinfo(&b, &secs, "vermagic").unwrap_or(b"");
        let mut line = format!("{path} vermagic={}", String::from_utf8_lossy(vermagic));
        let Some(t) = Triple::by_vermagic(vermagic) else {
            println!("{line} refused: vermagic matches no triple of the crate");
            refused += 1;
            continue;
        };
        line.push_str(&format!(" triple={}", t.path));
        *per_triple.entry(t.path).or_default() += 1;
        match read_module(&b, &secs, t, &mut line) {
            Ok(()) => {
                println!("{line} ok");
                ok += 1;
            }
            Err(why) => {
                println!("{line} wrong: {why}");
                wrong += 1;
            }
        }
    }
    let triples: Vec<String> = per_triple.iter().map(|(p, n)| format!("{p} {n}")).collect();
    eprintln!("modules: {read}, ok: {ok}, refused: {refused}, wrong: {wrong}; by triple: {}", triples.join(", "));
}
