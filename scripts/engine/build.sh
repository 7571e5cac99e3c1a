#!/usr/bin/env bash
# npm run engine:build: builds the real Pulumi engine this program runs on, into .engine/bin
# (git-ignored), from the Go module proxy only: the Pulumi CLI, the Node.js and Python language
# hosts, and the snowflake resource plugin; and, from PyPI, a virtualenv for Python programs
# (.engine/python). Versions come from package-lock.json (the Python packages npm does not know, from
# scripts/engine/python-requirements.txt). A finished binary is kept while its version stays the
# same (a second run takes seconds); ENGINE_REBUILD=1 rebuilds.
# Each step prints its time; a failing step prints its command and the last lines it wrote.
#
# Env: ENGINE_DIR (default <repo>/.engine), GOCACHE/GOMODCACHE/GOPROXY as usual (CI may point them
# at empty folders for a cold build), ENGINE_ONLY="cli hosts snowflake python" to build a subset.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ENGINE="${ENGINE_DIR:-$ROOT/.engine}"
BIN="$ENGINE/bin"
LOGS="$ENGINE/logs"
mkdir -p "$BIN" "$LOGS" "$ENGINE/src"
export GOFLAGS="-mod=mod"
export GOTOOLCHAIN=local
# Release flags of the CLI (pulumi/pulumi .goreleaser.yml: -trimpath, tags osusergo,grpcnotrace).
TAGS="osusergo,grpcnotrace"

lockVersion() { # the version package-lock.json pins for an npm package
    node -e 'const l=require(process.argv[1]);const p=l.packages["node_modules/"+process.argv[2]];if(!p)process.exit(1);console.log(p.version)' \
        "$ROOT/package-lock.json" "$1" || { echo "engine:build: package-lock.json has no $1" >&2; exit 2; }
}
PULUMI_VERSION="$(lockVersion @pulumi/pulumi)"
SNOWFLAKE_VERSION="$(lockVersion @pulumi/snowflake)"
AWS_VERSION="$(lockVersion @pulumi/aws)"

now() { date +%s; }
T0=$(now)
# step <name> <command...>: runs the command with its output in .engine/logs/<name>.log.
step() {
    local name="$1"; shift
    local log="$LOGS/$name.log" t
    t=$(now)
    printf 'engine:build: %-28s ' "$name"
    if ! "$@" >"$log" 2>&1; then
        echo "FAILED after $(( $(now) - t ))s"
        echo "engine:build: the failing command (in $PWD): $*" >&2
        echo "engine:build: its last lines ($log):" >&2
        tail -n 25 "$log" >&2
        exit 1
    fi
    echo "$(( $(now) - t ))s"
}
# fresh <binary> <version key>: whether .engine/bin/<binary> was built at this version key.
fresh() { [ -z "${ENGINE_REBUILD:-}" ] && [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.version" 2>/dev/null)" = "$2" ]; }
stamp() { echo "$2" >"$BIN/.$1.version"; }
wanted() { [ -z "${ENGINE_ONLY:-}" ] || [[ " $ENGINE_ONLY " == *" $1 "* ]]; }

# A throwaway main module in .engine/src/<name>: its go.mod requires what the binaries need.
newModule() {
    local dir="$ENGINE/src/$1"
    rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
    go mod init "incremental-crawl.engine/$1" >/dev/null 2>&1
}

# The replaces of a module's own go.mod that point at other modules (not at ../ folders of its
# repository): a dependency's replaces are ignored, so the main module repeats them.
moduleReplaces() { # <module> <version>
    local mod
    mod="$(go mod download -json "$1@$2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).GoMod))')"
    node -e '
        const t = require("fs").readFileSync(process.argv[1], "utf8");
        const lines = [...t.matchAll(/^replace\s*\(([\s\S]*?)^\)/gm)].flatMap((m) => m[1].split("\n"))
            .concat([...t.matchAll(/^replace\s+([^(\n].*)$/gm)].map((m) => m[1]));
        for (const l of lines) {
            const m = /^\s*(\S+)(?:\s+\S+)?\s*=>\s*(\S+)\s+(\S+)\s*$/.exec(l);
            if (m && !m[2].startsWith(".")) console.log(`${m[1]}=${m[2]}@${m[3]}`);
        }' "$mod"
}

# 1. The CLI ---------------------------------------------------------------------------------------
# pkg/go.mod replaces sdk/v3 with ../sdk, so `go install .../pkg/v3/cmd/pulumi@v3.x` is refused; a
# main module that requires pkg/v3 and sdk/v3 at the release builds it (pulumi/pulumi-docker-build
# built its CLI and language hosts this way).
buildCliModule() {
    newModule "pulumi-$PULUMI_VERSION"
    go mod edit -require="github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" -require="github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
    local r
    for r in $(moduleReplaces github.com/pulumi/pulumi/pkg/v3 "v$PULUMI_VERSION"); do go mod edit -replace="$r"; done
    cat go.mod
    go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
    # The release versions must have won.
    go list -m github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3 >resolved.txt
    cat resolved.txt && grep -q "pkg/v3 v$PULUMI_VERSION" resolved.txt
}
goBuild() { # <output> <version> <package>
    go build -trimpath -tags "$TAGS" -o "$BIN/$1" -ldflags "-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$2" "$3"
}
if wanted cli; then
    if fresh pulumi "$PULUMI_VERSION"; then
        echo "engine:build: pulumi $PULUMI_VERSION is built"
    else
        step "cli:resolve" buildCliModule
        cd "$ENGINE/src/pulumi-$PULUMI_VERSION"
        step "cli:build" goBuild pulumi "v$PULUMI_VERSION" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
        stamp pulumi "$PULUMI_VERSION"
    fi
fi

# 2. The language hosts -----------------------------------------------------------------------------
# sdk/nodejs/cmd/pulumi-language-nodejs/v3 and sdk/python/cmd/pulumi-language-python/v3 are untagged
# modules. The module proxy refuses their pseudo-version at the release commit
# (v3.0.0-20260624120734-a88168d865b7, and -20260624180030-dc7edd58bc13 of the pkg/ tag: "403 This
# module version is not available"); it serves the one pulumi/pulumi-docker-build required, of
# 2025-08-06 (bee5e4fa), which does not compile against the 3.248 libraries. So the hosts are that
# revision, built against pkg/v3 and sdk/v3 of the first release that contains it (their own go.mod
# points at the monorepo's folders, which a dependency's replaces cannot). A host only starts the
# program: what runs it is @pulumi/pulumi from package-lock.json, as with a CLI of that release.
HOSTS_VERSION="v3.0.0-20250806165243-bee5e4fa4815"
HOSTS_RELEASE="v3.188.0"
buildHostsModule() {
    newModule "hosts-$HOSTS_RELEASE"
    go mod edit -require="github.com/pulumi/pulumi/pkg/v3@$HOSTS_RELEASE" -require="github.com/pulumi/pulumi/sdk/v3@$HOSTS_RELEASE"
    local r
    for r in $(moduleReplaces github.com/pulumi/pulumi/pkg/v3 "$HOSTS_RELEASE"); do go mod edit -replace="$r"; done
    go get "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$HOSTS_VERSION" \
        "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3@$HOSTS_VERSION" \
        "github.com/pulumi/pulumi/pkg/v3@$HOSTS_RELEASE" "github.com/pulumi/pulumi/sdk/v3@$HOSTS_RELEASE"
    go list -m github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3 >resolved.txt
    cat resolved.txt && grep -q "pkg/v3 $HOSTS_RELEASE" resolved.txt
}
if wanted hosts; then
    if fresh pulumi-language-nodejs "$HOSTS_VERSION" && fresh pulumi-language-python "$HOSTS_VERSION"; then
        echo "engine:build: the language hosts ($HOSTS_VERSION) are built"
    else
        step "hosts:resolve" buildHostsModule
        cd "$ENGINE/src/hosts-$HOSTS_RELEASE"
        step "hosts:build nodejs" goBuild pulumi-language-nodejs "$HOSTS_RELEASE" github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
        stamp pulumi-language-nodejs "$HOSTS_VERSION"
        step "hosts:build python" goBuild pulumi-language-python "$HOSTS_RELEASE" github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
        stamp pulumi-language-python "$HOSTS_VERSION"
    fi
    # The Python host runs a program through pulumi-language-python-exec, a script it looks for
    # beside itself (pulumi-language-python main.go: "missing executor"); a release ships it there.
    # It is in the sdk/v3 module, python/cmd/: the one of the CLI's release, as the Python SDK is.
    if fresh pulumi-language-python-exec "$PULUMI_VERSION"; then
        echo "engine:build: pulumi-language-python-exec $PULUMI_VERSION is in place"
    else
        copyExec() {
            local dir
            dir="$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')"
            install -m 755 "$dir/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
        }
        step "hosts:python exec" copyExec
        stamp pulumi-language-python-exec "$PULUMI_VERSION"
    fi
fi

# 3. The snowflake resource plugin -----------------------------------------------------------------
# pulumi-snowflake's provider module is untagged and the proxy refuses its pseudo-version at the
# release commit (v0.0.0-20250423033919-bccedf87d92e: "403 This module version is not available"), so
# scripts/engine/snowflake/main.go serves the same Terraform provider through the same bridge with
# the same package settings (its header says what differs). The two versions a pulumi-snowflake
# release builds on, from its provider/go.mod at the release tag:
snowflakeUpstream() {
    case "$1" in
        1.3.0) echo "github.com/Snowflake-Labs/terraform-provider-snowflake@v1.2.1 github.com/pulumi/pulumi-terraform-bridge/v3@v3.106.0" ;;
        *) echo "engine:build: @pulumi/snowflake $1 is not in scripts/engine/build.sh's snowflakeUpstream: add the terraform-provider-snowflake and pulumi-terraform-bridge versions of its provider/go.mod" >&2; return 1 ;;
    esac
}
buildSnowflakeModule() {
    newModule "snowflake-$SNOWFLAKE_VERSION"
    cp "$ROOT/scripts/engine/snowflake/main.go" .
    local m r
    for m in $UPSTREAM; do go mod edit -require="$m"; done
    # The bridge's own replaces (Pulumi's terraform-plugin-sdk fork) and pulumi-snowflake's
    # (provider/go.mod: go-ieproxy and gocloud.dev pinned where their newer releases break the build).
    for r in $(moduleReplaces github.com/pulumi/pulumi-terraform-bridge/v3 "${UPSTREAM##*@}"); do go mod edit -replace="$r"; done
    go mod edit -replace=github.com/mattn/go-ieproxy=github.com/mattn/go-ieproxy@v0.0.1 -replace=gocloud.dev=gocloud.dev@v0.29.0
    cat go.mod
    go get $UPSTREAM
    go mod tidy
}
if wanted snowflake; then
    UPSTREAM="$(snowflakeUpstream "$SNOWFLAKE_VERSION")"
    if fresh pulumi-resource-snowflake "$SNOWFLAKE_VERSION ($UPSTREAM)"; then
        echo "engine:build: pulumi-resource-snowflake $SNOWFLAKE_VERSION is built"
    else
        step "snowflake:resolve" buildSnowflakeModule
        cd "$ENGINE/src/snowflake-$SNOWFLAKE_VERSION"
        step "snowflake:build" go build -trimpath -o "$BIN/pulumi-resource-snowflake" -ldflags "-w -s -X main.version=$SNOWFLAKE_VERSION" .
        stamp pulumi-resource-snowflake "$SNOWFLAKE_VERSION ($UPSTREAM)"
    fi
fi

# 4. A virtualenv for Python programs ---------------------------------------------------------------
# The pulumi SDK of the CLI's release, pulumi-aws of the program's @pulumi/aws, and what the generated
# SDK of the component package needs, pinned (scripts/engine/python-requirements.txt). Python
# projects name it in Pulumi.yaml (runtime.options.virtualenv).
if wanted python; then
    REQUIREMENTS="$ROOT/scripts/engine/python-requirements.txt"
    PYTHON_KEY="pulumi==$PULUMI_VERSION pulumi-aws==$AWS_VERSION $(sha256sum "$REQUIREMENTS" | cut -c1-12)"
    if [ -z "${ENGINE_REBUILD:-}" ] && [ -x "$ENGINE/python/bin/python" ] && [ "$(cat "$ENGINE/python/.version" 2>/dev/null)" = "$PYTHON_KEY" ]; then
        echo "engine:build: the Python virtualenv ($PYTHON_KEY) is made"
    else
        cd "$ROOT"
        step "python:venv" python3 -m venv --clear "$ENGINE/python"
        step "python:install" "$ENGINE/python/bin/pip" install --no-input --disable-pip-version-check \
            "pulumi==$PULUMI_VERSION" "pulumi-aws==$AWS_VERSION" -r "$REQUIREMENTS"
        "$ENGINE/python/bin/pip" freeze --all >"$LOGS/python-freeze.txt"
        echo "$PYTHON_KEY" >"$ENGINE/python/.version"
    fi
fi

echo "engine:build: done in $(( $(now) - T0 ))s: $(ls "$BIN" | tr '\n' ' ')"
