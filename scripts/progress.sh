# shellcheck shell=bash
# Progress for long work, sourced by setup.sh and tools.sh. The caller sets PROGRESS_PREFIX
# ("setup", "tools") and may define progress_detail, whose output ends each periodic line.

PROGRESS_EVERY=30   # seconds between "still running" lines

say() { echo "$PROGRESS_PREFIX: $*"; }

# run_logged <label> <log> <command…>: runs the command with its output in <log> (named on screen
# by the caller), prints "<label>: N s …" every PROGRESS_EVERY seconds while it runs, and on
# failure prints the log's last lines and returns the command's status.
# The command runs in the foreground (Ctrl-C reaches it); the ticker is the background job.
run_logged() {
    local label=$1 log=$2 start=$SECONDS rc=0 ticker
    shift 2
    mkdir -p "$(dirname "$log")"
    : >"$log"
    (
        set +e
        next=$PROGRESS_EVERY
        while sleep 1; do
            ((SECONDS - start >= next)) || continue
            say "$label: $((SECONDS - start)) s$(progress_detail 2>/dev/null)"
            next=$((next + PROGRESS_EVERY))
        done
    ) &
    ticker=$!
    # shellcheck disable=SC2064  # the ticker's pid is known now, not when the trap fires
    trap "kill $ticker 2>/dev/null" EXIT
    "$@" >>"$log" 2>&1 </dev/null || rc=$?
    kill "$ticker" 2>/dev/null || true
    trap - EXIT
    if ((rc)); then
        {
            say "$label failed (exit $rc); the last lines of $log:"
            tail -n 30 "$log" | sed 's/^/    /'
        } >&2
    fi
    return "$rc"
}

# What a periodic line adds after the elapsed time; callers that know more redefine it.
progress_detail() { :; }
