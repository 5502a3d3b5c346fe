# bash completion for kabigen                                  -*- shell-script -*-
# Installed as bash-completion/completions/kabigen. Options come from `kabigen help COMMAND`
# itself (so they cannot drift from it); --kver and --flavour values from the releases
# kabigen last saw in Debian's archive for the arch ($XDG_CACHE_HOME/kabigen/apt/DEBARCH/
# releases, written by `kabigen list` and --kver): no network, no index read here.

# The Debian arch of a kabigen --arch value (or of a diff side's ARCH).
_kabigen_debarch()
{
    case $1 in
    x86_64 | x86-64 | amd64) echo amd64 ;;
    arm64 | aarch64) echo arm64 ;;
    riscv64) echo riscv64 ;;
    loongarch64 | loong64) echo loong64 ;;
    esac
}

# The cached releases lines ("RELEASE SUFFIX FLAVOUR VERSION SUITE") of one arch, or all.
_kabigen_releases()
{
    local cache=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/kabigen/apt debarch
    debarch=$(_kabigen_debarch "$1")
    if [ -n "$debarch" ]; then
        cat "$cache/$debarch/releases" 2>/dev/null
    else
        cat "$cache"/*/releases 2>/dev/null
    fi
}

# --kver values: 7.2, 7.2.13 and 7.2.13+deb14-riscv64 for each cached 7.2.13+deb14.
_kabigen_kvers()
{
    _kabigen_releases "$1" | while read -r release suffix _; do
        local upstream=${release%%+*} major minor
        IFS=. read -r major minor _ <<<"$upstream"
        echo "$major.$minor"
        echo "$upstream"
        echo "$release-$suffix"
    done | sort -uV
}

_kabigen_flavours()
{
    _kabigen_releases "$1" | while read -r _ _ flavour _; do
        [ "$flavour" = generic ] || echo "$flavour"
    done | sort -u
}

# The commands `kabigen --help` lists ("  NAME  what it does"): they cannot drift from it.
_kabigen_commands()
{
    "$1" --help 2>/dev/null | sed -nE 's/^  ([a-z][a-z-]*)  .*/\1/p' | tr '\n' ' '
}

# Every option `kabigen help COMMAND` names in its usage line and its option table (the
# names before each description).
_kabigen_options()
{
    "$1" help "$2" 2>/dev/null |
        sed -nE -e '/^(usage:| +kabigen )/p' -e 's/^ +(-[^ ]*( [^ -][^ ]*)?(, -[^ ]*( [^ -][^ ]*)?)*)  .*/\1/p' |
        grep -oE -- '(^|[ [(|,])--?[A-Za-z][A-Za-z-]*' | sed -E 's/^[^-]+//' | sort -u
}

_kabigen()
{
    local cur prev words cword
    _init_completion -n : || return

    local i command="" arch="" commands
    commands=$(_kabigen_commands "$1")
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        --arch) arch=${words[i + 1]} ;;
        -*) ;;
        *) [ "$i" = 1 ] && [[ " "$commands" " == *" ${words[i]} "* ]] && command=${words[i]} ;;
        esac
    done

    case $prev in
    --arch)
        COMPREPLY=($(compgen -W 'x86_64 arm64 riscv64 loongarch64 amd64 x86-64 aarch64 loong64' -- "$cur"))
        return ;;
    --kver)
        COMPREPLY=($(compgen -W '$(_kabigen_kvers "$arch")' -- "$cur"))
        return ;;
    --flavour)
        COMPREPLY=($(compgen -W '$(_kabigen_flavours "$arch")' -- "$cur"))
        return ;;
    --format)
        if [ "$command" = diff ] || [ "$command" = check-ko ]; then
            COMPREPLY=($(compgen -W 'text md json' -- "$cur"))
        else
            COMPREPLY=($(compgen -W 'c rust json' -- "$cur"))
        fi
        return ;;
    --kdir)
        _filedir -d
        return ;;
    -o | --output | --kconfig | --emit-tu | --depfile | --symvers)
        _filedir
        return ;;
    --set-file | --suppress)
        _filedir '@(yaml|yml)'
        return ;;
    --layout)
        _filedir json
        return ;;
    --loader)
        # A profile of configs/loaders by name, or a YAML file once the word looks like a path.
        if [[ $cur == */* || $cur == .* ]]; then
            _filedir '@(yaml|yml)'
            return
        fi
        local configs
        configs=$(dirname "$(readlink -f "$(command -v "$1")")")/../share/kabigen/configs/loaders
        [ -d "$configs" ] || configs=$(dirname "$(readlink -f "$(command -v "$1")")")/configs/loaders
        COMPREPLY=($(compgen -W "$(ls "$configs" 2>/dev/null | sed -n 's/\.yaml$//p')" -- "$cur"))
        return ;;
    --set | --only | -j | --jobs | --max-memory | --name | --want)
        return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '$(_kabigen_options "$1" "${command:-generate}")' -- "$cur"))
        return
    fi
    case $command in
    "")
        [ "$cword" = 1 ] && COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
    help)
        [ "$cword" = 2 ] && COMPREPLY=($(compgen -W "${commands/help/}" -- "$cur")) ;;
    matrix | crate)
        _filedir '@(yaml|yml)' ;;
    check-ko)
        _filedir '@(ko|xz|zst|gz)' ;;
    build-ko)
        _filedir c ;;
    diff)
        # A side is a layout dump, a headers folder, or ARCH:KVER[:FLAVOUR].
        if [[ $cur == *:*:* ]]; then
            local side=${cur%:*} a=${cur%%:*}
            COMPREPLY=($(compgen -P "$side:" -W '$(_kabigen_flavours "$a")' -- "${cur##*:}"))
        elif [[ $cur == *:* ]]; then
            local a=${cur%%:*}
            COMPREPLY=($(compgen -P "$a:" -W '$(_kabigen_kvers "$a")' -- "${cur#*:}"))
        else
            _filedir
            COMPREPLY+=($(compgen -W 'x86_64: arm64: riscv64: loongarch64: amd64: aarch64: loong64:' -- "$cur"))
            compopt -o nospace
        fi
        __ltrim_colon_completions "$cur" ;;
    esac
} &&
    complete -F _kabigen kabigen

# ex: filetype=sh
