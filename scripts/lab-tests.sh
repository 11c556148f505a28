#!/usr/bin/env bash
# The lab tests, by release (docs/lab.md, "What CI runs").
#
#   lab-tests.sh ci    npm run test:lab (CI): every file of test/lab on Debian 12, as always.
#                      With LAB_RELEASE=11 or 13: the release matrix (below) on that release only.
#   lab-tests.sh all   npm run test:lab:all: what `ci` runs, the release matrix on Debian 11 and
#                      on Debian 13, and every file of test/lab-all/ (slow or mixed-release tests,
#                      on the releases they choose). With LAB_RELEASE=R: R's part only.
#
# The release matrix: the files that prove a release (install, no-op, change and destroy; MASTER
# failover; verified reload; drain; TLS frontends), each on a lab whose hosts all run it. Off
# Debian 12 mocha's titles carry the release (lab/mochaRelease.ts) and each file fails unless
# it saw the release's own haproxy and keepalived on the balancers (lab/scenario.ts).
# Every part runs even after one fails; the exit code is 1 if any did. LAB_TESTS_DRY_RUN=1 prints
# each part's release and files instead of running it.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
readonly MATRIX="e2e failover reloadCheck drain frontends"
readonly OTHER_RELEASES="11 13"
PROG=${0##*/}

die() { echo "$PROG: $*" >&2; exit 2; }

# Mocha on the given compiled test files with LAB_RELEASE=$1 (empty: unset).
run_part() {
    local release=$1 label=$2 t0=$SECONDS rc=0; shift 2
    echo "== $PROG: $label"
    if [[ -n ${LAB_TESTS_DRY_RUN:-} ]]; then
        echo "LAB_RELEASE=${release:-(unset)} mocha $*"
        return 0
    fi
    if [[ -n $release ]]; then
        LAB_RELEASE=$release bash scripts/with-tools.sh mocha --timeout 0 --require dist/lab/mochaRelease.js "$@" || rc=$?
    else
        env -u LAB_RELEASE bash scripts/with-tools.sh mocha --timeout 0 --require dist/lab/mochaRelease.js "$@" || rc=$?
    fi
    SUMMARY+=("$(printf '%-40s %s in %d s' "$label" "$([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)")" $((SECONDS - t0)))")
    ((rc == 0)) || RC=1
}

matrix_files() { local f; for f in $MATRIX; do echo "dist/test/lab/$f.test.js"; done; }

# The part of one release: all of test/lab on 12, the matrix on another.
release_part() {
    local r=$1 files=()
    if [[ $r == 12 ]]; then
        run_part 12 "Debian 12: test/lab" 'dist/test/lab/**/*.test.js'
    else
        mapfile -t files < <(matrix_files)
        run_part "$r" "Debian $r: ${MATRIX// /, }" "${files[@]}"
    fi
}

lab_all_files() { find dist/test/lab-all -name '*.test.js' 2>/dev/null | sort; }

main() {
    local mode=${1:-} r files=()
    RC=0 SUMMARY=()
    case ${LAB_RELEASE:-} in
        ""|11|12|13) ;;
        *) die "LAB_RELEASE must be one of 11, 12, 13 (Debian release), got '$LAB_RELEASE'" ;;
    esac
    case $mode in
        ci)
            # Exactly CI's run when LAB_RELEASE is unset.
            release_part "${LAB_RELEASE:-12}"
            ;;
        all)
            if [[ -n ${LAB_RELEASE:-} ]]; then
                release_part "$LAB_RELEASE"
            else
                release_part 12
                for r in $OTHER_RELEASES; do release_part "$r"; done
            fi
            mapfile -t files < <(lab_all_files)
            if ((${#files[@]})); then
                run_part "${LAB_RELEASE:-}" "test/lab-all (${#files[@]} files)" "${files[@]}"
            fi
            ;;
        *) die "usage: $PROG ci|all" ;;
    esac
    ((${#SUMMARY[@]})) && printf '%s\n' "== $PROG summary" "${SUMMARY[@]}"
    return "$RC"
}

main "$@"
