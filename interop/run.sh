#!/usr/bin/env bash
# Interop runner against the Go reference implementation (mash-go @ 4ee01fc),
# outside `cargo test`: it needs the reference's binaries, which this
# repository does not ship or build.
#
#   MASH_GO_BIN=/path/to/mash-go/bin interop/run.sh [device|controller|all]
#
# device:      the reference conformance runner (mash-test) against our
#              `mash device` (INTEROP.md Appendix A.4 invocation);
# controller:  our `mash controller` against the reference `mash-device`:
#              commission, read, set and clear a limit, remove the zone.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${MASH_GO_BIN:?set MASH_GO_BIN to the directory holding mash-device and mash-test}"
KEY=00112233445566778899aabbccddeeff
CODE=20220211
PORT=${PORT:-18443}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release -p mash-cli
MASH=target/release/mash

wait_port() { for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

run_device() {
    echo "== reference runner against mash-rs device"
    "$MASH" device --type evse --port "$PORT" --setup-code "$CODE" --discriminator 1234 \
        --enable-key "$KEY" --state-dir "$WORK/device" --reset --log info >"$WORK/device.log" 2>&1 &
    wait_port "$PORT"
    "$MASH_GO_BIN/mash-test" -target "localhost:$PORT" -mode device -setup-code "$CODE" \
        -enable-key "$KEY" -tags base-protocol -exclude-tags env:multi-device \
        | tee "$WORK/mash-test.log"
}

run_controller() {
    echo "== mash-rs controller against the reference device"
    "$MASH_GO_BIN/mash-device" -type evse -port "$PORT" -setup-code "$CODE" -discriminator 1234 \
        -simulate -state-dir "$WORK/go-device" -reset >"$WORK/go-device.log" 2>&1 &
    wait_port "$PORT"
    local c=("$MASH" controller --state-dir "$WORK/ems" --json)
    "${c[@]}" commission --address "127.0.0.1:$PORT" --setup-code "$CODE"
    "${c[@]}" read --endpoint 0 --feature device-info --attr specVersion --attr endpoints
    "${c[@]}" read --feature measurement
    "${c[@]}" limit set --consumption 6kW --cause local-protection
    "${c[@]}" read --feature energy-control --attr effectiveConsumptionLimit --attr myConsumptionLimit
    "${c[@]}" limit clear
    "${c[@]}" remove
}

case "${1:-all}" in
    device) run_device ;;
    controller) run_controller ;;
    all) run_device; run_controller ;;
    *) echo "usage: $0 [device|controller|all]" >&2; exit 2 ;;
esac
